"""The email work pool, through two people's browsers, against the live server and
the real SMTP sink (the live server sends replies to it through ``MAIL_URL``):

a hired worker takes the next email, sees the thread and the lease counting down,
inserts a canned reply that arrives filled in with the customer's name and order
number, and sends it; takes the next email and escalates it with an internal note.
The first customer receives the answer, threaded to their email; the second one
receives exactly one acknowledgment. The company owner finds the escalation with
the note, reviews the answer and approves it; the worker's earnings show the
approved amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import make_msgid

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from marketplace.extensions import db
from marketplace.payments.models import UnitStatus, WorkUnit
from marketplace.workpool import mailboxes
from marketplace.workpool.models import Reply, ReplyKind, ReplyStatus
from tests.factories import CompanyFactory, UserFactory, company_member
from tests.payments.helpers import funded, hired
from tests.workpool.helpers import deliver, mailbox_for

pytestmark = pytest.mark.e2e

COMPANY = "Kaffeemühlen Schmidt GmbH"
WORKER = "Lena Vogt"
RATE_CENTS = 80  # per answered email; the company pays 15 % on top
PAY_EN, TOTAL_EN = "€0.80", "€0.92"
ACK = "We have received your request."  # the mailbox's English acknowledgment

CANNED_TITLE = "Order is on its way"
CANNED = (
    "Hello {customer_name},\n\n"
    "thank you for your patience. Your order {order_number} left our workshop today "
    "and reaches you within two days."
)

# The first customer asks about an order; the worker answers with the canned reply.
ANNA, ANNA_EMAIL = "Anna Berger", "anna@kunde.example"
ORDER = "NB-20417"
ANNA_SUBJECT = "Where is my grinder?"
ANNA_BODY = f"Hello, my order {ORDER} has not arrived yet. When will it come? Thanks, Anna"
ANSWER = CANNED.format(customer_name=ANNA, order_number=ORDER)

# The second wants a refund, which only the company may grant: escalated.
BEN, BEN_EMAIL = "Ben Scholz", "ben@kunde.example"
BEN_SUBJECT = "Refund for a broken grinder"
BEN_BODY = "Hello, the grinder broke after a week. I want my money back, please. Regards, Ben"
NOTE = "He asks for a refund; only the company may decide on refunds."


@dataclass(frozen=True)
class Cast:
    owner_email: str
    worker_email: str
    worker_id: int
    anna_message_id: str
    ben_message_id: str


@pytest.fixture
def cast(app) -> Cast:
    """A funded company with an email gig, its hired worker, a mailbox with a canned
    reply, and two customer emails waiting (made through the services)."""
    with app.app_context():
        company = CompanyFactory(name=COMPANY)
        owner = company_member(company, display_name="Petra Schmidt")
        worker = UserFactory(display_name=WORKER)
        engagement = hired(rate_cents=RATE_CENTS, company=company, worker=worker)
        funded(company, 5_000)
        mailbox, _token = mailbox_for(
            engagement, name="Support", from_address="hilfe@muehlen.example"
        )
        mailboxes.save_canned_reply(mailbox, title=CANNED_TITLE, body=CANNED)
        db.session.commit()
        anna_id = make_msgid(idstring="anna", domain="kunde.example")
        ben_id = make_msgid(idstring="ben", domain="kunde.example")
        deliver(mailbox, sender=f"{ANNA} <{ANNA_EMAIL}>", to=mailbox.from_address,
                subject=ANNA_SUBJECT, body=ANNA_BODY, message_id=anna_id)  # fmt: skip
        deliver(mailbox, sender=f"{BEN} <{BEN_EMAIL}>", to=mailbox.from_address,
                subject=BEN_SUBJECT, body=BEN_BODY, message_id=ben_id)  # fmt: skip
        return Cast(owner.email, worker.email, worker.id, anna_id, ben_id)


def menu(page: Page, name: str):
    """A link of the site's menu (in the page header)."""
    return page.get_by_role("banner").get_by_role("link", name=name, exact=True)


def stat(page: Page, label: str):
    """The figure card of the earnings page whose amount ``label`` describes."""
    return page.locator(".stats .card").filter(
        has_text=re.compile(rf"^\s*\S+\s+{re.escape(label)}\s*$")
    )


