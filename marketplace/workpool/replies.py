"""Replies to customers as they are written: the envelope fixed at once (Message-ID,
In-Reply-To, References, "Re:" subject), the signature and the customer's mail
quoted, the outbound copy added to the thread, and sending started after the
commit (outgoing.py sends). Also the language of automatic acknowledgments."""

from __future__ import annotations

import re
from email.utils import make_msgid

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import get_locale

from marketplace import jobs
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement
from marketplace.workpool import signatures
from marketplace.workpool.models import (
    Conversation,
    Direction,
    Escalation,
    Message,
    Reply,
    ReplyKind,
)
from marketplace.workpool.outgoing import send_due_replies

# A few of the most common words of customer mail in each language.
_GERMAN_TEXT = (
    "und ich sie nicht ist der die das mit meine meiner bestellung bitte danke habe "
    "wurde noch keine eine ein auf für wann warum guten tag grüße"
)
_ENGLISH_TEXT = (
    "and i you not is the my order please thanks thank have was still no a an on for "
    "when why hello regards dear"
)
_GERMAN_WORDS = frozenset(_GERMAN_TEXT.split())
_ENGLISH_WORDS = frozenset(_ENGLISH_TEXT.split())


def customer_language(conversation: Conversation) -> str:
    """German or English for automatic mail: what the customer wrote in, as far as a
    word count can tell; the gig's languages decide a tie."""
    inbound = _last_inbound(conversation)
    words = re.findall(r"[a-zäöüß]+", (inbound.body_text if inbound else "").lower())
    german = sum(word in _GERMAN_WORDS for word in words)
    english = sum(word in _ENGLISH_WORDS for word in words)
    if german != english:
        return "de" if german > english else "en"
    return "de" if "de" in conversation.mailbox.gig.languages else "en"


def acknowledgment_text(conversation: Conversation) -> str:
    mailbox = conversation.mailbox
    return mailbox.ack_de if customer_language(conversation) == "de" else mailbox.ack_en


def _last_inbound(conversation: Conversation) -> Message | None:
    return db.session.scalar(
        sa.select(Message)
        .where(Message.conversation_id == conversation.id, Message.direction == Direction.INBOUND)
        .order_by(Message.id.desc())
        .limit(1)
    )


def _quoted(message: Message, conversation: Conversation) -> str:
    """The customer's mail below the answer, introduced by "On <date>, <customer> wrote:":
    in the mailbox's time zone and exactly as the workbench showed the date (the writer's
    language); written outside a request, in the customer's language."""
    language = str(get_locale()) if has_request_context() else customer_language(conversation)
    intro = signatures.quote_intro(
        message.sent_at or message.received_at,
        message.from_name or message.from_address,
        conversation.mailbox,
        language,
    )
    lines = message.body_text.rstrip().splitlines() or [""]
    return intro + "\n" + "\n".join(f"> {line}" if line else ">" for line in lines)


def _squeezed(text: str) -> str:
    return " ".join(text.split())


def signed(body: str, signature: str) -> str:
    """The body with the mailbox's signature below it, unless the body carries a
    signature already (a canned reply that brought its own): never two."""
    signature = signature.strip()
    if not signature or "\n-- \n" in f"\n{body}" or _squeezed(signature) in _squeezed(body):
        return body
    return body + "\n\n-- \n" + signature


def reply_subject(subject: str) -> str:
    subject = subject.strip()
    if re.match(r"^(re|aw|antw)\s*:", subject, flags=re.IGNORECASE):
        return subject
    return f"Re: {subject}" if subject else "Re:"


def write_reply(
    conversation: Conversation,
    *,
    kind: ReplyKind,
    body: str,
    author: User | None,
    engagement: Engagement | None = None,
    escalation: Escalation | None = None,
) -> Reply:
    """Write the reply with its whole envelope fixed (Message-ID, In-Reply-To,
    References), add it to the thread, and have it sent after the commit."""
    mailbox = conversation.mailbox
    inbound = _last_inbound(conversation)
    text = signed(body, mailbox.signature)
    if kind == ReplyKind.ANSWER and inbound is not None and inbound.purged_at is None:
        text += "\n\n" + _quoted(inbound, conversation)
    # A worker's answer carries the name they chose to sign with (their first name
    # unless they chose otherwise); anything else the mailbox's name.
    from_name = mailbox.from_name
    if kind == ReplyKind.ANSWER and author is not None and engagement is not None:
        from_name = signatures.from_display_name(author, mailbox)
    domain = mailbox.from_address.rpartition("@")[2] or "nebendesk.test"
    references = ""
    if inbound is not None:
        references = " ".join(filter(None, [inbound.references, inbound.message_id]))
    reply = Reply(
        conversation_id=conversation.id,
        kind=kind,
        escalation_id=escalation.id if escalation else None,
        author_id=author.id if author else None,
        engagement_id=engagement.id if engagement else None,
        to_address=conversation.customer_email,
        subject=reply_subject(conversation.subject)[:998],
        in_reply_to=inbound.message_id if inbound else None,
        references=references,
        body_text=text,
        written_text=body,
        message_id=make_msgid(domain=domain),
        from_name=from_name[:200],
    )
    db.session.add(reply)
    db.session.add(
        Message(
            conversation_id=conversation.id,
            mailbox_id=mailbox.id,
            direction=Direction.OUTBOUND,
            message_id=reply.message_id,
            in_reply_to=reply.in_reply_to,
            references=references,
            from_address=mailbox.from_address,
            from_name=reply.from_name,
            subject=reply.subject,
            body_text=text,
        )
    )
    db.session.flush()
    jobs.enqueue_after_commit(send_due_replies)
    return reply
