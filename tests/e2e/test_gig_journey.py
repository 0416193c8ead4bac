"""A gig's way to the public, through three people's browsers: a company member
writes it and submits it for review, an admin approves it (the company is
emailed), and a job seeker finds it by searching and opens it."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.factories import (
    AdminFactory,
    CompanyFactory,
    PublishedGigFactory,
    TagFactory,
    UserFactory,
    company_member,
)

pytestmark = pytest.mark.e2e

TITLE = "Answer questions about bicycle spare parts"
DECOY_TITLE = "Answer customer emails for a garden shop"
SEARCH_WORD = "bicycle"
COMPANY = "Kranich Radteile GmbH"
TAG = "Product questions"
TAG_MEANING = "Customers ask which part fits their bike."


@dataclass(frozen=True)
class Cast:
    member_email: str
    admin_email: str
    seeker_email: str


@pytest.fixture
def cast(app) -> Cast:
    with app.app_context():
        member = company_member(CompanyFactory(name=COMPANY))
        TagFactory(name_en=TAG, description_en=TAG_MEANING)
        PublishedGigFactory(title=DECOY_TITLE)  # published, but not about bicycles
        return Cast(
            member_email=member.email,
            admin_email=AdminFactory().email,
            seeker_email=UserFactory(display_name="Jonas").email,
        )


def write_and_submit_gig(page: Page) -> None:
    page.get_by_role("link", name="Our gigs").click()
    expect(page.get_by_role("heading", name=f"Gigs of {COMPANY}")).to_be_visible()
    page.get_by_role("link", name="Write a new gig").click()
    expect(page).to_have_url(re.compile(r"/company/gigs/new$"))

    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Kind of work").select_option(label="Email support")
    page.get_by_label("Description (Markdown)").fill(
        "Customers of our bike parts shop ask which chain, brake or tyre fits.\n\n"
        "- answer within **24 hours**\n- friendly, informal tone"
    )
    page.get_by_role("checkbox", name="German", exact=True).check()
    page.get_by_role("checkbox", name="English", exact=True).check()
    page.get_by_label("Pay model").select_option(label="per answered email")
    page.get_by_label("Rate in EUR").fill("0,85")  # typed the German way
    page.get_by_label("Expected hours per week").fill("8")
    page.get_by_label("Number of openings").fill("2")
    page.get_by_label(TAG).check()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url(re.compile(r"/company/gigs/\d+$"))
    expect(page.get_by_text("Draft saved. Submit it for review when it is ready.")).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE, exact=True).first).to_be_visible()
    expect(page.locator(".status").first).to_have_text("Draft")
    listing = page.locator("article.listing")
    expect(listing).to_contain_text("€0.85")  # "0,85" was read as 85 cents
    expect(listing).to_contain_text("per answered email")
    expect(listing).to_contain_text("German, English")
    expect(listing.get_by_text("answer within")).to_be_visible()
    expect(listing.locator("strong", has_text="24 hours")).to_be_visible()  # Markdown rendered

    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted. An admin will review your listing")).to_be_visible()
    expect(page.locator(".status").first).to_have_text("In review")
    expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)


def approve_in_vetting_queue(page: Page) -> None:
    page.get_by_role("link", name="Vetting queue", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/vetting$"))
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text(COMPANY)
    expect(row).to_contain_text("Email support")
    row.get_by_role("link", name=TITLE).click()

    expect(page).to_have_url(re.compile(r"/admin/vetting/\d+$"))
    preview = page.locator(".preview")
    expect(preview).to_contain_text("As the public will see it:")
    expect(preview.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(preview).to_contain_text("€0.85")
    expect(preview).to_contain_text(TAG_MEANING)
    expect(page.get_by_label(TAG)).to_be_checked()  # the company's tag choice, to correct
    page.get_by_role("button", name="Approve and publish").click()

    expect(page).to_have_url(re.compile(r"/admin/vetting$"))
    expect(page.get_by_text("Approved. The listing is live")).to_be_visible()
    expect(page.get_by_text("Nothing to review. Well done.")).to_be_visible()


def find_by_search(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/gigs$"))
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    expect(page.get_by_role("link", name=DECOY_TITLE)).to_be_visible()

    page.get_by_role("searchbox", name="Search").fill(SEARCH_WORD)
    page.get_by_role("searchbox", name="Search").press("Enter")

    expect(page).to_have_url(re.compile(rf"[?&]q={SEARCH_WORD}(&|$)"))
    expect(page.get_by_text("1 gig found")).to_be_visible()
    expect(page.get_by_role("link", name=DECOY_TITLE)).to_have_count(0)
    page.get_by_role("link", name=TITLE).click()

    expect(page).to_have_url(re.compile(r"/gigs/\d+$"))
    listing = page.locator("article.listing")
    expect(listing.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(listing).to_contain_text(COMPANY)
    expect(listing).to_contain_text("€0.85")
    expect(listing).to_contain_text("per answered email")
    expect(listing).to_contain_text(TAG)
    expect(listing).to_contain_text(TAG_MEANING)


def test_company_gig_is_vetted_published_and_found(
    new_page, log_in, live_server, smtp_sink, cast: Cast
):
    company = new_page()
    log_in(company, cast.member_email)
    write_and_submit_gig(company)

    # Not public while in review.
    seeker = new_page()
    seeker.goto(f"/gigs?q={SEARCH_WORD}")
    expect(seeker.get_by_text("0 gigs found")).to_be_visible()

    admin = new_page()
    log_in(admin, cast.admin_email)
    approve_in_vetting_queue(admin)

    # The company is told, with a link to the public listing.
    email = smtp_sink.last_to(cast.member_email)
    assert email["Subject"] == f"Approved: {TITLE}"
    assert "is approved and now public on Nebendesk" in email.get_content()
    company.goto(live_server.link_in(email))
    expect(company.locator("article.listing").get_by_role("heading", name=TITLE)).to_be_visible()
    company.goto("/company/gigs")
    expect(company.get_by_role("row").filter(has_text=TITLE)).to_contain_text("Published")

    log_in(seeker, cast.seeker_email)
    find_by_search(seeker)
