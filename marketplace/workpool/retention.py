"""Data retention: after a mailbox's retention period, message bodies, reply texts
and attachment contents are purged. The rows stay (who wrote when, sizes,
statuses), so queue figures and everything pay depends on (units, their
sources) are unchanged."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.workpool.models import (
    Attachment,
    Conversation,
    Mailbox,
    Message,
    Reply,
    ReplyStatus,
)


def purge_expired(now: datetime | None = None) -> int:
    """Purge what is past each mailbox's retention period; returns how many messages
    were purged. Safe to run from cron (a purged message is not touched again)."""
    now = now or utcnow()
    purged = 0
    for mailbox in db.session.scalars(sa.select(Mailbox).order_by(Mailbox.id)):
        cutoff = now - timedelta(days=mailbox.retention_days)
        old_messages = sa.select(Message.id).where(
            Message.mailbox_id == mailbox.id,
            Message.received_at < cutoff,
            Message.purged_at.is_(None),
        )
        db.session.execute(
            sa.update(Attachment)
            .where(Attachment.message_id.in_(old_messages))
            .values(content=None)
            .execution_options(synchronize_session=False)
        )
        purged += db.session.execute(
            sa.update(Message)
            .where(Message.id.in_(old_messages))
            .values(body_text="", purged_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        # Queued replies are kept whole: they still have to go out.
        db.session.execute(
            sa.update(Reply)
            .where(
                Reply.conversation_id.in_(
                    sa.select(Conversation.id).where(Conversation.mailbox_id == mailbox.id)
                ),
                Reply.status == ReplyStatus.SENT,
                Reply.created_at < cutoff,
                Reply.purged_at.is_(None),
            )
            .values(body_text="", written_text="", purged_at=now)
            .execution_options(synchronize_session=False)
        )
    return purged
