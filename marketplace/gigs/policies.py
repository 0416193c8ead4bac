"""Authorization rules of gig listings (see auth/policies.py)."""

from __future__ import annotations

from marketplace.auth.policies import rule
from marketplace.auth.roles import Viewer, active_user, can_manage_gigs, is_admin, is_member
from marketplace.gigs.models import Gig, GigStatus


@rule("gig.view")
def gig_view(viewer: Viewer, gig: Gig) -> bool:
    """May the listing page exist for this viewer at all (else 404)?"""
    return gig.is_public or is_admin(viewer) or is_member(viewer, gig.company)


@rule("gig.see_content")
def gig_see_content(viewer: Viewer, gig: Gig) -> bool:
    """Mature listings show only to opted-in adults (and to their company and admins)."""
    if not gig.is_mature or is_admin(viewer) or is_member(viewer, gig.company):
        return True
    user = active_user(viewer)
    return user is not None and user.sees_mature_content


@rule("gig.manage", "gig.review_applicants")
def gig_manage(viewer: Viewer, gig: Gig) -> bool:
    """The company's own management pages of a gig (read-only once suspended)."""
    return is_member(viewer, gig.company)


@rule("gig.edit", "gig.submit", "gig.close", "gig.withdraw", "onboarding.edit")
def gig_change(viewer: Viewer, gig: Gig) -> bool:
    return can_manage_gigs(viewer, gig.company)


@rule("gig.report")
def _gig_report(viewer: Viewer, gig: Gig) -> bool:
    return (
        active_user(viewer) is not None
        and gig.status == GigStatus.PUBLISHED
        and not is_member(viewer, gig.company)
    )
