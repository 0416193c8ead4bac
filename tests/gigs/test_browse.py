"""Browsing and searching published gigs, as anonymous visitors and seekers see it."""

from __future__ import annotations

import re

import pytest

from marketplace.db import utcnow
from marketplace.gigs.models import GigKind, PayModel
from tests.factories import (
    CompanyFactory,
    DraftGigFactory,
    MatureSeekerFactory,
    MatureTagFactory,
    MinorSeekerFactory,
    PublishedGigFactory,
    TagFactory,
    UserFactory,
)


def titles(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'<h2 class="card-title"><a href="/gigs/\d+">([^<]+)</a></h2>', html)


@pytest.fixture
def catalogue(app):
    with app.app_context():
        complaints = TagFactory(slug="complaints", name_en="Complaints")
        gaming = TagFactory(slug="gaming-community", name_en="Gaming community")
        adult = MatureTagFactory(slug="adult-chat", name_en="Adult chat")
        PublishedGigFactory(
            title="Retouren für einen Fahrradladen beantworten",
            description="Kundenanfragen zu Retouren und Lieferungen freundlich beantworten.",
            rate_cents=90,
            languages=["de"],
            tags=[complaints],
        )
        PublishedGigFactory(
            title="Answer delivery questions for a fashion store",
            description="Customers ask where their parcel is. Returns are handled elsewhere.",
            rate_cents=70,
            languages=["en"],
        )
        PublishedGigFactory(
            title="Moderate our Discord gaming server",
            kind=GigKind.CHAT_MODERATION,
            pay_model=PayModel.PER_HOUR,
            rate_cents=1400,
            description="Keep the evening chat friendly; ban cheaters.",
            languages=["en", "de"],
            tags=[gaming],
        )
        PublishedGigFactory(
            title="Moderate a dating app chat",
            kind=GigKind.CHAT_MODERATION,
            pay_model=PayModel.PER_ITEM,
            rate_cents=15,
            description="Flirty adult conversations; remove spam and scams.",
            languages=["de"],
            tags=[adult],
        )
        DraftGigFactory(title="Draft gig nobody may see")
        suspended = CompanyFactory(name="Suspended GmbH", suspended_at=utcnow())
        PublishedGigFactory(company=suspended, title="Gig of a suspended company")


def test_anonymous_sees_published_non_mature_gigs_only(client, catalogue):
    listed = titles(client.get("/gigs"))
    assert sorted(listed) == sorted(
        [
            "Retouren für einen Fahrradladen beantworten",
            "Answer delivery questions for a fashion store",
            "Moderate our Discord gaming server",
        ]
    )


def test_opted_in_adult_also_sees_mature_gigs_labelled(app, client, login_as, catalogue):
    with app.app_context():
        login_as(MatureSeekerFactory())
    response = client.get("/gigs")
    assert "Moderate a dating app chat" in titles(response)
    assert "18+" in response.get_data(as_text=True)


@pytest.mark.parametrize("factory", [UserFactory, MinorSeekerFactory])
def test_not_opted_in_or_minor_do_not_see_mature_gigs(app, client, login_as, catalogue, factory):
    with app.app_context():
        login_as(factory())
    assert "Moderate a dating app chat" not in titles(client.get("/gigs"))


def test_text_search_finds_title_and_description_words(client, catalogue):
    assert titles(client.get("/gigs?q=Retouren")) == ["Retouren für einen Fahrradladen beantworten"]
    assert titles(client.get("/gigs?q=parcel")) == ["Answer delivery questions for a fashion store"]
    # English stemming: "cheater" finds "cheaters"
    assert titles(client.get("/gigs?q=cheater")) == ["Moderate our Discord gaming server"]
    assert titles(client.get("/gigs?q=nothing+like+this")) == []


def test_filters_combine(client, catalogue):
    assert titles(client.get("/gigs?kind=chat_moderation")) == [
        "Moderate our Discord gaming server"
    ]
    assert titles(client.get("/gigs?language=en&pay_model=per_email")) == [
        "Answer delivery questions for a fashion store"
    ]
    assert sorted(titles(client.get("/gigs?min_rate=0,80"))) == [
        "Moderate our Discord gaming server",
        "Retouren für einen Fahrradladen beantworten",
    ]
    assert titles(client.get("/gigs?include=complaints")) == [
        "Retouren für einen Fahrradladen beantworten"
    ]
    assert "Moderate our Discord gaming server" not in titles(
        client.get("/gigs?exclude=gaming-community")
    )


def test_sort_by_best_pay(client, catalogue):
    assert titles(client.get("/gigs?sort=pay")) == [
        "Moderate our Discord gaming server",
        "Retouren für einen Fahrradladen beantworten",
        "Answer delivery questions for a fashion store",
    ]


def test_pages(app, client):
    with app.app_context():
        for i in range(25):
            PublishedGigFactory(title=f"Paged gig number {i:02d}")
    first = client.get("/gigs")
    assert len(titles(first)) == 20
    assert "25 gigs found" in first.get_data(as_text=True)
    second = client.get("/gigs?page=2")
    assert len(titles(second)) == 5
    assert set(titles(first)).isdisjoint(titles(second))


@pytest.mark.parametrize(
    "query",
    [
        "' OR 1=1 --",
        '"unterminated',
        "NEAR(a b) AND OR NOT *",
        "col:value ^start -x +y",
        "a & b | !c <-> d:*",
        "%_\\",
    ],
)
def test_hostile_search_queries_are_harmless(client, catalogue, query):
    response = client.get("/gigs", query_string={"q": query})
    assert response.status_code == 200
    assert titles(response) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"min_rate": "abc"}, "This is not an amount in euros"),
        ({"min_rate": "1.234"}, "at most two decimal places"),
        ({"min_rate": "-1"}, "cannot be negative"),
        ({"kind": "nonsense"}, "Not a valid choice"),
        ({"q": "x" * 5000}, "Field cannot be longer than 200 characters"),
    ],
)
def test_bad_filters_are_explained_and_ignored(client, catalogue, params, message):
    response = client.get("/gigs", query_string=params)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert len(titles(response)) == 3  # the invalid filter is not applied


def test_mature_gig_opened_directly_shows_a_gate(app, client, login_as, catalogue):
    with app.app_context():
        from marketplace.extensions import db
        from marketplace.gigs.models import Gig

        gig_id = db.session.query(Gig.id).filter(Gig.title.like("%dating%")).scalar()
    gate = client.get(f"/gigs/{gig_id}").get_data(as_text=True)
    assert "This gig involves mature content" in gate
    assert "Adult chat" in gate
    assert "remove spam and scams" not in gate  # not the listing itself
    with app.app_context():
        login_as(MatureSeekerFactory())
    listing = client.get(f"/gigs/{gig_id}").get_data(as_text=True)
    assert "remove spam and scams" in listing
    assert "What it means" in listing  # the tag is explained


def test_gig_of_suspended_company_is_gone(app, client, catalogue):
    with app.app_context():
        from marketplace.extensions import db
        from marketplace.gigs.models import Gig

        gig_id = db.session.query(Gig.id).filter(Gig.title.like("%suspended%")).scalar()
    assert client.get(f"/gigs/{gig_id}").status_code == 404


@pytest.mark.parametrize("page", ["many", "0", "-3", "99999999999"])
def test_a_bad_page_number_shows_the_first_page(client, catalogue, page):
    response = client.get("/gigs", query_string={"page": page})
    assert response.status_code == 200
    assert len(titles(response)) == 3
