"""Who is looking at a standing page: the logged-in user, or a suspended person who
has just proved their password on the login page.

A suspended account cannot log in, yet its owner must be able to read why and to
appeal. The login page therefore gives such a person a *standing pass* instead of a
login: a note in the signed session cookie naming the account and its
``auth_version``, valid for ``PASS_MINUTES``. It opens the standing page and the
appeal form, nothing else; a new password or the end of the suspension ends it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import session
from flask_login import current_user

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.extensions import db

SESSION_KEY = "standing_pass"
PASS_MINUTES = 30


def grant_pass(user: User) -> None:
    until = utcnow() + timedelta(minutes=PASS_MINUTES)
    session[SESSION_KEY] = {"user": user.id, "v": user.auth_version, "until": until.timestamp()}


def drop_pass() -> None:
    session.pop(SESSION_KEY, None)


def _pass_holder() -> User | None:
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    user_id, version, until = data.get("user"), data.get("v"), data.get("until")
    if not isinstance(user_id, int) or not isinstance(until, int | float):
        drop_pass()
        return None
    user = db.session.get(User, user_id)
    if (
        until < utcnow().timestamp()
        or user is None
        or user.auth_version != version
        or user.suspended_at is None  # lifted: they can log in again
    ):
        drop_pass()
        return None
    return user


def standing_person() -> User | None:
    """The person whose standing is shown: the logged-in user, else a pass holder."""
    if current_user.is_authenticated:
        return current_user._get_current_object()
    return _pass_holder()
