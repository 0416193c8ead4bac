"""The moderation queue: "Next item" for a hired moderator.

Claims go through the shared lease core (work/leases.py), exactly like customer
emails: one UPDATE over a ``FOR UPDATE SKIP LOCKED`` candidate, so no two
moderators hold the same item, and an abandoned lease returns it.

Which items a moderator may get (product rules, not company settings):
- only from communities of gigs they are actively hired on, whose rules they
  have accepted, and — for communities of a gig with mature content — only the
  communities their recorded consent named (``Application.consent``);
- only while the company can pay for the items moderators hold plus the next
  one (the funding guard of work/pricing.py), on per-item engagements;
- items flagged disturbing only until the moderator's daily cap is reached
  (the community's cap, never above MODERATION_DISTURBING_DAILY_MAX).
Reported items, word-list hits and questions come first (tier 0), then the
oldest. Control items are mixed in at the community's rate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import PayModel
from marketplace.moderation.item_models import (
    TIER_URGENT,
    ControlItem,
    Decision,
    Exposure,
    ItemStatus,
    ModerationItem,
)
from marketplace.moderation.models import Community
from marketplace.onboarding.engagements import rules_to_acknowledge
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.payments import units
from marketplace.work import pricing
from marketplace.work.leases import LeaseQueue

QUEUE = LeaseQueue(
    model=ModerationItem,
    waiting=ItemStatus.WAITING,
    source=ModerationItem.community_id,
    order_by=(ModerationItem.tier, ModerationItem.received_at, ModerationItem.id),
    candidate_filter=lambda worker_id: sa.and_(
        # Control copies belong to the one moderator they were made for.
        sa.or_(ModerationItem.assigned_to_id.is_(None), ModerationItem.assigned_to_id == worker_id),
        sa.or_(
            ModerationItem.disturbing.is_(False),
            sa.bindparam("disturbing_allowed", type_=sa.Boolean),
        ),
    ),
)


class NoItem(StrEnum):
    """Why "Next item" handed out nothing; each has its own message."""

    NOT_HIRED = "not_hired"  # no active engagement on a gig with a connected community
    RULES = "rules"  # the company's rules changed and are not accepted yet
    UNFUNDED = "unfunded"  # the company cannot pay for the next item
    EMPTY = "empty"  # nothing is waiting (that this moderator may see)


@dataclass
class ItemClaim:
    item: ModerationItem | None
    no_item: NoItem | None = None
    engagement: Engagement | None = None  # with NoItem.RULES: whose rules to accept
    # The moderator has seen this many disturbing items in a row: time for a break.
    disturbing_run: int = 0


@dataclass
class _Workable:
    """The communities a moderator may take items from now."""

    communities: list[Community] = field(default_factory=list)
    engagements: dict[int, Engagement] = field(default_factory=dict)  # by community id
    no_item: NoItem | None = None
    rules_engagement: Engagement | None = None


def consented_to(engagement: Engagement, community: Community) -> bool:
    """A moderator sees a mature community's items only if their consent named it."""
    if not community.is_mature:
        return True
    consent = engagement.application.consent or {}
    return community.name in {c.get("name") for c in consent.get("communities", [])}


def engagement_for(worker: User, community: Community) -> Engagement | None:
    """The moderator's active engagement covering this community (consent included)."""
    engagement = db.session.scalar(
        sa.select(Engagement).where(
            Engagement.worker_id == worker.id,
            Engagement.gig_id == community.gig_id,
            Engagement.status == EngagementStatus.ACTIVE,
        )
    )
    if engagement is None or not consented_to(engagement, community):
        return None
    return engagement


def item_cost(engagement: Engagement, count: int = 1) -> int:
    """What ``count`` items cost the company; hourly engagements are guarded by one hour."""
    return pricing.units_cost(engagement.rate_cents, count if _per_item(engagement) else 1)


def _per_item(engagement: Engagement) -> bool:
    return engagement.pay_model == PayModel.PER_ITEM


def communities_of(worker: User) -> list[tuple[Engagement, Community]]:
    """Every community the moderator is hired for and may see, with its engagement."""
    rows = db.session.execute(
        sa.select(Engagement, Community)
        .join(Community, Community.gig_id == Engagement.gig_id)
        .where(Engagement.worker_id == worker.id, Engagement.status == EngagementStatus.ACTIVE)
        .order_by(Engagement.id, Community.id)
    ).all()
    return [(e, c) for e, c in rows if consented_to(e, c)]


def _workable(worker: User, now: datetime) -> _Workable:
    pairs = communities_of(worker)
    if not pairs:
        return _Workable(no_item=NoItem.NOT_HIRED)
    found = _Workable()
    unfunded = False
    for engagement, community in pairs:
        if rules_to_acknowledge(engagement) is not None:
            found.rules_engagement = found.rules_engagement or engagement
            continue
        if not _company_can_pay_next(engagement, now):
            unfunded = True
            continue
        found.communities.append(community)
        found.engagements[community.id] = engagement
    if not found.communities:
        if found.rules_engagement is not None:
            found.no_item = NoItem.RULES
        else:
            found.no_item = NoItem.UNFUNDED if unfunded else NoItem.EMPTY
    return found


def _company_can_pay_next(engagement: Engagement, now: datetime) -> bool:
    """The funding guard: the items moderators hold in the gig's communities plus one
    more (per-item engagements), or the first hour (hourly ones)."""
    held = 0
    if _per_item(engagement):
        gig_communities = sa.select(Community.id).where(Community.gig_id == engagement.gig_id)
        held = QUEUE.held_count(list(db.session.scalars(gig_communities)), now)
    balance = units.spendable(engagement.gig.company_id)
    return balance >= item_cost(engagement, held + 1)


