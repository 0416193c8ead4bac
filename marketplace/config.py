"""Settings from environment variables.

Every setting has a safe development default. In production
(``NEBENDESK_ENV=production``) the secrets and outside services must be given
explicitly: a missing one stops the start with a message that names it.
"""

from __future__ import annotations

import base64
import binascii
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

DEV_SECRET_KEY = "dev-only-secret-key-never-use-in-production"  # noqa: S105
# A Fernet key for secrets at rest (marketplace/crypto.py) in development only.
DEV_SECRETS_KEY = "ZGV2LW9ubHktc2VjcmV0cy1rZXktbm90LWZvci1wcm8="

REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "SECRETS_KEY",
    "DATABASE_URL",
    "MAIL_URL",
    "PUBLIC_BASE_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
)
# The bundled Stripe emulator (flask sandbox stripe) in development.
EMULATOR_BASE = "http://127.0.0.1:12111"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and why."""


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _fernet_keys(env: dict[str, str], name: str, default: str) -> tuple[str, ...]:
    """One or more Fernet keys, comma-separated: the first encrypts, all decrypt."""
    raw = env.get(name) or default
    keys = tuple(key.strip() for key in raw.split(",") if key.strip())
    for key in keys:
        try:
            valid = len(base64.urlsafe_b64decode(key.encode())) == 32
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            raise ConfigError(
                f"{name} must be Fernet keys (32 bytes, url-safe base64), comma-separated; "
                "make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            )
    return keys


def load_config(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from ``env`` (default: ``os.environ``)."""
    env = dict(os.environ if env is None else env)
    environment = env.get("NEBENDESK_ENV", "development")
    production = environment == "production"
    if production and env.get("PASSWORD_HASHING", "default") != "default":
        raise ConfigError("PASSWORD_HASHING must be 'default' in production.")
    if production:
        missing = [name for name in REQUIRED_IN_PRODUCTION if not env.get(name)]
        if missing:
            raise ConfigError(
                "NEBENDESK_ENV=production needs these environment variables: " + ", ".join(missing)
            )

    redis_url = env.get("REDIS_URL") or None
    database_url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'nebendesk.sqlite3'}"
    return {
        "ENV_NAME": environment,
        "SECRET_KEY": env.get("SECRET_KEY") or DEV_SECRET_KEY,
        "SECRETS_KEY": _fernet_keys(env, "SECRETS_KEY", DEV_SECRETS_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        # Jobs run inline unless Redis is configured; then RQ workers take them.
        "JOBS_INLINE": not redis_url or _bool(env, "JOBS_INLINE", False),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Shared between hosts with Redis; one small cache per process without.
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": "nebendesk:",
        "LISTING_CACHE_SECONDS": _int(env, "LISTING_CACHE_SECONDS", 600),
        # A customer's third email to a mailbox within this many days makes it urgent.
        "TRIAGE_REPEAT_DAYS": _int(env, "TRIAGE_REPEAT_DAYS", 7),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_ENABLED": _bool(env, "RATELIMIT_ENABLED", True),
        "MAIL_URL": env.get("MAIL_URL") or "console://",
        "MAIL_FROM": env.get("MAIL_FROM") or "Nebendesk <no-reply@nebendesk.test>",
        "PUBLIC_BASE_URL": (env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # How long "Stay logged in" lasts, and the longest any login lives.
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int(env, "REMEMBER_DAYS", 365)),
        # Strict-Transport-Security for HTTPS requests in production; 0 sends none.
        "HSTS_SECONDS": _int(env, "HSTS_SECONDS", 365 * 24 * 3600),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "LANGUAGES": ("en", "de"),
        "PASSWORD_HASHING": env.get("PASSWORD_HASHING") or "default",
        "LOGIN_MAX_FAILURES": _int(env, "LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_MINUTES": _int(env, "LOGIN_LOCK_MINUTES", 15),
        "LOGIN_IP_LIMIT": env.get("LOGIN_IP_LIMIT") or "30 per 15 minutes",
        "GIG_LIFETIME_DAYS": _int(env, "GIG_LIFETIME_DAYS", 60),
        "MAX_RATE_CENTS": _int(env, "MAX_RATE_CENTS", 100_000),
        "SHOW_DEV_OUTBOX": _bool(env, "SHOW_DEV_OUTBOX", not production),
        # The demo accounts live on the reserved .test domain; accept it outside production.
        "ALLOW_TEST_EMAIL_DOMAINS": _bool(env, "ALLOW_TEST_EMAIL_DOMAINS", not production),
        # Stripe: the emulator by default outside production; Stripe itself when
        # STRIPE_API_BASE is empty (see docs/STRIPE_EMULATOR.md).
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY") or "sk_test_nebendesk_emulator",
        "STRIPE_PUBLISHABLE_KEY": env.get("STRIPE_PUBLISHABLE_KEY") or "pk_test_nebendesk_emulator",
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or "whsec_nebendesk_emulator",
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE", "" if production else EMULATOR_BASE),
        "STRIPE_JS_URL": env.get(
            "STRIPE_JS_URL",
            "https://js.stripe.com/v3" if production else f"{EMULATOR_BASE}/v3",
        ),
        "STRIPE_CONNECT_COUNTRY": env.get("STRIPE_CONNECT_COUNTRY") or "DE",
        "PLATFORM_FEE_PERCENT": _int(env, "PLATFORM_FEE_PERCENT", 15),
        "REVIEW_WINDOW_HOURS": _int(env, "REVIEW_WINDOW_HOURS", 72),
        "DISPUTE_WINDOW_DAYS": _int(env, "DISPUTE_WINDOW_DAYS", 14),
        "MIN_PAYOUT_CENTS": _int(env, "MIN_PAYOUT_CENTS", 100),
        "MIN_FUNDING_CENTS": _int(env, "MIN_FUNDING_CENTS", 500),
        "MAX_FUNDING_CENTS": _int(env, "MAX_FUNDING_CENTS", 1_000_000),
        # Hiring needs the available balance to cover the first work at the rate:
        # the first hours of an hourly gig, the first emails or items of the others.
        "HIRE_FUNDED_HOURS": _int(env, "HIRE_FUNDED_HOURS", 2),
        "HIRE_FUNDED_UNITS": _int(env, "HIRE_FUNDED_UNITS", 10),
        # A card payment nobody finished is canceled at Stripe after this many hours
        # (by `flask payouts auto-approve`, from cron).
        "PAYMENT_EXPIRY_HOURS": _int(env, "PAYMENT_EXPIRY_HOURS", 24),
        # The email work pool: largest inbound email, largest .eml/.mbox upload.
        "INBOUND_MAX_BYTES": _int(env, "INBOUND_MAX_BYTES", 25 * 1024 * 1024),
        "MAILBOX_UPLOAD_MAX_BYTES": _int(env, "MAILBOX_UPLOAD_MAX_BYTES", 200 * 1024 * 1024),
        # Forwarding addresses <token>@INBOUND_DOMAIN, received by `flask mailboxes smtpd`;
        # empty: not offered. A development default, so the demo shows one.
        "INBOUND_DOMAIN": env.get("INBOUND_DOMAIN", "" if production else "inbound.nebendesk.test")
        .strip()
        .lower(),
        # The companies' own IMAP/SMTP servers: seconds to wait for an answer, and
        # whether hosts on private or loopback addresses may be reached (never in
        # production: a company must not make us connect into our own network).
        "MAIL_CONNECT_TIMEOUT": _int(env, "MAIL_CONNECT_TIMEOUT", 20),
        "MAIL_CONNECT_ALLOW_PRIVATE": _bool(env, "MAIL_CONNECT_ALLOW_PRIVATE", not production),
        "TRUST_PROXY_HOPS": _int(env, "TRUST_PROXY_HOPS", 1 if production else 0),
        # Messages between a company and a seeker: an email about unread messages goes
        # out once they are this old (`flask messages notify`, from cron), one per person.
        "MESSAGE_NOTIFY_DELAY_MINUTES": _int(env, "MESSAGE_NOTIFY_DELAY_MINUTES", 5),
        # Ratings both ways: possible after this many approved units on an engagement (or
        # at its end, with approved work); hidden until both sides rated or this many days
        # after the first rating.
        "RATING_MIN_APPROVED_UNITS": _int(env, "RATING_MIN_APPROVED_UNITS", 10),
        "RATING_PUBLISH_DAYS": _int(env, "RATING_PUBLISH_DAYS", 14),
        # Moderation. Protections for moderators are product rules: a company may lower
        # the daily number of disturbing items, never raise it past this limit.
        "MODERATION_DISTURBING_DAILY_MAX": _int(env, "MODERATION_DISTURBING_DAILY_MAX", 50),
        "MODERATION_BREAK_AFTER": _int(env, "MODERATION_BREAK_AFTER", 5),
        "MODERATION_SESSION_IDLE_MINUTES": _int(env, "MODERATION_SESSION_IDLE_MINUTES", 5),
        "MODERATION_API_MAX_BYTES": _int(env, "MODERATION_API_MAX_BYTES", 1024 * 1024),
        "MODERATION_BATCH_MAX": _int(env, "MODERATION_BATCH_MAX", 500),
        # The live view of chat communities: how often a stream looks for new events
        # when no wake-up arrives (Redis pub/sub or PostgreSQL NOTIFY wake it at once),
        # how long one stream response lasts before the browser reconnects (it resumes
        # from Last-Event-ID), and how long the event log keeps its rows.
        "LIVE_POLL_SECONDS": float(env.get("LIVE_POLL_SECONDS") or 1.0),
        "LIVE_STREAM_SECONDS": _int(env, "LIVE_STREAM_SECONDS", 300),
        "LIVE_EVENTS_KEEP_HOURS": _int(env, "LIVE_EVENTS_KEEP_HOURS", 24),
        "WEBHOOK_TIMEOUT_SECONDS": _int(env, "WEBHOOK_TIMEOUT_SECONDS", 10),
        # The Matrix bridge's long poll per round (seconds, shared by the rooms); decisions
        # wait at most this long before they are carried out in the room.
        "MATRIX_SYNC_TIMEOUT": _int(env, "MATRIX_SYNC_TIMEOUT", 5),
        "WEBHOOK_MAX_ATTEMPTS": _int(env, "WEBHOOK_MAX_ATTEMPTS", 8),
        # Webhooks to private or loopback addresses (the sandbox community): never in
        # production, where a company must not make us POST into our own network.
        "WEBHOOK_ALLOW_PRIVATE": _bool(env, "WEBHOOK_ALLOW_PRIVATE", not production),
        # Where `flask seed demo` writes the sandbox community's connection (empty: the
        # instance folder; test runs write none unless it is set).
        "SANDBOX_COMMUNITY_FILE": env.get("SANDBOX_COMMUNITY_FILE", ""),
    }
