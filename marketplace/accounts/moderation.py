"""Admin decisions on accounts and companies: suspension, bans and verification.

Every decision needs a reason (verification: an optional note), is checked
against the current state, and lands in the audit log. A suspension or ban also
opens a measure (standing/): the person is emailed the reason and the end, sees
both on their standing page and may appeal once.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts import logins
from marketplace.accounts.models import Company, User
from marketplace.accounts.services import notify_company_members
from marketplace.audit.services import record
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition, NotAllowed
from marketplace.extensions import db
from marketplace.gigs import listing_cache
from marketplace.mail.services import queue_email
from marketplace.reasons import require_reason
from marketplace.standing import measures
from marketplace.standing.models import MeasureKind
from marketplace.urls import absolute_url

MAX_SUSPENSION_DAYS = 365


def suspend_user(user: User, *, reason: str, by: User, days: int | None = None) -> None:
    """Suspend ``user`` for ``days`` days, or ban them (``days`` None: until lifted)."""
    reason = require_reason(reason)
    if user.suspended_at is not None:
        raise InvalidTransition(_("This account is already suspended."))
    if user.id == by.id:
        raise NotAllowed(_("You cannot suspend your own account."))
    _check_days(days)
    now = utcnow()
    user.suspended_at = now
    user.suspended_reason = reason
    user.suspended_until = now + timedelta(days=days) if days else None
    user.auth_version += 1
    logins.end_all(user)  # ends every open session at once
    measure = measures.open_measure(
        MeasureKind.SUSPENSION if days else MeasureKind.BAN,
        reason=reason,
        by=by,
        user=user,
        ends_at=user.suspended_until,
    )
    record(
        actor=by,
        action="user.suspend",
        object_type="user",
        object_id=user.id,
        before={"suspended": False},
        after={"suspended": True, "days": days},  # days None: a ban
        reason=reason,
    )
    queue_email(
        to=user.email,
        template="standing/suspended",
        locale=user.locale,
        user=user,
        measure=measure,
        link=absolute_url("standing.overview"),
    )


def _check_days(days: int | None) -> None:
    if days is not None and not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise DomainError(
            _("A suspension lasts 1 to %(max)d days; or choose a ban.", max=MAX_SUSPENSION_DAYS)
        )


def unsuspend_user(user: User, *, reason: str, by: User, notify: bool = True) -> None:
    reason = require_reason(reason)
    if user.suspended_at is None:
        raise InvalidTransition(_("This account is not suspended."))
    _end_suspension(user, by=by, reason=reason)
    record(
        actor=by,
        action="user.unsuspend",
        object_type="user",
        object_id=user.id,
        before={"suspended": True},
        after={"suspended": False},
        reason=reason,
    )
    if notify:
        queue_email(
            to=user.email,
            template="standing/lifted",
            locale=user.locale,
            user=user,
            reason=reason,
            link=absolute_url("accounts.login"),
        )


def _end_suspension(user: User, *, by: User | None, reason: str | None) -> None:
    when = utcnow() if by is not None else user.suspended_until
    for measure in measures.open_account_measures(user):
        measures.lift(measure, by=by, reason=reason, when=when)
    user.suspended_at = None
    user.suspended_reason = None
    user.suspended_until = None


def end_suspension_if_over(user: User) -> bool:
    """Lift ``user``'s suspension if its end date has passed (True if it did).

    The login asks this, so a suspension ends to the minute; cron ends the rest
    (``end_expired_suspensions``)."""
    until = user.suspended_until
    if user.suspended_at is None or until is None or until > utcnow():
        return False
    _end_suspension(user, by=None, reason=None)
    record(
        actor=None,
        action="user.suspension_ended",
        object_type="user",
        object_id=user.id,
        before={"suspended": True},
        after={"suspended": False},
    )
    return True


def end_expired_suspensions() -> int:
    """Lift every suspension whose end date has passed (``flask standing end-suspensions``)."""
    users = db.session.scalars(
        sa.select(User)
        .where(User.suspended_at.is_not(None), User.suspended_until <= utcnow())
        .order_by(User.id)
        .with_for_update(skip_locked=True)
    ).all()
    return sum(end_suspension_if_over(user) for user in users)


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
    measure = measures.open_measure(
        MeasureKind.COMPANY_SUSPENSION, reason=reason, by=by, company=company
    )
    record(
        actor=by,
        action="company.suspend",
        object_type="company",
        object_id=company.id,
        before={"suspended": False},
        after={"suspended": True},
        reason=reason,
    )
    notify_company_members(
        company,
        "standing/company_suspended",
        measure=measure,
        link=absolute_url("standing.overview"),
    )


def unsuspend_company(company: Company, *, reason: str, by: User) -> None:
    reason = require_reason(reason)
    if company.suspended_at is None:
        raise InvalidTransition(_("This company is not suspended."))
    company.suspended_at = None
    company.suspended_reason = None
    for measure in measures.open_company_measures(company):
        measures.lift(measure, by=by, reason=reason)
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
