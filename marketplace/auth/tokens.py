"""Signed, expiring tokens for links sent by email.

Each purpose has its own salt, so a token made for one purpose is worthless
for another. A token carries a fingerprint of the state it was made for
(e.g. the password hash for a reset), so it stops working once used.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify-email"
    RESET_PASSWORD = "reset-password"  # noqa: S105 - a salt name, not a secret
    INVITATION = "invitation"


MAX_AGE_SECONDS = {
    TokenPurpose.VERIFY_EMAIL: 3 * 24 * 3600,
    TokenPurpose.RESET_PASSWORD: 3600,
    TokenPurpose.INVITATION: 14 * 24 * 3600,
}


class TokenInvalid(Exception):
    """Tampered, for another purpose, or malformed."""


class TokenExpired(TokenInvalid):
    """Genuine but too old."""


def _serializer(purpose: TokenPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"nebendesk:{purpose}")


def make_token(purpose: TokenPurpose, payload: Any) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: TokenPurpose, token: str) -> Any:
    try:
        return _serializer(purpose).loads(token, max_age=MAX_AGE_SECONDS[purpose])
    except SignatureExpired as exc:
        raise TokenExpired(str(exc)) from exc
    except BadSignature as exc:
        raise TokenInvalid(str(exc)) from exc
