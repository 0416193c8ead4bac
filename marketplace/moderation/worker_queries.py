"""Reading the moderator's side: the dashboard (items today and this week,
earnings, control accuracy, what became of their proposals), and the item page
(the text with its word hits marked, the author's history in the community, the
rules, what the ladder proposes).

Reads only: every change goes through decisions.py and queue.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import g
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation import ladder, queue
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    DecisionStatus,
    EscalationCategory,
    Evidence,
    ModerationItem,
)
from marketplace.moderation.models import (
    AuthorNote,
    Community,
    CommunityAuthor,
    NetiquetteRule,
    PenaltyAction,
    PenaltyStep,
)
from marketplace.payments.earnings_queries import UNIT_STATUS_LABELS

HISTORY_ITEMS = 10

ACTION_LABELS = {
    DecisionAction.APPROVE: _lp("moderation action", "Approved"),
    DecisionAction.REMOVE: _lp("moderation action", "Removed"),
    DecisionAction.WARN: _lp("moderation action", "Warned"),
    DecisionAction.MUTE: _lp("moderation action", "Muted"),
    DecisionAction.BAN: _lp("moderation action", "Ban"),
    DecisionAction.ESCALATE: _lp("moderation action", "Escalated"),
    DecisionAction.ANSWER: _lp("moderation action", "Answered"),
    DecisionAction.REVERSE: _lp("moderation action", "Reversed"),
}
STATUS_LABELS = {
    DecisionStatus.PROPOSED: _lp("decision status", "Waiting for the company"),
    DecisionStatus.EFFECTIVE: _lp("decision status", "In force"),
    DecisionStatus.DECLINED: _lp("decision status", "Declined"),
    DecisionStatus.EXPIRED: _lp("decision status", "Lapsed"),
    DecisionStatus.REVERSED: _lp("decision status", "Reversed"),
}
CATEGORY_LABELS = {
    EscalationCategory.THREAT: _l("Threat of violence"),
    EscalationCategory.SELF_HARM: _l("Self-harm"),
    EscalationCategory.MINORS: _l("Minors at risk"),
    EscalationCategory.ILLEGAL: _l("Illegal content"),
    EscalationCategory.OTHER: _l("Something else"),
}
PENALTY_LABELS = {
    PenaltyAction.WARN: _l("a warning"),
    PenaltyAction.MUTE: _l("a mute"),
    PenaltyAction.BAN_PROPOSAL: _l("a ban proposal"),
}


def template_globals() -> dict[str, object]:
    return {
        "ACTION_LABELS": ACTION_LABELS,
        "DECISION_STATUS_LABELS": STATUS_LABELS,
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "PENALTY_LABELS": PENALTY_LABELS,
        "UNIT_STATUS_LABELS": UNIT_STATUS_LABELS,
    }


def moderates(user: User | None) -> bool:
    """Is the user hired on a moderation gig (for the menu)? Asked once per request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if "moderates" not in g:
        g.moderates = bool(queue.communities_of(user))
    return g.moderates


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@dataclass
class Dashboard:
    today: int
    this_week: int
    graded: int
    correct: int

    @property
    def accuracy_percent(self) -> int | None:
        return round(100 * self.correct / self.graded) if self.graded else None


def _decided_since(worker: User, since: datetime) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Decision.id)).where(
            Decision.decided_by_id == worker.id,
            Decision.engagement_id.is_not(None),
            Decision.created_at >= since,
        )
    )


def dashboard(worker: User, *, today: date | None = None) -> Dashboard:
    today = today or utcnow().date()
    monday = today - timedelta(days=today.weekday())
    graded, correct = db.session.execute(
        sa.select(
            sa.func.count(Decision.id),
            sa.func.count(Decision.id).filter(Decision.control_correct.is_(True)),
        ).where(Decision.decided_by_id == worker.id, Decision.control_correct.is_not(None))
    ).one()
    return Dashboard(
        today=_decided_since(worker, _start_of(today)),
        this_week=_decided_since(worker, _start_of(monday)),
        graded=graded,
        correct=correct,
    )


