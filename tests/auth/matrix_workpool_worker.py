"""Authorization matrix, part: the worker's side of the email work pool (workpool/worker_views.py).

test_matrix.py merges every part and fails for a route without a line.
The conversation is leased to the world's hired worker and the answer is theirs:
none of the world's roles may see or act on them (404, so nothing leaks); the
seeker is not hired on the mailbox's gig, so "Next email" tells them so.
"""

from __future__ import annotations

from datetime import timedelta

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.workpool.models import (
    Conversation,
    ConversationStatus,
    Direction,
    Mailbox,
    Message,
    Reply,
    ReplyKind,
)
from tests.auth.matrix_common import SEEKER_ONLY, Expectations
from tests.auth.matrix_earnings import WORKER_ONLY
from tests.world import World


def held_conversation(w: World) -> Conversation:
    """A customer email on a mailbox of the published gig, leased to the hired worker.
    Written directly: the matrix tests who may reach it, not the pool."""
    now = utcnow()
    mailbox = Mailbox(
        gig_id=w.published.id,
        company_id=w.company.id,
        name="Support",
        from_address="support@fahrrad.test",
        token_hash=f"matrix-{w.published.id}",
    )
    db.session.add(mailbox)
    db.session.flush()
    conversation = Conversation(
        mailbox_id=mailbox.id,
        subject="Where is my bike?",
        customer_email="anna@kunde.test",
        status=ConversationStatus.WAITING,
        claimed_by_id=w.worker.id,
        lease_expires_at=now + timedelta(minutes=15),
        first_response_due_at=now + timedelta(hours=24),
    )
    db.session.add(conversation)
    db.session.flush()
    db.session.add(
        Message(
            conversation_id=conversation.id,
            mailbox_id=mailbox.id,
            direction=Direction.INBOUND,
            message_id="<matrix-1@kunde.test>",
            from_address="anna@kunde.test",
            subject=conversation.subject,
            body_text="My order 4711 has not arrived.",
        )
    )
    db.session.commit()
    return conversation


def answer_of_worker(w: World) -> Reply:
    conversation = held_conversation(w)
    reply = Reply(
        conversation_id=conversation.id,
        kind=ReplyKind.ANSWER,
        author_id=w.worker.id,
        engagement_id=w.engagement.id,
        to_address=conversation.customer_email,
        subject="Re: Where is my bike?",
        body_text="It is on its way.",
        message_id="<matrix-reply-1@fahrrad.test>",
    )
    db.session.add(reply)
    db.session.commit()
    return reply


def _conversation_url(suffix: str = ""):
    return lambda w: f"/work/inbox/{held_conversation(w).id}{suffix}"


WORKPOOL_WORKER: Expectations = {
    ("work.inbox", "GET"): (lambda w: "/work/inbox", SEEKER_ONLY),
    ("work.next_email", "POST"): (lambda w: "/work/inbox/next", SEEKER_ONLY),
    ("work.conversation", "GET"): (_conversation_url(), WORKER_ONLY),
    ("work.answer", "POST"): (_conversation_url("/answer"), WORKER_ONLY),
    ("work.escalate", "POST"): (_conversation_url("/escalate"), WORKER_ONLY),
    ("work.release", "POST"): (_conversation_url("/release"), WORKER_ONLY),
    ("work.renew", "POST"): (_conversation_url("/renew"), WORKER_ONLY),
    # Any seeker chooses the name customers see in their replies (their own setting).
    ("work.reply_name", "GET"): (lambda w: "/work/inbox/reply-name", SEEKER_ONLY),
    ("work.reply_name", "POST"): (lambda w: "/work/inbox/reply-name", SEEKER_ONLY),
    # an internal note from the workbench (workpool/triage_views.py)
    ("triage.worker_note", "POST"): (_conversation_url("/notes"), WORKER_ONLY),
    ("work.answer_detail", "GET"): (
        lambda w: f"/work/inbox/answers/{answer_of_worker(w).id}",
        WORKER_ONLY,
    ),
}
