"""Connecting a community on a phone: the owner of a chat moderation gig opens
Communities, connects the gig's community, copies the token shown once, finds the
webhook page and the delivery log. Every page passes axe-core at 390 px and at
desktop width, in English and German."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from marketplace.extensions import db
from marketplace.gigs.models import GigKind, PayModel
from marketplace.moderation.models import Community
from marketplace.work import outbox
from tests.e2e.site_audit import DESKTOP, PHONE, audit, install_axe
from tests.factories import PublishedGigFactory

pytestmark = pytest.mark.e2e


def checked(page: Page) -> None:
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        assert audit(page) == [], page.url
    page.set_viewport_size(PHONE)


def test_owner_connects_a_community_on_a_phone(app, page, log_in):
    with app.app_context():
        gig = PublishedGigFactory(
            kind=GigKind.CHAT_MODERATION, pay_model=PayModel.PER_ITEM, rate_cents=30
        )
        owner = gig.company.memberships[0].user
        owner.locale = "en"
        db.session.commit()
        owner_email = owner.email

    install_axe(page.context)
    log_in(page, owner_email)
    page.set_viewport_size(PHONE)
    page.goto("/company/communities/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Communities")
    checked(page)
    page.get_by_role("link", name="Connect Main chat").click()
    checked(page)
    page.get_by_label("Forum (posts and threads)").check()
    page.get_by_label("Webhook URL").fill("http://127.0.0.1:9/hook")
    page.get_by_role("button", name="Connect").click()
    expect(page.locator("[data-token]")).to_contain_text("ndc_")
    checked(page)
    with app.app_context():
        community = db.session.scalar(sa.select(Community))
        outbox.emit(community.id, "decision.created", {"decision": {"id": 1}})
        db.session.commit()  # the endpoint does not answer: logged, retried later
    page.get_by_role("link", name="To the delivery log").click()
    expect(page.get_by_role("button", name="Resend")).to_be_visible()
    checked(page)
    page.get_by_role("link", name="Webhook and token").first.click()
    expect(page.locator("[data-secret]")).to_contain_text("whsec_")
    checked(page)
    page.set_viewport_size(DESKTOP)
    page.locator(".lang-switch button[value=de]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Webhook und Token")
    checked(page)
