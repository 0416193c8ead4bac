from __future__ import annotations

import pytest

from marketplace.config import ConfigError, load_config


def test_development_defaults_are_safe_and_complete():
    config = load_config({})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["MAIL_URL"] == "console://"
    assert config["JOBS_INLINE"] is True
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_production_refuses_to_start_without_secrets():
    with pytest.raises(ConfigError) as error:
        load_config({"NEBENDESK_ENV": "production"})
    for name in (
        "SECRET_KEY",
        "SECRETS_KEY",
        "DATABASE_URL",
        "MAIL_URL",
        "PUBLIC_BASE_URL",
        "STRIPE_SECRET_KEY",
    ):
        assert name in str(error.value)


def test_production_with_everything_set():
    config = load_config(
        {
            "NEBENDESK_ENV": "production",
            "SECRET_KEY": "s" * 40,
            "SECRETS_KEY": "bmV3LWtleS1mb3ItdGhlLXNlY3JldHMtb2YtdGVzdHM=",
            "DATABASE_URL": "postgresql+psycopg://db/nebendesk",
            "MAIL_URL": "smtp+starttls://u:p@mail:587",
            "PUBLIC_BASE_URL": "https://nebendesk.example/",
            "REDIS_URL": "redis://cache:6379/0",
            "STRIPE_SECRET_KEY": "sk_live_x",
            "STRIPE_PUBLISHABLE_KEY": "pk_live_x",
            "STRIPE_WEBHOOK_SECRET": "whsec_x",
        }
    )
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SHOW_DEV_OUTBOX"] is False
    assert config["JOBS_INLINE"] is False
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert config["PUBLIC_BASE_URL"] == "https://nebendesk.example"
    assert config["ALLOW_TEST_EMAIL_DOMAINS"] is False
    assert config["STRIPE_API_BASE"] == ""  # Stripe itself, not the emulator
    assert config["STRIPE_JS_URL"] == "https://js.stripe.com/v3"
    assert config["MAIL_CONNECT_ALLOW_PRIVATE"] is False  # no connections into our network
    assert config["INBOUND_DOMAIN"] == ""  # forwarding addresses only when configured


def test_secrets_key_must_be_fernet_keys():
    with pytest.raises(ConfigError, match="SECRETS_KEY must be Fernet keys"):
        load_config({"SECRETS_KEY": "a passphrase"})
    keys = load_config(
        {
            "SECRETS_KEY": "bmV3LWtleS1mb3ItdGhlLXNlY3JldHMtb2YtdGVzdHM=, "
            "ZGV2LW9ubHktc2VjcmV0cy1rZXktbm90LWZvci1wcm8="
        }
    )
    assert len(keys["SECRETS_KEY"]) == 2


def test_weak_password_hashing_is_refused_in_production():
    with pytest.raises(ConfigError, match="PASSWORD_HASHING"):
        load_config({"NEBENDESK_ENV": "production", "PASSWORD_HASHING": "fast"})


def test_numbers_must_be_numbers():
    with pytest.raises(ConfigError, match="LOGIN_MAX_FAILURES"):
        load_config({"LOGIN_MAX_FAILURES": "five"})
