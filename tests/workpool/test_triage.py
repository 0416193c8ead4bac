"""Triage through its services: priority from the mailbox's rules (German and English
defaults), a customer's third email, priority by hand (audited), "Next email" taking
urgent first and then by target, assignment to one worker, and internal notes that
never reach the customer."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEvent
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.workpool import pool, triage
from marketplace.workpool.models import Priority
from tests.factories import UserFactory
from tests.workpool.helpers import deliver
from tests.workpool.helpers import pool as make_pool


def claim(engagement):
    from marketplace.extensions import db

    result = pool.claim_next(engagement.worker)
    db.session.commit()
    return result


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Unfall mit Ihrem Fahrrad", "Guten Tag, bitte melden Sie sich."),
        ("Frage", "Mein Sohn wurde dabei verletzt."),
        ("Schreiben meines Anwalts", "Mein Anwalt meldet sich."),
        ("Auskunft", "Ich verlange Auskunft nach Art. 15 DSGVO."),
        ("Vertrag", "Hiermit erkläre ich den Widerruf."),
        ("KÜNDIGUNG", "Zum Monatsende."),
        ("My order", "I was injured by the product."),
        ("Letter from my lawyer", "See attached."),
        ("Data request", "Under the GDPR I want a copy of my data."),
        ("Please cancel my subscription", "Thanks."),
    ],
)
def test_default_rules_make_german_and_english_mail_urgent(db, subject, body):
    mailbox, _engagements, _token = make_pool()
    message = deliver(mailbox, subject=subject, body=body)
    assert message.conversation.priority == Priority.URGENT


def test_ordinary_mail_stays_normal_and_a_companys_own_rule_counts(db):
    mailbox, _engagements, _token = make_pool()
    owner = mailbox.gig.company.memberships[0].user
    assert deliver(mailbox).conversation.priority == Priority.NORMAL
    triage.add_rule(mailbox, "Newsletter", Priority.LOW, by=owner)
    triage.add_rule(mailbox, "Rückruf", Priority.URGENT, by=owner)
    db.session.commit()
    low = deliver(mailbox, subject="Ihr newsletter", body="Bitte austragen.", sender="x@y.example")
    assert low.conversation.priority == Priority.LOW
    urgent = deliver(mailbox, subject="Bitte um Rückruf", sender="z@y.example")
    assert urgent.conversation.priority == Priority.URGENT
    with pytest.raises(DomainError):
        triage.add_rule(mailbox, "rückruf", Priority.URGENT, by=owner)


def test_a_follow_up_with_a_rule_word_raises_but_never_lowers(db):
    mailbox, _engagements, _token = make_pool()
    first = deliver(mailbox, message_id="<a1@kunde.example>")
    assert first.conversation.priority == Priority.NORMAL
    follow = deliver(
        mailbox,
        subject="Re: Bestellung",
        body="Dann schalte ich meinen Anwalt ein.",
        in_reply_to="<a1@kunde.example>",
    )
    assert follow.conversation_id == first.conversation_id
    assert follow.conversation.priority == Priority.URGENT


def test_the_third_email_of_a_customer_within_the_window_is_urgent(db, travel):
    mailbox, _engagements, _token = make_pool()
    now = utcnow()
    travel(now)
    one = deliver(mailbox, message_id="<r1@kunde.example>")
    travel(now + timedelta(days=1))
    two = deliver(mailbox, in_reply_to="<r1@kunde.example>", subject="Re: Wo ist meine Bestellung?")
    assert two.conversation.priority == Priority.NORMAL
    # The third email opens a new conversation; both count (same address, 7 days).
    travel(now + timedelta(days=2))
    three = deliver(mailbox, subject="Noch einmal", sender="ANNA@kunde.example")
    assert three.conversation_id != one.conversation_id
    assert three.conversation.priority == Priority.URGENT
    # Another customer is not affected, and after the window one email is just one.
    assert deliver(mailbox, sender="bert@kunde.example").conversation.priority == Priority.NORMAL
    travel(now + timedelta(days=30))
    assert deliver(mailbox, subject="Neu").conversation.priority == Priority.NORMAL


def test_company_sets_the_priority_by_hand_and_it_is_audited(db):
    mailbox, _engagements, _token = make_pool()
    owner = mailbox.gig.company.memberships[0].user
    conversation = deliver(mailbox).conversation
    triage.set_priority(conversation, Priority.LOW, by=owner)
    db.session.commit()
    assert conversation.priority == Priority.LOW
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "conversation.priority")
    )
    assert (event.actor_id, event.object_id) == (owner.id, conversation.id)
    assert event.before == {"priority": "normal"} and event.after == {"priority": "low"}


def test_next_takes_urgent_first_then_the_nearest_target_then_low(db, travel):
    mailbox, (engagement,), _token = make_pool()
    owner = mailbox.gig.company.memberships[0].user
    now = utcnow()
    travel(now - timedelta(hours=30))
    overdue = deliver(mailbox, subject="Alt", sender="a@k.example")  # 6 hours past target
    travel(now - timedelta(hours=40))
    oldest_low = deliver(mailbox, subject="Egal", sender="b@k.example")
    travel(now)
    fresh = deliver(mailbox, subject="Neu", sender="c@k.example")
    urgent = deliver(mailbox, subject="Unfall", sender="d@k.example")
    triage.set_priority(oldest_low.conversation, Priority.LOW, by=owner)
    db.session.commit()
    order = []
    for _ in range(4):
        conversation = claim(engagement).conversation
        order.append(conversation.id)
        pool.release(conversation, worker=engagement.worker)
        db.session.commit()
        travel(utcnow() + timedelta(seconds=1))
    expected = [m.conversation_id for m in (urgent, overdue, fresh, oldest_low)]
    assert order == expected


def test_an_assigned_conversation_goes_to_its_worker_first_and_to_nobody_else(db):
    mailbox, (first, second), _token = make_pool(workers=2)
    owner = mailbox.gig.company.memberships[0].user
    urgent = deliver(mailbox, subject="Unfall", sender="a@k.example").conversation
    mine = deliver(mailbox, subject="Für Sie", sender="b@k.example").conversation
    triage.assign(mine, second.worker_id, by=owner)
    db.session.commit()
    # The second worker gets their assigned email before the urgent one of the pool.
    assert claim(second).conversation.id == mine.id
    pool.release(mine, worker=second.worker)
    db.session.commit()
    # The first worker never gets it, even with nothing else left.
    assert claim(first).conversation.id == urgent.id
    pool.answer(urgent, worker=first.worker, body="Wir kümmern uns.")
    db.session.commit()
    assert claim(first).conversation is None
    # Unassigned, it is in the pool for everyone again.
    triage.assign(mine, None, by=owner)
    db.session.commit()
    assert claim(first).conversation.id == mine.id


def test_only_a_hired_worker_can_be_assigned(db):
    mailbox, _engagements, _token = make_pool()
    owner = mailbox.gig.company.memberships[0].user
    conversation = deliver(mailbox).conversation
    with pytest.raises(DomainError):
        triage.assign(conversation, UserFactory().id, by=owner)
    assert conversation.assigned_to_id is None


def test_notes_never_reach_the_customer(db, smtp_sink):
    mailbox, (engagement,), _token = make_pool()
    owner = mailbox.gig.company.memberships[0].user
    deliver(mailbox)
    conversation = claim(engagement).conversation
    triage.add_note(conversation, "GEHEIM-Kunde droht mit Anwalt-7731", by=owner)
    triage.add_note(conversation, "Worker-Notiz-4410: Paket verloren", by=engagement.worker)
    pool.answer(conversation, worker=engagement.worker, body="Ihr Paket ist unterwegs.")
    db.session.commit()
    sent = smtp_sink.last_to("anna@kunde.example")
    raw = sent.as_string()
    assert "Ihr Paket ist unterwegs." in sent.get_content()
    assert "7731" not in raw and "4410" not in raw and "GEHEIM" not in raw
    assert [n.body[:6] for n in triage.notes_of(conversation)] == ["GEHEIM", "Worker"]


def test_tags_are_the_companys_own(db):
    mailbox, _engagements, _token = make_pool()
    other, _e, _t = make_pool()
    owner = mailbox.gig.company.memberships[0].user
    other_owner = other.gig.company.memberships[0].user
    mine = triage.create_tag(mailbox.gig.company, "Reklamation", "red", by=owner)
    theirs = triage.create_tag(other.gig.company, "Reklamation", "blue", by=other_owner)
    conversation = deliver(mailbox).conversation
    with pytest.raises(DomainError):
        triage.set_tags(conversation, [theirs.id], by=owner)
    with pytest.raises(DomainError):
        triage.create_tag(mailbox.gig.company, "reklamation", "red", by=owner)
    with pytest.raises(DomainError):
        triage.create_tag(mailbox.gig.company, "Neu", "#ff00ff", by=owner)
    triage.set_tags(conversation, [mine.id], by=owner)
    db.session.commit()
    assert [t.name for t in triage.tags_of(conversation)] == ["Reklamation"]
    triage.delete_tag(mine, by=owner)
    db.session.commit()
    assert triage.tags_of(conversation) == []
