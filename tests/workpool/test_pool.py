"""The pool through its services: claims with leases, answers that go out by SMTP
threaded under the customer's mail and are paid once, escalations with exactly
one acknowledgment, reopening, the funding guard and the retention purge."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition
from marketplace.payments.models import UnitStatus, WorkUnit
from marketplace.workpool import pool, retention
from marketplace.workpool.models import (
    Conversation,
    ConversationStatus,
    Message,
    Reply,
    ReplyKind,
    ReplyStatus,
)
from marketplace.workpool.outgoing import send_due_replies
from tests.payments.helpers import balances
from tests.workpool.helpers import customer_mail, deliver
from tests.workpool.helpers import pool as make_pool


def claim(engagement):
    result = pool.claim_next(engagement.worker)
    from marketplace.extensions import db

    db.session.commit()
    return result


def test_oldest_target_first_and_never_the_same_conversation_twice(db, travel):
    mailbox, (first, second), _token = make_pool(workers=2)
    now = utcnow()
    travel(now)
    later = deliver(mailbox, subject="later")
    travel(now + timedelta(minutes=5))
    deliver(mailbox, subject="latest")
    # The first mail's target is nearer: it goes first, even though both wait.
    assert claim(first).conversation.id == later.conversation_id
    taken = claim(second).conversation
    assert taken.subject == "latest"
    # Asking again hands back what one already holds, not a third conversation.
    assert claim(first).conversation.id == later.conversation_id
    third = pool.claim_next(second.worker)
    assert third.conversation.id == taken.id


def test_an_abandoned_lease_returns_the_conversation_to_the_pool(db, travel):
    mailbox, (first, second), _token = make_pool(workers=2)
    now = utcnow()
    travel(now)
    deliver(mailbox)
    held = claim(first).conversation
    assert claim(second).no_work == pool.NoWork.EMPTY
    travel(now + timedelta(minutes=16))  # the 15-minute lease ran out
    assert claim(second).conversation.id == held.id
    with pytest.raises(InvalidTransition, match="no longer yours"):
        pool.answer(held, worker=first.worker, body="Too late")


def test_renewing_keeps_the_lease_while_the_worker_types(db, travel):
    mailbox, (first, second), _token = make_pool(workers=2)
    now = utcnow()
    travel(now)
    deliver(mailbox)
    held = claim(first).conversation
    travel(now + timedelta(minutes=14))
    pool.renew(held, worker=first.worker)
    travel(now + timedelta(minutes=20))
    assert claim(second).no_work == pool.NoWork.EMPTY
    assert pool.holds(first.worker, held)


def test_answer_goes_out_threaded_and_is_paid_once(db, smtp_sink):
    mailbox, (engagement,), _token = make_pool(rate_cents=80, funds_cents=10_000)
    first = deliver(mailbox, message_id="<order-1@kunde.example>")
    conversation = claim(engagement).conversation
    reply = pool.answer(conversation, worker=engagement.worker, body="Ihr Paket ist unterwegs.")
    db.session.commit()  # the send job runs after the commit
    sent = smtp_sink.last_to("anna@kunde.example")
    assert sent["Subject"] == "Re: Wo ist meine Bestellung?"
    assert sent["In-Reply-To"] == "<order-1@kunde.example>"
    assert sent["References"] == "<order-1@kunde.example>"
    assert sent["Message-ID"] == reply.message_id
    # From: the worker's first name (their default) and the mailbox's name, its address.
    (sender,) = sent["From"].addresses
    first_name = engagement.worker.display_name.split()[0]
    assert (sender.display_name, sender.addr_spec) == (
        f"{first_name} (Shop Support)",
        "support@shop.example",
    )
    text = sent.get_content().replace("\r\n", "\n")
    assert "Ihr Paket ist unterwegs." in text and "-- \nIhr Shop-Team" in text
    assert "> Guten Tag, ich warte noch auf meine Bestellung 4711." in text  # quoted
    db.session.refresh(conversation)
    assert conversation.status == ConversationStatus.ANSWERED
    assert conversation.first_responded_at is not None
    unit = pool.unit_of_reply(reply)
    assert (unit.amount_cents, unit.fee_cents, unit.status) == (80, 12, UnitStatus.PENDING)
    assert balances(mailbox.company_id, engagement.worker_id)["reserved"] == 92
    # The customer's mail is answered: a second answer is refused.
    with pytest.raises(InvalidTransition):
        pool.answer(conversation, worker=engagement.worker, body="Again")
    assert first.conversation_id == conversation.id


def test_smtp_down_keeps_the_reply_and_sends_it_once_when_it_is_back(app, db, smtp_sink, travel):
    mailbox, (engagement,), _token = make_pool()
    deliver(mailbox)
    conversation = claim(engagement).conversation
    app.config["MAIL_URL"] = "smtp://127.0.0.1:9"  # nothing listens there
    now = utcnow()
    travel(now)
    reply = pool.answer(conversation, worker=engagement.worker, body="Kommt morgen.")
    db.session.commit()
    db.session.refresh(reply)
    db.session.refresh(conversation)
    assert reply.status == ReplyStatus.QUEUED and reply.attempts == 1 and reply.last_error
    assert conversation.status == ConversationStatus.SENDING  # not answered until accepted
    assert smtp_sink.to("anna@kunde.example") == []
    assert send_due_replies() == 0  # not due yet: it waits before the next try
    app.config["MAIL_URL"] = smtp_sink.url
    travel(now + timedelta(minutes=2))
    assert send_due_replies() == 1
    assert send_due_replies() == 0
    assert len(smtp_sink.to("anna@kunde.example")) == 1
    db.session.refresh(conversation)
    assert conversation.status == ConversationStatus.ANSWERED
    assert db.session.scalar(sa.select(sa.func.count(WorkUnit.id))) == 1


def test_escalation_sends_exactly_one_acknowledgment_in_the_customers_language(db, smtp_sink):
    mailbox, (engagement,), _token = make_pool(escalation_rate_cents=20)
    deliver(
        mailbox,
        sender="bob@customer.example",
        subject="Refund",
        body="I want my money back now, and I will not wait.",
    )
    conversation = claim(engagement).conversation
    with pytest.raises(DomainError, match="why you escalate"):
        pool.escalate(conversation, worker=engagement.worker, note=" ")
    pool.escalate(conversation, worker=engagement.worker, note="Refund over 100 €")
    db.session.commit()
    send_due_replies()
    acks = smtp_sink.to("bob@customer.example")
    assert len(acks) == 1
    assert "We have received your request." in acks[0].get_content()
    assert acks[0]["Auto-Submitted"] == "auto-replied"
    db.session.refresh(conversation)
    assert conversation.status == ConversationStatus.ESCALATED
    with pytest.raises(InvalidTransition):
        pool.escalate(conversation, worker=engagement.worker, note="twice")
    units = db.session.scalars(sa.select(WorkUnit)).all()
    assert [(u.amount_cents, u.source.split(":")[1]) for u in units] == [(20, "escalation")]
    # The company answers in the app; the customer gets it threaded.
    owner = mailbox.gig.company.memberships[0].user
    pool.company_answer(conversation, by=owner, body="Ihr Geld kommt.")
    db.session.commit()
    assert len(smtp_sink.to("bob@customer.example")) == 2
    db.session.refresh(conversation)
    assert conversation.status == ConversationStatus.ANSWERED


def test_a_follow_up_after_the_answer_reopens_the_conversation(db, smtp_sink):
    mailbox, (engagement,), _token = make_pool()
    deliver(mailbox, message_id="<q1@kunde.example>")
    conversation = claim(engagement).conversation
    reply = pool.answer(conversation, worker=engagement.worker, body="Morgen.")
    db.session.commit()
    db.session.refresh(conversation)
    assert conversation.status == ConversationStatus.ANSWERED
    # The customer answers our reply: In-Reply-To is our Message-ID.
    follow_up = deliver(
        mailbox,
        subject="Re: Wo ist meine Bestellung?",
        body="Es ist immer noch nicht da.",
        in_reply_to=reply.message_id,
        references=f"<q1@kunde.example> {reply.message_id}",
    )
    assert follow_up.conversation_id == conversation.id
    db.session.refresh(conversation)
    assert conversation.status == ConversationStatus.WAITING
    again = claim(engagement).conversation
    assert again.id == conversation.id
    second = pool.answer(again, worker=engagement.worker, body="Wir schicken ein neues.")
    db.session.commit()
    assert second.in_reply_to == follow_up.message_id
    assert second.references.split() == [
        "<q1@kunde.example>",
        reply.message_id,
        follow_up.message_id,
    ]
    assert db.session.scalar(sa.select(sa.func.count(WorkUnit.id))) == 2


def test_no_work_is_handed_out_that_the_company_cannot_pay(db):
    mailbox, (engagement,), _token = make_pool(rate_cents=100, funds_cents=0)
    deliver(mailbox)
    assert claim(engagement).no_work == pool.NoWork.UNFUNDED
    assert db.session.scalar(sa.select(Conversation.claimed_by_id)) is None


def test_funds_for_held_emails_count_before_handing_out_more(db):
    # 7,00 € covers two emails at 3,00 € + 15 % fee (3,45 €), not three.
    mailbox, engagements, _token = make_pool(rate_cents=300, funds_cents=700, workers=3)
    for _ in range(3):
        deliver(mailbox)
    assert claim(engagements[0]).conversation is not None
    assert claim(engagements[1]).conversation is not None
    assert claim(engagements[2]).no_work == pool.NoWork.UNFUNDED


def test_nothing_for_someone_not_hired_and_nothing_when_empty(db):
    from tests.factories import UserFactory

    _mailbox, (engagement,), _token = make_pool()
    assert pool.claim_next(UserFactory()).no_work == pool.NoWork.NOT_HIRED
    assert claim(engagement).no_work == pool.NoWork.EMPTY


def test_forwarded_mailbox_gives_conversations_to_the_named_worker_only(db):
    mailbox, (first, second), _token = make_pool(workers=2)
    from marketplace.workpool import mailboxes
    from tests.workpool.helpers import settings

    owner = mailbox.gig.company.memberships[0].user
    mailboxes.update_mailbox(
        mailbox, settings(mode="forwarded", forward_to_id=second.worker_id), by=owner
    )
    db.session.commit()
    deliver(mailbox)
    assert claim(first).no_work == pool.NoWork.EMPTY
    assert claim(second).conversation is not None


def test_answer_text_is_required(db):
    mailbox, (engagement,), _token = make_pool()
    deliver(mailbox)
    conversation = claim(engagement).conversation
    with pytest.raises(DomainError, match="write your answer"):
        pool.answer(conversation, worker=engagement.worker, body="  \n ")
    assert pool.holds(engagement.worker, conversation)


def test_retention_purges_bodies_but_keeps_what_pay_depends_on(db, smtp_sink, travel):
    mailbox, (engagement,), _token = make_pool()
    now = utcnow()
    travel(now)
    deliver(mailbox, body="Meine Adresse ist Musterweg 1.")
    conversation = claim(engagement).conversation
    reply = pool.answer(conversation, worker=engagement.worker, body="Danke, Frau Kunde.")
    db.session.commit()
    travel(now + timedelta(days=89))
    assert retention.purge_expired() == 0
    travel(now + timedelta(days=91))
    assert retention.purge_expired() == 2  # the customer's mail and our copy in the thread
    db.session.commit()
    assert retention.purge_expired() == 0
    bodies = db.session.scalars(sa.select(Message.body_text)).all()
    assert bodies == ["", ""]
    db.session.refresh(reply)
    assert reply.body_text == "" and reply.purged_at is not None
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 2
    unit = pool.unit_of_reply(reply)
    assert unit is not None and unit.amount_cents == 80
    assert (
        db.session.scalar(sa.select(sa.func.count(Reply.id)).where(Reply.kind == ReplyKind.ANSWER))
        == 1
    )


def test_the_same_email_twice_is_stored_once(db):
    mailbox, _engagements, _token = make_pool()
    raw = customer_mail(message_id="<same@kunde.example>")
    first = deliver(mailbox, raw)
    second = deliver(mailbox, raw)
    assert first.id == second.id
    assert db.session.scalar(sa.select(sa.func.count(Conversation.id))) == 1


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("meine Bestellung ist noch nicht da, Bestellnummer RW-104327", "RW-104327"),
        ("I ordered a helmet, order number 55-1234", "55-1234"),
        ("Order #NB-20417 is late", "NB-20417"),
        ("Bestellung 4711 fehlt", "4711"),
        ("my order hasn't arrived", ""),
    ],
)
def test_the_order_number_for_canned_replies_is_a_number_not_a_word(text, number):
    from marketplace.workpool.mailboxes import order_number

    assert order_number(text) == number


def test_a_skipped_email_goes_to_someone_else_not_straight_back(db, travel):
    mailbox, (first, second), _token = make_pool(workers=2)
    now = utcnow()
    travel(now)
    deliver(mailbox, subject="urgent")
    skipped = claim(first).conversation
    pool.release(skipped, worker=first.worker)
    db.session.commit()
    assert claim(first).no_work == pool.NoWork.EMPTY  # not the same one again at once
    assert claim(second).conversation.id == skipped.id  # but free for everyone else
    pool.release(skipped, worker=second.worker)
    db.session.commit()
    travel(now + timedelta(minutes=11))
    assert claim(first).conversation.id == skipped.id  # later it comes round again
