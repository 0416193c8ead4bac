"""Authorization rules of accounts and companies (see auth/policies.py)."""

from __future__ import annotations

from typing import Any

from marketplace.accounts.models import Company, CompanyRole
from marketplace.auth.policies import rule
from marketplace.auth.roles import (
    Viewer,
    can_manage_gigs,
    is_admin,
    is_member,
    is_seeker,
    member_role,
)


@rule("company.post_gigs")
def _company_post_gigs(viewer: Viewer, company: Company) -> bool:
    return can_manage_gigs(viewer, company)


@rule("company.manage")
def _company_manage(viewer: Viewer, company: Company) -> bool:
    return member_role(viewer, company) == CompanyRole.OWNER and not company.is_suspended


@rule("company.view")
def _company_view(viewer: Viewer, company: Company) -> bool:
    """A suspended company's page is gone for everyone but its members and admins."""
    return not company.is_suspended or is_admin(viewer) or is_member(viewer, company)


@rule("company.view_private")
def _company_view_private(viewer: Viewer, company: Company) -> bool:
    return is_member(viewer, company)


@rule("seeker.profile")
def _seeker_profile(viewer: Viewer, _obj: Any = None) -> bool:
    return is_seeker(viewer)
