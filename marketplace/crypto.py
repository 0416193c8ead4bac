"""Secrets at rest: passwords of the companies' mail servers (and later other
credentials) are stored encrypted with a key from the configuration, never in
plain text.

``SECRETS_KEY`` holds one or more Fernet keys, comma-separated (AES-128-CBC with
an HMAC-SHA256, from the ``cryptography`` package). The first key encrypts; every
key decrypts, so a key is rotated by putting a new one first, running
``flask secrets rotate`` (which re-encrypts every stored secret with it) and then
removing the old one. A database dump alone therefore reveals no password.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any key in SECRETS_KEY."""


def _cipher(keys: Iterable[str] | None = None) -> MultiFernet:
    if keys is None:
        keys = current_app.config["SECRETS_KEY"]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(plain: str, *, keys: Iterable[str] | None = None) -> str:
    """The secret encrypted with the first key (text, safe for a Text column)."""
    return _cipher(keys).encrypt(plain.encode()).decode()


def decrypt(token: str, *, keys: Iterable[str] | None = None) -> str:
    try:
        return _cipher(keys).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted with SECRETS_KEY (was the key changed?)"
        ) from exc


def rotate(token: str, *, keys: Iterable[str] | None = None) -> str:
    """The same secret, encrypted again with the first key."""
    try:
        return _cipher(keys).rotate(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted with SECRETS_KEY (was the key changed?)"
        ) from exc
