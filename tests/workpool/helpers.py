"""Work-pool situations for tests, made through the services: a funded company
with an email gig, a mailbox, hired workers and customer mail."""

from __future__ import annotations

import itertools
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement
from marketplace.workpool import inbound, mailboxes
from marketplace.workpool.models import Mailbox, MailboxMode, Message
from tests.payments.helpers import funded, hired

_numbers = itertools.count(1)


def settings(**overrides) -> mailboxes.MailboxSettings:
    values = {
        "name": "Support",
        "from_address": "support@shop.example",
        "from_name": "Shop Support",
        "reply_to": "",
        "signature": "Ihr Shop-Team",
        "mode": MailboxMode.POOL,
        "forward_to_id": None,
        "ack_de": "Ihr Anliegen ist bei uns eingegangen.",
        "ack_en": "We have received your request.",
        "first_response_hours": 24,
        "retention_days": 90,
        "lease_minutes": 15,
        "escalation_rate_cents": 0,
    }
    values.update(overrides)
    return mailboxes.MailboxSettings(**values)


def mailbox_for(engagement: Engagement, **overrides) -> tuple[Mailbox, str]:
    """A mailbox on the engagement's gig; returns it and its inbound token."""
    owner = engagement.gig.company.memberships[0].user
    mailbox, token = mailboxes.create_mailbox(engagement.gig, settings(**overrides), by=owner)
    db.session.commit()
    return mailbox, token


def pool(*, rate_cents: int = 80, funds_cents: int = 10_000, workers: int = 1, **overrides):
    """A funded company, a gig with ``workers`` hired workers and a mailbox.
    Returns (mailbox, [engagements], token)."""
    first = hired(rate_cents=rate_cents)
    company = first.gig.company
    engagements = [first]
    for _ in range(workers - 1):
        engagements.append(_hire_on(first))
    if funds_cents:
        funded(company, funds_cents)
        db.session.commit()
    mailbox, token = mailbox_for(first, **overrides)
    return mailbox, engagements, token


def _hire_on(first: Engagement) -> Engagement:
    from marketplace.onboarding.models import Application, ApplicationStatus
    from tests.factories import UserFactory

    worker = UserFactory()
    application = Application(
        gig_id=first.gig_id,
        seeker_id=worker.id,
        status=ApplicationStatus.HIRED,
        hours_per_week=10,
    )
    db.session.add(application)
    db.session.flush()
    engagement = Engagement(
        gig_id=first.gig_id,
        worker_id=worker.id,
        application_id=application.id,
        rate_cents=first.rate_cents,
        pay_model=first.pay_model,
        started_at=first.started_at,
    )
    db.session.add(engagement)
    db.session.commit()
    return engagement


def customer_mail(
    *,
    subject: str = "Wo ist meine Bestellung?",
    body: str = "Guten Tag, ich warte noch auf meine Bestellung 4711. Viele Grüße",
    sender: str = "Anna Kunde <anna@kunde.example>",
    to: str = "support@shop.example",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id or make_msgid(idstring=f"c{next(_numbers)}")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    message.set_content(body)
    return message.as_bytes()


def deliver(mailbox: Mailbox, raw: bytes | None = None, **kwargs) -> Message:
    """A customer email arrives (stored through the inbound service, committed)."""
    message, _created = inbound.store(mailbox, raw or customer_mail(**kwargs))
    db.session.commit()
    return message
