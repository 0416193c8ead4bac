"""Queueing email in the outbox and delivering it after the commit."""

from __future__ import annotations

import secrets
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from marketplace import jobs
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.mail import transport
from marketplace.mail.models import OutboxEmail, OutboxStatus

MAX_ATTEMPTS = 8
DELIVERY_BATCH = 50


def _render(template: str, locale: str, context: dict[str, Any]) -> tuple[str, str]:
    """Render ``templates/email/<template>.txt``: its ``subject`` block and its body."""
    env = current_app.jinja_env
    with force_locale(locale):
        tmpl = env.get_template(f"email/{template}.txt")
        ctx = tmpl.new_context({**context, "locale": locale})
        subject = "".join(tmpl.blocks["subject"](ctx)).strip()
        body = tmpl.render({**context, "locale": locale}).strip() + "\n"
    return subject, body


def queue_email(*, to: str, template: str, locale: str | None, **context: Any) -> OutboxEmail:
    """Render the email in the recipient's language and put it in the outbox.

    It is sent once the caller's transaction commits; if that rolls back, the
    email never existed.
    """
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    subject, body = _render(template, locale, context)
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2].strip("> ") or "nebendesk.test"
    email = OutboxEmail(
        to_address=to,
        subject=subject,
        body_text=body,
        template=template,
        locale=locale,
        message_id=make_msgid(idstring=secrets.token_hex(8), domain=domain),
    )
    db.session.add(email)
    jobs.enqueue_after_commit(deliver_outbox)
    return email


def deliver_outbox() -> int:
    """The job run after a commit that queued email: send everything that is due."""
    total = 0
    while sent := deliver_pending():
        total += sent
    return total


def _build_message(email: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = formataddr(("", email.to_address))
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(email.created_at)
    message.set_content(email.body_text)
    message["Content-Language"] = email.locale  # after set_content, which resets Content-*
    return message


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 240))


def deliver_pending(limit: int = DELIVERY_BATCH) -> int:
    """Send due outbox emails, one short transaction each. Returns how many were sent.

    Safe to run from several processes at once: each message is locked while
    it is sent (SKIP LOCKED on PostgreSQL). A crash after the SMTP server
    accepted a message but before the commit sends it again on the next run,
    with the same Message-ID, so mail programs show it once.
    """
    sent = 0
    mail_url = current_app.config["MAIL_URL"]
    for _ in range(limit):
        email = db.session.scalars(
            sa.select(OutboxEmail)
            .where(OutboxEmail.status == OutboxStatus.PENDING)
            .where(OutboxEmail.next_attempt_at <= utcnow())
            .order_by(OutboxEmail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if email is None:
            break
        email.attempts += 1
        try:
            transport.send(mail_url, _build_message(email))
        except transport.TransportError as exc:
            email.last_error = str(exc)[:2000]
            email.next_attempt_at = utcnow() + _backoff(email.attempts)
            if email.attempts >= MAX_ATTEMPTS:
                email.status = OutboxStatus.FAILED
            db.session.commit()
            continue
        email.status = OutboxStatus.SENT
        email.sent_at = utcnow()
        email.last_error = None
        db.session.commit()
        sent += 1
    return sent
