"""Who the viewer is, as authorization rules ask it: the building blocks every
feature's ``policies.py`` uses."""

from __future__ import annotations

from flask_login import AnonymousUserMixin

from marketplace.accounts.models import Company, CompanyRole, User, UserKind

Viewer = User | AnonymousUserMixin


def active_user(viewer: Viewer) -> User | None:
    """The viewer as an active account, or None (anonymous, suspended)."""
    return viewer if isinstance(viewer, User) and viewer.is_active else None


def member_role(viewer: Viewer, company: Company) -> CompanyRole | None:
    user = active_user(viewer)
    if user is None or user.membership is None or user.membership.company_id != company.id:
        return None
    return user.membership.role


def is_member(viewer: Viewer, company: Company) -> bool:
    return member_role(viewer, company) is not None


def is_admin(viewer: Viewer) -> bool:
    user = active_user(viewer)
    return user is not None and user.kind == UserKind.ADMIN


def is_seeker(viewer: Viewer) -> bool:
    user = active_user(viewer)
    return user is not None and user.kind == UserKind.SEEKER


def can_manage_gigs(viewer: Viewer, company: Company) -> bool:
    """Members change their company's things, unless the company is suspended."""
    return is_member(viewer, company) and not company.is_suspended
