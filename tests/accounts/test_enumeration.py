"""Login and registration tell nobody which addresses have an account: a known
and an unknown address get the same answers (status and page, apart from the
CSRF token and the address itself), failures included; the owner of a taken
address hears of the attempt by email instead."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from tests.conftest import link_in
from tests.factories import PASSWORD, UserFactory

KNOWN, UNKNOWN = "mia@example.test", "kim@example.test"  # the same length
NEW_PASSWORD = "a-long-enough-secret"


def comparable(response, email: str) -> tuple[int, str, str]:
    """What a visitor can tell apart: status, where it leads, the page (without the
    CSRF token and the address they typed)."""
    html = response.get_data(as_text=True)
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "CSRF", html)
    html = re.sub(r'name="csrf_token" value="[^"]*"', "CSRF", html)
    return response.status_code, response.headers.get("Location", ""), html.replace(email, "@")


def test_failed_logins_look_the_same_for_known_and_unknown_addresses(app, travel):
    with app.app_context():
        UserFactory(email=KNOWN)
    travel(utcnow())
    known, unknown = app.test_client(), app.test_client()
    for attempt in range(app.config["LOGIN_MAX_FAILURES"] + 2):
        answers = [
            comparable(browser.post("/login", data={"email": email, "password": "wrong"}), email)
            for browser, email in ((known, KNOWN), (unknown, UNKNOWN))
        ]
        assert answers[0] == answers[1], attempt
        expected = "Wrong email" if attempt < app.config["LOGIN_MAX_FAILURES"] else "is locked"
        assert expected in answers[0][2], attempt
    # Locked alike, even with the right password.
    right = known.post("/login", data={"email": KNOWN, "password": PASSWORD})
    other = unknown.post("/login", data={"email": UNKNOWN, "password": PASSWORD})
    assert comparable(right, KNOWN) == comparable(other, UNKNOWN)
    assert "is locked" in right.get_data(as_text=True)


def test_the_lock_counts_the_address_however_it_is_written(app, client, travel):
    travel(utcnow())
    for variant in ["Kim@Example.test", " kim@example.test", "KIM@EXAMPLE.TEST", UNKNOWN, UNKNOWN]:
        client.post("/login", data={"email": variant, "password": "wrong"})
    html = client.post("/login", data={"email": UNKNOWN, "password": "x"}).get_data(as_text=True)
    assert "is locked" in html


def test_the_lock_ends_and_a_right_password_then_works(app, client, travel):
    with app.app_context():
        UserFactory(email=KNOWN)
    start = utcnow()
    travel(start)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": KNOWN, "password": "wrong"})
    travel(start + timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1))
    assert client.post("/login", data={"email": KNOWN, "password": PASSWORD}).status_code == 302


def test_failed_logins_are_forgotten_after_a_day_unless_the_address_is_locked(app, client, travel):
    """`flask accounts purge-login-throttles` (cron): a stranger's address is not kept
    and old typos never add up to a lock; a lock running right now stays."""
    from marketplace.accounts.models import LoginThrottle

    start = utcnow()
    travel(start)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):  # one short of a lock
        client.post("/login", data={"email": KNOWN, "password": "wrong"})
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": UNKNOWN, "password": "wrong"})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 2
    # A long lock (the default is 15 minutes): still locked after the day has passed.
    with app.app_context():
        db.session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.locked_until.is_not(None))
            .values(locked_until=start + timedelta(days=2))
        )
        db.session.commit()
    travel(start + timedelta(days=1, minutes=1))
    result = app.test_cli_runner().invoke(args=["accounts", "purge-login-throttles"])
    assert result.exit_code == 0 and "of 1 address(es)" in result.output
    # The old typos are gone: the address has all its tries again …
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        html = client.post("/login", data={"email": KNOWN, "password": "wrong"}).get_data(
            as_text=True
        )
        assert "Wrong email" in html
    # … and the locked one is still locked.
    html = client.post("/login", data={"email": UNKNOWN, "password": "x"}).get_data(as_text=True)
    assert "is locked" in html


def register(client, email: str, **overrides):
    data = {
        "email": email,
        "display_name": "Kim",
        "date_of_birth": "1995-04-02",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    data.update(overrides)
    return client.post("/register", data=data)


def test_registering_a_taken_address_looks_like_a_new_one_and_tells_the_owner(app, smtp_sink):
    with app.app_context():
        UserFactory(email=KNOWN, display_name="Mia", locale="de")
    known, unknown = app.test_client(), app.test_client()
    answers = [register(known, KNOWN), register(unknown, UNKNOWN)]
    assert comparable(answers[0], KNOWN) == comparable(answers[1], UNKNOWN)
    assert answers[0].status_code == 302
    pages = [known.get(answers[0].headers["Location"]), unknown.get(answers[1].headers["Location"])]
    assert comparable(pages[0], KNOWN) == comparable(pages[1], UNKNOWN)
    assert "we sent an email to" in pages[0].get_data(as_text=True)

    # The owner is told, in their language; the account is unchanged.
    told = smtp_sink.last_to(KNOWN)
    assert told["Subject"] == "Jemand wollte sich mit Ihrer E-Mail-Adresse registrieren"
    body = told.get_content()
    assert "Hallo Mia," in body and "/login" in body and "/password/forgot" in body
    assert smtp_sink.last_to(UNKNOWN)["Subject"] == "Please confirm your email address"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2
        mia = db.session.scalar(sa.select(User).where(User.email == KNOWN))
        assert mia.display_name == "Mia" and mia.date_of_birth.isoformat() != "1995-04-02"
    # The old password still works; the one typed into the form does not.
    assert known.post("/login", data={"email": KNOWN, "password": PASSWORD}).status_code == 302


def test_a_new_account_confirms_its_address_and_then_logs_in(app, client, smtp_sink):
    response = register(client, "Lena@Example.test")
    assert response.headers["Location"] == "/login"
    assert client.get("/profile").status_code == 302  # not logged in by registering
    client.get(
        link_in(smtp_sink.last_to("lena@example.test")).removeprefix("http://nebendesk.test")
    )
    response = client.post("/login", data={"email": "lena@example.test", "password": NEW_PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User.email_verified_at)) is not None


def test_registering_a_company_with_a_taken_address_looks_the_same(app, smtp_sink):
    with app.app_context():
        UserFactory(email=KNOWN, display_name="Mia")

    def company(browser, email):
        data = {
            "company_name": "Radhaus Berlin GmbH",
            "website": "https://radhaus.example",
            "display_name": "Jonas",
            "email": email,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        }
        return browser.post("/register/company", data=data)

    known, unknown = app.test_client(), app.test_client()
    answers = [company(known, KNOWN), company(unknown, UNKNOWN)]
    assert comparable(answers[0], KNOWN) == comparable(answers[1], UNKNOWN)
    assert smtp_sink.last_to(KNOWN)["Subject"] == (
        "Someone tried to register with your email address"
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Company.id))) == 1  # only Kim's
