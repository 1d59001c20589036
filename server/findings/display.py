"""What the finding's page says: its workflow steps, history actions, photo flags, deadline fields."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta

from ..errors import Invalid
from ..i18n import current_locale, format_distance
from ..i18n import gettext as _
from ..labels import N_
from ..settings import Settings
from .service import FindingDetail

STEPS = ("assign", "verify", "merge", "disclose")
EVENT_ACTIONS = {
    "assigned": N_("Assigned"),
    "submitted": N_("Rectification submitted"),
    "rework": N_("Sent back for rework"),
    "closed": N_("Verified and closed"),
    "merged": N_("Merged as duplicate"),
    "absorbed": N_("A duplicate was merged into it"),
    "disclosed": N_("Disclosed by the office"),
    "escalated": N_("Deadline passed: escalated to the lead"),
}
FLAGS = {
    "far": N_("Taken %(distance)s from the finding, farther than %(limit)s."),
    "no_position": N_("The photo carries no position of its own; the phone's reported position was used."),
    "before_assignment": N_("Taken before the finding was assigned."),
    "identical": N_("Byte-identical to a photo of the finding itself."),
    "near_identical": N_("Nearly identical to a photo of the finding itself."),
    "implausible_time": N_(
        "The photo's own clock gives a time that cannot be true (in the future, or many years ago); it proves nothing about when the photo was taken."
    ),
}
FLAG_NAMES = {
    "far": N_("Taken far away"),
    "no_position": N_("No position of its own"),
    "before_assignment": N_("Taken before assignment"),
    "identical": N_("Same photo as the finding's"),
    "near_identical": N_("Nearly the same photo"),
    "implausible_time": N_("Impossible capture time"),
}
DONE = {
    "assigned": N_("Assigned. The rectification notice is issued."),
    "closed": N_("Verified and closed."),
    "rework": N_("Sent back for rework with a new deadline."),
    "merged": N_("Merged as a duplicate; both records and all photos are kept."),
    "disclosed": N_("Disclosed: the campaign's lead and the unit can now see it."),
}


def latest_flags(detail: FindingDetail) -> list[tuple[str, Any]]:
    """The anti-fraud flags of the photos of the rectification the lead is about to verify."""
    if not detail.rectifications:
        return []
    latest = detail.rectifications[-1]
    found = []
    for photo in detail.after_photos.get(latest.id, []):
        for flag in photo.flags.split():
            found.append((flag, photo))
    return found


def flag_text(flag: str, photo: Any, settings: Settings) -> str:
    message = FLAGS.get(flag)
    if message is None:
        return flag_names_text(flag)
    if flag == "far":
        return _(
            message,
            distance=format_distance(photo.distance_m),
            limit=format_distance(settings.rectification_far_m),
        )
    return _(message)


def flag_names_text(flag: str) -> str:
    name = FLAG_NAMES.get(flag) or CHECK_FLAG_NAMES.get(flag)
    return _(name) if name else _("A warning")


# The officer's own photos, judged against the check they belong to: the lead sees these
# before assigning, as they see the after-photos' flags before verifying.
CHECK_FLAG_NAMES = {
    "far_from_check": N_("Taken far away"),
    "before_check": N_("Taken long before the check"),
}
# A photo taken this long before the check was recorded is not evidence of what the officer
# saw on that patrol (an old photo from the phone's gallery, or a phone with a wrong clock).
CHECK_PHOTO_MAX_AGE = timedelta(hours=12)


def check_photo_flags(detail: FindingDetail, settings: Settings) -> list[tuple[str, Any, str]]:
    """The flags of the finding's own photos, with the sentence that explains each."""
    recorded = detail.check.recorded_at
    found = []
    for photo in detail.check_photos:
        if photo.received_at is None:
            continue
        if photo.far_from_check:
            text = _(
                "Taken %(distance)s from where the check was recorded, farther than %(limit)s.",
                distance=format_distance(photo.distance_m),
                limit=format_distance(settings.photo_far_m),
            )
            found.append(("far_from_check", photo, text))
        if photo.taken_at is not None and recorded - photo.taken_at > CHECK_PHOTO_MAX_AGE:
            age = format_timedelta(recorded - photo.taken_at, threshold=1.1, locale=current_locale())
            found.append(("before_check", photo, _("Taken %(age)s before the check was recorded.", age=age)))
    return found


# What the lead wrote with each step, labelled for what it is: with an assignment it is the
# instructions for the unit (交办要求), with a rework the reason, with a closure a note.
EVENT_TEXT_LABELS = {
    "assigned": N_("Instructions for the unit:"),
    "rework": N_("Why it was sent back:"),
    "closed": N_("Note:"),
}


def local_input(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def deadline_from_form(value: Any, zone: ZoneInfo) -> str:
    """A datetime-local field (no offset) read in the bureau's zone, for the workflow to judge."""
    text = value.strip() if isinstance(value, str) else ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            _("Choose the date and time of the deadline."),
            errors=[{"field": "deadline", "message": _("Choose a date and a time.")}],
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


# --- the pages -------------------------------------------------------------------------
