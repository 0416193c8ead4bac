"""Cached listing pages never show stale content: every change to what a
listing shows raises the listings version in its own transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts import moderation
from marketplace.accounts import services as accounts
from marketplace.extensions import db
from marketplace.gigs import services, tags
from marketplace.gigs.content import GigContent
from marketplace.gigs.models import ContentTag, Gig
from tests.factories import (
    AdminFactory,
    CompanyFactory,
    InReviewGigFactory,
    MatureSeekerFactory,
    MatureTagFactory,
    PublishedGigFactory,
    TagFactory,
)


def page(client, path: str = "/gigs") -> str:
    return client.get(path).get_data(as_text=True)


def _edit(gig: Gig, **changes):
    live = GigContent.of_gig(gig)
    return services.update_gig(
        gig,
        by=gig.created_by,
        content=GigContent(**{**live.__dict__, **changes.pop("content", {})}),
        hours_per_week=changes.get("hours_per_week", gig.hours_per_week),
        openings=changes.get("openings", gig.openings),
    )


def test_pages_are_cached_until_the_version_moves(app, client):
    with app.app_context():
        gig = PublishedGigFactory(title="Original title")
        gig_id = gig.id
    assert "Original title" in page(client)
    with app.app_context():  # behind the services' back: no version bump
        db.session.execute(sa.update(Gig).where(Gig.id == gig_id).values(title="Sneaky title"))
        db.session.commit()
    assert "Original title" in page(client)  # served from the cache
    with app.app_context():
        from marketplace.gigs import listing_cache

        listing_cache.bump()
        db.session.commit()
    assert "Sneaky title" in page(client)


def test_caching_can_be_turned_off(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LISTING_CACHE_SECONDS", 0)
    with app.app_context():
        gig_id = PublishedGigFactory(title="Original title").id
    assert "Original title" in page(client)
    with app.app_context():
        db.session.execute(sa.update(Gig).where(Gig.id == gig_id).values(title="Changed title"))
        db.session.commit()
    assert "Changed title" in page(client)


def _approve_new(world):
    gig = InReviewGigFactory(title="Brand new gig")
    services.approve_revision(services.pending_revision(gig), by=world["admin"])
    return "Brand new gig", True


def _approve_update(world):
    revision = _edit(world["gig"], content={"title": "Updated live title"})
    services.approve_revision(revision, by=world["admin"])
    return "Updated live title", True


def _close(world):
    services.close_gig(world["gig"], by=world["gig"].created_by)
    return "Live gig title", False


def _expire(world):
    services.expire_gigs(world["gig"].expires_at + timedelta(seconds=1))
    return "Live gig title", False


def _take_down(world):
    services.take_down(world["gig"], by=world["admin"], reason="Misleading")
    return "Live gig title", False


def _capacity(world):
    _edit(world["gig"], hours_per_week=37)
    return "37 h/week", True


def _rename_company(world):
    company = world["gig"].company
    accounts.update_company(
        company, name="Renamed Shop AG", website=company.website, description=""
    )
    return "Renamed Shop AG", True


def _verify_company(world):
    moderation.verify_company(world["gig"].company, by=world["admin"])
    return '<span class="verified"', True


def _suspend_company(world):
    moderation.suspend_company(world["gig"].company, reason="Fraud", by=world["admin"])
    return "Live gig title", False


def _rename_tag(world):
    tags.update_tag(world["tag"], by=world["admin"], name_en="Very angry customers")
    return "Very angry customers", True


def _tag_becomes_mature(world):
    tags.update_tag(world["tag"], by=world["admin"], is_mature=True)
    return "Live gig title", False


def _new_tag(world):
    tags.create_tag(by=world["admin"], slug="poker", name_en="Poker talk", name_de="Poker")
    return "Poker talk", True


CHANGES = [
    _approve_new, _approve_update, _close, _expire, _take_down, _capacity, _rename_company,
    _verify_company, _suspend_company, _rename_tag, _tag_becomes_mature, _new_tag,
]  # fmt: skip


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__.strip("_"))
def test_every_change_to_listing_content_shows_at_once(app, client, change):
    with app.app_context():
        tag = TagFactory(slug="complaints", name_en="Complaints")
        PublishedGigFactory(
            title="Live gig title",
            hours_per_week=10,
            tags=[tag],
            company=CompanyFactory(verified_at=None),
        )
    before = page(client)
    assert "Live gig title" in before
    with app.app_context():
        world = {
            "admin": AdminFactory(),
            "gig": db.session.scalar(sa.select(Gig)),
            "tag": db.session.scalar(sa.select(ContentTag)),
        }
        text, present = change(world)
        db.session.commit()
    assert (text in before) is not present  # the change is really a change …
    assert (text in page(client)) is present  # … and the next page shows it


def test_viewers_with_different_visibility_or_language_get_their_own_pages(app, client, login_as):
    with app.app_context():
        PublishedGigFactory(title="Dating chat moderation", tags=[MatureTagFactory()])
        PublishedGigFactory(title="Shop emails")
    anonymous = page(client)
    assert "Dating chat moderation" not in anonymous
    with app.app_context():
        login_as(MatureSeekerFactory())
    assert "Dating chat moderation" in page(client)
    client.post("/language", data={"language": "de"})
    assert "Nebenjob finden" in page(client)
    client.post("/language", data={"language": "en"})
    assert "Find a side gig" in page(client)
