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

import functools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig, PayModel
from marketplace.moderation.item_models import (
    TIER_URGENT,
    ControlItem,
    Decision,
    Exposure,
    ItemStatus,
    ModerationItem,
)
from marketplace.moderation.models import Community
from marketplace.onboarding.engagements import rules_accepted_sql
from marketplace.onboarding.models import Application, Engagement, EngagementStatus, Onboarding
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


def consented_to(engagement: Engagement, community: Community) -> bool:
    """A moderator sees a mature community's items only if their consent named it."""
    return not community.is_mature or community.name in consented_names(
        engagement.application.consent
    )


def consented_names(consent: dict | None) -> set[str]:
    """The communities an application's recorded consent names."""
    return {c.get("name") for c in (consent or {}).get("communities", [])}


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


def communities_of(worker: User) -> list[tuple[Engagement, Community]]:
    """Every community the moderator is hired for and may see, with its engagement."""
    rows = db.session.execute(
        sa.select(Engagement, Community)
        .join(Community, Community.gig_id == Engagement.gig_id)
        .where(Engagement.worker_id == worker.id, Engagement.status == EngagementStatus.ACTIVE)
        .order_by(Engagement.id, Community.id)
    ).all()
    return [(e, c) for e, c in rows if consented_to(e, c)]


def disturbing_cap(community: Community) -> int:
    return min(
        community.disturbing_daily_cap, current_app.config["MODERATION_DISTURBING_DAILY_MAX"]
    )


@dataclass
class _Source:
    """A community the moderator may take items from now (from the eligibility query)."""

    community_id: int
    lease_minutes: int
    disturbing_cap: int
    control_rate_percent: int


@dataclass
class _Workable:
    sources: list[_Source] = field(default_factory=list)
    disturbing_seen: int = 0  # disturbing items shown to the moderator today
    no_item: NoItem | None = None
    rules_engagement_id: int | None = None
    held_id: int | None = None  # the item the moderator holds already


@functools.cache
def _eligibility_query() -> sa.Select:
    """Built once (see work.leases): the moderator's active engagements with each
    community of their gig, the consent recorded on the application, the rules'
    state, the company's spendable balance, the items moderators hold in the gig's
    communities, and (the same for every row) the disturbing items the moderator
    was shown today and the item they hold — everything "Next item" checks, in
    one statement."""
    worker_id = sa.bindparam("worker_id", type_=sa.Integer)
    gig_community = aliased(Community)
    held = (
        sa.select(sa.func.count(ModerationItem.id))
        .join(gig_community, gig_community.id == ModerationItem.community_id)
        .where(gig_community.gig_id == Engagement.gig_id, QUEUE.is_held(QUEUE.moment("now")))
        .scalar_subquery()
    )
    # The item the moderator holds already, if any (QUEUE.held_by, folded in).
    mine = (
        sa.select(ModerationItem.id)
        .where(ModerationItem.claimed_by_id == worker_id, QUEUE.is_held(QUEUE.moment("now")))
        .order_by(ModerationItem.id)
        .limit(1)
        .scalar_subquery()
    )
    seen_today = (
        sa.select(sa.func.count(Exposure.id))
        .where(
            Exposure.moderator_id == worker_id,
            Exposure.exposed_at >= sa.bindparam("day_start", type_=Exposure.exposed_at.type),
        )
        .scalar_subquery()
    )
    return (
        sa.select(
            Engagement.id,
            Engagement.pay_model,
            Engagement.rate_cents,
            Application.consent,
            Gig.is_mature,
            Community.id,
            Community.name,
            Community.lease_minutes,
            Community.disturbing_daily_cap,
            Community.control_rate_percent,
            pricing.spendable_balance_sql(Gig.company_id),
            held,
            rules_accepted_sql(worker_id),
            seen_today,
            mine,
        )
        .join(Gig, Gig.id == Engagement.gig_id)
        .join(Application, Application.id == Engagement.application_id)
        .join(Community, Community.gig_id == Engagement.gig_id)
        .outerjoin(Onboarding, Onboarding.gig_id == Engagement.gig_id)
        .where(Engagement.worker_id == worker_id, Engagement.status == EngagementStatus.ACTIVE)
        .order_by(Engagement.id, Community.id)
    )