def proposals(worker: User, limit: int = 20) -> list[Decision]:
    """The moderator's proposals, newest first: waiting, confirmed, declined, lapsed."""
    return list(
        db.session.scalars(
            sa.select(Decision)
            .where(Decision.decided_by_id == worker.id, Decision.respond_by.is_not(None))
            .order_by(Decision.id.desc())
            .limit(limit)
        )
    )


def recent_decisions(worker: User, limit: int = 20) -> list[Decision]:
    return list(
        db.session.scalars(
            sa.select(Decision)
            .where(Decision.decided_by_id == worker.id, Decision.engagement_id.is_not(None))
            .order_by(Decision.id.desc())
            .limit(limit)
        )
    )


@dataclass
class Segment:
    text: str
    word: str | None = None  # the word-list entry this part matched


def marked_text(text: str, hits: list[dict[str, str]]) -> list[Segment]:
    """The item's text cut into parts, the word-list hits marked (case-insensitive)."""
    words = sorted({h["word"] for h in hits if h.get("word")}, key=len, reverse=True)
    if not words or not text:
        return [Segment(text)]
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    parts: list[Segment] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            parts.append(Segment(text[position : match.start()]))
        parts.append(Segment(match.group(0), match.group(0).lower()))
        position = match.end()
    if position < len(text):
        parts.append(Segment(text[position:]))
    return parts


@dataclass
class AuthorHistory:
    author: CommunityAuthor
    decisions: list[Decision] = field(default_factory=list)
    strikes: int = 0
    penalties: list[Decision] = field(default_factory=list)
    notes: list[AuthorNote] = field(default_factory=list)
    earlier_items: int = 0


def author_history(item: ModerationItem, now: datetime | None = None) -> AuthorHistory:
    now = now or utcnow()
    author = item.author
    return AuthorHistory(
        author=author,
        decisions=list(
            db.session.scalars(
                sa.select(Decision)
                .join(ModerationItem, ModerationItem.id == Decision.item_id)
                .where(
                    Decision.author_id == author.id,
                    ModerationItem.control_id.is_(None),
                    Decision.item_id != item.id,
                )
                .order_by(Decision.id.desc())
                .limit(HISTORY_ITEMS)
            )
        ),
        strikes=ladder.active_strike_count(author, now),
        penalties=ladder.active_penalties(author, now),
        notes=list(
            db.session.scalars(
                sa.select(AuthorNote)
                .where(AuthorNote.author_id == author.id)
                .order_by(AuthorNote.id.desc())
            )
        ),
        earlier_items=db.session.scalar(
            sa.select(sa.func.count(ModerationItem.id)).where(
                ModerationItem.author_id == author.id,
                ModerationItem.id != item.id,
                ModerationItem.control_id.is_(None),
            )
        ),
    )


def rules_of(community: Community) -> list[NetiquetteRule]:
    return list(
        db.session.scalars(
            sa.select(NetiquetteRule)
            .where(NetiquetteRule.community_id == community.id, NetiquetteRule.is_active.is_(True))
            .order_by(NetiquetteRule.number)
        )
    )


def proposal(item: ModerationItem, now: datetime | None = None) -> tuple[PenaltyStep | None, int]:
    """What the ladder proposes for the author's next strike, and the mute length."""
    step = ladder.next_measure(item.community, item.author, now)
    return step, ladder.proposed_mute_minutes(item.community, item.author, now)


def seconds_left(item: ModerationItem) -> int:
    if item.lease_expires_at is None:
        return 0
    return max(0, int((item.lease_expires_at - utcnow()).total_seconds()))


def evidence_of(decision: Decision) -> Evidence | None:
    return db.session.scalar(sa.select(Evidence).where(Evidence.decision_id == decision.id))
