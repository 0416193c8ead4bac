"""Registration, email verification, login (with throttling), password reset,
profile and mature-content opt-in, as a person using the site sees them."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from marketplace.accounts.models import CompanyRole, User, UserKind
from marketplace.db import utcnow
from marketplace.extensions import db
from tests.conftest import link_in
from tests.factories import PASSWORD, MinorSeekerFactory, UserFactory, company_member

GOOD_PASSWORD = "a-long-enough-secret"


def path_of(link: str) -> str:
    return link.removeprefix("http://nebendesk.test")


def register(client, **overrides):
    data = {
        "email": "Lena@Example.test",
        "display_name": "Lena",
        "date_of_birth": "1995-04-02",
        "password": GOOD_PASSWORD,
        "password_confirm": GOOD_PASSWORD,
    }
    data.update(overrides)
    return client.post("/register", data=data)


def users(app) -> list[User]:
    with app.app_context():
        return list(db.session.scalars(sa.select(User)))


def test_seeker_registers_verifies_email_and_logs_in(app, client, smtp_sink):
    response = register(client)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert "we sent an email to Lena@Example.test" in page
    mail = smtp_sink.last_to("lena@example.test")
    assert mail["Subject"] == "Please confirm your email address"
    assert mail["Message-ID"]

    response = client.get(path_of(link_in(mail)), follow_redirects=True)
    assert "Thank you, your email address lena@example.test is confirmed." in response.get_data(
        as_text=True
    )
    response = client.post("/login", data={"email": "LENA@example.test", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/gigs"
    assert "Please confirm your email address" not in client.get("/profile").get_data(as_text=True)


def test_registering_a_taken_address_writes_nothing(app, client, smtp_sink):
    with app.app_context():
        UserFactory(email="lena@example.test")
    response = register(client, email="lena@example.test")
    assert response.status_code == 302  # the same answer as for a new address
    assert len(users(app)) == 1
    assert (
        "tried to create a new Nebendesk account"
        in smtp_sink.last_to("lena@example.test").get_content()
    )


def test_bad_registration_input_gets_clear_messages(app, client):
    response = register(client, email="not-an-email", password="short", password_confirm="x")
    html = response.get_data(as_text=True)
    assert "Invalid email address." in html
    assert "at least 10 characters" in html
    assert users(app) == []


def test_children_cannot_register(app, client):
    too_young = (utcnow().date() - timedelta(days=365 * 15)).isoformat()
    html = register(client, date_of_birth=too_young).get_data(as_text=True)
    assert "at least 16 years old" in html
    assert users(app) == []


def test_tampered_or_expired_verification_link(app, client, smtp_sink, travel):
    register(client)
    link = path_of(link_in(smtp_sink.last_to("lena@example.test")))
    response = client.get(link[:-3] + "abc")
    assert response.status_code == 400
    assert "This link is not valid" in response.get_data(as_text=True)
    travel(utcnow() + timedelta(days=4))
    response = client.get(link)
    assert response.status_code == 400
    assert "This link has expired" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User.email_verified_at)) is None


def test_wrong_password_then_account_lock(app, client, travel):
    with app.app_context():
        UserFactory(email="mia@example.test")
    now = utcnow()
    travel(now)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        html = client.post(
            "/login", data={"email": "mia@example.test", "password": "wrong"}
        ).get_data(as_text=True)
        assert "Wrong email address or password." in html
    # Locked now: even the right password is refused, with the reason.
    html = client.post("/login", data={"email": "mia@example.test", "password": PASSWORD}).get_data(
        as_text=True
    )
    assert "account is locked" in html
    travel(now + timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1))
    response = client.post("/login", data={"email": "mia@example.test", "password": PASSWORD})
    assert response.status_code == 302


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client):
    html = client.post("/login", data={"email": "nobody@example.test", "password": "x"}).get_data(
        as_text=True
    )
    assert "Wrong email address or password." in html


def test_login_is_throttled_per_ip(app, client):
    with app.app_context():
        UserFactory(email="mia@example.test")
    limit = int(app.config["LOGIN_IP_LIMIT"].split()[0])
    for i in range(limit):
        client.post("/login", data={"email": f"guess{i}@example.test", "password": "x"})
    response = client.post("/login", data={"email": "mia@example.test", "password": PASSWORD})
    assert response.status_code == 429
    assert "You have tried this too often" in response.get_data(as_text=True)


def test_suspended_user_cannot_log_in_and_is_logged_out(app, client, login_as):
    with app.app_context():
        user = UserFactory(email="mia@example.test")
        login_as(user)
    assert client.get("/profile").status_code == 200
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        user.suspended_at = utcnow()
        user.auth_version += 1
        db.session.commit()
    assert client.get("/profile").status_code == 302  # the old session is gone
    html = client.post(
        "/login", data={"email": "mia@example.test", "password": PASSWORD}, follow_redirects=True
    ).get_data(as_text=True)
    assert "This account is suspended." in html and "Account standing" in html
    assert client.get("/profile").status_code == 302  # still not logged in


def test_login_never_redirects_off_site(app, client):
    with app.app_context():
        UserFactory(email="mia@example.test")
    for target in ("https://evil.test/", "//evil.test", "/\\evil.test"):
        response = client.post(
            "/login", data={"email": "mia@example.test", "password": PASSWORD, "next": target}
        )
        assert response.headers["Location"] == "/gigs", target
        client.post("/logout")
    response = client.post(
        "/login", data={"email": "mia@example.test", "password": PASSWORD, "next": "/about"}
    )
    assert response.headers["Location"] == "/about"


def test_password_reset_by_emailed_link_works_once(app, client, smtp_sink):
    with app.app_context():
        UserFactory(email="mia@example.test")
    response = client.post("/password/forgot", data={"email": "mia@example.test"})
    assert response.status_code == 302
    link = path_of(link_in(smtp_sink.last_to("mia@example.test")))
    new = "brand-new-password-42"
    response = client.post(link, data={"password": new, "password_confirm": new})
    assert response.status_code == 302
    assert (
        client.post("/login", data={"email": "mia@example.test", "password": new}).status_code
        == 302
    )
    client.post("/logout")
    response = client.get(link)
    assert response.status_code == 400
    assert "already been used" in response.get_data(as_text=True)
    old = client.post("/login", data={"email": "mia@example.test", "password": PASSWORD})
    assert old.status_code == 200  # the old password no longer works


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client, smtp_sink):
    html = client.post(
        "/password/forgot", data={"email": "nobody@example.test"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "If an account exists for nobody@example.test" in html
    assert smtp_sink.messages == []


def test_profile_and_mature_opt_in(app, client, login_as):
    with app.app_context():
        login_as(UserFactory(email="mia@example.test"))
    response = client.post(
        "/profile",
        data={
            "display_name": "Mia M.",
            "languages": ["de", "fr"],
            "hours_per_week": "12",
            "introduction": "Five years in retail customer service.",
            "mature_opt_in": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert (user.display_name, user.languages, user.hours_per_week) == (
            "Mia M.",
            ["de", "fr"],
            12,
        )
        assert user.sees_mature_content


def test_minor_cannot_opt_in_to_mature_content(app, client, login_as):
    with app.app_context():
        login_as(MinorSeekerFactory(email="kid@example.test"))
    html = client.post("/profile", data={"display_name": "Kid", "mature_opt_in": "y"}).get_data(
        as_text=True
    )
    assert "Only adults (18 or older) can choose to see mature content." in html
    with app.app_context():
        assert db.session.scalar(sa.select(User.mature_opt_in_at)) is None


def test_company_registration_creates_owner_and_company(app, client, smtp_sink):
    response = client.post(
        "/register/company",
        data={
            "company_name": "Radhaus Berlin GmbH",
            "website": "https://radhaus.example",
            "display_name": "Jonas",
            "email": "jonas@radhaus.example",
            "password": GOOD_PASSWORD,
            "password_confirm": GOOD_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert smtp_sink.last_to("jonas@radhaus.example")
    with app.app_context():
        owner = db.session.scalar(sa.select(User))
        assert owner.kind == UserKind.COMPANY
        assert owner.company.name == "Radhaus Berlin GmbH"
        assert owner.membership.role == "owner"


def test_company_website_must_be_a_web_address(app, client):
    html = client.post(
        "/register/company",
        data={
            "company_name": "Evil Ltd",
            "website": "javascript://alert(1)",
            "display_name": "E",
            "email": "e@evil.example",
            "password": GOOD_PASSWORD,
            "password_confirm": GOOD_PASSWORD,
        },
    ).get_data(as_text=True)
    assert "https://" in html
    assert users(app) == []


def test_owner_invites_manager_who_joins_by_link(app, client, login_as, smtp_sink):
    with app.app_context():
        owner = company_member(email="owner@radhaus.example")
        company_name = owner.company.name
        login_as(owner)
    response = client.post("/company/members", data={"email": "Paula@Radhaus.example"})
    assert response.status_code == 302
    mail = smtp_sink.last_to("paula@radhaus.example")
    assert company_name in mail["Subject"]
    client.post("/logout")
    response = client.post(
        path_of(link_in(mail)),
        data={
            "display_name": "Paula",
            "password": GOOD_PASSWORD,
            "password_confirm": GOOD_PASSWORD,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        paula = db.session.scalar(sa.select(User).where(User.email == "paula@radhaus.example"))
        assert paula.company.name == company_name
        assert paula.membership.role == "manager"
        assert paula.is_verified
    # The link is used up.
    assert client.get(path_of(link_in(mail))).status_code in (302, 400)


def test_inviting_an_address_with_an_account_tells_the_inviter_nothing(
    app, client, login_as, smtp_sink
):
    """Whether an address has an account (a job seeker's, another company's) is not
    the inviting company's to know: the page says the same as for a new address, the
    invitation is listed the same way, and the address gets an explanation, no link."""
    with app.app_context():
        UserFactory(email="seeker@example.test", locale="de")
        elsewhere = company_member()
        other_company_email = elsewhere.email
        login_as(company_member())
    pages = {}
    for email in ("seeker@example.test", other_company_email, "new@example.test"):
        response = client.post("/company/members", data={"email": email})
        assert response.status_code == 302
        pages[email] = client.get(response.headers["Location"]).get_data(as_text=True)
        assert f"Invitation sent to {email}." in pages[email]
    for email in ("seeker@example.test", other_company_email):
        (mail,) = smtp_sink.to(email)
        text = mail.get_content()
        assert "/invitations/" not in text  # no link to accept
    german = smtp_sink.to("seeker@example.test")[0].get_content()
    assert "bereits ein Nebendesk-Konto" in german
    assert "already has a Nebendesk account" in smtp_sink.to(other_company_email)[0].get_content()
    assert link_in(smtp_sink.to("new@example.test")[0])  # only the new address gets a link
    with app.app_context():
        seeker = db.session.scalar(sa.select(User).where(User.email == "seeker@example.test"))
        assert seeker.membership is None


def test_manager_cannot_invite(app, client, login_as):
    with app.app_context():
        owner = company_member()
        manager = company_member(owner.company, CompanyRole.MANAGER)
        login_as(manager)
    assert client.post("/company/members", data={"email": "x@example.test"}).status_code == 404


def test_date_of_birth_is_remembered_as_a_date(app, client):
    register(client)
    with app.app_context():
        assert db.session.scalar(sa.select(User.date_of_birth)) == date(1995, 4, 2)
