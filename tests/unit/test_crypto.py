"""Secrets at rest: encrypted with the first key of SECRETS_KEY, readable with any."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from marketplace import crypto

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def test_a_secret_is_encrypted_and_read_back():
    token = crypto.encrypt("app-password äöü", keys=[OLD])
    assert "app-password" not in token
    assert crypto.decrypt(token, keys=[OLD]) == "app-password äöü"
    assert crypto.encrypt("same", keys=[OLD]) != crypto.encrypt("same", keys=[OLD])  # salted


def test_rotation_reads_old_secrets_and_writes_with_the_new_key():
    old_token = crypto.encrypt("secret", keys=[OLD])
    assert crypto.decrypt(old_token, keys=[NEW, OLD]) == "secret"
    rotated = crypto.rotate(old_token, keys=[NEW, OLD])
    assert crypto.decrypt(rotated, keys=[NEW]) == "secret"


def test_a_wrong_key_or_damaged_secret_is_named():
    token = crypto.encrypt("secret", keys=[OLD])
    for keys, value in (([NEW], token), ([OLD], token[:-4] + "AAAA"), ([OLD], "not-a-token")):
        with pytest.raises(crypto.SecretUnreadable, match="SECRETS_KEY"):
            crypto.decrypt(value, keys=keys)
