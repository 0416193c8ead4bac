"""Authorization matrix, part: the company's side of the email work pool
(workpool/company_views.py, and connection_views.py: how mail reaches a mailbox).

test_matrix.py merges every part and fails for a route without a line.
The world company's mailbox (on its published email gig) and what is in it are
made on demand through the services: a waiting conversation, an escalated one
with the worker's note and a canned reply.
Company-wide pages answer every company with its own (empty) data; one object of
the world company is 404 to everyone else.
"""

from __future__ import annotations

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.workpool import inbound, mailboxes, triage
from marketplace.workpool.models import (
    Conversation,
    ConversationStatus,
    Escalation,
    Mailbox,
)
from tests.auth.matrix_common import ANY_COMPANY, OWN_COMPANY, Expectations
from tests.workpool.helpers import customer_mail, settings
from tests.world import World


def _mailbox(w: World) -> Mailbox:
    mailbox, _token = mailboxes.create_mailbox(w.published, settings(), by=w.owner)
    db.session.commit()
    return mailbox


def _conversation(w: World) -> Conversation:
    message, _created = inbound.store(_mailbox(w), customer_mail())
    db.session.commit()
    return message.conversation


def _escalated(w: World) -> int:
    conversation = _conversation(w)
    conversation.status = ConversationStatus.ESCALATED
    conversation.escalated_at = utcnow()
    db.session.add(
        Escalation(
            conversation_id=conversation.id,
            escalated_by_id=w.worker.id,
            engagement_id=w.engagement.id,
            note="The customer asks for a refund; that is yours to decide.",
        )
    )
    db.session.commit()
    return conversation.id


def _canned(w: World) -> int:
    canned = mailboxes.save_canned_reply(
        _mailbox(w), title="Late parcel", body="Hello {customer_name}, it is on its way."
    )
    db.session.commit()
    return canned.id


def _rule(w: World) -> int:
    return triage.rules_of(_mailbox(w))[0].id  # a default rule


def _tag(w: World) -> int:
    tag = triage.create_tag(w.company, "Reklamation", "red", by=w.owner)
    db.session.commit()
    return tag.id


PREFIX = "/company/mailboxes"

WORKPOOL_COMPANY: Expectations = {
    ("mailboxes.index", "GET"): (lambda w: f"{PREFIX}/", ANY_COMPANY),
    ("mailboxes.new", "GET"): (lambda w: f"{PREFIX}/new/{w.published.id}", OWN_COMPANY),
    ("mailboxes.new", "POST"): (lambda w: f"{PREFIX}/new/{w.published.id}", OWN_COMPANY),
    ("mailboxes.edit", "GET"): (lambda w: f"{PREFIX}/{_mailbox(w).id}/edit", OWN_COMPANY),
    ("mailboxes.edit", "POST"): (lambda w: f"{PREFIX}/{_mailbox(w).id}/edit", OWN_COMPANY),
    ("mailboxes.rotate_token", "POST"): (
        lambda w: f"{PREFIX}/{_mailbox(w).id}/token",
        OWN_COMPANY,
    ),
    ("mailboxes.canned", "GET"): (lambda w: f"{PREFIX}/{_mailbox(w).id}/replies", OWN_COMPANY),
    ("mailboxes.canned", "POST"): (lambda w: f"{PREFIX}/{_mailbox(w).id}/replies", OWN_COMPANY),
    ("mailboxes.edit_canned", "GET"): (
        lambda w: f"{PREFIX}/replies/{_canned(w)}/edit",
        OWN_COMPANY,
    ),
    ("mailboxes.edit_canned", "POST"): (
        lambda w: f"{PREFIX}/replies/{_canned(w)}/edit",
        OWN_COMPANY,
    ),
    ("mailboxes.delete_canned", "POST"): (
        lambda w: f"{PREFIX}/replies/{_canned(w)}/delete",
        OWN_COMPANY,
    ),
    ("mailboxes.upload", "GET"): (lambda w: f"{PREFIX}/{_mailbox(w).id}/upload", OWN_COMPANY),
    ("mailboxes.upload", "POST"): (lambda w: f"{PREFIX}/{_mailbox(w).id}/upload", OWN_COMPANY),
    ("mailboxes.conversations", "GET"): (
        lambda w: f"{PREFIX}/{_mailbox(w).id}?status=escalated",
        OWN_COMPANY,
    ),
    ("mailboxes.conversation", "GET"): (
        lambda w: f"{PREFIX}/conversations/{_escalated(w)}",
        OWN_COMPANY,
    ),
    ("mailboxes.answer", "POST"): (
        lambda w: f"{PREFIX}/conversations/{_escalated(w)}/answer",
        OWN_COMPANY,
    ),
    ("mailboxes.escalations", "GET"): (lambda w: f"{PREFIX}/escalations", ANY_COMPANY),
    # the old review of answers: a redirect to the one review (balance.review)
    ("mailboxes.review", "GET"): (lambda w: f"{PREFIX}/review", ANY_COMPANY),
    ("mailboxes.dashboard", "GET"): (lambda w: f"{PREFIX}/dashboard", ANY_COMPANY),
    ("mailboxes.dashboard_csv", "GET"): (lambda w: f"{PREFIX}/dashboard.csv", ANY_COMPANY),
    # triage (workpool/triage_views.py)
    ("triage.rules", "GET"): (lambda w: f"{PREFIX}/{_mailbox(w).id}/rules", OWN_COMPANY),
    ("triage.rules", "POST"): (lambda w: f"{PREFIX}/{_mailbox(w).id}/rules", OWN_COMPANY),
    ("triage.delete_rule", "POST"): (lambda w: f"{PREFIX}/rules/{_rule(w)}/delete", OWN_COMPANY),
    ("triage.tags", "GET"): (lambda w: f"{PREFIX}/tags", ANY_COMPANY),
    ("triage.tags", "POST"): (lambda w: f"{PREFIX}/tags", ANY_COMPANY),
    ("triage.delete_tag", "POST"): (lambda w: f"{PREFIX}/tags/{_tag(w)}/delete", OWN_COMPANY),
    ("triage.set_priority", "POST"): (
        lambda w: f"{PREFIX}/conversations/{_conversation(w).id}/priority",
        OWN_COMPANY,
    ),
    ("triage.assign", "POST"): (
        lambda w: f"{PREFIX}/conversations/{_conversation(w).id}/assign",
        OWN_COMPANY,
    ),
    ("triage.set_tags", "POST"): (
        lambda w: f"{PREFIX}/conversations/{_conversation(w).id}/tags",
        OWN_COMPANY,
    ),
    ("triage.company_note", "POST"): (
        lambda w: f"{PREFIX}/conversations/{_conversation(w).id}/notes",
        OWN_COMPANY,
    ),
    # how mail reaches a mailbox (workpool/connection_views.py)
    ("mailbox_connections.connect", "GET"): (
        lambda w: f"{PREFIX}/{_mailbox(w).id}/connect",
        OWN_COMPANY,
    ),
    ("mailbox_connections.connect", "POST"): (
        lambda w: f"{PREFIX}/{_mailbox(w).id}/connect",
        OWN_COMPANY,
    ),
    ("mailbox_connections.disconnect", "POST"): (
        lambda w: f"{PREFIX}/{_mailbox(w).id}/connect/disconnect",
        OWN_COMPANY,
    ),
    ("mailbox_connections.rotate_forwarding", "POST"): (
        lambda w: f"{PREFIX}/{_mailbox(w).id}/connect/forwarding",
        OWN_COMPANY,
    ),
}
