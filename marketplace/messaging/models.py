"""Conversations, their messages, who read (and was emailed about) how far, reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import TimestampMixin, enum_column, utcnow
from marketplace.extensions import db
from marketplace.onboarding.models import Application


class Side(StrEnum):
    SEEKER = "seeker"  # the applicant or hired worker
    COMPANY = "company"  # any member of the gig's company


class MessageThread(db.Model):
    """The conversation of one application (and of the engagement that follows it)."""

    __tablename__ = "message_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship()


class ThreadMessage(db.Model):
    """One message: plain text, shown escaped, never edited."""

    __tablename__ = "thread_messages"
    __table_args__ = (sa.Index("ix_thread_messages_thread_id_id", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("message_threads.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    side: Mapped[Side] = mapped_column(enum_column(Side))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    author: Mapped[User] = relationship()


class ThreadReader(db.Model):
    """How far one person has read a conversation, and been emailed about it (message ids).

    Unread: the other side's messages after ``last_read_id``. The notification job
    moves ``last_notified_id`` in the same transaction as the email it queues, so no
    message is ever in two emails to the same person."""

    __tablename__ = "thread_readers"

    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("message_threads.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True, index=True)
    last_read_id: Mapped[int] = mapped_column(default=0)
    last_notified_id: Mapped[int] = mapped_column(default=0)


class ThreadReportStatus(StrEnum):
    OPEN = "open"
    HANDLED = "handled"


class ThreadReport(TimestampMixin, db.Model):
    """A participant asks the admins to read a conversation. Once a conversation has a
    report, admins may read it; never before."""

    __tablename__ = "thread_reports"
    __table_args__ = (
        sa.UniqueConstraint("thread_id", "reporter_id"),
        sa.Index("ix_thread_reports_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("message_threads.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ThreadReportStatus] = mapped_column(
        enum_column(ThreadReportStatus), default=ThreadReportStatus.OPEN
    )
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    handled_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(sa.Text)

    thread: Mapped[MessageThread] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])