def disturbing_cap(community: Community) -> int:
    return min(
        community.disturbing_daily_cap, current_app.config["MODERATION_DISTURBING_DAILY_MAX"]
    )


def disturbing_seen_today(worker: User, now: datetime) -> int:
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return db.session.scalar(
        sa.select(sa.func.count(Exposure.id)).where(
            Exposure.moderator_id == worker.id, Exposure.exposed_at >= start
        )
    )


def disturbing_run(worker: User) -> int:
    """How many of the moderator's latest decisions in a row were on disturbing items."""
    limit = current_app.config["MODERATION_BREAK_AFTER"]
    recent = db.session.scalars(
        sa.select(ModerationItem.disturbing)
        .join(Decision, Decision.item_id == ModerationItem.id)
        .where(Decision.decided_by_id == worker.id)
        .order_by(Decision.id.desc())
        .limit(limit)
    ).all()
    run = 0
    for flagged in recent:
        if not flagged:
            break
        run += 1
    return run


def held_by(worker: User, now: datetime | None = None) -> ModerationItem | None:
    return QUEUE.held_by(worker.id, now or utcnow())


def _serve_control(worker: User, workable: _Workable, now: datetime) -> ModerationItem | None:
    """Now and then (the community's control rate) a copy of a control item the
    moderator has not had yet joins their queue, assigned to them alone."""
    rng = random.Random()  # noqa: S311 - sampling, not security
    for community in workable.communities:
        if (
            community.control_rate_percent <= 0
            or rng.random() * 100 >= community.control_rate_percent
        ):
            continue
        served = sa.select(ModerationItem.control_id).where(
            ModerationItem.assigned_to_id == worker.id, ModerationItem.control_id.is_not(None)
        )
        control = db.session.scalar(
            sa.select(ControlItem)
            .where(
                ControlItem.community_id == community.id,
                ControlItem.is_active.is_(True),
                ControlItem.id.not_in(served),
            )
            .order_by(ControlItem.id)
            .limit(1)
        )
        if control is None:
            continue
        source = db.session.get(ModerationItem, control.source_item_id)
        copy = ModerationItem(
            community_id=community.id,
            external_id=f"control:{control.id}:{worker.id}",
            kind=source.kind,
            author_id=source.author_id,
            channel=source.channel,
            thread=source.thread,
            text=source.text,
            image_urls=list(source.image_urls),
            context=list(source.context),
            reported_by=source.reported_by,
            report_reason=source.report_reason,
            posted_at=source.posted_at,
            received_at=now,
            tier=TIER_URGENT,
            word_hits=list(source.word_hits),
            disturbing=source.disturbing,
            control_id=control.id,
            assigned_to_id=worker.id,
        )
        db.session.add(copy)
        db.session.flush()
        return copy
    return None


def claim_next(worker: User, now: datetime | None = None) -> ItemClaim:
    """Hand the moderator the next item: the one held already, else (now and then a
    control item, else) the first free one of the communities they may work on."""
    now = now or utcnow()
    held = QUEUE.held_by(worker.id, now)
    if held is not None:
        return ItemClaim(held, disturbing_run=disturbing_run(worker))
    workable = _workable(worker, now)
    if workable.no_item is not None:
        return ItemClaim(None, workable.no_item, workable.rules_engagement)
    _serve_control(worker, workable, now)
    by_id = {c.id: c for c in workable.communities}
    seen = disturbing_seen_today(worker, now)
    lease = min(c.lease_minutes for c in workable.communities)
    item = QUEUE.claim(
        worker_id=worker.id,
        source_ids=list(by_id),
        now=now,
        lease_until=now + timedelta(minutes=lease),
        # One cap per moderator and day: the lowest of the communities in play.
        disturbing_allowed=seen < min(disturbing_cap(c) for c in workable.communities),
    )
    if item is None:
        return ItemClaim(None, NoItem.EMPTY)
    if by_id[item.community_id].lease_minutes != lease:
        item.lease_expires_at = now + timedelta(minutes=by_id[item.community_id].lease_minutes)
    if item.disturbing:
        _record_exposure(worker, item, now)
    return ItemClaim(item, disturbing_run=disturbing_run(worker))


def _record_exposure(worker: User, item: ModerationItem, now: datetime) -> None:
    exists = db.session.scalar(
        sa.select(Exposure.id).where(
            Exposure.moderator_id == worker.id, Exposure.item_id == item.id
        )
    )
    if exists is None:
        db.session.add(Exposure(moderator_id=worker.id, item_id=item.id, exposed_at=now))
        db.session.flush()


def holds(worker: User, item: ModerationItem, now: datetime | None = None) -> bool:
    return QUEUE.holds(worker.id, item, now or utcnow())


def renew(item: ModerationItem, *, worker: User) -> datetime | None:
    """Extend the lease while the moderator works; None once someone else took it."""
    until = utcnow() + timedelta(minutes=item.community.lease_minutes)
    return until if QUEUE.renew(item, worker_id=worker.id, until=until) else None


def skip(item: ModerationItem, *, worker: User) -> None:
    """Give the item back without penalty: skips are never graded or counted against
    anyone; the moderator is not offered it again for a while (work/leases.py)."""
    QUEUE.release(item, worker_id=worker.id, now=utcnow())


def waiting_count(community_ids: list[int]) -> int:
    if not community_ids:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count(ModerationItem.id)).where(
            ModerationItem.community_id.in_(community_ids),
            ModerationItem.status == ItemStatus.WAITING,
            ModerationItem.control_id.is_(None),
        )
    )
