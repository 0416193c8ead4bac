"""A worker reaches the next level and accepts an offer of more hours, through two
people's browsers: the daily recompute (the CLI command, on seeded work) lifts her
from New to Experienced on "My levels", which said what was missing; the company
offers her more weekly hours from its engagements; she accepts; the company sees the
new terms. Every page of levels and offers passes axe-core and fits a phone, in
English and German."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from marketplace.accounts.models import CompanyRole
from marketplace.extensions import db
from marketplace.growth import offers
from marketplace.growth.models import OfferKind
from marketplace.onboarding.models import Engagement
from tests.e2e.site_audit import DESKTOP, PHONE, audit, install_axe
from tests.factories import CompanyFactory, UserFactory, company_member
from tests.growth.helpers import decided_units
from tests.payments.helpers import hired

pytestmark = pytest.mark.e2e

COMPANY = "Kettenblatt GmbH"
WORKER = "Mira Sommer"


@dataclass(frozen=True)
class Cast:
    member_email: str
    worker_email: str
    engagement_id: int
    gig_id: int


@pytest.fixture
def cast(app) -> Cast:
    with app.app_context():
        company = CompanyFactory(name=COMPANY)
        member = company_member(company, CompanyRole.OWNER, display_name="Paul Weber")
        worker = UserFactory(display_name=WORKER)
        engagement = hired(company=company, worker=worker)  # 60 days ago, 10 hours a week
        decided_units(engagement, approved=49)  # one short of Experienced
        db.session.commit()
        return Cast(member.email, worker.email, engagement.id, engagement.gig_id)


def recompute(app) -> None:
    result = app.test_cli_runner().invoke(args=["growth", "recompute"])
    assert result.exit_code == 0, result.output


def test_worker_reaches_the_next_level_and_accepts_more_hours(
    app, new_page: Callable[..., Page], log_in, cast: Cast
):
    recompute(app)
    worker = new_page()
    log_in(worker, cast.worker_email)
    worker.get_by_role("link", name="My levels").click()
    expect(worker.get_by_role("heading", name="Answering emails: New")).to_be_visible()
    expect(worker.get_by_role("heading", name="Missing for Experienced")).to_be_visible()
    expect(worker.get_by_text("1 more approved unit", exact=True)).to_be_visible()

    with app.app_context():  # the fiftieth unit is approved; the night's run comes
        decided_units(db.session.get(Engagement, cast.engagement_id), approved=1)
        db.session.commit()
    recompute(app)
    worker.reload()
    expect(worker.get_by_role("heading", name="Answering emails: Experienced")).to_be_visible()
    expect(worker.get_by_role("heading", name="Missing for Top")).to_be_visible()
    expect(worker.get_by_text("250 more approved units")).to_be_visible()

    company = new_page()
    log_in(company, cast.member_email)
    company.get_by_role("link", name="Engagements").click()
    company.get_by_role("row").filter(has_text=WORKER).get_by_role("link", name="Offers").click()
    expect(company.get_by_role("heading", name=f"Offers to {WORKER}")).to_be_visible()
    company.get_by_label("More weekly hours").check()
    company.get_by_label("Weekly hours (more hours)").fill("20")
    company.get_by_label("Message to the worker").fill("Mira, would you like 20 hours a week?")
    company.get_by_role("button", name="Send offer").click()
    expect(company.get_by_text("The offer is sent.")).to_be_visible()
    expect(company.get_by_role("cell", name="Waiting for the worker's answer")).to_be_visible()

    worker.reload()
    expect(worker.get_by_text("You have 1 offer waiting for your answer.")).to_be_visible()
    worker.get_by_role("link", name="Offers from companies").click()
    expect(worker.get_by_text("20 instead of 10")).to_be_visible()
    expect(worker.get_by_text("Mira, would you like 20 hours a week?")).to_be_visible()
    worker.get_by_role("button", name="Accept offer").click()
    expect(worker.get_by_text("Offer accepted.")).to_be_visible()
    expect(worker.get_by_role("button", name="Accept offer")).to_have_count(0)

    company.reload()
    expect(company.get_by_role("cell", name="Accepted")).to_be_visible()
    terms = company.locator("section", has=company.get_by_role("heading", name="Terms now"))
    expect(terms).to_contain_text("20")


def test_level_and_offer_pages_pass_axe_and_fit_a_phone(
    app, new_page: Callable[..., Page], log_in, cast: Cast
):
    recompute(app)
    with app.app_context():  # an offer waiting: its answer buttons on the worker's page
        engagement = db.session.get(Engagement, cast.engagement_id)
        owner = engagement.gig.company.memberships[0].user
        offer = offers.OfferTerms(OfferKind.FULL_TIME, message="Join us", terms_text="40 h")
        offers.make_offer(engagement, offer, by=owner)
        db.session.commit()
    pages = {
        cast.worker_email: ["/account/levels", "/account/offers"],
        cast.member_email: [
            f"/company/engagements/{cast.engagement_id}/offers",
            f"/company/gigs/{cast.gig_id}/levels",
        ],
    }
    findings: list[str] = []
    for email, urls in pages.items():
        page = new_page()
        install_axe(page.context)
        log_in(page, email)
        for language in ("en", "de"):
            if language == "de":
                page.set_viewport_size(DESKTOP)
                page.goto(urls[0])
                page.locator(".lang-switch button[value=de]").click()
                expect(page.locator("html")).to_have_attribute("lang", "de")
            for url in urls:
                for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
                    page.set_viewport_size(size)
                    response = page.goto(url)
                    assert response is not None and response.status == 200, url
                    findings += [f"{language} {name} {url}: {line}" for line in audit(page)]
    assert not findings, "\n".join(findings)
