"""Authorization rules of applications, onboarding and engagements (see auth/policies.py)."""

from __future__ import annotations

from marketplace.auth.policies import rule
from marketplace.auth.roles import Viewer, active_user, can_manage_gigs, is_member, is_seeker
from marketplace.gigs.models import Gig
from marketplace.gigs.policies import gig_see_content
from marketplace.onboarding.models import Application, Engagement


@rule("gig.apply")
def _gig_apply(viewer: Viewer, gig: Gig) -> bool:
    """Seekers may apply to what they may see: public gigs, mature ones only if opted in."""
    return is_seeker(viewer) and gig.is_public and gig_see_content(viewer, gig)


@rule("application.view")
def _application_view(viewer: Viewer, application: Application) -> bool:
    user = active_user(viewer)
    return user is not None and (
        application.seeker_id == user.id or is_member(viewer, application.gig.company)
    )


@rule("application.act")
def _application_act(viewer: Viewer, application: Application) -> bool:
    """The applicant's own steps: consent, rules, quiz, withdraw."""
    user = active_user(viewer)
    return user is not None and application.seeker_id == user.id


@rule("application.decide")
def _application_decide(viewer: Viewer, application: Application) -> bool:
    return can_manage_gigs(viewer, application.gig.company)


@rule("engagement.view")
def _engagement_view(viewer: Viewer, engagement: Engagement) -> bool:
    user = active_user(viewer)
    return user is not None and (
        engagement.worker_id == user.id or is_member(viewer, engagement.gig.company)
    )


@rule("engagement.work")
def _engagement_work(viewer: Viewer, engagement: Engagement) -> bool:
    user = active_user(viewer)
    return user is not None and engagement.worker_id == user.id


@rule("engagement.manage")
def _engagement_manage(viewer: Viewer, engagement: Engagement) -> bool:
    return can_manage_gigs(viewer, engagement.gig.company)
