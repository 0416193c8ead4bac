"""Support mailboxes of email gigs, the conversations in them, their messages,
replies going out, escalations and canned replies."""

from __future__ import annotations

import secrets
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


DEFAULT_TIME_ZONE = "Europe/Berlin"


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
    # The forwarding address is <forward_token>@INBOUND_DOMAIN: 80 random bits in
    # lower-case hex (providers may change an address's case; hex survives that).
    forward_token: Mapped[str] = mapped_column(
        sa.String(32), unique=True, default=lambda: secrets.token_hex(10)
    )
    ack_de: Mapped[str] = mapped_column(sa.Text, default=DEFAULT_ACK_DE)
    ack_en: Mapped[str] = mapped_column(sa.Text, default=DEFAULT_ACK_EN)
    first_response_hours: Mapped[int] = mapped_column(default=24)
    retention_days: Mapped[int] = mapped_column(default=90)
    lease_minutes: Mapped[int] = mapped_column(default=15)
    escalation_rate_cents: Mapped[int] = mapped_column(default=0)
    # The IANA zone the workbench shows times in, and quoted mail dates them in.
    time_zone: Mapped[str] = mapped_column(sa.String(64), default=DEFAULT_TIME_ZONE)

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


class Priority(StrEnum):
    """How soon a conversation should be answered. "Next email" hands out urgent ones
    first, then normal, then low; within each by first-response target."""

    URGENT = "urgent"
    NORMAL = "normal"
    LOW = "low"


PRIORITY_RANK = {Priority.URGENT: 0, Priority.NORMAL: 1, Priority.LOW: 2}


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
    priority: Mapped[Priority] = mapped_column(
        enum_column(Priority), default=Priority.NORMAL, server_default=Priority.NORMAL.value
    )
    # The worker this conversation belongs to: every conversation of a forwarded
    # mailbox, or one the company assigned by hand (see workpool/triage.py).
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


class SentCopy(StrEnum):
    """Filing a copy of a sent reply in the Sent folder of the company's own mailbox."""

    NONE = "none"  # no IMAP connection, or the company does not want copies
    PENDING = "pending"  # sent by the company's SMTP server; the copy is still to be filed
    FILED = "filed"


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
    # The From display name fixed when written ("": the mailbox's name); a worker's
    # answer carries the name the worker chose to sign with (workpool/signatures.py).
    from_name: Mapped[str] = mapped_column(sa.String(200), default="")
    purged_at: Mapped[datetime | None]
    status: Mapped[ReplyStatus] = mapped_column(
        enum_column(ReplyStatus), default=ReplyStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None]
    sent_copy: Mapped[SentCopy] = mapped_column(
        enum_column(SentCopy), default=SentCopy.NONE, index=True
    )

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


class Security(StrEnum):
    TLS = "tls"  # TLS from the first byte (IMAP 993, SMTP 465)
    STARTTLS = "starttls"  # plain, then STARTTLS (IMAP 143, SMTP 587)
    NONE = "none"  # unencrypted; only for servers in the same private network


class AfterFetch(StrEnum):
    """What happens in the company's mailbox to an email once it is stored here."""

    SEEN = "seen"  # marked as read
    MOVE = "move"  # moved to another folder
    LEAVE = "leave"  # left as it was


class MailboxConnection(TimestampMixin, db.Model):
    """The company's own account at its mail provider: new mail is fetched by IMAP
    (resuming by UIDVALIDITY and UID), replies leave by its SMTP server and are
    filed in its Sent folder. Passwords are encrypted (marketplace/crypto.py)."""

    __tablename__ = "mailbox_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(sa.ForeignKey("mailboxes.id"), unique=True)
    imap_host: Mapped[str] = mapped_column(sa.String(253))
    imap_port: Mapped[int]
    imap_security: Mapped[Security] = mapped_column(enum_column(Security))
    imap_username: Mapped[str] = mapped_column(sa.String(254))
    imap_password_encrypted: Mapped[str] = mapped_column(sa.Text)
    imap_folder: Mapped[str] = mapped_column(sa.String(255), default="INBOX")
    after_fetch: Mapped[AfterFetch] = mapped_column(
        enum_column(AfterFetch), default=AfterFetch.SEEN
    )
    move_to_folder: Mapped[str] = mapped_column(sa.String(255), default="")
    smtp_host: Mapped[str] = mapped_column(sa.String(253))
    smtp_port: Mapped[int]
    smtp_security: Mapped[Security] = mapped_column(enum_column(Security))
    # Empty: the IMAP login is used for SMTP too.
    smtp_username: Mapped[str] = mapped_column(sa.String(254), default="")
    smtp_password_encrypted: Mapped[str] = mapped_column(sa.Text, default="")
    file_in_sent: Mapped[bool] = mapped_column(default=True)
    sent_folder: Mapped[str] = mapped_column(sa.String(255), default="")  # "": found by name
    # Mail older than this is not fetched (None: everything in the folder).
    fetch_since: Mapped[datetime | None]
    # The cursor: the folder's UIDVALIDITY and the highest UID stored.
    uid_validity: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_uid: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # One poller at a time: taken by a conditional UPDATE, ends by itself.
    poll_lease_until: Mapped[datetime | None]
    last_poll_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    # What went wrong last (a code from workpool/mailserver.py, shown in the reader's
    # language) and the server's own words; both empty after a good poll.
    last_problem: Mapped[str | None] = mapped_column(sa.String(32))
    last_problem_detail: Mapped[str | None] = mapped_column(sa.Text)
    imported_count: Mapped[int] = mapped_column(default=0)

    mailbox: Mapped[Mailbox] = relationship()


class ReplyNameMode(StrEnum):
    """Which of the worker's names customers see in their replies."""

    FIRST = "first"  # the first word of the display name (the default)
    FULL = "full"  # the whole display name
    CHOSEN = "chosen"  # a signature name the worker chose


class WorkerReplyName(TimestampMixin, db.Model):
    """A worker's choice of the name in their replies; no row: the first name."""

    __tablename__ = "worker_reply_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    mode: Mapped[ReplyNameMode] = mapped_column(
        enum_column(ReplyNameMode), default=ReplyNameMode.FIRST
    )
    chosen_name: Mapped[str] = mapped_column(sa.String(80), default="")
