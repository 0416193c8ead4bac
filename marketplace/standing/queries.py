"""Reading measures and appeals for the person's standing page and the admin's queue."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.onboarding.models import Engagement
from marketplace.pagination import Page, paginate
from marketplace.standing.models import Appeal, AppealStatus, Measure


def _loaded(stmt: sa.Select) -> sa.Select:
    return stmt.options(
        selectinload(Measure.appeal),
        joinedload(Measure.company),
        joinedload(Measure.engagement).joinedload(Engagement.gig).joinedload(Gig.company),
    )


def measures_for(person: User) -> list[Measure]:
    """Everything on the person's record: their own measures and their company's."""
    subject = Measure.user_id == person.id
    if person.membership is not None:
        subject = sa.or_(subject, Measure.company_id == person.membership.company_id)
    stmt = sa.select(Measure).where(subject).order_by(Measure.started_at.desc(), Measure.id.desc())
    return list(db.session.scalars(_loaded(stmt)).unique())


def appeals_queue(status: AppealStatus | None, page: int) -> Page[Appeal]:
    """Pending appeals oldest first (the longest wait comes first); decided ones newest first."""
    stmt = sa.select(Appeal).options(
        joinedload(Appeal.appellant), joinedload(Appeal.measure).joinedload(Measure.company)
    )
    if status is AppealStatus.PENDING:
        stmt = stmt.where(Appeal.status == status).order_by(Appeal.created_at, Appeal.id)
    else:
        stmt = stmt.where(Appeal.status != AppealStatus.PENDING).order_by(
            Appeal.decided_at.desc(), Appeal.id.desc()
        )
    return paginate(stmt, page)


def pending_appeal_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Appeal).where(Appeal.status == AppealStatus.PENDING)
    )


def measures_of_user(user: User) -> list[Measure]:
    """The admin's view of one account's record (its own measures only)."""
    stmt = sa.select(Measure).where(Measure.user_id == user.id).order_by(Measure.id.desc())
    return list(db.session.scalars(_loaded(stmt)).unique())
