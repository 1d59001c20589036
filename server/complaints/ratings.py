"""Ratings by the people served (服务对象测评): a one-time link per closed complaint or finding.

The token is an HMAC of the subject under the secret key: it cannot be guessed, the page of a
closed complaint can show it again without storing it, and only its hash is in the database.
A used or unknown token answers the same plain page; requests are limited per client address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

import segno
from sqlalchemy import select, update

from ..checks.schemas import Errors, parse_text
from ..counters import Counters, make_counters
from ..db import Database
from ..errors import Forbidden, NotFound, TooManyAttempts
from ..findings.access import visible_findings
from ..findings.service import acts_as_lead
from ..i18n import gettext as _
from ..models import Complaint, Finding, FindingStatus, Rating, Role, User, VisitOutcome, utcnow
from ..settings import Settings

COMMENT_MAX = 500
WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class RatingLink:
    path: str
    qr_svg: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RatingService:
    def __init__(self, db: Database, settings: Settings, counters: Counters | None = None) -> None:
        self.db = db
        self.settings = settings
        # Shared by every server process, so the limit holds whichever worker answers.
        self.counters = counters or make_counters(settings, db)

    def token(self, subject: str) -> str:
        digest = hmac.new(self.settings.secret_key.encode(), f"rating:{subject}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:24]).decode().rstrip("=")

    def link(self, subject: str, base_url: str) -> RatingLink:
        """The path, and a QR code of the full address for the person served to scan."""
        path = f"/rate/{self.token(subject)}"
        qr = segno.make(base_url.rstrip("/") + path, error="m")
        return RatingLink(path, qr.svg_inline(scale=4, border=2))

    def add_for_complaint(self, session: Any, complaint: Complaint) -> None:
        """Within the closing transaction: the link exists from the moment the complaint is closed."""
        session.add(
            Rating(
                token_hash=token_hash(self.token(f"complaint:{complaint.uuid}")),
                complaint_id=complaint.id,
                unit_id=complaint.assigned_unit_id,
                comment="",
            )
        )

    async def finding_link(self, user: User, finding_id: int, base_url: str) -> RatingLink:
        """The link of a closed finding, made when first asked for by its lead or the office."""
        async with self.db.write() as session:
            finding = await session.scalar(
                select(Finding).where(Finding.id == finding_id, visible_findings(user))
            )
            if finding is None:
                raise NotFound(_("There is no finding %(id)s that you may see.", id=finding_id))
            if user.role != Role.office and not acts_as_lead(user, finding.campaign):
                raise Forbidden(_("Only the campaign's lead or the supervision office may do this."))
            if finding.status != FindingStatus.closed:
                raise NotFound(_("A rating link exists once the finding is closed."))
            subject = f"finding:{finding.id}"
            exists = await session.scalar(select(Rating.id).where(Rating.finding_id == finding.id))
            if exists is None:
                session.add(
                    Rating(
                        token_hash=token_hash(self.token(subject)),
                        finding_id=finding.id,
                        unit_id=finding.assigned_unit_id,
                        comment="",
                    )
                )
        return self.link(subject, base_url)

    async def limit(self, client: str) -> None:
        count = await self.counters.hit(f"rating:{client[:64]}", WINDOW_SECONDS, time.time())
        if count > self.settings.rating_requests_per_minute:
            raise TooManyAttempts(
                _("Too many attempts; try again in a minute."), headers={"Retry-After": "60"}
            )

    async def open(self, token: str) -> Rating | None:
        """The rating waiting behind a token, or None for a used or an unknown one alike."""
        if not token or len(token) > 64:
            return None
        async with self.db.read() as session:
            return await session.scalar(
                select(Rating).where(Rating.token_hash == token_hash(token), Rating.rated_at.is_(None))
            )

    async def rate(self, token: str, outcome: Any, comment: Any) -> bool:
        """Record the rating once; False when the token is used or unknown."""
        errors = Errors()
        if outcome not in VisitOutcome.__members__:
            errors.add("outcome", _("Choose one of the answers."))
        text = parse_text(comment, "comment", COMMENT_MAX, errors)
        errors.raise_if_any(_("The rating has mistakes."))
        if not token or len(token) > 64:
            return False
        async with self.db.write() as session:
            result = await session.execute(
                update(Rating)
                .where(Rating.token_hash == token_hash(token), Rating.rated_at.is_(None))
                .values(rated_at=utcnow(), outcome=outcome, comment=text)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]
