"""The penalty ladder: strikes an author collects for breaking the netiquette,
and the measure the next strike leads to.

A strike counts from the restricting decision that put it in force until it
expires (``Community.strike_expiry_days``) or a reversal lifts it. The n-th
active strike leads to the ladder's step for n; past the ladder's top the top
step applies again (a repeat offender does not fall back to a warning).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    DecisionStatus,
    Strike,
)
from marketplace.moderation.models import Community, CommunityAuthor, PenaltyAction, PenaltyStep

DEFAULT_MUTE_MINUTES = 60  # a mute when the ladder names no duration


def _active(author_id: int, now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        Strike.author_id == author_id, Strike.lifted_at.is_(None), Strike.expires_at > now
    )


def active_strikes(author: CommunityAuthor, now: datetime | None = None) -> list[Strike]:
    now = now or utcnow()
    return list(
        db.session.scalars(sa.select(Strike).where(_active(author.id, now)).order_by(Strike.id))
    )


def active_strike_count(author: CommunityAuthor, now: datetime | None = None) -> int:
    now = now or utcnow()
    return db.session.scalar(sa.select(sa.func.count(Strike.id)).where(_active(author.id, now)))


def steps(community: Community) -> list[PenaltyStep]:
    return list(
        db.session.scalars(
            sa.select(PenaltyStep)
            .where(PenaltyStep.community_id == community.id)
            .order_by(PenaltyStep.strike)
        )
    )


def next_measure(
    community: Community, author: CommunityAuthor, now: datetime | None = None
) -> PenaltyStep | None:
    """What the author's next strike leads to (None: the community has no ladder)."""
    ladder = steps(community)
    if not ladder:
        return None
    number = active_strike_count(author, now) + 1
    fitting = [step for step in ladder if step.strike <= number]
    return fitting[-1] if fitting else ladder[0]


def proposed_mute_minutes(
    community: Community, author: CommunityAuthor, now: datetime | None = None
) -> int:
    """The mute the ladder proposes for this author's next strike: the next step's if it
    is a mute, else the first mute step above it, else the shortest one, else an hour."""
    step = next_measure(community, author, now)
    mutes = [s for s in steps(community) if s.action == PenaltyAction.MUTE and s.mute_minutes]
    if step is not None and step.action == PenaltyAction.MUTE and step.mute_minutes:
        return step.mute_minutes
    later = [s for s in mutes if step is None or s.strike > step.strike]
    if later:
        return later[0].mute_minutes or DEFAULT_MUTE_MINUTES
    if mutes:
        return mutes[-1].mute_minutes or DEFAULT_MUTE_MINUTES
    return DEFAULT_MUTE_MINUTES


def add_strike(decision: Decision, now: datetime) -> Strike:
    community = decision.community
    strike = Strike(
        community_id=decision.community_id,
        author_id=decision.author_id,
        decision_id=decision.id,
        rule_id=decision.rule_id,
        issued_at=now,
        expires_at=now + timedelta(days=community.strike_expiry_days),
    )
    db.session.add(strike)
    db.session.flush()
    return strike


def lift_strike(decision: Decision, now: datetime) -> Strike | None:
    strike = db.session.scalar(sa.select(Strike).where(Strike.decision_id == decision.id))
    if strike is not None and strike.lifted_at is None:
        strike.lifted_at = now
    return strike


def active_penalties(author: CommunityAuthor, now: datetime | None = None) -> list[Decision]:
    """Mutes still running and bans in force (not reversed)."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Decision)
            .where(
                Decision.author_id == author.id,
                Decision.status == DecisionStatus.EFFECTIVE,
                sa.or_(
                    sa.and_(Decision.action == DecisionAction.MUTE, Decision.mute_until > now),
                    Decision.action == DecisionAction.BAN,
                ),
            )
            .order_by(Decision.id.desc())
        )
    )
