"""Opening and lifting measures. The services that decide them (accounts/moderation.py
for admins' suspensions, onboarding/engagements.py for an ended engagement) call these
in the same transaction, so a measure exists exactly when the decision does."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement
from marketplace.standing.models import ACCOUNT_MEASURES, Measure, MeasureKind


def open_measure(
    kind: MeasureKind,
    *,
    reason: str,
    by: User | None,
    user: User | None = None,
    company: Company | None = None,
    engagement: Engagement | None = None,
    ends_at: datetime | None = None,
) -> Measure:
    measure = Measure(
        kind=kind,
        user_id=user.id if user else None,
        company_id=company.id if company else None,
        engagement_id=engagement.id if engagement else None,
        reason=reason,
        imposed_by_id=by.id if by else None,
        started_at=utcnow(),
        ends_at=ends_at,
    )
    db.session.add(measure)
    db.session.flush()
    return measure


def _open_rows(stmt: sa.Select) -> list[Measure]:
    return list(db.session.scalars(stmt.where(Measure.lifted_at.is_(None)).order_by(Measure.id)))


def open_account_measures(user: User) -> list[Measure]:
    """The user's suspensions and bans not lifted yet."""
    return _open_rows(
        sa.select(Measure).where(Measure.user_id == user.id, Measure.kind.in_(ACCOUNT_MEASURES))
    )


def open_company_measures(company: Company) -> list[Measure]:
    return _open_rows(
        sa.select(Measure).where(
            Measure.company_id == company.id, Measure.kind == MeasureKind.COMPANY_SUSPENSION
        )
    )


def lift(
    measure: Measure, *, by: User | None, reason: str | None, when: datetime | None = None
) -> None:
    """Mark the measure lifted: by a decision (``by``), or with ``by`` None when its time
    ran out. A decision on a measure that ran out already clears it from the record
    (it keeps the moment it ended)."""
    if measure.lifted_by_id is not None:
        return  # decided before
    if measure.lifted_at is None:
        measure.lifted_at = when or utcnow()
    if by is not None:
        measure.lifted_by_id = by.id
        measure.lift_reason = reason
