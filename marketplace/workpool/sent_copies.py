"""Filing a copy of each reply sent through a company's own SMTP server in the Sent
folder of its mailbox (IMAP APPEND), so the mailbox shows the whole conversation.

Runs after sending (``outgoing.send_due_replies``, for the mailboxes it just
sent for), and from cron by ``flask mailboxes send`` for every copy still
pending. A reply is locked while its copy is filed (SKIP LOCKED on PostgreSQL),
and before appending we ask the folder for the reply's Message-ID: a copy filed
just before a crash is found there and not filed twice. A failure leaves the
copy pending for the next run; the connection shows the problem.
"""

from __future__ import annotations

import imaplib
import logging
from email.policy import SMTP

import sqlalchemy as sa
from imapclient.imapclient import SEEN

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.workpool import mailserver
from marketplace.workpool.connections import find_sent_folder, imap_login
from marketplace.workpool.mailserver import MailServerError
from marketplace.workpool.models import Conversation, MailboxConnection, Reply, SentCopy
from marketplace.workpool.outgoing import build_email

log = logging.getLogger(__name__)

FILE_BATCH = 100


def _pending_mailboxes(limit: int, mailbox_ids: set[int] | None) -> list[int]:
    query = (
        sa.select(Conversation.mailbox_id)
        .join(Reply, Reply.conversation_id == Conversation.id)
        .where(Reply.sent_copy == SentCopy.PENDING)
        .group_by(Conversation.mailbox_id)
        .limit(limit)
    )
    if mailbox_ids is not None:
        query = query.where(Conversation.mailbox_id.in_(mailbox_ids))
    return list(db.session.scalars(query))


def file_sent_copies(limit: int = FILE_BATCH, *, mailbox_ids: set[int] | None = None) -> int:
    """File pending copies (of these mailboxes, or all), one IMAP session per mailbox;
    returns how many were filed."""
    filed = 0
    for mailbox_id in _pending_mailboxes(limit, mailbox_ids):
        connection = db.session.scalar(
            sa.select(MailboxConnection).where(MailboxConnection.mailbox_id == mailbox_id)
        )
        if connection is None or not connection.file_in_sent:
            _give_up(mailbox_id)
            continue
        try:
            filed += _file_for(connection, mailbox_id, limit)
        except (MailServerError, OSError, imaplib.IMAP4.error) as exc:
            db.session.rollback()
            problem = mailserver.imap_failure(exc)
            connection = db.session.get(MailboxConnection, connection.id)
            connection.last_problem = problem.problem.value
            connection.last_problem_detail = problem.detail or None
            db.session.commit()
            log.warning("filing sent copies for mailbox %s: %s", mailbox_id, problem)
    return filed


def _next_pending(mailbox_id: int) -> Reply | None:
    return db.session.scalars(
        sa.select(Reply)
        .join(Conversation, Conversation.id == Reply.conversation_id)
        .where(Conversation.mailbox_id == mailbox_id, Reply.sent_copy == SentCopy.PENDING)
        .order_by(Reply.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=Reply)
    ).first()


def _file_for(connection: MailboxConnection, mailbox_id: int, limit: int) -> int:
    filed = 0
    with mailserver.imap_session(imap_login(connection)) as client:
        folder = find_sent_folder(client, connection.sent_folder)
        client.select_folder(folder)
        for _ in range(limit):
            reply = _next_pending(mailbox_id)
            if reply is None:
                break
            if not client.search(["HEADER", "Message-ID", reply.message_id]):
                raw = build_email(reply).as_bytes(policy=SMTP)
                client.append(folder, raw, flags=[SEEN], msg_time=reply.sent_at or utcnow())
            reply.sent_copy = SentCopy.FILED
            db.session.commit()
            filed += 1
    return filed


def _give_up(mailbox_id: int) -> None:
    """The account was disconnected or copies were turned off: nothing to file."""
    db.session.execute(
        sa.update(Reply)
        .where(
            Reply.sent_copy == SentCopy.PENDING,
            Reply.conversation_id.in_(
                sa.select(Conversation.id).where(Conversation.mailbox_id == mailbox_id)
            ),
        )
        .values(sent_copy=SentCopy.NONE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
