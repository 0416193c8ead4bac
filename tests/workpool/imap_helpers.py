"""Connecting a test mailbox to an account on the test Dovecot and the company's
test SMTP server, through the service (which tests both servers first)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.workpool import connections
from marketplace.workpool.models import AfterFetch, Mailbox, MailboxConnection, Message, Security

COMPANY_SMTP_LOGIN = ("service@shop.example", "smtp-app-password")


def connection_settings(account, smtp, **overrides) -> connections.ConnectionSettings:
    values = {
        "imap_host": "127.0.0.1",
        "imap_port": account.port,
        "imap_security": Security.NONE,
        "imap_username": account.username,
        "imap_password": account.password,
        "imap_folder": "INBOX",
        "after_fetch": AfterFetch.SEEN,
        "move_to_folder": "",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_security": Security.NONE,
        "smtp_username": COMPANY_SMTP_LOGIN[0],
        "smtp_password": COMPANY_SMTP_LOGIN[1],
        "file_in_sent": True,
        "sent_folder": "",
        "fetch_existing": True,
    }
    values.update(overrides)
    return connections.ConnectionSettings(**values)


def connect(mailbox: Mailbox, account, smtp, **overrides) -> MailboxConnection:
    owner = mailbox.gig.company.memberships[0].user
    connection = connections.save_connection(
        mailbox, connection_settings(account, smtp, **overrides), by=owner
    )
    db.session.commit()
    return connection


def stored_message_ids(mailbox: Mailbox) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Message.message_id)
            .where(Message.mailbox_id == mailbox.id)
            .order_by(Message.id)
        )
    )
