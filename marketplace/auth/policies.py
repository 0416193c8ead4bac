"""Who may do what: every authorization rule of the app, in one place.

``can(user, action, obj)`` answers; ``ensure_can`` turns a "no" into a 404
(the object's existence must not leak) and is what views call. Each action
has one rule function; an unknown action is a programming error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from flask_login import AnonymousUserMixin

from marketplace.accounts.models import Company, CompanyRole, User, UserKind
from marketplace.db import utcnow
from marketplace.gigs.models import Gig, GigStatus
from marketplace.onboarding.models import Application, Engagement
from marketplace.workpool.models import Conversation, ConversationStatus, Mailbox, Reply

Viewer = User | AnonymousUserMixin


def _user(viewer: Viewer) -> User | None:
    return viewer if isinstance(viewer, User) and viewer.is_active else None


def _member_role(viewer: Viewer, company: Company) -> CompanyRole | None:
    user = _user(viewer)
    if user is None or user.membership is None or user.membership.company_id != company.id:
        return None
    return user.membership.role


def _is_admin(viewer: Viewer) -> bool:
    user = _user(viewer)
    return user is not None and user.kind == UserKind.ADMIN


def _can_manage_gigs(viewer: Viewer, company: Company) -> bool:
    return _member_role(viewer, company) is not None and not company.is_suspended


# --- rules ------------------------------------------------------------------


def _gig_view(viewer: Viewer, gig: Gig) -> bool:
    """May the listing page exist for this viewer at all (else 404)?"""
    if gig.is_public:
        return True
    return _is_admin(viewer) or _member_role(viewer, gig.company) is not None


def _gig_see_content(viewer: Viewer, gig: Gig) -> bool:
    """Mature listings show only to opted-in adults (and to their company and admins)."""
    if not gig.is_mature:
        return True
    if _is_admin(viewer) or _member_role(viewer, gig.company) is not None:
        return True
    user = _user(viewer)
    return user is not None and user.sees_mature_content


def _gig_manage(viewer: Viewer, gig: Gig) -> bool:
    """The company's own management pages of a gig (read-only once suspended)."""
    return _member_role(viewer, gig.company) is not None


def _gig_change(viewer: Viewer, gig: Gig) -> bool:
    return _can_manage_gigs(viewer, gig.company)


def _gig_report(viewer: Viewer, gig: Gig) -> bool:
    user = _user(viewer)
    return (
        user is not None
        and gig.status == GigStatus.PUBLISHED
        and _member_role(viewer, gig.company) is None
    )


def _company_post_gigs(viewer: Viewer, company: Company) -> bool:
    return _can_manage_gigs(viewer, company)


def _company_manage(viewer: Viewer, company: Company) -> bool:
    return _member_role(viewer, company) == CompanyRole.OWNER and not company.is_suspended


def _company_view(viewer: Viewer, company: Company) -> bool:
    """A suspended company's page is gone for everyone but its members and admins."""
    return (
        not company.is_suspended or _is_admin(viewer) or _member_role(viewer, company) is not None
    )


def _company_view_private(viewer: Viewer, company: Company) -> bool:
    return _member_role(viewer, company) is not None


def _seeker_profile(viewer: Viewer, _obj: Any = None) -> bool:
    user = _user(viewer)
    return user is not None and user.kind == UserKind.SEEKER


def _admin(viewer: Viewer, _obj: Any = None) -> bool:
    return _is_admin(viewer)


# --- applications, onboarding, engagements -----------------------------------------


def _gig_apply(viewer: Viewer, gig: Gig) -> bool:
    """Seekers may apply to what they may see: public gigs, mature ones only if opted in."""
    user = _user(viewer)
    return (
        user is not None
        and user.kind == UserKind.SEEKER
        and gig.is_public
        and _gig_see_content(viewer, gig)
    )


def _application_view(viewer: Viewer, application: Application) -> bool:
    user = _user(viewer)
    if user is None:
        return False
    return (
        application.seeker_id == user.id
        or _member_role(viewer, application.gig.company) is not None
    )


def _application_act(viewer: Viewer, application: Application) -> bool:
    """The applicant's own steps: consent, rules, quiz, withdraw."""
    user = _user(viewer)
    return user is not None and application.seeker_id == user.id


def _application_decide(viewer: Viewer, application: Application) -> bool:
    return _can_manage_gigs(viewer, application.gig.company)


def _engagement_view(viewer: Viewer, engagement: Engagement) -> bool:
    user = _user(viewer)
    if user is None:
        return False
    return (
        engagement.worker_id == user.id or _member_role(viewer, engagement.gig.company) is not None
    )


def _engagement_work(viewer: Viewer, engagement: Engagement) -> bool:
    user = _user(viewer)
    return user is not None and engagement.worker_id == user.id


def _engagement_manage(viewer: Viewer, engagement: Engagement) -> bool:
    return _can_manage_gigs(viewer, engagement.gig.company)


def _mailbox_manage(viewer: Viewer, mailbox: Mailbox) -> bool:
    return _can_manage_gigs(viewer, mailbox.gig.company)


def _conversation_company(viewer: Viewer, conversation: Conversation) -> bool:
    """Company staff see and answer every conversation of their mailboxes."""
    return _can_manage_gigs(viewer, conversation.mailbox.gig.company)


def _conversation_work(viewer: Viewer, conversation: Conversation) -> bool:
    """A worker sees a customer's conversation only while holding its lease."""
    user = _user(viewer)
    return (
        user is not None
        and conversation.status == ConversationStatus.WAITING
        and conversation.claimed_by_id == user.id
        and conversation.lease_expires_at is not None
        and conversation.lease_expires_at > utcnow()
    )


def _reply_own(viewer: Viewer, reply: Reply) -> bool:
    """A worker's own past answers stay visible to them."""
    user = _user(viewer)
    return user is not None and reply.author_id == user.id


RULES: dict[str, Callable[[Viewer, Any], bool]] = {
    "gig.view": _gig_view,
    "gig.see_content": _gig_see_content,
    "gig.manage": _gig_manage,
    "gig.edit": _gig_change,
    "gig.submit": _gig_change,
    "gig.close": _gig_change,
    "gig.withdraw": _gig_change,
    "gig.report": _gig_report,
    "company.post_gigs": _company_post_gigs,
    "company.view": _company_view,
    "company.manage": _company_manage,
    "company.view_private": _company_view_private,
    "gig.apply": _gig_apply,
    "gig.review_applicants": _gig_manage,
    "onboarding.edit": _gig_change,
    "application.view": _application_view,
    "application.act": _application_act,
    "application.decide": _application_decide,
    "engagement.view": _engagement_view,
    "engagement.work": _engagement_work,
    "engagement.manage": _engagement_manage,
    "seeker.profile": _seeker_profile,
    "admin.access": _admin,
    "mailbox.manage": _mailbox_manage,
    "conversation.company": _conversation_company,
    "conversation.work": _conversation_work,
    "reply.view_own": _reply_own,
}


def can(viewer: Viewer, action: str, obj: Any = None) -> bool:
    return RULES[action](viewer, obj)


def ensure_can(viewer: Viewer, action: str, obj: Any = None) -> None:
    """404 unless allowed: to someone who may not act, the object does not exist."""
    if not can(viewer, action, obj):
        abort(404)
