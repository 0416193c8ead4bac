"""Shared fixtures: one migrated database per run, emptied after every test,
a real SMTP sink, a test client that sends CSRF tokens like a browser, and
helpers to log in and travel in time.

Set TEST_DATABASE_URL to run the suite on PostgreSQL; without it, SQLite.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings
from itsdangerous import URLSafeTimedSerializer

from marketplace import create_app
from marketplace.accounts import logins
from marketplace.accounts.models import User
from marketplace.extensions import cache, limiter
from marketplace.extensions import db as _db
from marketplace.sandbox.stripe_emulator import EmulatorServer
from tests.mail_servers import (  # noqa: F401 - fixtures for every test directory
    company_smtp,
    company_smtp_server,
    dovecot,
    imap_account,
)
from tests.smtp_sink import SMTPSink

SECRET_KEY = "sk_test_nebendesk_tests"
PUBLISHABLE_KEY = "pk_test_nebendesk_tests"
WEBHOOK_SECRET = "whsec_nebendesk_tests"
# Webhook retries after 50 ms, 100 ms, …: the retry logic runs for real, just fast.
FAST_RETRIES = (0.05, 0.1, 0.2, 0.4)
# How long a test waits for something another thread or process does (a webhook
# delivered, a server answering). Waits end as soon as the thing happens, so a
# generous bound costs nothing on a fast machine and keeps a busy one green.
WAIT_SECONDS = 60.0

# Hypothesis: the same number of examples everywhere, but no deadlines and no
# health checks about speed: a loaded CI machine must not fail a correct
# property. HYPOTHESIS_PROFILE=dev brings Hypothesis's own defaults back.
settings.register_profile(
    "ci",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", settings.default)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL; make test-pg)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def stripe_emulator_server() -> Iterator[EmulatorServer]:
    """The bundled Stripe emulator on a free port, for the whole run (fast retries)."""
    server = EmulatorServer(
        quiet=True, retry_schedule=FAST_RETRIES, delivery_timeout=WAIT_SECONDS
    ).start()
    yield server
    server.stop()


@pytest.fixture
def stripe_emulator(stripe_emulator_server: EmulatorServer) -> EmulatorServer:
    """The session's emulator, emptied (every test that uses the app gets this too)."""
    stripe_emulator_server.control.reset()
    stripe_emulator_server.control.configure(webhook_secret=WEBHOOK_SECRET)
    return stripe_emulator_server


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SMTPSink]:
    sink = SMTPSink()
    sink.start()
    yield sink
    sink.stop()


def make_test_config(
    database_url: str, smtp_url: str, stripe_url: str = "", **overrides: object
) -> dict[str, object]:
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_URL": smtp_url,
        "MAIL_FROM": "Nebendesk <no-reply@nebendesk.test>",
        "PUBLIC_BASE_URL": "http://nebendesk.test",
        "REDIS_URL": None,
        "JOBS_INLINE": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": True,
        "SHOW_DEV_OUTBOX": True,
        "TRUST_PROXY_HOPS": 0,
        "PASSWORD_HASHING": "fast",
        "STRIPE_API_BASE": stripe_url,
        "STRIPE_JS_URL": f"{stripe_url}/v3",
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def app(
    database_url: str, smtp_sink: SMTPSink, stripe_emulator_server: EmulatorServer
) -> Iterator[Flask]:
    app = create_app(make_test_config(database_url, smtp_sink.url, stripe_emulator_server.url))
    app.test_client_class = CSRFClient
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        _db.session.remove()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _empty_all_tables() -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
        # The one row the migrations insert, as a fresh database has it.
        conn.execute(sa.text("INSERT INTO listings_version (id, version) VALUES (1, 1)"))


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that touches the app starts with empty tables, no rate-limit
    hits and an empty mailbox."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    sink: SMTPSink = request.getfixturevalue("smtp_sink")
    sink.clear()
    request.getfixturevalue("stripe_emulator")  # and an empty Stripe
    with app.app_context():
        limiter.reset()
        cache.clear()
    yield
    with app.app_context():
        _db.session.remove()
        _empty_all_tables()


@pytest.fixture
def db(app: Flask) -> Iterator[object]:
    """An application context for service tests.

    Not for tests that also make requests: the test client would reuse this
    context (and its session and flask.g) for every request. View tests open
    ``with app.app_context():`` around their setup and checks instead.
    """
    with app.app_context():
        yield _db
        _db.session.remove()


class CSRFClient(FlaskClient):
    """Posts carry a valid CSRF token, as a browser's would, unless csrf=False."""

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def post(self, *args, csrf: bool = True, **kwargs):  # type: ignore[override]
        data = kwargs.get("data")
        if csrf and (data is None or isinstance(data, dict)):
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> CSRFClient:
    return app.test_client()  # type: ignore[return-value]


def start_login(app: Flask, user, *, remember: bool = False) -> str:
    """A new login of ``user``, as the login form makes it; returns the value its
    session cookie (``_user_id``) holds. Committed in an application context (and
    so a session) of its own: the caller's objects stay as they were."""
    user_id = user.id
    with app.app_context():
        login = logins.begin(_db.session.get(User, user_id), user_agent="pytest", remember=remember)
        key = login.key
        _db.session.commit()
    return key


@pytest.fixture
def login_as(client: CSRFClient):
    """Log ``user`` in on the test client (or on ``browser``), as the login form would."""

    def _login(user, browser: CSRFClient | None = None) -> CSRFClient:
        browser = browser or client
        key = start_login(browser.application, user)
        with browser.session_transaction() as session:
            session["_user_id"] = key
            session["_fresh"] = True
        return browser

    return _login


@pytest.fixture
def travel():
    """``travel(when)`` moves the clock (a datetime or 'YYYY-MM-DD HH:MM') and stops it there."""
    travellers: list[time_machine.travel] = []

    def _travel(when: datetime | str) -> time_machine.Coordinates:
        if isinstance(when, str):
            when = datetime.fromisoformat(when).replace(tzinfo=UTC)
        traveller = time_machine.travel(when, tick=False)
        travellers.append(traveller)
        return traveller.start()

    yield _travel
    for traveller in reversed(travellers):
        traveller.stop()


LINK = re.compile(r"https?://\S+")


def link_in(message) -> str:
    """The first link in an email's text."""
    match = LINK.search(message.get_content())
    assert match, f"no link in {message.get_content()!r}"
    return match.group(0)