def _workable(worker: User, now: datetime) -> _Workable:
    """The communities the moderator may take items from now, in one query: hired
    (active engagement), consented (mature communities), rules accepted, and the
    company able to pay for the items held plus one more (per-item engagements;
    hourly ones are guarded by one hour) — the funding guard of work.pricing."""
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = db.session.execute(
        _eligibility_query(), {"worker_id": worker.id, "now": now, "day_start": day_start}
    ).all()
    platform_cap = current_app.config["MODERATION_DISTURBING_DAILY_MAX"]
    found = _Workable()
    hired = unfunded = False
    for (
        engagement_id,
        pay_model,
        rate,
        consent,
        mature,
        community_id,
        name,
        lease,
        cap,
        control_rate,
        balance,
        held_now,
        rules_ok,
        seen,
        held_id,
    ) in rows:
        found.held_id = held_id
        if mature and name not in consented_names(consent):
            continue
        hired = True
        found.disturbing_seen = seen
        if not rules_ok:
            found.rules_engagement_id = found.rules_engagement_id or engagement_id
        elif not pricing.covers_next(
            balance, rate, held_now if pay_model == PayModel.PER_ITEM else 0
        ):
            unfunded = True
        else:
            found.sources.append(_Source(community_id, lease, min(cap, platform_cap), control_rate))
    if not found.sources:
        if not hired:
            found.no_item = NoItem.NOT_HIRED
        elif found.rules_engagement_id is not None:
            found.no_item = NoItem.RULES
        else:
            found.no_item = NoItem.UNFUNDED if unfunded else NoItem.EMPTY
    return found


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


def _serve_control(worker: User, sources: list[_Source], now: datetime) -> ModerationItem | None:
    """Now and then (the community's control rate) a copy of a control item the
    moderator has not had yet joins their queue, assigned to them alone. The dice
    are thrown first: a query only when they say so."""
    for source in sources:
        rate = source.control_rate_percent
        if rate <= 0 or random.random() * 100 >= rate:  # noqa: S311 - sampling, not security
            continue
        served = sa.select(ModerationItem.control_id).where(
            ModerationItem.assigned_to_id == worker.id, ModerationItem.control_id.is_not(None)
        )
        row = db.session.execute(
            sa.select(ControlItem.id, ModerationItem)
            .join(ModerationItem, ModerationItem.id == ControlItem.source_item_id)
            .where(
                ControlItem.community_id == source.community_id,
                ControlItem.is_active.is_(True),
                ControlItem.id.not_in(served),
            )
            .order_by(ControlItem.id)
            .limit(1)
        ).first()
        if row is None:
            continue
        control_id, original = row
        copy = ModerationItem(
            community_id=source.community_id,
            external_id=f"control:{control_id}:{worker.id}",
            kind=original.kind,
            author_id=original.author_id,
            channel=original.channel,
            thread=original.thread,
            text=original.text,
            image_urls=list(original.image_urls),
            context=list(original.context),
            reported_by=original.reported_by,
            report_reason=original.report_reason,
            posted_at=original.posted_at,
            received_at=now,
            tier=TIER_URGENT,
            word_hits=list(original.word_hits),
            disturbing=original.disturbing,
            control_id=control_id,
            assigned_to_id=worker.id,
        )
        db.session.add(copy)
        db.session.flush()
        return copy
    return None


def claim_next(worker: User, now: datetime | None = None) -> ItemClaim:
    """Hand the moderator the next item: the one held already, else (now and then a
    control item, else) the first free one of the communities they may work on.

    Usually two statements: the eligibility query (_workable, which also finds
    the item held already) and the claim UPDATE (work.leases); the break prompt's
    run of disturbing items is the item page's to ask (disturbing_run)."""
    now = now or utcnow()
    workable = _workable(worker, now)
    if workable.held_id is not None or workable.no_item == NoItem.NOT_HIRED:
        # Held already (or no longer hired, yet still holding one until it is given back).
        held = QUEUE.held_by(worker.id, now)
        if held is not None:
            return ItemClaim(held)
    if workable.no_item is not None:
        rules = workable.rules_engagement_id
        return ItemClaim(
            None, workable.no_item, db.session.get(Engagement, rules) if rules else None
        )
    _serve_control(worker, workable.sources, now)
    leases = {s.community_id: s.lease_minutes for s in workable.sources}
    lease = min(leases.values())
    item = QUEUE.claim(
        worker_id=worker.id,
        source_ids=list(leases),
        now=now,
        lease_until=now + timedelta(minutes=lease),
        # One cap per moderator and day: the lowest of the communities in play.
        disturbing_allowed=workable.disturbing_seen
        < min(s.disturbing_cap for s in workable.sources),
    )
    if item is None:
        return ItemClaim(None, NoItem.EMPTY)
    if leases[item.community_id] != lease:
        item.lease_expires_at = now + timedelta(minutes=leases[item.community_id])
    if item.disturbing:
        _record_exposure(worker, item, now)
    return ItemClaim(item)


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
