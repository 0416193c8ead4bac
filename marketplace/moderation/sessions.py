"""Paid hourly live sessions (session_models.LiveSession): start, activity, stop, cron.

- Time comes from the server's clock only (``utcnow``; tests travel it).
- A session starts only on an active engagement on an hourly moderation gig,
  one open session per moderator (a partial unique index), and only when the
  company can pay for the first hour: its spendable balance (work waiting for
  funds counted first, payments.units.spendable) less what the company's other
  running sessions have accrued.
- Activity is a heartbeat from the open page (once a minute while visible) or a
  moderation decision by the moderator (decisions.decide calls ``touch``).
- Idle: no activity for MODERATION_SESSION_IDLE_MINUTES. The time beyond the
  limit is cut and the session ends — as *idle* when the moderator comes back
  (heartbeat, decision, Stop), as *stale* when the cron finds it (a closed tab,
  a crashed browser or server).
- Money: a session never costs more than the company can pay; when it would,
  it ends at the moment the money ran out (*funds*), paid up to then.
- Engagement paused or ended: onboarding/engagements.py calls
  ``end_for_engagement`` before the status changes, in the same transaction, so
  the open session ends then and is paid up to then (``record_units`` pays only
  active engagements). The cron ends any session it still finds on an inactive
  engagement (without pay: there is no active engagement to pay it through).
- Paid once: ending locks the row (SELECT … FOR UPDATE) and checks it is still
  open; the unit's source "live-session:<id>" is unique in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.gigs.models import PayModel
from marketplace.moderation import queue
from marketplace.moderation.models import Community
from marketplace.moderation.session_models import LiveSession, SessionEnd
from marketplace.money import format_money
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.payments import units
from marketplace.payments.models import UnitKind
from marketplace.work import pricing

HUNDREDTH = Decimal("0.01")
SECONDS_PER_HUNDREDTH = 36  # 0.01 h


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["MODERATION_SESSION_IDLE_MINUTES"])


def hours_of(seconds: int) -> Decimal:
    """Seconds as hours with two decimals (rounded half up)."""
    return (Decimal(seconds) / 3600).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def is_hourly_moderation(engagement: Engagement) -> bool:
    return engagement.pay_model == PayModel.PER_HOUR and engagement.gig.kind.is_moderation


def open_session_of(worker: User) -> LiveSession | None:
    return db.session.scalar(
        sa.select(LiveSession).where(
            LiveSession.worker_id == worker.id, LiveSession.ended_at.is_(None)
        )
    )


# --- money ---------------------------------------------------------------------------------


def _paid_until(session: LiveSession, now: datetime) -> datetime:
    """Where the session's paid time ends if it ended now: the idle limit cuts the rest."""
    return min(now, session.last_activity_at + idle_limit())


def accrued_cost(session: LiveSession, now: datetime) -> int:
    """What the running session costs the company so far (worker's amount + fee)."""
    seconds = session.active_until(_paid_until(session, now))
    return pricing.units_cost(session.engagement.rate_cents, hours_of(seconds))


def budget(company_id: int, now: datetime, *, besides: int | None = None) -> int:
    """What the company can still spend on a session: its spendable balance less what
    its other running sessions have accrued (``besides``: the session asking)."""
    others = db.session.scalars(
        sa.select(LiveSession)
        .join(Community, Community.id == LiveSession.community_id)
        .where(
            Community.company_id == company_id,
            LiveSession.ended_at.is_(None),
            LiveSession.id != (besides or 0),
        )
    ).all()
    return units.spendable(company_id) - sum(accrued_cost(s, now) for s in others)


def affordable_hours(rate_cents: int, budget_cents: int) -> Decimal:
    """The most hours (in hundredths) whose cost the budget covers."""
    low, high = 0, int(units.QUANTITY_MAX * 100)
    while low < high:
        middle = (low + high + 1) // 2
        if pricing.units_cost(rate_cents, Decimal(middle) / 100) <= budget_cents:
            low = middle
        else:
            high = middle - 1
    return Decimal(low) / 100


# --- start ---------------------------------------------------------------------------------


