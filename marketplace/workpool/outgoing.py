"""Replies leave by SMTP, threaded in the customer's mail program: through the
company's own SMTP server when its mailbox is connected to its account
(workpool/connections.py; a copy is then filed in its Sent folder by
``sent_copies``), otherwise through the site's server (``MAIL_URL``).

A reply is written with its envelope fixed (see ``replies.write_reply``); this
module only sends. Each reply is locked while it is sent (SKIP LOCKED on
PostgreSQL), so several senders never send the same one. A failed attempt
keeps the reply queued with its error and a later attempt time, and it is tried
again until the server accepts it: a reply is never dropped. The conversation
counts as answered only once the server has accepted the reply. A crash after
the server accepted but before the commit sends the same email again, with the
same Message-ID, which mail programs show once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import sqlalchemy as sa
from flask import current_app

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.mail import transport
from marketplace.workpool import mailserver
from marketplace.workpool.connections import smtp_login
from marketplace.workpool.mailserver import MailServerError
from marketplace.workpool.models import (
    Conversation,
    ConversationStatus,
    Direction,
    MailboxConnection,
    Message,
    Reply,
    ReplyKind,
    ReplyStatus,
    SentCopy,
)

SEND_BATCH = 100
MAX_BACKOFF_MINUTES = 30


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempts - 1), MAX_BACKOFF_MINUTES))


def build_email(reply: Reply) -> EmailMessage:
    mailbox = reply.conversation.mailbox
    message = EmailMessage()
    message["From"] = formataddr((reply.from_name or mailbox.from_name, mailbox.from_address))
    message["To"] = reply.to_address
    if mailbox.reply_to:
        message["Reply-To"] = mailbox.reply_to
    message["Subject"] = reply.subject
    message["Message-ID"] = reply.message_id
    if reply.in_reply_to:
        message["In-Reply-To"] = reply.in_reply_to
    if reply.references:
        message["References"] = reply.references
    message["Date"] = format_datetime(reply.created_at)
    if reply.kind == ReplyKind.ACKNOWLEDGMENT:
        # RFC 3834: an automatic answer; well-behaved autoresponders do not answer it.
        message["Auto-Submitted"] = "auto-replied"
    message.set_content(reply.body_text)
    return message


def _customer_wrote_after(reply: Reply) -> bool:
    outbound_id = db.session.scalar(
        sa.select(Message.id).where(
            Message.conversation_id == reply.conversation_id,
            Message.message_id == reply.message_id,
        )
    )
    return (
        db.session.scalar(
            sa.select(Message.id)
            .where(
                Message.conversation_id == reply.conversation_id,
                Message.direction == Direction.INBOUND,
                Message.id > (outbound_id or 0),
            )
            .limit(1)
        )
        is not None
    )


def _delivered(reply: Reply, now: datetime) -> None:
    reply.status = ReplyStatus.SENT
    reply.sent_at = now
    reply.last_error = None
    if reply.kind != ReplyKind.ANSWER:
        return
    conversation: Conversation = reply.conversation
    if conversation.status != ConversationStatus.SENDING:
        return
    conversation.answered_at = now
    if conversation.first_responded_at is None:
        conversation.first_responded_at = now
    if _customer_wrote_after(reply):
        # The customer wrote again while we were sending: back into the queue.
        conversation.status = ConversationStatus.WAITING
        conversation.waiting_since = now
        conversation.first_responded_at = None
        conversation.first_response_due_at = now + timedelta(
            hours=conversation.mailbox.first_response_hours
        )
    else:
        conversation.status = ConversationStatus.ANSWERED


def send_due_replies(limit: int = SEND_BATCH) -> int:
    """Send queued replies that are due, one short transaction each; returns how many
    the SMTP server accepted. Safe from several processes and from cron."""
    sent = 0
    mail_url = current_app.config["MAIL_URL"]
    copies_for: set[int] = set()  # mailboxes with a copy to file in their Sent folder
    for _ in range(limit):
        reply = db.session.scalars(
            sa.select(Reply)
            .where(Reply.status == ReplyStatus.QUEUED, Reply.next_attempt_at <= utcnow())
            .order_by(Reply.next_attempt_at, Reply.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if reply is None:
            break
        reply.attempts += 1
        connection = _connection(reply)
        try:
            _send(reply, connection, mail_url)
        except (transport.TransportError, MailServerError) as exc:
            reply.last_error = str(exc)[:2000]
            reply.next_attempt_at = utcnow() + backoff(reply.attempts)
            db.session.commit()
            continue
        _delivered(reply, utcnow())
        if connection is not None and connection.file_in_sent:
            reply.sent_copy = SentCopy.PENDING
            copies_for.add(connection.mailbox_id)
        db.session.commit()
        sent += 1
    if copies_for:
        # Copies waiting from earlier runs (a server that was away) are filed by
        # `flask mailboxes send` from cron, not on every answer.
        from marketplace.workpool.sent_copies import file_sent_copies

        file_sent_copies(mailbox_ids=copies_for)
    return sent


def _connection(reply: Reply) -> MailboxConnection | None:
    return db.session.scalar(
        sa.select(MailboxConnection).where(
            MailboxConnection.mailbox_id == reply.conversation.mailbox_id
        )
    )


def _send(reply: Reply, connection: MailboxConnection | None, mail_url: str) -> None:
    """By the company's own SMTP server when it connected its account, else by ours."""
    if connection is None:
        transport.send(mail_url, build_email(reply))
    else:
        mailserver.send_smtp(smtp_login(connection), build_email(reply))
