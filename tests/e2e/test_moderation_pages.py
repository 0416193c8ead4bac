"""The moderator's pages in a browser: the dashboard and the item page (behind the
"Next item" POST, so the crawl of test_every_page cannot reach it) pass axe-core
and fit a phone in English and German; images stay blurred until clicked; a
keyboard shortcut approves."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from marketplace.extensions import db
from tests.e2e.site_audit import Visit, install_axe
from tests.e2e.test_every_page import Auditor, switch_language
from tests.factories import PASSWORD
from tests.moderation import moderator_helpers as mh

pytestmark = pytest.mark.e2e

# A 1×1 PNG: the page loads community images from https URLs; a data URL keeps the
# test offline.
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk"
    "YAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def test_moderator_pages_pass_axe_fit_a_phone_and_work_by_keyboard(
    app, new_page: Callable[..., Page]
):
    with app.app_context():
        found = mh.community()
        email = mh.hire(found).worker.email
        mh.item(
            found, "Du bist ein Idiot, echt.", word_hits=[{"word": "idiot", "kind": "suspect"}],
            images=[PIXEL],
        )  # fmt: skip
        db.session.commit()
    page = new_page()
    install_axe(page.context)
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action$='/logout']")).to_have_count(1)
    page.get_by_role("link", name="Moderation").first.click()
    switch_language(page, "en")
    auditor = Auditor(page, email)
    auditor(Visit(url="/work/moderation", final="/work/moderation", status=200), "en")

    page.get_by_role("button", name="Next item").click()
    expect(page.locator("h1")).to_contain_text("Item from")
    path = "/" + page.url.split("/", 3)[3]
    visit = Visit(url=path, final=path, status=200)
    auditor(visit, "en")
    switch_language(page, "de")
    auditor(visit, "de")
    switch_language(page, "en")
    assert not auditor.findings, auditor.report()

    blurred = page.locator("details.reveal .blurred")
    assert "blur" in blurred.evaluate("e => getComputedStyle(e).filter")
    expect(page.locator("details.reveal .revealed")).to_be_hidden()
    page.locator("details.reveal summary").click()
    expect(page.locator("details.reveal .revealed")).to_be_visible()

    page.locator("h1").click()
    page.keyboard.press("a")
    expect(page.locator(".flash")).to_contain_text("Approved.")
    expect(page.locator("#dashboard")).to_contain_text("1 items today")

    # The decision's own page (linked from the dashboard) passes too.
    page.locator("#recent a").first.click()
    expect(page.locator("h1")).to_contain_text("Decision #")
    path = "/" + page.url.split("/", 3)[3]
    auditor(Visit(url=path, final=path, status=200), "en")
    assert not auditor.findings, auditor.report()
