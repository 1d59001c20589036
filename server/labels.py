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
    # Checklist items name a problem ("bins overflowing"), so the answers say whether it was found.
    "result": {"pass": N_("No such problem"), "fail": N_("Problem found"), "na": N_("Not applicable")},
    "severity": {"minor": N_("Minor"), "major": N_("Major"), "critical": N_("Critical")},
    "source": {"gps": N_("GPS"), "exif": N_("Photo EXIF"), "manual": N_("Entered by hand")},
    "check_status": {"awaiting_photos": N_("Waiting for photos"), "complete": N_("Every photo received")},
    "finding_status": {
        "new": N_("New"),
        "assigned": N_("Assigned"),
        "submitted": N_("Rectification submitted"),
        "rework": N_("Sent back for rework"),
        "closed": N_("Closed"),
        "merged": N_("Merged as duplicate"),
    },
    "complaint_source": {
        "hotline_12319": N_("12319 hotline"),
        "web": N_("Website"),
        "letter": N_("Letter"),
        "visit": N_("Visit in person"),
        "media": N_("Media"),
        "referral": N_("Referral"),
    },
    "complaint_status": {
        "received": N_("Received"),
        "assigned": N_("Assigned"),
        "investigated": N_("Investigated"),
        "visited": N_("Called back"),
        "closed": N_("Closed"),
    },
    "visit_outcome": {
        "satisfied": N_("Satisfied"),
        "basically_satisfied": N_("Basically satisfied"),
        "unsatisfied": N_("Unsatisfied"),
    },
    "unit_kind": {
        "bureau": N_("Bureau"),
        "office": N_("Office"),
        "district": N_("District bureau"),
        "department": N_("Department"),
        "third_party": N_("Third party"),
        "supervision": N_("Supervision office"),
    },
    # A unit's answer to a dated duty of the year's calendar (server/duties/).
    "duty_status": {
        "on_time": N_("Answered on time"),
        "late": N_("Answered late"),
        "missing": N_("Not answered yet"),
        "overdue": N_("Overdue, no answer"),
    },
    "score_part": {
        "third_party": N_("Third-party supervision"),
        "service_recipient": N_("Service-recipient evaluation"),
        "democratic": N_("Collective democratic evaluation"),
        "routine": N_("Routine work"),
    },
    "rating": {"excellent": N_("Excellent"), "qualified": N_("Qualified"), "unqualified": N_("Unqualified")},
}


def label(group: str, code: str | None) -> str:
    if code is None:
        return ""
    message = LABELS.get(group, {}).get(code)
    return gettext(message) if message else code
