"""Measured facts shown beside ratings, from payments (and moderation) data only.

A company's facts over the last FACTS_DAYS days of recorded work, in two queries
(counts; medians, computed by PostgreSQL — SQLite gets the time pairs):
median review time (recorded → approved or rejected, by a person or automatically
at the end of the review window), rejection rate (decided units that were rejected,
whatever the dispute later decided), share of decided disputes the worker won, and
median time from recorded work to the payout that paid it (the first paid payout to
that worker set up after the unit was approved). A worker's facts in three queries:
approved units (all time), approval rate and control-item accuracy over FACTS_DAYS.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig, GigKind
from marketplace.moderation.item_models import Decision, ModerationItem
from marketplace.onboarding.models import Engagement
from marketplace.payments.models import Payout, PayoutStatus, UnitStatus, WorkUnit

FACTS_DAYS = 90
DECIDED = (UnitStatus.APPROVED, UnitStatus.REJECTED, UnitStatus.DISPUTED, UnitStatus.VOIDED)


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _median(durations: list[timedelta]) -> timedelta | None:
    if not durations:
        return None
    return timedelta(seconds=statistics.median(d.total_seconds() for d in durations))


@dataclass
class CompanyFacts:
    units: int  # recorded in the window
    median_review: timedelta | None
    rejection_percent: int | None
    disputes_decided: int
    disputes_won_by_workers_percent: int | None
    median_to_payout: timedelta | None
    days: int = FACTS_DAYS


def _paid_at():
    """When the unit's money reached the worker: the first paid payout to that worker
    set up after the unit was approved (a payout pays the whole payable balance)."""
    return (
        sa.select(sa.func.min(Payout.sent_at))
        .where(
            Payout.worker_id == WorkUnit.worker_id,
            Payout.status == PayoutStatus.PAID,
            Payout.created_at >= WorkUnit.decided_at,
        )
        .correlate(WorkUnit)
        .scalar_subquery()
    )


def company_facts(company: Company, *, now: datetime | None = None) -> CompanyFacts:
    since = (now or utcnow()) - timedelta(days=FACTS_DAYS)
    where = (WorkUnit.company_id == company.id, WorkUnit.created_at >= since)
    reviewed = sa.and_(WorkUnit.decided_at.is_not(None), WorkUnit.status.in_(DECIDED))
    rejected = sa.and_(reviewed, WorkUnit.rejection_reason.is_not(None))
    dispute_decided = sa.and_(
        WorkUnit.disputed_at.is_not(None),
        WorkUnit.status.in_((UnitStatus.APPROVED, UnitStatus.VOIDED)),
    )
    won = sa.and_(dispute_decided, WorkUnit.status == UnitStatus.APPROVED)
    counts = db.session.execute(
        sa.select(
            sa.func.count(WorkUnit.id),
            sa.func.count(sa.case((reviewed, 1))),
            sa.func.count(sa.case((rejected, 1))),
            sa.func.count(sa.case((dispute_decided, 1))),
            sa.func.count(sa.case((won, 1))),
        ).where(*where)
    ).one()
    units, reviewed_n, rejected_n, disputes_n, won_n = counts
    median_review, median_payout = _medians(where, reviewed) if units else (None, None)
    return CompanyFacts(
        units=units,
        median_review=median_review,
        rejection_percent=_percent(rejected_n, reviewed_n),
        disputes_decided=disputes_n,
        disputes_won_by_workers_percent=_percent(won_n, disputes_n),
        median_to_payout=median_payout,
    )


def _medians(where, reviewed) -> tuple[timedelta | None, timedelta | None]:
    """Median review time and median time to payout. PostgreSQL computes them
    (percentile_cont; NULLs are left out); elsewhere (SQLite) from the time pairs."""
    paid = sa.case((WorkUnit.status == UnitStatus.APPROVED, _paid_at()), else_=None)
    if db.session.get_bind().dialect.name == "postgresql":
        review_s = sa.func.extract("epoch", WorkUnit.decided_at - WorkUnit.created_at)
        payout_s = sa.func.extract("epoch", paid - WorkUnit.created_at)
        review, payout = db.session.execute(
            sa.select(
                sa.func.percentile_cont(0.5).within_group(review_s).filter(reviewed),
                sa.func.percentile_cont(0.5).within_group(payout_s),
            ).where(*where)
        ).one()
        return (
            None if review is None else timedelta(seconds=float(review)),
            None if payout is None else timedelta(seconds=float(payout)),
        )
    rows = db.session.execute(
        sa.select(WorkUnit.created_at, sa.case((reviewed, WorkUnit.decided_at)), paid).where(*where)
    ).all()
    return (
        _median([decided - created for created, decided, _ in rows if decided is not None]),
        _median([paid_at - created for created, _, paid_at in rows if paid_at is not None]),
    )


@dataclass
class WorkerFacts:
    languages: list[str]
    kinds: list[GigKind]
    units_done: int  # approved, all time
    approval_percent: int | None  # of decided units in the window
    controls_graded: int
    control_accuracy_percent: int | None
    days: int = FACTS_DAYS


def worker_facts(worker: User, *, now: datetime | None = None) -> WorkerFacts:
    since = (now or utcnow()) - timedelta(days=FACTS_DAYS)
    approved = WorkUnit.status == UnitStatus.APPROVED
    recent = WorkUnit.created_at >= since
    done, decided, decided_approved = db.session.execute(
        sa.select(
            sa.func.count(sa.case((approved, 1))),
            sa.func.count(sa.case((sa.and_(recent, WorkUnit.status.in_(DECIDED)), 1))),
            sa.func.count(sa.case((sa.and_(recent, approved), 1))),
        ).where(WorkUnit.worker_id == worker.id)
    ).one()
    graded, correct = db.session.execute(
        sa.select(
            sa.func.count(Decision.control_correct),
            sa.func.count(sa.case((Decision.control_correct.is_(True), 1))),
        )
        .join(ModerationItem, ModerationItem.id == Decision.item_id)
        .where(
            Decision.decided_by_id == worker.id,
            ModerationItem.control_id.is_not(None),
            Decision.created_at >= since,
        )
    ).one()
    kinds = db.session.scalars(
        sa.select(Gig.kind)
        .join(Engagement, Engagement.gig_id == Gig.id)
        .where(Engagement.worker_id == worker.id)
        .distinct()
    ).all()
    return WorkerFacts(
        languages=list(worker.languages or []),
        kinds=sorted(kinds),
        units_done=done,
        approval_percent=_percent(decided_approved, decided),
        controls_graded=graded,
        control_accuracy_percent=_percent(correct, graded),
    )
