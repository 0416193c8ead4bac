"""Reading the worker's side of the email pool: the dashboard (answers counted,
earnings from email work, answers per day), the worker's own past answers, and
the workbench's thread and filled canned replies.

Reads only: every change goes through pool.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_pgettext as _lp
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.onboarding.engagements import rules_to_acknowledge
from marketplace.onboarding.models import Engagement
from marketplace.pagination import Page
from marketplace.payments.earnings_queries import UNIT_STATUS_LABELS
from marketplace.payments.models import WorkUnit
from marketplace.workpool import mailboxes, pool, signatures
from marketplace.workpool.models import (
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    Reply,
    ReplyKind,
    ReplyStatus,
)

CHART_DAYS = 14

REPLY_STATUS_LABELS = {
    ReplyStatus.QUEUED: _lp("reply status", "Sending"),
    ReplyStatus.SENT: _lp("reply status", "Sent"),
}

CONVERSATION_STATUS_LABELS = {
    ConversationStatus.WAITING: _lp("conversation status", "Waiting"),
    ConversationStatus.SENDING: _lp("conversation status", "Sending"),
    ConversationStatus.ANSWERED: _lp("conversation status", "Answered"),
    ConversationStatus.ESCALATED: _lp("conversation status", "Escalated"),
}


def template_globals() -> dict[str, object]:
    return {
        "REPLY_STATUS_LABELS": REPLY_STATUS_LABELS,
        "UNIT_STATUS_LABELS": UNIT_STATUS_LABELS,
        "CONVERSATION_STATUS_LABELS": CONVERSATION_STATUS_LABELS,
        "size_text": size_text,
        "mailbox_time": signatures.mailbox_time,
    }


def size_text(size_bytes: int) -> str:
    """ "850 bytes", "12.5 KB", "3.1 MB", in the viewer's language."""
    if size_bytes < 1024:
        return _("%(number)s bytes", number=format_decimal(size_bytes))
    if size_bytes < 1024 * 1024:
        return _("%(number)s KB", number=format_decimal(size_bytes / 1024, format="#,##0.#"))
    return _("%(number)s MB", number=format_decimal(size_bytes / 1024 / 1024, format="#,##0.#"))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _own_answers(worker: User):
    return sa.and_(Reply.author_id == worker.id, Reply.kind == ReplyKind.ANSWER)


# --- the dashboard ------------------------------------------------------------------------


@dataclass
class Dashboard:
    answered_today: int
    answered_this_week: int


def _answered_since(worker: User, since: datetime) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Reply.id)).where(_own_answers(worker), Reply.created_at >= since)
    )


def dashboard(worker: User, *, today: date | None = None) -> Dashboard:
    """Answers written today and this week (Monday on, UTC). The money figures beside
    them come from ``payments.earnings_queries.totals``, as on the Earnings page."""
    today = today or utcnow().date()
    monday = today - timedelta(days=today.weekday())
    return Dashboard(
        answered_today=_answered_since(worker, _start_of(today)),
        answered_this_week=_answered_since(worker, _start_of(monday)),
    )


@dataclass
class DayCount:
    day: date
    count: int

    @property
    def label(self) -> str:
        return format_date(self.day, "d MMM")


def answers_per_day(
    worker: User, *, days: int = CHART_DAYS, today: date | None = None
) -> list[DayCount]:
    """Answers written per day (UTC), oldest first, every day of the window."""
    today = today or utcnow().date()
    first = today - timedelta(days=days - 1)
    counts = {first + timedelta(days=n): 0 for n in range(days)}
    # One timestamp per answer of the window (at most a few hundred), counted here:
    # a date() of a timestamp differs between SQLite and PostgreSQL.
    for created_at in db.session.scalars(
        sa.select(Reply.created_at).where(
            _own_answers(worker), Reply.created_at >= _start_of(first)
        )
    ):
        day = created_at.astimezone(UTC).date()
        if day in counts:
            counts[day] += 1
    return [DayCount(day, count) for day, count in counts.items()]


def chart_points(days: list[DayCount]) -> list[tuple[str, int]]:
    return [(day.label, day.count) for day in days]


# --- the worker's own answers --------------------------------------------------------------


@dataclass
class AnswerRow:
    reply: Reply
    unit: WorkUnit | None


