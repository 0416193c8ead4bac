"""A team lead reviews another worker's work in the browser: the worker whose terms
make them team lead of the email gig finds "Review work" in the menu, sees the other
worker's answer on the review page (not their own), approves it and is told that the
review is paid. The review page, waiting and decided, with every row's work and
reject form opened, passes axe-core and fits a phone, in English and German."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.growth.models import OfferKind
from marketplace.growth.offers import OfferTerms
from tests.e2e.site_audit import DESKTOP, PHONE, audit, install_axe
from tests.payments.pay_world import build
from tests.payments.test_team_lead import REVIEW_RATE, _offer

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Cast:
    lead_email: str
    worker_name: str
    gig_id: int
    gig_title: str
    answer: int  # the other worker's answered email (a unit id)
    own: int  # the team lead's own answer


@pytest.fixture
def cast(app) -> Cast:
    with app.app_context():
        world = build()
        _offer(world, OfferTerms(OfferKind.TEAM_LEAD, review_rate_cents=REVIEW_RATE))
        return Cast(
            lead_email=db.session.get(User, world.other_worker_id).email,
            worker_name=db.session.get(User, world.worker_id).display_name,
            gig_id=world.email_gig_id,
            gig_title=db.session.get(Gig, world.email_gig_id).title,
            answer=world.answer,
            own=world.other,
        )


def _audit_both_sizes(page: Page, url: str, language: str) -> list[str]:
    findings: list[str] = []
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        findings += [f"{language} {name} {url}: {line}" for line in audit(page)]
        if page.locator("tr[id^=unit-] details").count():  # the work shown, reject forms open
            page.evaluate("document.querySelectorAll('tr details').forEach(d => d.open = true)")
            expect(page.locator("tr details:not([open])")).to_have_count(0)
            findings += [f"{language} {name} {url} (opened): {x}" for x in audit(page)]
    return findings


def test_team_lead_approves_another_workers_unit_and_the_page_passes_axe(
    new_page: Callable[..., Page], log_in, cast: Cast
):
    page = new_page()
    install_axe(page.context)
    log_in(page, cast.lead_email)
    page.set_viewport_size(DESKTOP)
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Review work", exact=True
    ).click()
    expect(page.get_by_role("heading", name=f"Review work: {cast.gig_title}")).to_be_visible()
    expect(page.get_by_role("link", name="Waiting for review (3)")).to_be_visible()
    row = page.locator(f"#unit-{cast.answer}")
    expect(row).to_contain_text(cast.worker_name)
    expect(row).to_contain_text("1 email")
    row.get_by_text("Read the answer").click()
    expect(row.get_by_text("Ihr Paket ist unterwegs.")).to_be_visible()
    expect(page.locator(f"#unit-{cast.own}")).to_have_count(0)  # not the lead's own work
    expect(page.get_by_text("Worker pay")).to_have_count(0)  # nor the company's money

    pending = f"/work/gigs/{cast.gig_id}/review"
    history = f"/work/gigs/{cast.gig_id}/review?tab=history"
    findings = _audit_both_sizes(page, pending, "en")

    page.set_viewport_size(DESKTOP)
    page.locator(f"#unit-{cast.answer}").get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"Approved: 1 email by {cast.worker_name}.")).to_be_visible()
    expect(page.get_by_text("€0.15 per reviewed unit")).to_be_visible()
    expect(page.locator(f"#unit-{cast.answer}")).to_have_count(0)
    expect(page.get_by_role("link", name="Waiting for review (2)")).to_be_visible()

    page.get_by_role("link", name="Decided").click()
    decided = page.locator(f"#unit-{cast.answer}")
    expect(decided).to_contain_text("Approved")
    expect(decided).to_contain_text(cast.worker_name)
    findings += _audit_both_sizes(page, history, "en")

    page.set_viewport_size(DESKTOP)
    page.locator(".lang-switch button[value=de]").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("link", name="Arbeit prüfen", exact=True)).to_be_visible()
    for url in (pending, history):
        findings += _audit_both_sizes(page, url, "de")
    assert not findings, "\n".join(findings)
