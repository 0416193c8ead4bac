"""A job seeker signs up, confirms the email address, logs in, out and in again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

EMAIL = "mia.schneider@example.com"
PASSWORD = "Kundenservice-2024!"


def test_seeker_registers_confirms_email_and_logs_in_again(page: Page, live_server, smtp_sink):
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/register$"))
    expect(page.get_by_role("heading", name="Sign up to find side gigs")).to_be_visible()

    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Display name").fill("Mia")
    page.get_by_label("Date of birth").fill("1996-04-02")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # Asked to confirm the address (the same answer a taken address gets), not logged in.
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text(f"Almost done: we sent an email to {EMAIL}.")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    message = smtp_sink.last_to(EMAIL)
    assert message["Subject"] == "Please confirm your email address"
    assert "Hello Mia," in message.get_content()
    link = live_server.link_in(message)
    assert re.search(r"/verify/[^/\s]+$", link), link

    page.goto(link)
    expect(page.get_by_text(f"Thank you, your email address {EMAIL} is confirmed.")).to_be_visible()

    # A wrong password is refused with a message, and nothing else happens.
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill("not-my-password-1")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_text("Wrong email address or password.")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/gigs$"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator(".topbar")).to_contain_text("Mia")
    expect(page.get_by_text("Please confirm your email address")).to_have_count(0)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    expect(page.locator(".topbar")).not_to_contain_text("Mia")

    page.get_by_role("link", name="Log in", exact=True).click()
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/gigs$"))
