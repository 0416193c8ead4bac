"""Admin decisions on accounts and companies: suspension and verification.

Every decision needs a reason (verification: an optional note), is checked
against the current state, and lands in the audit log.
"""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace.accounts import logins
from marketplace.accounts.models import Company, User
from marketplace.audit.services import record
from marketplace.db import utcnow
from marketplace.errors import InvalidTransition, NotAllowed
from marketplace.gigs import listing_cache
from marketplace.reasons import require_reason


def suspend_user(user: User, *, reason: str, by: User) -> None:
    reason = require_reason(reason)
    if user.suspended_at is not None:
        raise InvalidTransition(_("This account is already suspended."))
    if user.id == by.id:
        raise NotAllowed(_("You cannot suspend your own account."))
    user.suspended_at = utcnow()
    user.suspended_reason = reason
    user.auth_version += 1
    logins.end_all(user)  # ends every open session at once
    record(
        actor=by,
        action="user.suspend",
        object_type="user",
        object_id=user.id,
        before={"suspended": False},
        after={"suspended": True},
        reason=reason,
    )


def unsuspend_user(user: User, *, reason: str, by: User) -> None:
    reason = require_reason(reason)
    if user.suspended_at is None:
        raise InvalidTransition(_("This account is not suspended."))
    user.suspended_at = None
    user.suspended_reason = None
    record(
        actor=by,
        action="user.unsuspend",
        object_type="user",
        object_id=user.id,
        before={"suspended": True},
        after={"suspended": False},
        reason=reason,
    )


def verify_company(company: Company, *, by: User, reason: str = "") -> None:
    if company.verified_at is not None:
        raise InvalidTransition(_("This company is already verified."))
    company.verified_at = utcnow()
    listing_cache.bump()  # cards show the verified mark
    record(
        actor=by,
        action="company.verify",
        object_type="company",
        object_id=company.id,
        before={"verified": False},
        after={"verified": True},
        reason=reason.strip() or None,
    )


def suspend_company(company: Company, *, reason: str, by: User) -> None:
    reason = require_reason(reason)
    if company.suspended_at is not None:
        raise InvalidTransition(_("This company is already suspended."))
    company.suspended_at = utcnow()
    company.suspended_reason = reason
    listing_cache.bump()
    record(
        actor=by,
        action="company.suspend",
        object_type="company",
        object_id=company.id,
        before={"suspended": False},
        after={"suspended": True},
        reason=reason,
    )


def unsuspend_company(company: Company, *, reason: str, by: User) -> None:
    reason = require_reason(reason)
    if company.suspended_at is None:
        raise InvalidTransition(_("This company is not suspended."))
    company.suspended_at = None
    company.suspended_reason = None
    listing_cache.bump()
    record(
        actor=by,
        action="company.unsuspend",
        object_type="company",
        object_id=company.id,
        before={"suspended": True},
        after={"suspended": False},
        reason=reason,
    )