def start(worker: User, community: Community, *, now: datetime | None = None) -> LiveSession:
    """Open a session on the community (see the module's text for the rules)."""
    now = now or utcnow()
    engagement = queue.engagement_for(worker, community)
    if engagement is None:
        raise DomainError(_("You are not hired to moderate this community."))
    if not is_hourly_moderation(engagement):
        raise DomainError(_("Live sessions are for moderation gigs paid by the hour."))
    running = open_session_of(worker)
    if running is not None:
        raise InvalidTransition(
            _(
                "Your live session in %(community)s is still running. Please stop it first.",
                community=running.community.name,
            )
        )
    if _lock_engagement(engagement.id, exclusive=False) != EngagementStatus.ACTIVE:
        raise DomainError(_("You are not hired to moderate this community."))
    first_hour = pricing.units_cost(engagement.rate_cents, 1)
    if budget(community.company_id, now) < first_hour:
        raise DomainError(
            _(
                "The company cannot pay for the first hour (%(amount)s with the fee) right "
                "now, so no session can start. Please try again when it has added funds.",
                amount=format_money(first_hour, engagement.currency),
            )
        )
    session = LiveSession(
        worker_id=worker.id,
        engagement_id=engagement.id,
        community_id=community.id,
        started_at=now,
        last_activity_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(session)
    except IntegrityError:  # a second start at the same moment
        raise InvalidTransition(_("Your live session is already running.")) from None
    return session


def _lock_engagement(engagement_id: int, *, exclusive: bool) -> EngagementStatus | None:
    """Lock the engagement's row (FOR SHARE for a start, FOR NO KEY UPDATE for a pause or
    end) and read its status as committed now: a start waits for a pause or end under
    way and then sees it; a pause or end waits for a start under way and then finds its
    session. Rows that merely point at the engagement (a session's unit) are not held up."""
    query = sa.select(Engagement.status).where(Engagement.id == engagement_id)
    if exclusive:
        return db.session.scalar(query.with_for_update(key_share=True))
    return db.session.scalar(query.with_for_update(read=True))


# --- activity, stop, cron ----------------------------------------------------------------


def _locked(session_id: int, *, skip_locked: bool = False) -> LiveSession | None:
    return db.session.scalar(
        sa.select(LiveSession)
        .where(LiveSession.id == session_id)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )


def _check(session: LiveSession, now: datetime, *, idle_reason: SessionEnd) -> bool:
    """End the (locked, open) session if it went idle or the money ran out; True if ended."""
    if now - session.last_activity_at > idle_limit():
        _end(session, now, idle_reason)
        return True
    if not _affordable(session, now):
        _end(session, now, SessionEnd.FUNDS)
        return True
    return False


def _affordable(session: LiveSession, now: datetime) -> bool:
    limit = affordable_hours(
        session.engagement.rate_cents,
        budget(session.community.company_id, now, besides=session.id),
    )
    return session.active_until(now) <= limit * 3600


def heartbeat(session: LiveSession, *, now: datetime | None = None) -> LiveSession:
    """The open page says the moderator is there. Ends the session if it went idle
    (the moderator came back too late) or the money ran out; else counts as activity."""
    now = now or utcnow()
    locked = _locked(session.id)
    if locked is None or not locked.is_open:
        return session
    if not _check(locked, now, idle_reason=SessionEnd.IDLE):
        locked.last_activity_at = now
    return locked


def touch(worker: User, engagement_id: int, *, now: datetime | None = None) -> None:
    """A moderation decision by the worker counts as activity of their open session
    on that engagement (decisions.decide)."""
    now = now or utcnow()
    session_id = db.session.scalar(
        sa.select(LiveSession.id).where(
            LiveSession.worker_id == worker.id,
            LiveSession.engagement_id == engagement_id,
            LiveSession.ended_at.is_(None),
        )
    )
    if session_id is not None:
        heartbeat(db.session.get(LiveSession, session_id), now=now)


def stop(session: LiveSession, *, now: datetime | None = None) -> LiveSession:
    """The moderator ends the session: the active time is paid as hours, once."""
    now = now or utcnow()
    locked = _locked(session.id)
    if locked is None or not locked.is_open:
        raise InvalidTransition(_("This live session has already ended."))
    if not _check(locked, now, idle_reason=SessionEnd.IDLE):
        _end(locked, now, SessionEnd.STOPPED)
    return locked


def end_for_engagement(
    engagement: Engagement, *, now: datetime | None = None
) -> LiveSession | None:
    """The company pauses or ends the engagement (onboarding/engagements.py, before the
    status changes, in its transaction): the worker's open session on it ends now and
    its active time is paid (idle time beyond the limit cut, as always)."""
    now = now or utcnow()
    _lock_engagement(engagement.id, exclusive=True)
    session_id = db.session.scalar(
        sa.select(LiveSession.id).where(
            LiveSession.engagement_id == engagement.id, LiveSession.ended_at.is_(None)
        )
    )
    locked = _locked(session_id) if session_id is not None else None
    if locked is None or not locked.is_open:
        return None
    _end(locked, now, SessionEnd.ENGAGEMENT)
    return locked


@dataclass
class Sweep:
    ended: int = 0
    checked: int = 0


def sweep(*, now: datetime | None = None) -> Sweep:
    """For cron: end sessions nobody's browser speaks for any more (stale), whose
    engagement ended, or whose money ran out. Sessions another process holds are
    skipped (SKIP LOCKED), so runs may overlap."""
    now = now or utcnow()
    result = Sweep()
    ids = db.session.scalars(
        sa.select(LiveSession.id).where(LiveSession.ended_at.is_(None)).order_by(LiveSession.id)
    ).all()
    for session_id in ids:
        locked = _locked(session_id, skip_locked=True)
        if locked is None or not locked.is_open:
            continue
        result.checked += 1
        if locked.engagement.status != EngagementStatus.ACTIVE:
            _end(locked, now, SessionEnd.ENGAGEMENT)
            result.ended += 1
        elif _check(locked, now, idle_reason=SessionEnd.STALE):
            result.ended += 1
    return result


def _end(session: LiveSession, now: datetime, reason: SessionEnd) -> None:
    """Close the locked, open session and pay its active time (see the module's text)."""
    paid_until = _paid_until(session, now)
    ended_at = now
    active = session.active_until(paid_until)
    cut = int((now - paid_until) / timedelta(seconds=1))
    engagement = session.engagement
    limit = affordable_hours(
        engagement.rate_cents, budget(session.community.company_id, now, besides=session.id)
    )
    if active > limit * 3600:
        # The money ran out at that moment: the session ends there, paid up to then.
        active = int(limit * 3600)
        ended_at = session.started_at + timedelta(seconds=active)
        cut = 0
        reason = SessionEnd.FUNDS
    session.ended_at = ended_at
    session.end_reason = reason
    session.active_seconds = active
    session.cut_seconds = cut
    quantity = min(hours_of(active), limit)
    if quantity > 0 and engagement.status == EngagementStatus.ACTIVE:
        session.unit = units.record_units(
            engagement,
            kind=UnitKind.HOUR,
            quantity=quantity,
            source=session.source,
            work_date=ended_at.date(),
            by=session.worker,
            note=f"{session.community.name} · {session.started_at:%H:%M}–{ended_at:%H:%M} UTC",
        )
    db.session.flush()
