"""A company writes, submits, edits and closes its gigs through the pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.gigs.models import Gig, GigRevision, GigStatus, RevisionStatus
from tests.factories import (
    PublishedGigFactory,
    TagFactory,
    UserFactory,
    company_member,
)


def gig_form(**overrides) -> dict:
    data = {
        "title": "Kundenmails für unseren Fahrradladen beantworten",
        "kind": "email_support",
        "description": "Sie beantworten Fragen zu **Lieferung** und Retouren.",
        "languages": ["de", "en"],
        "pay_model": "per_email",
        "rate": "0,80",
        "hours_per_week": "10",
        "openings": "2",
    }
    data.update(overrides)
    return data


@pytest.fixture
def owner(app, login_as):
    with app.app_context():
        user = company_member(email="owner@radhaus.example")
        login_as(user)
        return user.id


def all_gigs(app) -> list[Gig]:
    with app.app_context():
        gigs = list(db.session.scalars(sa.select(Gig)))
        for gig in gigs:
            _ = gig.languages, gig.tags, gig.communities
        db.session.expunge_all()
        return gigs


def test_company_writes_a_draft_and_submits_it(app, client, owner):
    with app.app_context():
        tag_id = TagFactory(slug="returns-refunds").id
    response = client.post("/company/gigs/new", data=gig_form(tags=[str(tag_id)]))
    assert response.status_code == 302
    (gig,) = all_gigs(app)
    assert (gig.status, gig.rate_cents, gig.languages) == (GigStatus.DRAFT, 80, ["de", "en"])
    assert [t.slug for t in gig.tags] == ["returns-refunds"]

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft" in page and "<strong>Lieferung</strong>" in page

    response = client.post(f"/company/gigs/{gig.id}/submit", follow_redirects=True)
    assert "Submitted. An admin will review your listing" in response.get_data(as_text=True)
    (gig,) = all_gigs(app)
    assert gig.status == GigStatus.IN_REVIEW


@pytest.mark.parametrize(
    ("rate", "cents"), [("0,80", 80), ("0.80", 80), ("12", 1200), ("1,5", 150), (" 2,05 € ", 205)]
)
def test_rates_typed_either_way_become_cents(app, client, owner, rate, cents):
    assert client.post("/company/gigs/new", data=gig_form(rate=rate)).status_code == 302
    assert all_gigs(app)[0].rate_cents == cents


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rate": "abc"}, "This is not an amount in euros"),
        ({"rate": "-1"}, "The amount cannot be negative."),
        ({"rate": "1.234"}, "at most two decimal places"),
        ({"rate": "0"}, "The amount must be greater than zero."),
        ({"rate": "5000,00"}, "The amount is too high"),
        ({"rate": ""}, "Please enter the rate"),
        (
            {"description": "x" * 200_000},
            "Please keep the description to at most 20000 characters.",
        ),
        ({"title": ""}, "This field is required."),
        ({"languages": []}, "Please choose at least one language."),
        ({"languages": ["xx"]}, "Please choose only from the list."),
        ({"tags": ["99999"]}, "Please choose only from the list."),
        ({"kind": "spam"}, "Not a valid choice"),
        ({"hours_per_week": "1000"}, "Number must be between 1 and 60."),
        ({"openings": "0"}, "Number must be between 1 and 500."),
        ({"kind": "chat_moderation"}, "Moderation gigs must name at least one community"),
        (
            {"communities-0-name": "Main chat", "communities-0-audience": ""},
            "Every community needs both a name and an audience.",
        ),
        ({"title": "Bell\x07"}, "Please remove invisible control characters."),
    ],
)
def test_bad_gig_input_is_explained_and_nothing_is_saved(app, client, owner, changes, message):
    response = client.post("/company/gigs/new", data=gig_form(**changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert all_gigs(app) == []


def test_moderation_gig_lists_its_communities(app, client, owner):
    response = client.post(
        "/company/gigs/new",
        data=gig_form(
            kind="chat_moderation",
            pay_model="per_hour",
            rate="14,50",
            **{
                "communities-0-name": "Discord #general",
                "communities-0-audience": "Gamers 16+",
                "communities-0-description": "Main chat of the server",
                "communities-1-name": "",
                "communities-1-audience": "",
            },
        ),
    )
    assert response.status_code == 302
    (gig,) = all_gigs(app)
    assert [(c.name, c.audience) for c in gig.communities] == [("Discord #general", "Gamers 16+")]


def test_unverified_company_cannot_submit_for_review(app, client, login_as):
    with app.app_context():
        user = company_member(email="new@radhaus.example", email_verified_at=None)
        login_as(user)
    client.post("/company/gigs/new", data=gig_form())
    (gig,) = all_gigs(app)
    html = client.post(f"/company/gigs/{gig.id}/submit", follow_redirects=True).get_data(
        as_text=True
    )
    assert "Please confirm your email address first" in html
    assert all_gigs(app)[0].status == GigStatus.DRAFT


def test_editing_a_live_gig_goes_to_review_and_the_live_version_stays(app, client, login_as):
    with app.app_context():
        owner = company_member()
        gig = PublishedGigFactory(
            company=owner.company, created_by=owner, title="Live title", rate_cents=80
        )
        gig_id = gig.id
        login_as(owner)
    form = client.get(f"/company/gigs/{gig_id}/edit").get_data(as_text=True)
    assert 'value="Live title"' in form and 'value="0.80"' in form

    response = client.post(
        f"/company/gigs/{gig_id}/edit",
        data=gig_form(title="Better title", rate="1,10", openings="5"),
        follow_redirects=True,
    )
    assert "Your changes are waiting for review" in response.get_data(as_text=True)
    public = client.get(f"/gigs/{gig_id}").get_data(as_text=True)
    assert "Live title" in public and "Better title" not in public
    with app.app_context():
        gig = db.session.get(Gig, gig_id)
        assert (gig.status, gig.title, gig.rate_cents, gig.openings) == (
            GigStatus.PUBLISHED,
            "Live title",
            80,
            5,  # capacity changes at once
        )
        pending = db.session.scalar(
            sa.select(GigRevision).where(GigRevision.status == RevisionStatus.PENDING)
        )
        assert pending.content["title"] == "Better title"
        assert pending.content["rate_cents"] == 110
    # The edit form now shows the pending version, so a second edit builds on it.
    assert 'value="Better title"' in client.get(f"/company/gigs/{gig_id}/edit").get_data(
        as_text=True
    )


def test_company_closes_its_live_gig(app, client, login_as):
    with app.app_context():
        owner = company_member()
        gig_id = PublishedGigFactory(company=owner.company, created_by=owner).id
        login_as(owner)
    client.post(f"/company/gigs/{gig_id}/close")
    assert client.get("/gigs").get_data(as_text=True).count("<h3>") == 0
    with app.app_context():
        assert db.session.get(Gig, gig_id).status == GigStatus.CLOSED
    html = client.post(f"/company/gigs/{gig_id}/close", follow_redirects=True).get_data(
        as_text=True
    )
    assert "This is not possible right now" in html


def test_report_a_gig_once(app, client, login_as):
    with app.app_context():
        gig_id = PublishedGigFactory().id
        login_as(UserFactory())
    html = client.post(
        f"/gigs/{gig_id}/report",
        data={"reason": "Pay is far below minimum wage."},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Thank you. Our team will look at this listing." in html
    html = client.post(
        f"/gigs/{gig_id}/report", data={"reason": "Again"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "You have already reported this listing." in html
    html = client.post(
        f"/gigs/{gig_id}/report", data={"reason": ""}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Please tell us what is wrong with this listing." in html
