"""Every login is its own: logging out ends it (a copied session cookie and the
remember-me cookie stop working), a new password and "Log out everywhere" end
all of them, and the user sees where they are logged in."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from tests.conftest import link_in
from tests.factories import PASSWORD, AdminFactory, UserFactory, company_member

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 " + "x" * 300
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148 Safari/604.1"


def log_in(client, email="mia@example.test", *, remember=False, agent=FIREFOX):
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data, headers={"User-Agent": agent})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def cookie(client, name: str) -> str:
    found = client.get_cookie(name)
    assert found is not None, name
    return found.value


def browser_with(app, **cookies: str):
    """Another browser that holds only these (copied) cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def logged_in(browser) -> bool:
    """Does the seeker's own profile open (or does it ask to log in)?"""
    response = browser.get("/profile")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_session_cookie_copied_before_logout_is_dead_after_it(app, client):
    with app.app_context():
        UserFactory(email="mia@example.test")
    log_in(client)
    copy = browser_with(app, session=cookie(client, "session"))
    assert logged_in(copy)
    client.post("/logout")
    assert not logged_in(client)
    assert not logged_in(copy)  # it used to stay logged in


def test_the_remember_me_token_is_new_on_every_login_and_dies_at_logout(app, client):
    with app.app_context():
        UserFactory(email="mia@example.test")
    log_in(client, remember=True)
    first = cookie(client, "remember_token")
    second_browser = app.test_client()
    log_in(second_browser, remember=True, agent=PHONE)
    second = cookie(second_browser, "remember_token")
    assert first != second  # it used to be "1.1|…" on every login

    stolen = browser_with(app, remember_token=first)
    assert logged_in(stolen)
    client.post("/logout")
    assert not logged_in(browser_with(app, remember_token=first))
    assert logged_in(browser_with(app, remember_token=second))  # the phone's login lives on


def test_a_remember_me_token_is_kept_only_hashed(app, client):
    with app.app_context():
        UserFactory(email="mia@example.test")
    log_in(client, remember=True)
    secret = cookie(client, "remember_token").split("|")[0].split(".")[1]
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT * FROM login_sessions")).all()
    assert len(rows) == 1 and secret not in str(rows[0])


def test_log_out_everywhere_ends_every_other_browser(app, client):
    with app.app_context():
        UserFactory(email="mia@example.test")
    phone = app.test_client()
    log_in(phone, remember=True, agent=PHONE)
    phone_remember = cookie(phone, "remember_token")
    log_in(client, agent=FIREFOX)

    page = client.get("/account/logins").get_data(as_text=True)
    assert "iPhone" in page and "Firefox" in page
    assert "x" * 120 not in page  # a long user agent is shown trimmed
    assert "This browser" in page

    response = client.post("/account/logins/end-all")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert not logged_in(client)
    assert not logged_in(phone)
    assert not logged_in(browser_with(app, remember_token=phone_remember))


def test_the_profile_lists_logins_and_offers_log_out_everywhere(app, client):
    with app.app_context():
        UserFactory(email="mia@example.test")
    log_in(client, agent=PHONE)
    page = client.get("/profile").get_data(as_text=True)
    assert "iPhone" in page and 'action="/account/logins/end-all"' in page


def test_a_new_password_ends_every_login(app, client, smtp_sink):
    with app.app_context():
        UserFactory(email="mia@example.test")
    phone = app.test_client()
    log_in(phone, remember=True, agent=PHONE)
    phone_remember = cookie(phone, "remember_token")
    client.post("/password/forgot", data={"email": "mia@example.test"})
    link = link_in(smtp_sink.last_to("mia@example.test")).removeprefix("http://nebendesk.test")
    new = "brand-new-password-42"
    assert client.post(link, data={"password": new, "password_confirm": new}).status_code == 302
    assert not logged_in(phone)
    assert not logged_in(browser_with(app, remember_token=phone_remember))


def test_suspension_ends_every_login(app, client):
    with app.app_context():
        mia_id = UserFactory(email="mia@example.test").id
        AdminFactory(email="boss@example.test")
    log_in(client, remember=True)
    remember = cookie(client, "remember_token")
    admin = app.test_client()
    log_in(admin, "boss@example.test")
    response = admin.post(f"/admin/users/{mia_id}/suspend", data={"reason": "Spam"})
    assert response.status_code == 302
    assert not logged_in(client)
    assert not logged_in(browser_with(app, remember_token=remember))


def test_a_login_ends_when_remember_me_would_have_ended(app, client, travel):
    with app.app_context():
        UserFactory(email="mia@example.test")
    start = utcnow()
    travel(start)
    log_in(client, remember=True)
    remember = cookie(client, "remember_token")
    travel(start + timedelta(days=364))
    assert logged_in(browser_with(app, remember_token=remember))
    travel(start + app.config["REMEMBER_COOKIE_DURATION"] + timedelta(minutes=1))
    assert not logged_in(browser_with(app, remember_token=remember))


def test_every_kind_of_user_sees_their_logins(app, client, login_as):
    with app.app_context():
        login_as(company_member())
    page = client.get("/account/logins")
    assert page.status_code == 200
    assert "Log out everywhere" in page.get_data(as_text=True)
