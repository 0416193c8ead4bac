"""Reading applications and engagements for the seeker's and the company's pages."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import Company, User
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.onboarding.models import (
    Application,
    ApplicationStatus,
    Engagement,
    EngagementStatus,
)


def my_applications(seeker: User) -> list[Application]:
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(Application.seeker_id == seeker.id)
            .options(joinedload(Application.gig).joinedload(Gig.company))
            .order_by(Application.updated_at.desc(), Application.id.desc())
        )
    )


def application_of(seeker: User, gig: Gig) -> Application | None:
    return db.session.scalar(
        sa.select(Application).where(
            Application.seeker_id == seeker.id, Application.gig_id == gig.id
        )
    )


def applicants(
    gig: Gig, *, status: ApplicationStatus | None = None, min_score: int | None = None
) -> list[Application]:
    """The gig's pipeline: applications waiting longest first."""
    stmt = (
        sa.select(Application)
        .where(Application.gig_id == gig.id)
        .options(joinedload(Application.seeker), selectinload(Application.attempts))
        .order_by(Application.created_at, Application.id)
    )
    if status is not None:
        stmt = stmt.where(Application.status == status)
    if min_score is not None:
        stmt = stmt.where(Application.best_score_percent >= min_score)
    return list(db.session.scalars(stmt))


def pipeline_counts(gig: Gig) -> dict[ApplicationStatus, int]:
    rows = db.session.execute(
        sa.select(Application.status, sa.func.count())
        .where(Application.gig_id == gig.id)
        .group_by(Application.status)
    ).all()
    counts = dict.fromkeys(ApplicationStatus, 0)
    counts.update({ApplicationStatus(status): count for status, count in rows})
    return counts


def my_engagements(worker: User) -> list[Engagement]:
    return list(
        db.session.scalars(
            sa.select(Engagement)
            .where(Engagement.worker_id == worker.id)
            .options(joinedload(Engagement.gig).joinedload(Gig.company))
            .order_by(Engagement.status, Engagement.started_at.desc())
        )
    )


def company_engagements(company: Company, *, status: EngagementStatus | None) -> list[Engagement]:
    stmt = (
        sa.select(Engagement)
        .join(Gig, Gig.id == Engagement.gig_id)
        .where(Gig.company_id == company.id)
        .options(joinedload(Engagement.worker), joinedload(Engagement.gig))
        .order_by(Engagement.started_at.desc(), Engagement.id.desc())
    )
    if status is not None:
        stmt = stmt.where(Engagement.status == status)
    return list(db.session.scalars(stmt))
