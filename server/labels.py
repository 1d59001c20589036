"""Display labels for the domain's codes. N_ marks them for extraction; gettext translates at use."""

from __future__ import annotations

from .i18n import gettext


def N_(message: str) -> str:  # noqa: N802 - the conventional name for a no-op extraction marker
    return message


LABELS: dict[str, dict[str, str]] = {
    "role": {
        "officer": N_("Patrol officer"),
        "lead": N_("Campaign lead"),
        "supervisor": N_("Third-party supervisor"),
        "handler": N_("Responsible unit"),
        "office": N_("Supervision office"),
    },
    "kind": {
        "patrol": N_("Patrol check"),
        "unannounced": N_("Unannounced check"),
        "open": N_("Open check"),
        "recheck": N_("Re-check"),
    },
    "result": {"pass": N_("Pass"), "fail": N_("Fail"), "na": N_("N/A")},
    "severity": {"minor": N_("Minor"), "major": N_("Major"), "critical": N_("Critical")},
    "source": {"gps": N_("GPS"), "exif": N_("Photo EXIF"), "manual": N_("Entered by hand")},
    "check_status": {"awaiting_photos": N_("Waiting for photos"), "complete": N_("Complete")},
    "finding_status": {
        "new": N_("New"),
        "assigned": N_("Assigned"),
        "submitted": N_("Rectification submitted"),
        "rework": N_("Sent back for rework"),
        "closed": N_("Closed"),
        "merged": N_("Merged as duplicate"),
    },
    "unit_kind": {
        "bureau": N_("Bureau"),
        "office": N_("Office"),
        "district": N_("District bureau"),
        "department": N_("Department"),
        "third_party": N_("Third party"),
        "supervision": N_("Supervision office"),
    },
}


def label(group: str, code: str | None) -> str:
    if code is None:
        return ""
    message = LABELS.get(group, {}).get(code)
    return gettext(message) if message else code
