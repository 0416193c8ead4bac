"""Connecting a mailbox on a phone (390 px wide): the company owner opens the mailbox's
Connection page, finds the forwarding address, tests a mistyped password (and is
told which server refused it), then saves the right one against a real Dovecot
and the company's SMTP server. Nothing on the page is wider than the phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marketplace.extensions import db
from tests.workpool.helpers import pool as make_pool
from tests.workpool.imap_helpers import COMPANY_SMTP_LOGIN

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"


def test_owner_connects_a_mailbox_on_a_phone(app, page, log_in, imap_account, company_smtp):
    with app.app_context():
        mailbox, _engagements, _token = make_pool()
        owner = mailbox.gig.company.memberships[0].user
        owner.locale = "en"
        db.session.commit()
        mailbox_id, owner_email = mailbox.id, owner.email
        address = f"{mailbox.forward_token}@inbound.nebendesk.test"

    log_in(page, owner_email)  # (on a phone, "Log out" sits in the folded menu)
    page.set_viewport_size(PHONE)
    page.goto(f"/company/mailboxes/{mailbox_id}")
    page.get_by_role("link", name="Connection", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How mail reaches “Support”")
    expect(page.locator("[data-forwarding-address]")).to_have_text(address)
    fits_the_phone(page)

    page.get_by_label("IMAP server").fill("127.0.0.1")
    page.get_by_label("IMAP port").fill(str(imap_account.port))
    page.get_by_label("IMAP encryption").select_option("none")
    page.get_by_label("User name", exact=True).fill(imap_account.username)
    page.get_by_label("Password or app password").fill("mistyped")
    page.get_by_label("SMTP server").fill("127.0.0.1")
    page.get_by_label("SMTP port").fill(str(company_smtp.port))
    page.get_by_label("SMTP encryption").select_option("none")
    page.get_by_label("SMTP user name").fill(COMPANY_SMTP_LOGIN[0])
    page.get_by_label("SMTP password").fill(COMPANY_SMTP_LOGIN[1])
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("[data-check-result]")
    expect(result).to_contain_text("The connection does not work yet.")
    expect(result).to_contain_text("The IMAP server refused the user name or password.")
    fits_the_phone(page)

    # The form keeps what was typed, except the passwords.
    expect(page.get_by_label("IMAP server")).to_have_value("127.0.0.1")
    expect(page.get_by_label("Password or app password")).to_have_value("")
    page.get_by_label("Password or app password").fill(imap_account.password)
    page.get_by_label("SMTP password").fill(COMPANY_SMTP_LOGIN[1])
    page.get_by_role("button", name="Save and connect").click()
    expect(page.get_by_text("Connected. New mail is fetched every minute")).to_be_visible()
    expect(page.locator("[data-connection-status]")).to_contain_text(imap_account.username)
    expect(page.get_by_role("button", name="Disconnect")).to_be_visible()
    fits_the_phone(page)
