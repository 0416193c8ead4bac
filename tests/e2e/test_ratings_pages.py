"""Ratings in the browser: a worker and a company rate each other after real work; the
rating form, the company page (published rating, the answer form, the facts) and the
worker's profile pass axe-core and fit a phone, in English and German."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.site_audit import DESKTOP, PHONE, audit, install_axe
from tests.ratings.helpers import owner_of, working

pytestmark = pytest.mark.e2e


def _audit(page: Page, url: str) -> list[str]:
    findings: list[str] = []
    for language in ("en", "de"):
        page.set_viewport_size(DESKTOP)
        page.goto(url)
        page.locator(f".lang-switch button[value={language}]").click()
        expect(page.locator("html")).to_have_attribute("lang", language)
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            findings += [f"{language} {name} {url}: {line}" for line in audit(page)]
    page.set_viewport_size(DESKTOP)
    page.locator(".lang-switch button[value=en]").click()
    return findings


def _rate(page: Page, stars: tuple[int, int, int], text: str) -> None:
    for fieldset, n in zip(page.locator("main fieldset").all(), stars, strict=True):
        fieldset.get_by_label(f"{n} star", exact=False).first.check()
    page.get_by_label("In your words").fill(text)
    page.get_by_role("button", name="Send rating").click()


def test_both_sides_rate_and_every_ratings_page_passes(app, new_page: Callable[..., Page], log_in):
    with app.app_context():
        engagement = working(approved=10)
        worker_email, owner_email = engagement.worker.email, owner_of(engagement).email
        company_id, worker_id = engagement.gig.company_id, engagement.worker_id
        rate_url = f"/engagements/{engagement.id}/rate"
    findings: list[str] = []

    worker = new_page()
    install_axe(worker.context)
    log_in(worker, worker_email)
    worker.goto("/applications")
    worker.get_by_role("link", name="Rate Radhaus GmbH").click()
    expect(worker.locator("h1")).to_have_text("Rate Radhaus GmbH")
    findings += _audit(worker, rate_url)
    _rate(worker, (5, 4, 5), "Clear rules, fair reviews.")
    expect(worker.locator(".flash")).to_contain_text("Thank you")

    owner = new_page()
    install_axe(owner.context)
    log_in(owner, owner_email)
    owner.goto(f"/companies/{company_id}")
    expect(owner.locator("main")).not_to_contain_text("Clear rules, fair reviews.")
    owner.goto("/company/engagements")
    owner.get_by_role("link", name="Rate Lena Fischer").click()
    _rate(owner, (4, 5, 5), "Careful and friendly answers.")
    owner.goto(f"/companies/{company_id}")
    expect(owner.locator("main")).to_contain_text("Clear rules, fair reviews.")
    expect(owner.get_by_role("button", name="Publish answer")).to_be_visible()
    findings += _audit(owner, f"/companies/{company_id}")
    owner.get_by_label("Your answer").fill("Thank you, Lena!")
    owner.get_by_role("button", name="Publish answer").click()
    expect(owner.locator("main")).to_contain_text("Thank you, Lena!")
    findings += _audit(owner, f"/workers/{worker_id}")
    expect(owner.locator("main")).to_contain_text("Careful and friendly answers.")
    assert not findings, "\n".join(findings)
