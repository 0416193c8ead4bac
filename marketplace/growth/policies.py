"""Authorization rules of levels and offers (see auth/policies.py)."""

from __future__ import annotations

from typing import Any

from marketplace.auth.policies import rule
from marketplace.auth.roles import Viewer, active_user, can_manage_gigs, is_member, is_seeker
from marketplace.gigs.models import Gig
from marketplace.growth import team_lead
from marketplace.growth.models import Offer
from marketplace.onboarding.models import Engagement
from marketplace.payments.models import UnitKind, WorkUnit


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


@rule("gig.lead_review")
def _gig_lead_review(viewer: Viewer, gig: Gig) -> bool:
    """A worker whose current terms on this gig give the team-lead role reviews its work."""
    user = active_user(viewer)
    return (
        user is not None
        and is_seeker(viewer)
        and team_lead.lead_engagement(user, gig.id) is not None
    )


@rule("unit.lead_review")
def _unit_lead_review(viewer: Viewer, unit: WorkUnit) -> bool:
    """... but only the other workers' units (never their own), and not the reviews of
    team leads: the company keeps the last word on those."""
    user = active_user(viewer)
    return (
        user is not None
        and unit.worker_id != user.id
        and unit.kind != UnitKind.REVIEW
        and _gig_lead_review(viewer, unit.engagement.gig)
    )
