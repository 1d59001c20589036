"""The audit trail of a finding as the office reads it: one sentence per entry, saying who did
what to which record, with the unit, deadline and words of the step filled in.

The entries keep their codes, states and hashes for `xuncha audit verify`; people read these
sentences instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..i18n import gettext as _
from ..i18n import lang
from ..labels import N_
from ..models import Finding, Unit

# One sentence per audit action. %(who)s is the person (or the system), %(finding)s the
# finding's number; the other fields come from the entry's details or recorded state.
SENTENCES = {
    "finding.opened": N_("%(who)s recorded finding %(finding)s in a check."),
    "finding.assigned": N_(
        "%(who)s assigned finding %(finding)s to %(unit)s for rectification by %(deadline)s."
    ),
    "finding.submitted": N_("%(who)s submitted the rectification of finding %(finding)s for verification."),
    "finding.rework": N_(
        "%(who)s sent finding %(finding)s back for rework, with a new deadline of %(deadline)s."
    ),
    "finding.closed": N_("%(who)s verified the rectification and closed finding %(finding)s."),
    "finding.merged": N_("%(who)s merged finding %(finding)s into finding %(other)s as a duplicate."),
    "finding.absorbed": N_("%(who)s merged finding %(other)s into finding %(finding)s as a duplicate."),
    "finding.disclosed": N_("%(who)s disclosed finding %(finding)s to the campaign's lead and the unit."),
    "finding.escalated": N_(
        "The deadline of finding %(finding)s (%(deadline)s) passed: the system told the campaign's lead."
    ),
    "rectification.recorded": N_(
        "%(who)s reported the rectification of %(unit)s, with its photos to follow."
    ),
    "rectification.completed": N_("Every photo of the rectification by %(unit)s has arrived."),
    "photo.declared": N_("%(who)s listed %(photo)s, to be sent."),
    "photo.received": N_("%(photo)s arrived from %(who)s."),
}
TEXT_LABELS = {
    "finding.assigned": N_("Instructions for the unit:"),
    "finding.rework": N_("Why it was sent back:"),
    "finding.closed": N_("Note:"),
}


@dataclass(frozen=True)
class AuditLine:
    seq: int
    at: datetime
    action: str
    sentence: str
    text_label: str
    text: str


def audit_sentences(
    trail: list[dict[str, Any]], finding: Finding, units: dict[int, Unit], zone: ZoneInfo
) -> list[AuditLine]:
    language = lang()

    def unit_name(unit_id: Any) -> str:
        unit = units.get(unit_id) if isinstance(unit_id, int) else None
        return unit.name(language) if unit else _("a unit no longer active")

    def moment(value: Any) -> str:
        if not isinstance(value, str):
            return _("no deadline")
        try:
            return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value

    lines = []
    for row in trail:
        entry, details, state = row["entry"], row["details"], row.get("state", {})
        who = row["actor"].name(language) if row["actor"] else _("The system")
        if entry.object_type == "photo":
            photo = _("an after-photo") if state.get("rectification_id") else _("a photo of the check")
        else:
            photo = ""
        fields = {
            "who": who,
            "finding": f"#{entry.object_id if entry.object_type == 'finding' else finding.id}",
            "unit": unit_name(details.get("unit_id", state.get("unit_id"))),
            "deadline": moment(details.get("deadline", state.get("deadline"))),
            "other": f"#{details.get('related_finding_id', '')}",
            "photo": photo,
        }
        template = SENTENCES.get(entry.action)
        sentence = _(template, **fields) if template else _("%(who)s changed the record.", who=who)
        sentence = sentence[:1].upper() + sentence[1:]
        label = TEXT_LABELS.get(entry.action)
        text = details.get("reason") if label else None
        lines.append(
            AuditLine(
                seq=entry.seq,
                at=entry.at,
                action=entry.action,
                sentence=sentence,
                text_label=_(label) if label and text else "",
                text=text or "",
            )
        )
    return lines
