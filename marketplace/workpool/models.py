"""Support mailboxes of email gigs, the conversations in them, their messages,
replies going out, escalations and canned replies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import TimestampMixin, enum_column, utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig

DEFAULT_ACK_DE = (
    "Guten Tag,\n\nIhr Anliegen ist bei uns eingegangen. Wir kümmern uns darum und melden "
    "uns so bald wie möglich bei Ihnen.\n\nFreundliche Grüße"
)
DEFAULT_ACK_EN = (
    "Hello,\n\nwe have received your request. We are looking into it and will get back to "
    "you as soon as we can.\n\nKind regards"
)


class MailboxMode(StrEnum):
    POOL = "pool"  # any hired worker takes the next conversation
    FORWARDED = "forwarded"  # conversations go to one named worker


class Mailbox(TimestampMixin, db.Model):
    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    gig_id: Mapped[int] = mapped_column(sa.ForeignKey("gigs.id"), index=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    from_address: Mapped[str] = mapped_column(sa.String(254))
    from_name: Mapped[str] = mapped_column(sa.String(120), default="")
    reply_to: Mapped[str] = mapped_column(sa.String(254), default="")
    signature: Mapped[str] = mapped_column(sa.Text, default="")
    mode: Mapped[MailboxMode] = mapped_column(enum_column(MailboxMode), default=MailboxMode.POOL)
    forward_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # sha256 of the inbound token; the token itself is shown once to the company.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    ack_de: Mapped[str] = mapped_column(sa.Text, default=DEFAULT_ACK_DE)
    ack_en: Mapped[str] = mapped_column(sa.Text, default=DEFAULT_ACK_EN)
    first_response_hours: Mapped[int] = mapped_column(default=24)
    retention_days: Mapped[int] = mapped_column(default=90)
    lease_minutes: Mapped[int] = mapped_column(default=15)
    escalation_rate_cents: Mapped[int] = mapped_column(default=0)

    gig: Mapped[Gig] = relationship()
    forward_to: Mapped[User | None] = relationship()


class CannedReply(TimestampMixin, db.Model):
    """A macro: text with placeholders like {customer_name} and {order_number}."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(sa.ForeignKey("mailboxes.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text)


class ConversationStatus(StrEnum):
    WAITING = "waiting"  # the customer waits for an answer
    SENDING = "sending"  # answered; the SMTP server has not accepted the reply yet
    ANSWERED = "answered"
    ESCALATED = "escalated"  # in the company's escalation queue


class Conversation(TimestampMixin, db.Model):
    """A thread with one customer. Workers claim it with a lease: whoever holds
    an unexpired lease answers it; an expired lease returns it to the pool."""

    __tablename__ = "conversations"
    __table_args__ = (
        sa.Index("ix_conversations_queue", "mailbox_id", "status", "first_response_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(sa.ForeignKey("mailboxes.id"))
    subject: Mapped[str] = mapped_column(sa.String(998), default="")
    customer_email: Mapped[str] = mapped_column(sa.String(254), index=True)
    customer_name: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[ConversationStatus] = mapped_column(
        enum_column(ConversationStatus), default=ConversationStatus.WAITING
    )
    # Forwarded mailboxes: the worker this conversation belongs to.
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    claimed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    lease_expires_at: Mapped[datetime | None]
    waiting_since: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_due_at: Mapped[datetime]
    first_responded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]

    mailbox: Mapped[Mailbox] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id"
    )


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Message(db.Model):
    """One email of a conversation, from the customer or from us."""

    __tablename__ = "messages"
    __table_args__ = (sa.UniqueConstraint("mailbox_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversations.id"), index=True)
    mailbox_id: Mapped[int] = mapped_column(sa.ForeignKey("mailboxes.id"))
    direction: Mapped[Direction] = mapped_column(enum_column(Direction))
    message_id: Mapped[str] = mapped_column(sa.String(998))
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(998))
    references: Mapped[str] = mapped_column(sa.Text, default="")
    from_address: Mapped[str] = mapped_column(sa.String(254))
    from_name: Mapped[str] = mapped_column(sa.String(200), default="")
    subject: Mapped[str] = mapped_column(sa.String(998), default="")
    sent_at: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    body_text: Mapped[str] = mapped_column(sa.Text, default="")
    was_html: Mapped[bool] = mapped_column(default=False)
    size_bytes: Mapped[int] = mapped_column(default=0)
    # Set when the retention period purged the body; the row (and what pay
    # depends on) stays.
    purged_at: Mapped[datetime | None]

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id")


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(255))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))


class ReplyKind(StrEnum):
    ANSWER = "answer"  # a worker's or the company's answer
    ACKNOWLEDGMENT = "acknowledgment"  # sent automatically on escalation


class ReplyStatus(StrEnum):
    # Written; the SMTP server has not accepted it yet. A failed attempt keeps it
    # queued with its error and tries again later: a reply is never dropped.
    QUEUED = "queued"
    SENT = "sent"


class Reply(TimestampMixin, db.Model):
    """An email we send a customer. Its Message-ID is fixed before the first
    attempt, so a retry after a crash is the same email, threaded the same way."""

    __tablename__ = "replies"
    __table_args__ = (
        sa.Index("ix_replies_status_next_attempt_at", "status", "next_attempt_at"),
        sa.Index("ix_replies_created_at", "created_at"),  # dashboards by day
        # At most one acknowledgment per escalation of a conversation.
        sa.UniqueConstraint("conversation_id", "kind", "escalation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversations.id"), index=True)
    kind: Mapped[ReplyKind] = mapped_column(enum_column(ReplyKind))
    escalation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("escalations.id"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The worker's engagement when a worker answered (the unit is paid on it).
    engagement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("engagements.id"))
    # The envelope is fixed when the reply is written, so every attempt sends the
    # same email, threaded under the customer's last message.
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(998))
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(998))
    references: Mapped[str] = mapped_column(sa.Text, default="")
    body_text: Mapped[str] = mapped_column(sa.Text)  # the whole email text as sent
    # The author's own words (no signature, no quote): what their answer list shows.
    written_text: Mapped[str] = mapped_column(sa.Text, default="")
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    purged_at: Mapped[datetime | None]
    status: Mapped[ReplyStatus] = mapped_column(
        enum_column(ReplyStatus), default=ReplyStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None]

    conversation: Mapped[Conversation] = relationship()
    author: Mapped[User | None] = relationship()


class Escalation(TimestampMixin, db.Model):
    __tablename__ = "escalations"
    __table_args__ = (sa.Index("ix_escalations_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversations.id"), index=True)
    escalated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    engagement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("engagements.id"))
    note: Mapped[str] = mapped_column(sa.Text)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    escalated_by: Mapped[User] = relationship(foreign_keys=[escalated_by_id])
