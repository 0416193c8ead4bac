"""Triage in the browser, at a desktop and at a phone's width (390 px): a customer
writes about an accident after two routine emails of other customers arrived;
"Next email" gives the worker the accident first, with its "Urgent" badge, the
company's tag and the customer's earlier conversation. The worker starts an answer,
adds an internal note (a plain form that reloads the page) and finds the answer still
in the box, sees the email with its priority and tag in the inbox, comes back, and
sends the answer with a canned reply found by searching. Every page passes axe and
fits its width; the customer gets the answer and never the note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from marketplace.extensions import db
from marketplace.workpool import mailboxes, triage
from marketplace.workpool.models import Conversation, ConversationStatus, Priority
from tests.e2e.site_audit import DESKTOP, PHONE, audit, install_axe
from tests.factories import UserFactory
from tests.payments.helpers import funded, hired
from tests.workpool.helpers import deliver, mailbox_for

pytestmark = pytest.mark.e2e

CUSTOMER, CUSTOMER_EMAIL = "Anna Berger", "anna@kunde.example"
EARLIER_SUBJECT, EARLIER_BODY = "Rechnung fehlt", "Bitte senden Sie mir die Rechnung."
ROUTINE = [
    ("Bernd Kaiser <bernd@kunde.example>", "Lieferzeit?", "Wann kommt meine Bestellung?"),
    ("Carla Roth <carla@kunde.example>", "Adresse ändern", "Ich bin umgezogen."),
]
URGENT_SUBJECT = "Bremse hat versagt"
URGENT_BODY = "Die Bremse hat versagt, ich bin gestürzt und am Knie verletzt."
TAG, TAG_RED = "Unfallmeldung", "rgb(185, 28, 28)"
CANNED = {
    "Gute Besserung": (
        "Wir wünschen Ihnen gute Besserung, {customer_name}. Wir rufen Sie heute noch an."
    ),
    "Lieferzeit": "Hallo {customer_name},\n\nIhre Bestellung ist unterwegs.",
    "Rechnung": "Hallo {customer_name},\n\nanbei die Rechnung.",
}
DRAFT = "Danke für Ihre Nachricht.\n\n"
ANSWER = DRAFT + ("Wir wünschen Ihnen gute Besserung, Anna Berger. Wir rufen Sie heute noch an.")
NOTE = "Kundin ist verletzt; Rückruf anbieten, Kulanz prüfen."


@dataclass(frozen=True)
class Cast:
    worker_email: str
    worker_id: int
    urgent_id: int


@pytest.fixture
def cast(app, smtp_sink) -> Cast:
    smtp_sink.clear()
    with app.app_context():
        worker = UserFactory(display_name="Lena Vogt")
        engagement = hired(rate_cents=80, worker=worker)
        company = engagement.gig.company
        funded(company, 5_000)
        owner = company.memberships[0].user
        mailbox, _token = mailbox_for(
            engagement, name="Support", from_address="hilfe@muehlen.example"
        )
        for title, body in CANNED.items():
            mailboxes.save_canned_reply(mailbox, title=title, body=body)
        earlier = deliver(mailbox, sender=f"{CUSTOMER} <{CUSTOMER_EMAIL}>", to=mailbox.from_address,
                          subject=EARLIER_SUBJECT, body=EARLIER_BODY)  # fmt: skip
        answered = db.session.get(Conversation, earlier.conversation_id)
        answered.status = ConversationStatus.ANSWERED
        answered.created_at = datetime.now(UTC) - timedelta(days=30)
        # Two routine emails of other customers, waiting for hours already.
        for hours, (sender, subject, body) in enumerate(ROUTINE, start=2):
            routine = deliver(mailbox, sender=sender, to=mailbox.from_address,
                              subject=subject, body=body).conversation  # fmt: skip
            routine.created_at -= timedelta(hours=hours)
            routine.first_response_due_at -= timedelta(hours=hours)
        urgent = deliver(mailbox, sender=f"{CUSTOMER} <{CUSTOMER_EMAIL}>", to=mailbox.from_address,
                         subject=URGENT_SUBJECT, body=URGENT_BODY).conversation  # fmt: skip
        assert urgent.priority == Priority.URGENT  # by the default rule "verletzt"
        tag = triage.create_tag(company, TAG, "red", by=owner)
        triage.set_tags(urgent, [tag.id], by=owner)
        db.session.commit()
        return Cast(worker.email, worker.id, urgent.id)


def takes_the_urgent_email_first(page: Page) -> None:
    page.goto("/work/inbox")
    page.get_by_role("button", name="Next email").click()
    expect(page.get_by_role("heading", name=URGENT_SUBJECT, exact=True)).to_be_visible()
    triage_panel = page.locator("#triage")
    expect(triage_panel.locator("[data-priority]")).to_have_text("Urgent")
    tag = triage_panel.get_by_text(TAG, exact=True)
    expect(tag).to_be_visible()
    expect(tag).to_have_css("background-color", TAG_RED)  # not blocked by the CSP


def sees_the_customers_earlier_conversation(page: Page) -> None:
    earlier = page.locator("#history details").filter(has_text=EARLIER_SUBJECT)
    expect(earlier).to_contain_text("Answered")
    earlier.locator("summary").click()
    expect(earlier.get_by_text(EARLIER_BODY)).to_be_visible()


def adds_a_note_and_keeps_the_answer(page: Page) -> None:
    body = page.get_by_label("Your answer to the customer")
    body.fill(DRAFT)
    page.get_by_label("Internal note (the customer never sees it)").fill(NOTE)
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_text("Your internal note is saved.")).to_be_visible()
    expect(page.locator("#triage [data-note]")).to_contain_text(NOTE)
    expect(body).to_have_value(DRAFT)  # the reload did not lose it
    expect(page.get_by_text("Your unsent answer is back in the box.")).to_be_visible()


def sees_priority_and_tag_in_the_inbox_and_comes_back(page: Page) -> None:
    page.goto("/work/inbox")
    held = page.locator("#held-triage")
    expect(held.locator("[data-priority]")).to_have_text("Urgent")
    expect(held.get_by_text(TAG, exact=True)).to_have_css("background-color", TAG_RED)
    assert audit(page) == []
    page.get_by_role("link", name="Continue with this email").click()
    expect(page.get_by_label("Your answer to the customer")).to_have_value(DRAFT)


def answers_with_a_searched_canned_reply(page: Page) -> None:
    body = page.get_by_label("Your answer to the customer")
    body.click()
    body.press("Control+End")  # go on after what was typed
    page.locator("h1").click()  # outside any field: the letter is a shortcut
    page.keyboard.press("r")
    search = page.get_by_label("Search canned replies")
    expect(search).to_be_focused()
    items = page.locator("#canned [data-canned-item]")
    search.press_sequentially("besserung")
    expect(items.filter(visible=True)).to_have_count(1)
    search.press("Enter")
    expect(body).to_have_value(ANSWER)
    body.press("Control+Enter")
    expect(page.get_by_text("Sent. Your answer goes out now")).to_be_visible()


def assert_the_customer_got_the_answer_and_not_the_note(smtp_sink) -> None:
    (sent,) = smtp_sink.to(CUSTOMER_EMAIL)
    text = sent.get_content().replace("\r\n", "\n")
    assert text.startswith(ANSWER + "\n"), text
    assert "Rückruf anbieten" not in sent.as_string()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_urgent_email_jumps_the_queue_and_is_answered_with_history_and_a_canned_reply(
    new_page, log_in, smtp_sink, cast, viewport
):
    page = new_page()
    install_axe(page.context)
    log_in(page, cast.worker_email)  # the menu is open at a desktop's width
    page.set_viewport_size(viewport)
    takes_the_urgent_email_first(page)
    assert audit(page) == []
    sees_the_customers_earlier_conversation(page)
    adds_a_note_and_keeps_the_answer(page)
    assert audit(page) == []  # with the note and the restored answer
    sees_priority_and_tag_in_the_inbox_and_comes_back(page)
    answers_with_a_searched_canned_reply(page)
    draft_key = f"nebendesk-answer-{cast.worker_id}-{cast.urgent_id}"
    assert page.evaluate("(key) => sessionStorage.getItem(key)", draft_key) is None
    assert_the_customer_got_the_answer_and_not_the_note(smtp_sink)
