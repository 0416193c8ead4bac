"""Authorization rules of levels and offers (see auth/policies.py)."""

from __future__ import annotations

from typing import Any

from marketplace.auth.policies import rule
from marketplace.auth.roles import Viewer, active_user, can_manage_gigs, is_member, is_seeker
from marketplace.gigs.models import Gig
from marketplace.growth.models import Offer
from marketplace.onboarding.models import Engagement


@rule("levels.view_own")
def _levels_view_own(viewer: Viewer, _obj: Any = None) -> bool:
    """A seeker's own levels and offers (companies and admins have none)."""
    return is_seeker(viewer)


@rule("offer.answer")
def _offer_answer(viewer: Viewer, offer: Offer) -> bool:
    """Only the worker the offer is made to accepts or declines it."""
    user = active_user(viewer)
    return user is not None and is_seeker(viewer) and offer.engagement.worker_id == user.id


@rule("engagement.offers")
def _engagement_offers(viewer: Viewer, engagement: Engagement) -> bool:
    """The company's members see an engagement's offers ..."""
    return is_member(viewer, engagement.gig.company)


@rule("engagement.make_offer")
def _engagement_make_offer(viewer: Viewer, engagement: Engagement) -> bool:
    """... and make them, unless the company is suspended."""
    return can_manage_gigs(viewer, engagement.gig.company)


@rule("gig.level_settings")
def _gig_level_settings(viewer: Viewer, gig: Gig) -> bool:
    return can_manage_gigs(viewer, gig.company)
