"""A company and its worker write to each other, through two people's browsers: the
company opens the conversation from its engagements, the worker sees the unread
message in the menu, reads it (the count goes away), answers, and the company finds
the answer under its own message. Both pages fit a phone (390 px)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from marketplace.accounts.models import CompanyRole
from tests.factories import CompanyFactory, UserFactory, company_member
from tests.payments.helpers import hired

pytestmark = pytest.mark.e2e

COMPANY = "Kettenblatt GmbH"
MEMBER = "Paul Weber"
WORKER = "Mira Sommer"
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Cast:
    member_email: str
    worker_email: str
    gig_title: str


@pytest.fixture
def cast(app) -> Cast:
    with app.app_context():
        company = CompanyFactory(name=COMPANY)
        member = company_member(company, CompanyRole.OWNER, display_name=MEMBER)
        worker = UserFactory(display_name=WORKER)
        engagement = hired(company=company, worker=worker)
        return Cast(member.email, worker.email, engagement.gig.title)


def fits_a_phone(page: Page) -> None:
    """At 390 px nothing is wider than the screen (no sideways scrolling)."""
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a phone"
    page.set_viewport_size({"width": 1280, "height": 800})


def test_company_and_worker_exchange_messages(new_page, log_in, cast: Cast):
    company = new_page()
    log_in(company, cast.member_email)
    company.get_by_role("link", name="Engagements").click()
    company.get_by_role("row").filter(has_text=WORKER).get_by_role("link", name="Messages").click()
    expect(company.get_by_role("heading", name=f"Messages: {cast.gig_title}")).to_be_visible()
    expect(company.get_by_text("No messages yet.")).to_be_visible()
    company.get_by_label("Your message").fill("Hi Mira, could you take the weekend shift?")
    company.get_by_role("button", name="Send", exact=True).click()
    expect(company.locator(".message.mine")).to_contain_text("could you take the weekend shift")
    expect(company.get_by_label("Your message")).to_have_value("")

    worker = new_page()
    log_in(worker, cast.worker_email)
    unread = worker.get_by_role("link", name="Messages 1 unread")
    expect(unread).to_be_visible()
    unread.click()
    expect(worker.get_by_role("heading", name="Messages", exact=True)).to_be_visible()
    fits_a_phone(worker)
    worker.get_by_role("link", name=COMPANY).click()
    expect(worker.locator(".message")).to_contain_text(f"{MEMBER} ({COMPANY})")
    expect(worker.locator(".message")).to_contain_text("could you take the weekend shift")
    expect(worker.get_by_role("link", name="Messages", exact=True)).to_be_visible()  # read now
    fits_a_phone(worker)

    worker.get_by_label("Your message").fill("Yes, Saturday works <3\nSunday too.")
    worker.get_by_role("button", name="Send", exact=True).click()
    expect(worker.locator(".message.mine")).to_contain_text("Saturday works <3")

    company.get_by_role("link", name="Engagements").click()
    row = company.get_by_role("row").filter(has_text=WORKER)
    expect(row.get_by_text("1 unread")).to_be_visible()
    company.get_by_role("link", name=re.compile(r"^Messages 1 unread$")).click()
    company.get_by_role("link", name=WORKER).click()
    messages = company.locator(".message")
    expect(messages).to_have_count(2)
    expect(messages.nth(0)).to_contain_text("weekend shift")  # newest last
    expect(messages.nth(1)).to_contain_text("Saturday works <3")
    expect(messages.nth(1).locator(".body")).to_have_text("Yes, Saturday works <3\nSunday too.")
    fits_a_phone(company)
