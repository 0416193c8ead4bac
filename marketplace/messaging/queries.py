"""Reading conversations: the messages of one, unread counts, a person's list, and the
admin's reported conversations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.messaging.models import (
    MessageThread,
    Side,
    ThreadMessage,
    ThreadReader,
    ThreadReport,
    ThreadReportStatus,
)
from marketplace.onboarding.models import Application
from marketplace.pagination import Page


def messages_of(thread: MessageThread) -> list[ThreadMessage]:
    """Oldest first, so the newest is last, where the reply form is."""
    return list(
        db.session.scalars(
            sa.select(ThreadMessage)
            .where(ThreadMessage.thread_id == thread.id)
            .options(joinedload(ThreadMessage.author))
            .order_by(ThreadMessage.id)
        )
    )


def _party(user: User) -> tuple[sa.ColumnElement[bool], Side] | None:
    """The conversations ``user`` is a party to (as a condition on Application and Gig),
    and the side whose messages are unread to them; None for everyone else."""
    if user.is_seeker:
        return Application.seeker_id == user.id, Side.COMPANY
    if user.membership is not None:
        return Gig.company_id == user.membership.company_id, Side.SEEKER
    return None


def _unread(user: User) -> sa.Select | None:
    """(application id, unread count) of every conversation with unread messages."""
    party = _party(user)
    if party is None:
        return None
    condition, other_side = party
    reader = aliased(ThreadReader)
    return (
        sa.select(MessageThread.application_id, sa.func.count(ThreadMessage.id))
        .select_from(ThreadMessage)
        .join(MessageThread, MessageThread.id == ThreadMessage.thread_id)
        .join(Application, Application.id == MessageThread.application_id)
        .join(Gig, Gig.id == Application.gig_id)
        .outerjoin(reader, sa.and_(reader.thread_id == MessageThread.id, reader.user_id == user.id))
        .where(
            condition,
            ThreadMessage.side == other_side,
            ThreadMessage.id > sa.func.coalesce(reader.last_read_id, 0),
        )
        .group_by(MessageThread.application_id)
    )


def unread_total(user: User) -> int:
    """All unread messages of ``user`` (shown in the menu)."""
    stmt = _unread(user)
    if stmt is None:
        return 0
    counts = stmt.subquery()
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(counts.c[1]), 0))) or 0


def unread_by_application(user: User, application_ids: Iterable[int]) -> dict[int, int]:
    ids = list(application_ids)
    stmt = _unread(user)
    if stmt is None or not ids:
        return {}
    rows = db.session.execute(stmt.where(MessageThread.application_id.in_(ids))).all()
    return {application_id: count for application_id, count in rows}


@dataclass(frozen=True)
class ConversationRow:
    application: Application
    last_message_at: datetime
    unread: int


def conversations(user: User, page: int, per_page: int = 30) -> Page[ConversationRow]:
    """The person's conversations with messages, the most recent first."""
    party = _party(user)
    if party is None:
        return Page(items=[], page=1, has_next=False)
    condition, _side = party
    stmt = (
        sa.select(Application, MessageThread.last_message_at)
        .join(MessageThread, MessageThread.application_id == Application.id)
        .join(Gig, Gig.id == Application.gig_id)
        .where(condition)
        .options(
            joinedload(Application.gig).joinedload(Gig.company),
            joinedload(Application.seeker),
        )
        .order_by(MessageThread.last_message_at.desc(), MessageThread.id.desc())
        .limit(per_page + 1)
        .offset((max(1, page) - 1) * per_page)
    )
    rows = db.session.execute(stmt).all()
    unread = unread_by_application(user, [a.id for a, _at in rows[:per_page]])
    items = [ConversationRow(a, at, unread.get(a.id, 0)) for a, at in rows[:per_page]]
    return Page(items=items, page=max(1, page), has_next=len(rows) > per_page)


def reported_threads(
    status: ThreadReportStatus, page: int, per_page: int = 50
) -> Page[ThreadReport]:
    stmt = (
        sa.select(ThreadReport)
        .where(ThreadReport.status == status)
        .options(
            joinedload(ThreadReport.reporter),
            joinedload(ThreadReport.thread)
            .joinedload(MessageThread.application)
            .joinedload(Application.gig)
            .joinedload(Gig.company),
        )
        .order_by(
            ThreadReport.created_at if status == ThreadReportStatus.OPEN
            else ThreadReport.created_at.desc(),
            ThreadReport.id,
        )
        .limit(per_page + 1)
        .offset((max(1, page) - 1) * per_page)
    )  # fmt: skip
    rows = list(db.session.scalars(stmt).unique())
    return Page(items=rows[:per_page], page=max(1, page), has_next=len(rows) > per_page)


def reports_of(thread: MessageThread) -> list[ThreadReport]:
    return list(
        db.session.scalars(
            sa.select(ThreadReport)
            .where(ThreadReport.thread_id == thread.id)
            .options(joinedload(ThreadReport.reporter))
            .order_by(ThreadReport.id)
        )
    )


def open_report_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ThreadReport)
        .where(ThreadReport.status == ThreadReportStatus.OPEN)
    )


def report_by(thread: MessageThread, user: User) -> ThreadReport | None:
    return db.session.scalar(
        sa.select(ThreadReport).where(
            ThreadReport.thread_id == thread.id, ThreadReport.reporter_id == user.id
        )
    )