def answers(worker: User, *, page: int = 1, per_page: int = 25) -> Page[AnswerRow]:
    """The worker's answers, latest first, each with the unit it is paid by."""
    page = max(1, page)
    replies = list(
        db.session.scalars(
            sa.select(Reply)
            .options(selectinload(Reply.conversation))  # its priority is shown per row
            .where(_own_answers(worker))
            .order_by(Reply.created_at.desc(), Reply.id.desc())
            .limit(per_page + 1)
            .offset((page - 1) * per_page)
        )
    )
    shown = replies[:per_page]
    units = {
        unit.source: unit
        for unit in db.session.scalars(
            sa.select(WorkUnit).where(
                WorkUnit.source.in_([f"email:reply:{reply.id}" for reply in shown])
            )
        )
    }
    return Page(
        items=[AnswerRow(reply, units.get(f"email:reply:{reply.id}")) for reply in shown],
        page=page,
        has_next=len(replies) > per_page,
    )


def own_text(reply: Reply) -> str:
    """What the worker wrote, without the signature and the customer's quoted message:
    a worker's list of past answers is not a window into the threads."""
    return reply.written_text


# --- the inbox and the workbench ------------------------------------------------------------


def rules_pending(worker: User) -> list[Engagement]:
    """The worker's email engagements whose changed rules they must accept first."""
    return [e for e in pool.working_engagements(worker) if rules_to_acknowledge(e) is not None]


def thread(conversation: Conversation) -> list[Message]:
    """The conversation's messages, oldest first, with their attachments (not their content)."""
    return list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.conversation_id == conversation.id)
            .options(selectinload(Message.attachments))
            .order_by(Message.id)
        )
    )


@dataclass
class FilledReply:
    id: int
    title: str
    text: str


def filled_canned_replies(
    conversation: Conversation, worker: User, messages: list[Message]
) -> list[FilledReply]:
    """The mailbox's canned replies with their placeholders filled for this conversation;
    the order number is looked for in the customer's latest message first."""
    customer_text = "\n".join(
        m.body_text for m in reversed(messages) if m.direction == Direction.INBOUND
    )
    signature = conversation.mailbox.signature
    return [
        FilledReply(
            id=canned.id,
            title=canned.title,
            text=without_signature(
                mailboxes.fill_placeholders(
                    canned.body, conversation=conversation, worker=worker, text=customer_text
                ),
                signature,
            ),
        )
        for canned in mailboxes.canned_replies(conversation.mailbox)
    ]


def without_signature(text: str, signature: str) -> str:
    """A canned reply without a signature of its own (a "-- " block, or the mailbox's
    signature pasted in): the mailbox's signature is added once when it is sent."""
    head, separator, _tail = text.partition("\n-- \n")
    signature = signature.strip()
    if separator:
        return head.rstrip()
    if signature and text.rstrip().endswith(signature):
        return text.rstrip()[: -len(signature)].rstrip()
    return text


# --- the customer's earlier conversations ---------------------------------------------------

HISTORY_LIMIT = 20


@dataclass
class EarlierConversation:
    conversation: Conversation
    messages: list[Message]

    @property
    def last_at(self) -> datetime | None:
        if not self.messages:
            return self.conversation.created_at
        last = self.messages[-1]
        return last.sent_at or last.received_at


def customer_history(conversation: Conversation) -> list[EarlierConversation]:
    """The customer's other conversations with this mailbox (the same address, any case),
    latest first, with their messages: read-only context for the worker who holds this one."""
    others = list(
        db.session.scalars(
            sa.select(Conversation)
            .where(
                Conversation.mailbox_id == conversation.mailbox_id,
                sa.func.lower(Conversation.customer_email) == conversation.customer_email.lower(),
                Conversation.id != conversation.id,
            )
            .order_by(Conversation.id.desc())
            .limit(HISTORY_LIMIT)
            .options(selectinload(Conversation.messages))
        )
    )
    return [EarlierConversation(other, list(other.messages)) for other in others]


def seconds_left(conversation: Conversation, now: datetime | None = None) -> int:
    if conversation.lease_expires_at is None:
        return 0
    return max(0, int((conversation.lease_expires_at - (now or utcnow())).total_seconds()))
