"""Writing messages, marking them read, reporting a conversation and handling a report.

Who may do what is decided in policies.py before these are called; these check the
state (a closed conversation takes no new messages) and the text, add, flush and
never commit.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.messaging.models import (
    MessageThread,
    Side,
    ThreadMessage,
    ThreadReader,
    ThreadReport,
    ThreadReportStatus,
)
from marketplace.onboarding.models import Application, ApplicationStatus, Engagement
from marketplace.onboarding.models import EngagementStatus as Status
from marketplace.reasons import require_reason

MESSAGE_MAX = 4000
# Characters that are invisible or turn text around (bidirectional overrides): a
# message shows what it says. Line breaks and tabs stay.
_INVISIBLE = dict.fromkeys(
    [*range(0, 9), 11, 12, *range(14, 32), 127, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def thread_of(application: Application) -> MessageThread | None:
    return db.session.scalar(
        sa.select(MessageThread).where(MessageThread.application_id == application.id)
    )


def _thread_to_write(application: Application) -> MessageThread:
    thread = thread_of(application)
    if thread is not None:
        return thread
    try:
        with db.session.begin_nested():
            thread = MessageThread(application_id=application.id)
            db.session.add(thread)
    except IntegrityError:  # the other side wrote the first message at the same moment
        thread = thread_of(application)
        assert thread is not None
    return thread


def side_of(user: User, application: Application) -> Side:
    return Side.SEEKER if user.id == application.seeker_id else Side.COMPANY


def is_open(application: Application) -> bool:
    """New messages are possible while the application is open or its engagement lasts."""
    if application.is_open:
        return True
    if application.status != ApplicationStatus.HIRED:
        return False
    status = db.session.scalar(
        sa.select(Engagement.status).where(Engagement.application_id == application.id)
    )
    return status in (Status.ACTIVE, Status.PAUSED)


def clean_body(body: str | None) -> str:
    """The message as it will be stored: plain text without invisible control
    characters, or DomainError (empty, too long)."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE).strip()
    if not text:
        raise DomainError(_("Please write a message."))
    if len(text) > MESSAGE_MAX:
        raise DomainError(
            _("Please keep a message to at most %(max)d characters.", max=MESSAGE_MAX)
        )
    return text


def post(application: Application, *, by: User, body: str) -> ThreadMessage:
    text = clean_body(body)
    if not is_open(application):
        raise InvalidTransition(
            _("This conversation is closed: the application or the engagement has ended.")
        )
    thread = _thread_to_write(application)
    message = ThreadMessage(
        thread_id=thread.id, author_id=by.id, side=side_of(by, application), body=text
    )
    db.session.add(message)
    db.session.flush()
    thread.last_message_at = message.created_at
    mark_read(thread, by, up_to=message.id)
    return message


def _upsert_reader(thread_id: int, user_id: int):
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(ThreadReader).values(thread_id=thread_id, user_id=user_id)


def ensure_reader(thread_id: int, user_id: int) -> None:
    db.session.execute(_upsert_reader(thread_id, user_id).on_conflict_do_nothing())


def mark_read(thread: MessageThread, user: User, *, up_to: int | None = None) -> None:
    """``user`` has read ``thread`` up to ``up_to`` (default: its newest message).

    Only ever moves forward, also when two pages of the same person load at once."""
    if up_to is None:
        up_to = db.session.scalar(
            sa.select(sa.func.max(ThreadMessage.id)).where(ThreadMessage.thread_id == thread.id)
        )
    if not up_to:
        return
    insert = _upsert_reader(thread.id, user.id).values(last_read_id=up_to)
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[ThreadReader.thread_id, ThreadReader.user_id],
            set_={
                "last_read_id": sa.case(
                    (ThreadReader.last_read_id < up_to, up_to), else_=ThreadReader.last_read_id
                )
            },
        )
    )


def report(application: Application, *, by: User, reason: str) -> ThreadReport:
    """Ask the admins to read this conversation. Once per person and conversation."""
    reason = require_reason(
        reason, message=_("Please say what is wrong, so that an administrator can help.")
    )
    thread = thread_of(application)
    if thread is None:
        raise InvalidTransition(_("There is nothing to report: no message has been written yet."))
    report = ThreadReport(thread_id=thread.id, reporter_id=by.id, reason=reason)
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        raise DomainError(_("You have already reported this conversation.")) from None
    return report


def handle_report(report: ThreadReport, *, by: User, note: str) -> None:
    if report.status != ThreadReportStatus.OPEN:
        raise InvalidTransition(_("This report has already been handled."))
    report.status = ThreadReportStatus.HANDLED
    report.handled_by_id = by.id
    report.handled_at = utcnow()
    report.note = note.strip() or None
    record(
        actor=by,
        action="conversation_report.handle",
        object_type="conversation",
        object_id=report.thread_id,
        before={"status": ThreadReportStatus.OPEN.value},
        after={"status": ThreadReportStatus.HANDLED.value},
        reason=report.note,
    )
