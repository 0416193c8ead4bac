"""The email workbench in a browser, at a desktop and at a phone's width (390 px):
the worker sees the customer's earlier conversation beside the thread, finds a
canned reply by typing in the search box, inserts it at the cursor with the
keyboard, sends with Ctrl+Enter, and the customer gets the answer signed with the
worker's first name only. On the phone the lease countdown stays on screen while
the worker moves between the thread and the answer; both layouts pass axe and
fit their width."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from marketplace.extensions import db
from marketplace.workpool import mailboxes
from marketplace.workpool.models import Conversation, ConversationStatus
from tests.e2e.site_audit import DESKTOP, PHONE, audit, install_axe
from tests.factories import UserFactory
from tests.payments.helpers import funded, hired
from tests.workpool.helpers import deliver, mailbox_for

pytestmark = pytest.mark.e2e

WORKER = "Lena Vogt"
CUSTOMER, CUSTOMER_EMAIL = "Anna Berger", "anna@kunde.example"
EARLIER_SUBJECT, EARLIER_BODY = "Invoice missing", "Please send me the invoice for NB-100."
SUBJECT = "Where is my grinder?"
BODY = "Hello, my order NB-20417 has not arrived yet. Thanks, Anna"
CANNED = {
    "Order is on its way": (
        "Hello {customer_name},\n\nyour order {order_number} is on its way.\n\n"
        "Kind regards\n{worker_name}"
    ),
    "Refund": "Hello {customer_name},\n\nwe refund your order {order_number}.",
    "Invoice as PDF": "Hello {customer_name},\n\nthe invoice for {order_number} is attached.",
}
INSERTED = "Hello Anna Berger,\n\nyour order NB-20417 is on its way.\n\nKind regards\nLena"


@dataclass(frozen=True)
class Cast:
    worker_email: str


@pytest.fixture
def cast(app, smtp_sink) -> Cast:
    smtp_sink.clear()
    with app.app_context():
        worker = UserFactory(display_name=WORKER)
        engagement = hired(rate_cents=80, worker=worker)
        funded(engagement.gig.company, 5_000)
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
        deliver(mailbox, sender=f"{CUSTOMER} <{CUSTOMER_EMAIL}>", to=mailbox.from_address,
                subject=SUBJECT, body=BODY)  # fmt: skip
        db.session.commit()
        return Cast(worker.email)


def take_next_email(page: Page) -> None:
    page.goto("/work/inbox")
    page.get_by_role("button", name="Next email").click()
    expect(page.get_by_role("heading", name=SUBJECT, exact=True)).to_be_visible()


def sees_the_customers_history(page: Page) -> None:
    history = page.locator("#history")
    expect(
        history.get_by_role("heading", name="Earlier conversations of this customer")
    ).to_be_visible()
    earlier = history.locator("details").filter(has_text=EARLIER_SUBJECT)
    expect(earlier).to_contain_text("Answered")
    expect(earlier.get_by_text(EARLIER_BODY)).to_be_hidden()  # folded until opened
    earlier.locator("summary").click()
    expect(earlier.get_by_text(EARLIER_BODY)).to_be_visible()


def answers_with_a_searched_canned_reply(page: Page) -> None:
    body = page.get_by_label("Your answer to the customer")
    page.locator("h1").click()  # outside any field: the letter is a shortcut
    page.keyboard.press("r")
    search = page.get_by_label("Search canned replies")
    expect(search).to_be_focused()
    items = page.locator("#canned [data-canned-item]")
    expect(items.filter(visible=True)).to_have_count(3)
    search.press_sequentially("on its way")
    expect(items.filter(visible=True)).to_have_count(1)
    search.press("Enter")
    expect(body).to_have_value(INSERTED)
    expect(body).to_be_focused()
    # Typing "r" in the answer box writes an r, it is not the shortcut.
    body.press("End")
    body.press_sequentially(" r")
    expect(body).to_have_value(INSERTED + " r")
    body.press("Backspace")
    body.press("Backspace")
    body.press("Control+Enter")
    expect(page.get_by_text("Sent. Your answer goes out now")).to_be_visible()


def assert_the_customer_got_the_first_name_only(smtp_sink) -> None:
    (sent,) = smtp_sink.to(CUSTOMER_EMAIL)
    text = sent.get_content().replace("\r\n", "\n")
    assert text.startswith(INSERTED + "\n"), text
    assert "Vogt" not in sent.as_string()
    assert sent["From"].addresses[0].display_name == "Lena (Shop Support)"


def test_desktop_two_panes_history_and_a_searched_canned_reply(new_page, log_in, smtp_sink, cast):
    page = new_page()
    install_axe(page.context)
    page.set_viewport_size(DESKTOP)
    log_in(page, cast.worker_email)
    take_next_email(page)
    # Two panes: the thread beside the answer.
    thread, answer = page.locator("#thread").bounding_box(), page.locator("#answer").bounding_box()
    assert answer["x"] > thread["x"] + thread["width"] - 1 and abs(answer["y"] - thread["y"]) < 200
    expect(page.locator("[data-shortcuts-help]")).to_contain_text("insert a canned reply")
    assert audit(page) == []
    sees_the_customers_history(page)
    answers_with_a_searched_canned_reply(page)
    assert_the_customer_got_the_first_name_only(smtp_sink)


def test_phone_countdown_stays_visible_and_thread_and_answer_are_one_tap_apart(
    new_page, log_in, smtp_sink, cast
):
    page = new_page()
    install_axe(page.context)
    log_in(page, cast.worker_email)  # the menu is open at a desktop's width
    page.set_viewport_size(PHONE)
    take_next_email(page)
    assert audit(page) == []
    countdown = page.locator("#lease [data-countdown]")
    expect(countdown).to_have_text(re.compile(r"^1[45]:\d\d$"))

    page.get_by_role("navigation", name="Workbench").get_by_role("link", name="Answer").click()
    expect(page.get_by_role("heading", name="Answer", exact=True)).to_be_in_viewport()
    expect(countdown).to_be_in_viewport()  # sticky while the page is scrolled
    page.get_by_role("navigation", name="Workbench").get_by_role("link", name="Thread").click()
    expect(page.get_by_text(BODY)).to_be_in_viewport()
    expect(countdown).to_be_in_viewport()

    sees_the_customers_history(page)
    expect(countdown).to_be_in_viewport()
    page.locator("#canned > summary").click()
    assert audit(page) == []  # the opened history and canned list fit and pass axe too
    answers_with_a_searched_canned_reply(page)
    assert_the_customer_got_the_first_name_only(smtp_sink)


def test_keys_escalate_and_skip_but_not_while_typing(new_page, log_in, smtp_sink, cast):
    page = new_page()
    log_in(page, cast.worker_email)
    take_next_email(page)
    note = page.get_by_label("Why should the company take this over? (only the company sees this)")
    page.locator("h1").click()
    page.keyboard.press("e")
    expect(note).to_be_focused()
    note.press_sequentially("She asks for a refund; s and e are just letters here.")
    expect(page.get_by_role("heading", name=SUBJECT, exact=True)).to_be_visible()  # not skipped
    note.press("Control+Enter")  # sends the form being typed in: the escalation
    expect(page.get_by_text("Escalated; the customer has been told")).to_be_visible()
    (ack,) = smtp_sink.to(CUSTOMER_EMAIL)
    assert ack["Auto-Submitted"] == "auto-replied"


def test_the_skip_key_gives_the_email_back(new_page, log_in, cast):
    page = new_page()
    log_in(page, cast.worker_email)
    take_next_email(page)
    page.locator("h1").click()
    page.keyboard.press("Alt+Shift+S")  # the same with the modifier
    expect(page.get_by_text("The email went back to the pool.")).to_be_visible()
