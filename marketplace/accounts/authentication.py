"""Checking a login's email address and password, the same way for every address.

Failed logins are counted per normalized address (``LoginThrottle``), whether
an account has it or not: after LOGIN_MAX_FAILURES wrong passwords the address
is locked for LOGIN_LOCK_MINUTES, even against the right password, so guessing
stays slow and a known address answers exactly as an unknown one does. An
unknown address costs the same password hashing as a known one.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.accounts.models import LoginThrottle, User, normalize_email
from marketplace.accounts.queries import find_user_by_email
from marketplace.auth import passwords
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db


class LoginRefused(DomainError):
    pass


class AccountSuspended(LoginRefused):
    """The password was right, but the account is suspended: the login page lets the
    person see the reason and appeal (standing/access.py), nothing else."""

    def __init__(self, user: User) -> None:
        super().__init__(_("This account is suspended. Here is why, and how you can appeal."))
        self.user = user


def authenticate(email: str, password: str) -> User:
    """Return the user for correct credentials, or raise LoginRefused.

    The failure counts are changes the caller must commit even when login fails.
    """
    key = throttle_key(email)
    now = utcnow()
    locked_until = db.session.scalar(
        sa.select(LoginThrottle.locked_until).where(LoginThrottle.key == key)
    )
    if locked_until is not None and locked_until > now:
        raise LoginRefused(_locked_message(locked_until - now))
    user = find_user_by_email(email)
    if user is None:
        passwords.spend_verification_time(password)
    if user is None or not passwords.verify_password(user.password_hash, password):
        _count_failure(key, now)
        raise LoginRefused(_("Wrong email address or password."))
    forget_failures(user.email)
    # Imported here: moderation needs accounts.services, which needs this module.
    from marketplace.accounts import moderation

    if user.suspended_at is not None and not moderation.end_suspension_if_over(user):
        raise AccountSuspended(user)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def throttle_key(email: str) -> str:
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()


def forget_failures(email: str) -> None:
    """The address proved itself (a right password, a reset by email): start afresh."""
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == throttle_key(email)))


def _count_failure(key: str, now: datetime) -> None:
    """One more failure for the address (an upsert, so parallel attempts all count);
    the last one allowed locks it and starts the count again."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    failures = db.session.scalar(
        dialect.insert(LoginThrottle)
        .values(key=key, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={"failures": LoginThrottle.failures + 1, "last_failure_at": now},
        )
        .returning(LoginThrottle.failures)
    )
    config = current_app.config
    if failures is not None and failures >= config["LOGIN_MAX_FAILURES"]:
        db.session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(failures=0, locked_until=now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"]))
        )


# Failures older than this are forgotten by ``purge_throttles`` (cron), so a
# stranger's address is not kept and a few typos months apart never add up to a lock.
THROTTLE_KEEP = timedelta(days=1)


def purge_throttles(now: datetime | None = None) -> int:
    """Delete the counts of addresses whose last failure is older than THROTTLE_KEEP
    and that are not locked; the number deleted."""
    now = now or utcnow()
    return db.session.execute(
        sa.delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < now - THROTTLE_KEEP,
            sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
        )
    ).rowcount


def _locked_message(left: timedelta) -> str:
    minutes = max(1, int(left.total_seconds() // 60) + 1)
    return ngettext(
        "Too many failed attempts. For your safety this account is locked for %(num)d more minute.",
        "Too many failed attempts. For your safety this account is locked "
        "for %(num)d more minutes.",
        minutes,
    )
