"""Measuring and storing levels: one aggregate query per kind of work gathers every
worker's facts (``facts_by_worker``); ``recompute`` (``flask growth recompute``, daily
from cron) stores each worker's level with the facts and the day. Running it twice on
a day changes nothing the second time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.growth.models import Level, WorkerLevel, WorkKind
from marketplace.growth.rules import PENALTY_WINDOW_DAYS, WINDOW_DAYS, Facts, level_for
from marketplace.moderation.item_models import Decision
from marketplace.onboarding.models import Engagement
from marketplace.payments.models import UnitStatus, WorkUnit
from marketplace.standing.models import ACCOUNT_MEASURES, Measure, MeasureKind

DECIDED = (UnitStatus.APPROVED, UnitStatus.REJECTED, UnitStatus.DISPUTED, UnitStatus.VOIDED)


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _facts_statement(kind: WorkKind, now: datetime) -> sa.Select:
    """One statement: per worker engaged in ``kind``, everything ``rules.Facts`` holds."""
    since = now - timedelta(days=WINDOW_DAYS)
    of_kind = Gig.kind.in_(kind.gig_kinds)
    engaged = (
        sa.select(Engagement.worker_id, sa.func.min(Engagement.started_at).label("first"))
        .join(Gig, Gig.id == Engagement.gig_id)
        .where(of_kind)
        .group_by(Engagement.worker_id)
        .subquery()
    )
    in_window = WorkUnit.decided_at >= since
    units = (
        sa.select(
            WorkUnit.worker_id,
            _count_if(WorkUnit.status == UnitStatus.APPROVED).label("approved"),
            _count_if(sa.and_(WorkUnit.status == UnitStatus.APPROVED, in_window)).label(
                "approved_window"
            ),
            _count_if(sa.and_(WorkUnit.status.in_(DECIDED), in_window)).label("decided_window"),
        )
        .join(Gig, Gig.id == WorkUnit.gig_id)
        .where(of_kind)
        .group_by(WorkUnit.worker_id)
        .subquery()
    )
    controls = (
        sa.select(
            Decision.decided_by_id.label("worker_id"),
            _count_if(Decision.control_correct.is_(True)).label("correct"),
            sa.func.count().label("graded"),
        )
        .where(Decision.control_correct.is_not(None), Decision.created_at >= since)
        .group_by(Decision.decided_by_id)
        .subquery()
    )
    penalty = sa.and_(
        Measure.user_id.is_not(None),
        Measure.lifted_at.is_(None),
        Measure.started_at <= now,
        sa.or_(
            sa.and_(
                Measure.kind.in_(ACCOUNT_MEASURES),
                sa.or_(Measure.ends_at.is_(None), Measure.ends_at > now),
            ),
            sa.and_(
                Measure.kind == MeasureKind.ENGAGEMENT_ENDED,
                Measure.started_at >= now - timedelta(days=PENALTY_WINDOW_DAYS),
            ),
        ),
    )
    penalties = (
        sa.select(Measure.user_id.label("worker_id"), sa.func.count().label("open"))
        .where(penalty)
        .group_by(Measure.user_id)
        .subquery()
    )
    moderation = kind == WorkKind.MODERATION
    return (
        sa.select(
            engaged.c.worker_id,
            engaged.c.first,
            sa.func.coalesce(units.c.approved, 0),
            sa.func.coalesce(units.c.approved_window, 0),
            sa.func.coalesce(units.c.decided_window, 0),
            sa.func.coalesce(controls.c.correct, 0) if moderation else sa.literal(0),
            sa.func.coalesce(controls.c.graded, 0) if moderation else sa.literal(0),
            sa.func.coalesce(penalties.c.open, 0),
        )
        .select_from(engaged)
        .outerjoin(units, units.c.worker_id == engaged.c.worker_id)
        .outerjoin(controls, controls.c.worker_id == engaged.c.worker_id)
        .outerjoin(penalties, penalties.c.worker_id == engaged.c.worker_id)
        .order_by(engaged.c.worker_id)
    )


def facts_by_worker(kind: WorkKind, now: datetime | None = None) -> dict[int, Facts]:
    now = now or utcnow()
    facts: dict[int, Facts] = {}
    for row in db.session.execute(_facts_statement(kind, now)):
        worker_id, first, approved, approved_w, decided_w, correct, graded, open_ = row
        facts[worker_id] = Facts(
            approved_units=int(approved),
            approved_in_window=int(approved_w),
            decided_in_window=int(decided_w),
            control_correct=int(correct),
            control_graded=int(graded),
            tenure_days=max((now - first).days, 0),
            open_penalties=int(open_),
        )
    return facts


def recompute(now: datetime | None = None) -> dict[WorkKind, int]:
    """Store every engaged worker's level per kind of work for today; returns how many
    levels changed per kind. Idempotent: the same facts write the same row."""
    now = now or utcnow()
    today = now.date()
    changed: dict[WorkKind, int] = {}
    for kind in WorkKind:
        stored = {
            row.worker_id: row
            for row in db.session.scalars(sa.select(WorkerLevel).where(WorkerLevel.kind == kind))
        }
        changed[kind] = 0
        for worker_id, facts in facts_by_worker(kind, now).items():
            level = level_for(facts, kind)
            row = stored.get(worker_id)
            if row is None:
                row = WorkerLevel(worker_id=worker_id, kind=kind, level=level, reached_on=today)
                db.session.add(row)
                changed[kind] += 1
            elif row.level != level:
                row.level, row.reached_on = level, today
                changed[kind] += 1
            row.computed_on = today
            row.facts = facts.as_json()
    db.session.flush()
    return changed


def levels_of(worker: User) -> dict[WorkKind, WorkerLevel]:
    rows = db.session.scalars(sa.select(WorkerLevel).where(WorkerLevel.worker_id == worker.id))
    return {row.kind: row for row in rows}


def level_of(worker_id: int, kind: WorkKind) -> Level:
    """The worker's stored level in ``kind`` (New when none was computed yet)."""
    level = db.session.scalar(
        sa.select(WorkerLevel.level).where(
            WorkerLevel.worker_id == worker_id, WorkerLevel.kind == kind
        )
    )
    return level or Level.NEW


def kinds_worked(worker: User) -> list[WorkKind]:
    """The kinds of work the worker was ever engaged in (for "My levels")."""
    gig_kinds = db.session.scalars(
        sa.select(Gig.kind)
        .join(Engagement, Engagement.gig_id == Gig.id)
        .where(Engagement.worker_id == worker.id)
        .distinct()
    )
    kinds = {WorkKind.of_gig(kind) for kind in gig_kinds}
    return [kind for kind in WorkKind if kind in kinds]


def today() -> date:
    return utcnow().date()
