"""``flask seed demo``: the demo data a developer, a reviewer or ``make run`` relies on."""

from __future__ import annotations

import sqlalchemy as sa
from markupsafe import escape

from marketplace.accounts.models import Company, User, UserKind
from marketplace.auth.passwords import verify_password
from marketplace.extensions import db as _db
from marketplace.gigs.models import (
    ContentTag,
    Gig,
    GigKind,
    GigReport,
    GigRevision,
    GigStatus,
    PayModel,
    ReportStatus,
    RevisionStatus,
)
from marketplace.seed.demo import DEMO_PASSWORD, seed_demo

ADULT_CHAT_GIG = "Moderate the Herzklopfen dating app chat (night shift)"
LOGIN_EMAILS = (
    "admin@demo.test",
    "owner@shop.demo.test",
    "owner@chat.demo.test",
    "seeker@demo.test",
    "newbie@demo.test",
)


def _seed(db) -> str:
    summary = seed_demo()
    db.session.commit()
    return summary


def _user(db, email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    assert user is not None, f"{email} was not created"
    return user


def _company(db, name: str) -> Company:
    company = db.session.scalar(sa.select(Company).where(Company.name == name))
    assert company is not None, f"{name} was not created"
    return company


def _row_counts(db) -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_demo_logins_work_with_the_demo_password_and_are_printed(db):
    summary = _seed(db)

    for email in LOGIN_EMAILS:
        user = _user(db, email)
        assert user.is_verified
        assert user.suspended_at is None
        assert verify_password(user.password_hash, DEMO_PASSWORD)
        assert email in summary
    assert DEMO_PASSWORD in summary
    assert _user(db, "admin@demo.test").kind == UserKind.ADMIN
    assert {_user(db, email).locale for email in LOGIN_EMAILS} == {"de", "en"}

    seeker, newbie = _user(db, "seeker@demo.test"), _user(db, "newbie@demo.test")
    assert seeker.is_adult and seeker.sees_mature_content
    assert newbie.is_adult and not newbie.sees_mature_content


def test_demo_companies_belong_to_their_owners(db):
    _seed(db)

    shop = _company(db, "Shop Demo GmbH")
    chat = _company(db, "Chat Demo UG")
    assert _user(db, "owner@shop.demo.test").company == shop
    assert _user(db, "owner@chat.demo.test").company == chat
    assert shop.is_verified and not shop.is_suspended
    companies = db.session.scalars(sa.select(Company)).all()
    assert any(not c.is_verified for c in companies), "no unverified company to vet"
    assert any(c.is_suspended for c in companies), "no suspended company"

    chat_gigs = db.session.scalars(sa.select(Gig).where(Gig.company_id == chat.id)).all()
    live_adult_moderation = [
        g
        for g in chat_gigs
        if g.status == GigStatus.PUBLISHED
        and g.kind.is_moderation
        and "adult-chat" in {t.slug for t in g.tags}
    ]
    assert live_adult_moderation
    assert all(g.is_mature for g in live_adult_moderation)


def test_demo_tags_are_bilingual_and_mark_mature_content(db):
    _seed(db)

    tags = {tag.slug: tag for tag in db.session.scalars(sa.select(ContentTag))}
    assert len([t for t in tags.values() if t.is_active]) >= 10
    for tag in tags.values():
        assert tag.name_en and tag.name_de and tag.name_en != tag.name_de
        assert tag.description_en and tag.description_de
    mature = {slug for slug, tag in tags.items() if tag.is_mature}
    assert {"adult-chat", "erotic-content", "graphic-violence", "gambling"} <= mature
    assert not tags["complaints"].is_mature
    assert not tags["children-audience"].is_mature


def test_demo_gigs_cover_every_state_kind_and_pay_model(db):
    _seed(db)

    gigs = db.session.scalars(sa.select(Gig)).all()
    assert len(gigs) >= 40
    assert {g.status for g in gigs} == set(GigStatus)
    assert {g.kind for g in gigs} == set(GigKind)
    assert {g.pay_model for g in gigs} == set(PayModel)
    published = [g for g in gigs if g.status == GigStatus.PUBLISHED]
    assert {g.kind for g in published} == set(GigKind)
    assert {g.pay_model for g in published} == set(PayModel)
    languages = {code for g in gigs for code in g.languages}
    assert {"de", "en"} <= languages
    assert len(languages - {"de", "en"}) >= 3
    assert all(g.rejection_reason for g in gigs if g.status == GigStatus.REJECTED)
    for gig in gigs:
        if gig.kind.is_moderation:
            assert gig.communities, f"{gig.title} names no community"
            assert all(c.name and c.audience for c in gig.communities)


def test_demo_fills_the_admin_queues(db, login_as):
    _seed(db)

    updates = db.session.scalars(
        sa.select(GigRevision).where(
            GigRevision.status == RevisionStatus.PENDING, GigRevision.is_update.is_(True)
        )
    ).all()
    assert updates and all(r.gig.status == GigStatus.PUBLISHED for r in updates)
    open_reports = db.session.scalars(
        sa.select(GigReport).where(GigReport.status == ReportStatus.OPEN)
    ).all()
    assert len(open_reports) >= 2

    client = login_as(_user(db, "admin@demo.test"))
    queue = client.get("/admin/vetting").get_data(as_text=True)
    assert all(escape(r.content["title"]) in queue for r in updates)
    reports = client.get("/admin/reports").get_data(as_text=True)
    assert all(escape(r.gig.title) in reports for r in open_reports)


def test_seeding_twice_creates_nothing_new(db):
    _seed(db)
    before = _row_counts(db)

    summary = _seed(db)

    assert _row_counts(db) == before
    assert before["gigs"] >= 40
    assert "nothing new" in summary
    assert "seeker@demo.test" in summary


def _log_in(app, email: str):
    browser = app.test_client()
    response = browser.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"{email} could not log in"
    return browser


def test_only_the_opted_in_seeker_finds_the_adult_chat_gig(app, client):
    # No app context stays pushed during the requests (no ``db`` fixture here):
    # requests would share its ``flask.g`` and with it the logged-in user.
    with app.app_context():
        _seed(_db)
        gig_id = _db.session.scalar(sa.select(Gig.id).where(Gig.title == ADULT_CHAT_GIG))
        _db.session.remove()
    search = "/gigs?include=adult-chat"

    anonymous = client.get(search).get_data(as_text=True)
    assert ADULT_CHAT_GIG not in anonymous
    assert "No gigs match" in anonymous
    gate = client.get(f"/gigs/{gig_id}").get_data(as_text=True)
    assert "This gig involves mature content" in gate
    assert "22:00" not in gate  # the description (night shift from 22:00) stays hidden

    newbie = _log_in(app, "newbie@demo.test")
    assert ADULT_CHAT_GIG not in newbie.get(search).get_data(as_text=True)
    assert "Shop Demo GmbH" in newbie.get("/gigs?kind=email_support").get_data(as_text=True)

    seeker = _log_in(app, "seeker@demo.test")
    assert ADULT_CHAT_GIG in seeker.get(search).get_data(as_text=True)
    assert "22:00" in seeker.get(f"/gigs/{gig_id}").get_data(as_text=True)
