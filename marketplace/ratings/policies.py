"""Authorization rules of ratings (see auth/policies.py).

Each side of an engagement rates the other: the worker, and the members of the gig's
company (not while it is suspended). A worker's profile is not public (as on Upwork,
where a freelancer's profile is seen by clients, here narrower): the worker sees it,
and the members of a company the worker applied to or works for; everyone else gets 404.
"""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User, UserKind
from marketplace.auth.policies import rule
from marketplace.auth.roles import Viewer, active_user, can_manage_gigs
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.onboarding.models import Application, Engagement
from marketplace.ratings.models import Rating, RatingSide


@rule("rating.give")
def _give(viewer: Viewer, engagement: Engagement) -> bool:
    user = active_user(viewer)
    return user is not None and (
        engagement.worker_id == user.id or can_manage_gigs(viewer, engagement.gig.company)
    )


@rule("rating.answer")
def _answer(viewer: Viewer, rating: Rating) -> bool:
    """The rated company answers a worker's rating of itself."""
    return rating.side == RatingSide.WORKER and can_manage_gigs(viewer, rating.company)


@rule("worker.profile")
def _worker_profile(viewer: Viewer, worker: User) -> bool:
    user = active_user(viewer)
    if user is None or worker.kind != UserKind.SEEKER:
        return False
    if user.id == worker.id:
        return True
    if user.membership is None:
        return False
    applied = db.session.scalar(
        sa.select(Application.id)
        .join(Gig, Gig.id == Application.gig_id)
        .where(Application.seeker_id == worker.id, Gig.company_id == user.membership.company_id)
        .limit(1)
    )
    return applied is not None
