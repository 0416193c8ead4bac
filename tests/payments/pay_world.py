"""One company, one worker and every kind of paid work, made through the services:
an answered email and a paid escalation (email pool), a moderated item (decision
with its unit), hours on a timesheet, and work the company logged by hand."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import PayModel
from marketplace.moderation.item_models import DecisionAction
from marketplace.onboarding.models import Application, ApplicationStatus, Engagement
from marketplace.payments import units
from marketplace.payments.models import UnitKind, WorkUnit
from marketplace.workpool import pool
from tests.moderation.company_helpers import decided, make_community
from tests.payments.helpers import hired
from tests.workpool.helpers import deliver
from tests.workpool.helpers import pool as make_pool

RATE = 83  # per email: 83 + 12 fee (15 %, rounded half up) = 95
ESCALATION_RATE = 41  # 41 + 6 = 47
ITEM_RATE = 30
HOUR_RATE = 1250


@dataclass
class PayWorld:
    company_id: int
    owner_id: int
    worker_id: int
    other_worker_id: int
    email_gig_id: int
    item_gig_id: int
    hour_engagement_id: int
    reply_id: int
    decision_id: int
    answer: int  # unit ids
    escalation: int
    item: int
    hours: int
    manual: int
    other: int  # the other worker's answer


def text(response) -> str:
    """The page as a person reads it: entities decoded, tags and runs of space collapsed."""
    body = html.unescape(response.get_data(as_text=True))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def part(response, marker: str) -> str:
    """The text of the element (a table row, a card) whose opening tag holds ``marker``."""
    body = response.get_data(as_text=True)
    start = body.index(marker)
    start = body.rindex("<", 0, start)
    tag = re.match(r"<(\w+)", body[start:]).group(1)
    end = body.index(f"</{tag}>", start)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(body[start:end])))


def _engage(gig_id: int, worker, rate_cents: int, pay_model: PayModel) -> Engagement:
    application = Application(
        gig_id=gig_id, seeker_id=worker.id, status=ApplicationStatus.HIRED, hours_per_week=10
    )
    db.session.add(application)
    db.session.flush()
    engagement = Engagement(
        gig_id=gig_id,
        worker_id=worker.id,
        application_id=application.id,
        rate_cents=rate_cents,
        pay_model=pay_model,
        started_at=utcnow() - timedelta(days=60),
    )
    db.session.add(engagement)
    db.session.commit()
    return engagement


def _unit(source: str) -> int:
    return db.session.scalar(sa.select(WorkUnit.id).where(WorkUnit.source == source))


def build(funds_cents: int = 50_000) -> PayWorld:
    mailbox, (first, second), _token = make_pool(
        rate_cents=RATE, funds_cents=funds_cents, workers=2, escalation_rate_cents=ESCALATION_RATE
    )
    company = mailbox.gig.company
    owner = company.memberships[0].user
    worker = first.worker
    for number in (1, 2, 3):
        # Three customers: a third email from one address would be urgent (triage)
        # and change the order in which the pool hands them out.
        sender = f"Kunde {number} <kunde{number}@kunde.example>"
        deliver(mailbox, subject=f"Frage {number}", body=f"Kundentext {number}", sender=sender)
    claim = pool.claim_next(worker)
    reply = pool.answer(claim.conversation, worker=worker, body="Ihr Paket ist unterwegs.")
    db.session.commit()
    claim = pool.claim_next(worker)
    escalation = pool.escalate(claim.conversation, worker=worker, note="Bitte Rückerstattung")
    db.session.commit()
    claim = pool.claim_next(second.worker)
    other = pool.answer(claim.conversation, worker=second.worker, body="Andere Antwort")
    db.session.commit()

    community = make_community(company, name="Lobby")
    community.gig.rate_cents = ITEM_RATE
    moderation = _engage(community.gig_id, worker, ITEM_RATE, PayModel.PER_ITEM)
    decision = decided(community, moderation, DecisionAction.REMOVE, text="Kauft Uhren!")
    db.session.commit()

    hourly = hired(rate_cents=HOUR_RATE, company=company, worker=worker)
    hourly.pay_model = PayModel.PER_HOUR
    hourly.gig.pay_model = PayModel.PER_HOUR
    hours = units.record_units(
        hourly,
        kind=UnitKind.HOUR,
        quantity=Decimal("1.5"),
        source="timesheet:pay-world",
        work_date=utcnow().date(),
        by=worker,
    )
    manual = units.record_units(
        first,
        kind=UnitKind.EMAIL,
        quantity=Decimal(2),
        source="manual:pay-world",
        work_date=utcnow().date(),
        by=owner,
        note="Telefonnotizen",
    )
    db.session.commit()
    return PayWorld(
        company_id=company.id,
        owner_id=owner.id,
        worker_id=worker.id,
        other_worker_id=second.worker_id,
        email_gig_id=first.gig_id,
        item_gig_id=community.gig_id,
        hour_engagement_id=hourly.id,
        reply_id=reply.id,
        decision_id=decision.id,
        answer=_unit(f"email:reply:{reply.id}"),
        escalation=_unit(f"email:escalation:{escalation.id}"),
        item=_unit(f"moderation-item:{decision.item_id}"),
        hours=hours.id,
        manual=manual.id,
        other=_unit(f"email:reply:{other.id}"),
    )
