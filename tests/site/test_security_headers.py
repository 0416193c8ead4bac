"""What the browser is told to protect: the remember-me cookie, HTTPS only in
production (HSTS behind the trusted proxy), and no private page kept in a cache."""

from __future__ import annotations

import pytest

from marketplace import create_app
from marketplace.config import load_config
from tests.conftest import CSRFClient, make_test_config
from tests.factories import PASSWORD, UserFactory, company_member

HTTPS = {"X-Forwarded-Proto": "https"}


def remember_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def log_in(client, email: str, **headers):
    data = {"email": email, "password": PASSWORD, "remember": "y"}
    response = client.post("/login", data=data, headers=headers)
    assert response.status_code == 302
    return response


@pytest.fixture
def production_app(database_url, smtp_sink, stripe_emulator_server, app):
    """The app as production runs it behind one trusted HTTPS proxy (same database)."""
    production = create_app(
        make_test_config(
            database_url,
            smtp_sink.url,
            stripe_emulator_server.url,
            ENV_NAME="production",
            TRUST_PROXY_HOPS=1,
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
        )
    )
    production.test_client_class = CSRFClient
    return production


def test_the_remember_me_cookie_is_same_site_lax_and_http_only(app, client):
    with app.app_context():
        UserFactory(email="mia@example.test")
    cookie = remember_cookie(log_in(client, "mia@example.test"))
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert "Secure" not in cookie  # development runs on plain http://127.0.0.1


def test_production_cookies_are_secure_and_https_gets_hsts(production_app):
    with production_app.app_context():
        UserFactory(email="mia@example.test")
    client = production_app.test_client()
    # Over HTTPS (the Secure session cookie is sent back only there; Flask-WTF then
    # wants a same-site Referer, as a browser sends).
    response = client.post(
        "/login",
        data={"email": "mia@example.test", "password": PASSWORD, "remember": "y"},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    assert response.status_code == 302
    cookie = remember_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    session_cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")
    )
    assert "Secure" in session_cookie and "SameSite=Lax" in session_cookie
    hsts = client.get("/", headers=HTTPS).headers.get("Strict-Transport-Security")
    assert hsts == "max-age=31536000"
    # Plain HTTP (a health check inside the network) is not told about HTTPS.
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


def test_no_hsts_outside_production_even_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/", headers=HTTPS).headers


def test_production_config_asks_for_secure_lax_cookies():
    config = load_config(
        {
            "NEBENDESK_ENV": "production",
            "SECRET_KEY": "s" * 40,
            "DATABASE_URL": "postgresql+psycopg://db/nebendesk",
            "MAIL_URL": "smtp://mail:25",
            "PUBLIC_BASE_URL": "https://nebendesk.example",
            "STRIPE_SECRET_KEY": "sk_live_x",
            "STRIPE_PUBLISHABLE_KEY": "pk_live_x",
            "STRIPE_WEBHOOK_SECRET": "whsec_x",
            "SECRETS_KEY": "bmV3LWtleS1mb3ItdGhlLXNlY3JldHMtb2YtdGVzdHM=",
        }
    )
    assert config["REMEMBER_COOKIE_SECURE"] and config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["HSTS_SECONDS"] == 365 * 24 * 3600


@pytest.mark.parametrize(
    ("who", "path"),
    [("seeker", "/work/inbox"), ("seeker", "/earnings"), ("seeker", "/profile"),
     ("seeker", "/gigs"), ("seeker", "/"), ("company", "/company/gigs"),
     ("company", "/company/balance")],
)  # fmt: skip
def test_pages_for_a_logged_in_user_are_never_stored_in_a_cache(app, client, login_as, who, path):
    with app.app_context():
        user = UserFactory() if who == "seeker" else company_member()
        login_as(user)
    response = client.get(path)
    assert response.status_code == 200, path
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_public_pages_and_static_files_may_be_cached(client):
    assert "no-store" not in client.get("/gigs").headers.get("Cache-Control", "")
    static = client.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
