"""Language choice, security headers, health check and the development outbox."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.conftest import start_login
from tests.factories import UserFactory


def lang_of(response) -> str:
    html = response.get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_language_follows_accept_language_and_falls_back_to_english(client):
    assert lang_of(client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"})) == "de"
    assert lang_of(client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})) == "en"
    assert lang_of(client.get("/")) == "en"


def test_language_switch_is_remembered_in_a_cookie(client):
    response = client.post("/language", data={"language": "de", "next": "/gigs?q=x"})
    assert response.headers["Location"] == "/gigs?q=x"
    assert lang_of(client.get("/", headers={"Accept-Language": "en"})) == "de"


def test_language_switch_refuses_unknown_languages_and_foreign_next(client):
    response = client.post("/language", data={"language": "xx", "next": "/gigs"})
    assert response.headers["Location"] == "/"
    response = client.post("/language", data={"language": "de", "next": "https://evil.test"})
    assert response.headers["Location"] == "/"


def test_logged_in_users_keep_their_language_on_every_device(app, client, login_as):
    with app.app_context():
        user = UserFactory(locale="en")
        login_as(user)
        user_id = user.id
    client.post("/language", data={"language": "de"})
    with app.app_context():
        assert db.session.get(User, user_id).locale == "de"
        session_id = start_login(app, db.session.get(User, user_id))
    other_device = app.test_client()
    with other_device.session_transaction() as session:
        session["_user_id"] = session_id
    assert lang_of(other_device.get("/gigs", headers={"Accept-Language": "en"})) == "de"


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_every_page_has_a_favicon_and_favicon_ico_is_served(client):
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert client.get("/static/favicon.svg").status_code == 200
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in {"image/vnd.microsoft.icon", "image/x-icon"}
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an icon file's header


def test_dev_outbox_lists_emails_and_is_off_when_configured(app, client, monkeypatch):
    client.post("/password/forgot", data={"email": "nobody@example.test"})
    with app.app_context():
        UserFactory(email="mia@example.test")
    client.post("/password/forgot", data={"email": "mia@example.test"})
    html = client.get("/dev/outbox").get_data(as_text=True)
    assert "Reset your Nebendesk password" in html and "mia@example.test" in html
    monkeypatch.setitem(app.config, "SHOW_DEV_OUTBOX", False)
    assert client.get("/dev/outbox").status_code == 404


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "This page does not exist or is not available to you." in response.get_data(as_text=True)


def test_oversized_request_is_refused_clearly(client):
    response = client.post("/login", data={"email": "x" * (3 * 1024 * 1024), "password": "x"})
    assert response.status_code == 413
    assert "larger than we accept" in response.get_data(as_text=True)
    with client.application.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
