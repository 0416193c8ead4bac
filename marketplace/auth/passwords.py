"""Password hashing with Argon2id.

Production uses argon2-cffi's recommended parameters (RFC 9106, low memory).
Tests switch to the cheapest profile (PASSWORD_HASHING=fast), which would be
far too weak for real accounts and is refused in production by config.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10

_hashers = {
    "default": PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY),
    "fast": PasswordHasher.from_parameters(profiles.CHEAPEST),
}
_hasher = _hashers["default"]


def configure(profile: str) -> None:
    """Choose the hashing profile for this process (set once by create_app)."""
    global _hasher
    _hasher = _hashers[profile]
    _dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-used-for-timing-only")


def spend_verification_time(password: str) -> None:
    """Verify against a throwaway hash, so a login for an unknown address
    takes as long as one for a real account."""
    verify_password(_dummy_hash(), password)
