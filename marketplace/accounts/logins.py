"""Logins: one row per login on one browser, which the session cookie and the
remember-me cookie name. Logging out revokes that row; a new password, a
suspension and "Log out everywhere" revoke all of a user's rows.

The cookies hold ``<id>.<secret>`` (both random); the database keeps only the
secret's SHA-256, so a copy of the table logs nobody in. Loading the user for a
request is one query (the row joined with its user); "last seen" is written at
most every few minutes, in its own short transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.accounts.models import LoginSession, User
from marketplace.db import utcnow
from marketplace.extensions import db

LAST_SEEN_EVERY = timedelta(minutes=5)
USER_AGENT_LENGTH = 200
log = logging.getLogger(__name__)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _lifetime() -> timedelta:
    return current_app.config["REMEMBER_COOKIE_DURATION"]


def begin(user: User, *, user_agent: str, remember: bool) -> LoginSession:
    """A new login for ``user``; its cookie value is in ``login.key`` (once only).
    Also forgets the user's logins that ended, so the table holds live ones."""
    now = utcnow()
    db.session.execute(
        sa.delete(LoginSession).where(
            LoginSession.user_id == user.id,
            sa.or_(
                LoginSession.revoked_at.is_not(None), LoginSession.created_at < now - _lifetime()
            ),
        )
    )
    secret = secrets.token_urlsafe(32)
    login = LoginSession(
        id=secrets.token_urlsafe(16),
        user_id=user.id,
        secret_hash=_hash(secret),
        auth_version=user.auth_version,
        remember=remember,
        user_agent=(user_agent or "")[:USER_AGENT_LENGTH],
        created_at=now,
        last_seen_at=now,
    )
    db.session.add(login)
    login.key = f"{login.id}.{secret}"
    user.current_login = login
    user.last_login_at = now
    return login


def load(key: str) -> User | None:
    """The user of a live login named by a cookie value, with ``current_login`` set."""
    login_id, _, secret = (key or "").partition(".")
    if not login_id or not secret or len(login_id) > 32:
        return None
    row = db.session.execute(
        sa.select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.id == login_id)
    ).first()
    if row is None:
        return None
    login, user = row
    if not hmac.compare_digest(login.secret_hash, _hash(secret)) or not _live(login, user):
        return None
    login.key = key
    user.current_login = login
    return user


def _live(login: LoginSession, user: User) -> bool:
    return (
        login.revoked_at is None
        and login.auth_version == user.auth_version
        and login.created_at > utcnow() - _lifetime()
        and user.is_active
    )


def touch(login: LoginSession) -> None:
    """Record that the login was used, at most every LAST_SEEN_EVERY, in a transaction
    of its own (the request's may never commit; this must not wait for it)."""
    now = utcnow()
    if now - login.last_seen_at < LAST_SEEN_EVERY:
        return
    try:
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(LoginSession).where(LoginSession.id == login.id).values(last_seen_at=now)
            )
    except SQLAlchemyError:  # bookkeeping only: never fail a page for it
        log.warning("could not record the last use of a login", exc_info=True)
        return
    set_committed_value(login, "last_seen_at", now)


def end(login: LoginSession) -> None:
    """Log out this login: its session cookie and remember-me cookie stop working."""
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.id == login.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_all(user: User) -> int:
    """Log ``user`` out everywhere (every browser, every remember-me cookie)."""
    result = db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0


def live(user: User) -> list[LoginSession]:
    """The user's logins that still work, the most recently used first."""
    return list(
        db.session.scalars(
            sa.select(LoginSession)
            .where(
                LoginSession.user_id == user.id,
                LoginSession.revoked_at.is_(None),
                LoginSession.auth_version == user.auth_version,
                LoginSession.created_at > utcnow() - _lifetime(),
            )
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.created_at.desc())
        )
    )