def take_next_email(worker: Page, subject: str, customer_text: str) -> None:
    menu(worker, "Inbox").click()
    expect(worker.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    worker.get_by_role("button", name="Next email").click()
    expect(worker.get_by_role("heading", name=subject, exact=True)).to_be_visible()
    expect(worker.locator("#thread")).to_contain_text(customer_text)
    # The lease counts down (15 minutes, the mailbox's lease time), second by second.
    countdown = worker.locator("#lease [data-countdown]")
    expect(countdown).to_have_text(re.compile(r"^1[45]:\d\d$"))
    shown = countdown.inner_text()
    expect(countdown).not_to_have_text(shown)


def answer_with_canned_reply(worker: Page) -> None:
    take_next_email(worker, ANNA_SUBJECT, ANNA_BODY)
    body = worker.get_by_label("Your answer to the customer")
    expect(body).to_have_value("")
    worker.get_by_text("1 canned reply", exact=True).click()  # folded above the answer box
    worker.get_by_role("button", name=f"Insert: {CANNED_TITLE}").click()
    expect(body).to_have_value(ANSWER)  # filled in for this customer
    value = body.input_value()
    assert ANNA in value and ORDER in value and "{" not in value
    worker.get_by_role("button", name="Send answer").click()

    expect(
        worker.get_by_text(
            "Sent. Your answer goes out now and counts once the mail server accepted it."
        )
    ).to_be_visible()
    expect(worker.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    row = worker.locator("#answers tbody tr").filter(has_text=f"Re: {ANNA_SUBJECT}")
    expect(row).to_contain_text(PAY_EN)
    expect(row).to_contain_text("Sent")


def escalate(worker: Page) -> None:
    take_next_email(worker, BEN_SUBJECT, BEN_BODY)
    worker.get_by_label("Why should the company take this over? (only the company sees this)").fill(
        NOTE
    )
    worker.get_by_role("button", name="Escalate", exact=True).click()
    expect(
        worker.get_by_text("Escalated; the customer has been told we received the request.")
    ).to_be_visible()
    expect(worker.get_by_role("button", name="Next email")).to_be_visible()


def assert_customers_were_mailed(smtp_sink, cast: Cast) -> None:
    to_anna = smtp_sink.to(ANNA_EMAIL)
    assert len(to_anna) == 1, [m["Subject"] for m in to_anna]
    answer = to_anna[0]
    assert answer["Subject"] == f"Re: {ANNA_SUBJECT}"
    assert answer["In-Reply-To"] == cast.anna_message_id
    assert cast.anna_message_id in answer["References"]
    assert "hilfe@muehlen.example" in answer["From"]
    assert answer["Auto-Submitted"] is None
    text = answer.get_content().replace("\r\n", "\n")
    assert text.startswith(ANSWER + "\n"), text
    assert f"> {ANNA_BODY}" in text  # her email, quoted below the answer

    to_ben = smtp_sink.to(BEN_EMAIL)
    assert len(to_ben) == 1, [m["Subject"] for m in to_ben]
    ack = to_ben[0]
    assert ack["Subject"] == f"Re: {BEN_SUBJECT}"
    assert ack["In-Reply-To"] == cast.ben_message_id
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack.get_content().startswith(ACK)
    assert NOTE not in ack.get_content()  # the note is internal


def company_sees_the_escalation(owner: Page) -> None:
    menu(owner, "Mailboxes").click()
    expect(owner.get_by_role("heading", name="Customer mailboxes")).to_be_visible()
    owner.get_by_role("navigation").get_by_role("link", name="Escalations").click()
    expect(owner.get_by_role("heading", name="Escalations", exact=True)).to_be_visible()
    rows = owner.locator("tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.get_by_role("link", name=BEN_SUBJECT)).to_be_visible()
    expect(row).to_contain_text(BEN_EMAIL)
    expect(row).to_contain_text(WORKER)
    expect(row).to_contain_text(NOTE)
    expect(row).not_to_contain_text(ANNA_SUBJECT)

    # The thread: the note, Ben's email and the acknowledgment he got; the answer is theirs.
    row.get_by_role("link", name=BEN_SUBJECT).click()
    expect(owner.get_by_role("heading", name=f"Escalated by {WORKER}")).to_be_visible()
    expect(owner.locator("[data-escalation]")).to_contain_text(NOTE)
    expect(owner.get_by_text(BEN_BODY)).to_be_visible()
    expect(owner.locator("article").filter(has_text="Automatic acknowledgment")).to_contain_text(
        ACK
    )
    expect(owner.get_by_role("button", name="Send the answer")).to_be_visible()


def company_approves_the_answer(owner: Page) -> None:
    # The work pool's "Review answers" leads to the company's one review, showing emails.
    owner.get_by_role("link", name="Review answers").first.click()
    expect(owner.get_by_role("heading", name="Review work", exact=True)).to_be_visible()
    expect(owner.get_by_label("Kind of work")).to_have_value("email")
    rows = owner.locator("table tbody tr[id^=unit-]")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.locator("td[data-label=Worker]")).to_have_text(WORKER)
    expect(row.locator("td[data-label=Work]")).to_contain_text("1 email")
    expect(row.locator("td[data-label='Worker pay']")).to_have_text(PAY_EN)
    expect(row.locator("td[data-label=Total]")).to_have_text(TOTAL_EN)
    # The answer and the customer's email, inline.
    row.get_by_text("Read the answer").click()
    expect(row).to_contain_text(ANNA_SUBJECT)
    answer = row.locator(".review-grid > div").filter(
        has=owner.get_by_role("heading", name="The answer")
    )
    expect(answer.locator(".pre")).to_contain_text(ANSWER)
    customer = row.locator(".review-grid > div").filter(
        has=owner.get_by_role("heading", name="The customer wrote")
    )
    expect(customer.locator(".pre")).to_have_text(ANNA_BODY)

    row.get_by_role("button", name="Approve", exact=True).click()
    expect(owner.get_by_text(f"Approved: 1 email by {WORKER}.")).to_be_visible()
    expect(owner.get_by_text("No work is waiting for your review.")).to_be_visible()


def worker_sees_the_earnings(worker: Page) -> None:
    menu(worker, "Earnings").click()
    expect(worker.get_by_role("heading", name="Earnings", exact=True)).to_be_visible()
    expect(stat(worker, "approved, to be paid out")).to_have_text(
        f"{PAY_EN} approved, to be paid out"
    )
    expect(stat(worker, "waiting for the company's review")).to_have_text(
        "€0.00 waiting for the company's review"
    )
    units = worker.locator("#units tbody tr")
    expect(units).to_have_count(1)
    expect(units.first).to_contain_text("1 email")
    expect(units.first).to_contain_text(PAY_EN)
    expect(units.first).to_contain_text("Approved")


def test_worker_answers_with_a_canned_reply_and_escalates_company_approves(
    app, new_page, log_in, smtp_sink, cast: Cast
):
    worker = new_page()
    log_in(worker, cast.worker_email)
    answer_with_canned_reply(worker)
    escalate(worker)

    # Replies leave while the request commits: both are at the sink by now.
    assert_customers_were_mailed(smtp_sink, cast)

    owner = new_page()
    log_in(owner, cast.owner_email)
    company_sees_the_escalation(owner)
    company_approves_the_answer(owner)

    worker_sees_the_earnings(worker)

    # Exactly one unit (the answer; escalations are unpaid here) and one reply each.
    with app.app_context():
        replies = db.session.scalars(sa.select(Reply).order_by(Reply.id)).all()
        assert [(r.to_address, r.kind, r.status) for r in replies] == [
            (ANNA_EMAIL, ReplyKind.ANSWER, ReplyStatus.SENT),
            (BEN_EMAIL, ReplyKind.ACKNOWLEDGMENT, ReplyStatus.SENT),
        ]
        work = db.session.scalars(sa.select(WorkUnit)).all()
        assert [(u.worker_id, u.source, u.amount_cents, u.status) for u in work] == [
            (cast.worker_id, f"email:reply:{replies[0].id}", RATE_CENTS, UnitStatus.APPROVED)
        ]
