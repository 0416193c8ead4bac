"""Who leads a team: a worker whose engagement's current terms (``terms.current``)
give the team-lead role on a gig reviews the other workers' units of that gig
(payments/lead_views.py) and is paid per reviewed unit at the terms' review rate.
The role ends with the terms that give it (a new version with another role) or
with the engagement (not active)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.growth import terms
from marketplace.growth.models import TermsRole
from marketplace.onboarding.models import Engagement, EngagementStatus


def _active_engagements(user: User, gig_id: int | None = None) -> list[Engagement]:
    stmt = sa.select(Engagement).where(
        Engagement.worker_id == user.id, Engagement.status == EngagementStatus.ACTIVE
    )
    if gig_id is not None:
        stmt = stmt.where(Engagement.gig_id == gig_id)
    return list(db.session.scalars(stmt.order_by(Engagement.id)))


def leads(engagement: Engagement) -> bool:
    """Whether the engagement's current terms give the team-lead role (and it is active)."""
    return (
        engagement.status == EngagementStatus.ACTIVE
        and terms.current(engagement).role == TermsRole.TEAM_LEAD
    )


def lead_engagement(user: User, gig_id: int) -> Engagement | None:
    """The user's active engagement on the gig that makes them its team lead, if any."""
    return next((e for e in _active_engagements(user, gig_id) if leads(e)), None)


def led_engagements(user: User) -> list[Engagement]:
    """The user's engagements whose current terms make them team lead (for the menu)."""
    return [e for e in _active_engagements(user) if leads(e)]
