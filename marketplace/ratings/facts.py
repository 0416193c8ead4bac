"""Measured facts shown beside ratings, from payments (and moderation) data only.

A company's facts over the last FACTS_DAYS days of recorded work, in one query:
median review time (recorded → approved or rejected, by a person or automatically
at the end of the review window), rejection rate (decided units that were rejected,
whatever the dispute later decided), share of decided disputes the worker won, and
median time from recorded work to the payout that paid it (the first paid payout to
that worker set up after the unit was approved). A worker's facts in two queries:
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


def company_facts(company: Company, *, now: datetime | None = None) -> CompanyFacts:
    since = (now or utcnow()) - timedelta(days=FACTS_DAYS)
    paid_at = (
        sa.select(sa.func.min(Payout.sent_at))
        .where(
            Payout.worker_id == WorkUnit.worker_id,
            Payout.status == PayoutStatus.PAID,
            Payout.created_at >= WorkUnit.decided_at,
        )
        .correlate(WorkUnit)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(
            WorkUnit.status,
            WorkUnit.created_at,
            WorkUnit.decided_at,
            WorkUnit.rejection_reason.is_not(None),
            WorkUnit.disputed_at.is_not(None),
            sa.case((WorkUnit.status == UnitStatus.APPROVED, paid_at), else_=None),
        ).where(WorkUnit.company_id == company.id, WorkUnit.created_at >= since)
    ).all()
    reviewed = [r for r in rows if r[2] is not None and r[0] in DECIDED]
    disputes = [r for r in rows if r[4] and r[0] in (UnitStatus.APPROVED, UnitStatus.VOIDED)]
    return CompanyFacts(
        units=len(rows),
        median_review=_median([r[2] - r[1] for r in reviewed]),
        rejection_percent=_percent(sum(1 for r in reviewed if r[3]), len(reviewed)),
        disputes_decided=len(disputes),
        disputes_won_by_workers_percent=_percent(
            sum(1 for r in disputes if r[0] == UnitStatus.APPROVED), len(disputes)
        ),
        median_to_payout=_median([r[5] - r[1] for r in rows if r[5] is not None]),
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
