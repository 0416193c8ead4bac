"""Emails about unread messages: batched, in the recipient's language, never twice
for the same message (``flask messages notify``, from cron every few minutes).

A message is mentioned once it is MESSAGE_NOTIFY_DELAY_MINUTES old and still unread,
so two people writing back and forth get no email at all. Each recipient gets one
email listing every conversation with news. The email says who wrote and where, not
what: the text stays in Nebendesk (and nobody can use our emails to carry theirs).

Exactly once: for each conversation and recipient the job locks the reader row
(``SELECT … FOR UPDATE``), counts only the messages after what was read or mentioned
before, and moves ``last_notified_id`` in the same transaction that queues the email
in the outbox; a parallel run waits for the lock and then finds nothing new.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from marketplace.accounts.models import Membership, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.mail.services import queue_email
from marketplace.messaging.models import MessageThread, Side, ThreadMessage, ThreadReader
from marketplace.messaging.services import ensure_reader
from marketplace.onboarding.models import Application
from marketplace.urls import absolute_url

# Messages older than this are never mentioned (the job was down for a week): keeps
# every run's reading to recent messages.
LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class News:
    application: Application
    count: int

    @property
    def link(self) -> str:
        return absolute_url("messages.thread", application_id=self.application.id)


def _candidates(cutoff: datetime) -> list[tuple[int, int, int]]:
    """(recipient id, thread id, newest message id) for every conversation with messages
    old enough that the recipient may not have heard of yet (checked again under lock)."""
    recipients = (
        (Side.COMPANY, Application.seeker_id, None),
        (Side.SEEKER, Membership.user_id, Membership),
    )
    rows: list[tuple[int, int, int]] = []
    for side, recipient, joined in recipients:
        stmt = (
            sa.select(recipient, MessageThread.id, sa.func.max(ThreadMessage.id))
            .select_from(ThreadMessage)
            .join(MessageThread, MessageThread.id == ThreadMessage.thread_id)
            .join(Application, Application.id == MessageThread.application_id)
        )
        if joined is not None:
            stmt = stmt.join(Gig, Gig.id == Application.gig_id).join(
                Membership, Membership.company_id == Gig.company_id
            )
        stmt = (
            stmt.join(User, User.id == recipient)
            .outerjoin(
                ThreadReader,
                sa.and_(
                    ThreadReader.thread_id == MessageThread.id, ThreadReader.user_id == recipient
                ),
            )
            .where(
                ThreadMessage.side == side,
                ThreadMessage.created_at <= cutoff,
                ThreadMessage.created_at > cutoff - LOOKBACK,
                User.suspended_at.is_(None),
                ThreadMessage.id > sa.func.coalesce(ThreadReader.last_read_id, 0),
                ThreadMessage.id > sa.func.coalesce(ThreadReader.last_notified_id, 0),
            )
            .group_by(recipient, MessageThread.id)
        )
        rows.extend((r, t, m) for r, t, m in db.session.execute(stmt))
    # One order for every run, so parallel runs lock reader rows in the same order.
    return sorted(rows)


def _claim(recipient_id: int, thread_id: int, newest: int, side: Side) -> int:
    """Mark the recipient notified up to ``newest``; the number of messages that are
    news to them (0 when another run, or their reading, got there first)."""
    ensure_reader(thread_id, recipient_id)
    reader = db.session.scalars(
        sa.select(ThreadReader)
        .where(ThreadReader.thread_id == thread_id, ThreadReader.user_id == recipient_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # as it stands now that it is ours
    ).one()
    floor = max(reader.last_read_id, reader.last_notified_id)
    if newest <= floor:
        return 0
    count = db.session.scalar(
        sa.select(sa.func.count()).where(
            ThreadMessage.thread_id == thread_id,
            ThreadMessage.side == side,
            ThreadMessage.id > floor,
            ThreadMessage.id <= newest,
        )
    )
    reader.last_notified_id = newest
    return count or 0


def send_due_notifications() -> int:
    """Queue one email per person with unread messages old enough; returns how many."""
    delay = timedelta(minutes=current_app.config["MESSAGE_NOTIFY_DELAY_MINUTES"])
    news: dict[int, list[News]] = defaultdict(list)
    for recipient_id, thread_id, newest in _candidates(utcnow() - delay):
        thread = db.session.get(MessageThread, thread_id)
        side = Side.COMPANY if recipient_id == thread.application.seeker_id else Side.SEEKER
        count = _claim(recipient_id, thread_id, newest, side)
        if count:
            news[recipient_id].append(News(thread.application, count))
    for recipient_id, items in news.items():
        recipient = db.session.get(User, recipient_id)
        queue_email(
            to=recipient.email,
            template="messages/unread",
            locale=recipient.locale,
            user=recipient,
            news=items,
            total=sum(item.count for item in items),
            link=absolute_url("messages.inbox"),
        )
    return len(news)
