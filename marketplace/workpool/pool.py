"""The work pool: a hired worker claims the next conversation with a lease,
answers or escalates it; company staff answer escalations.

Claims and leases are the shared core in ``work.leases`` (one UPDATE over a
``FOR UPDATE SKIP LOCKED`` candidate, so two workers never hold the same
conversation, on any database). Answering and escalating are conditional
UPDATEs on "waiting and held by me" as well: an answer whose lease was lost is
refused, the draft stays with the worker.

Pay: every answer records one unit through ``payments.units.record_units``
(source ``email:reply:<id>``, so it is recorded once), reserving the
company's money; an escalation records one at the mailbox's escalation rate
when that is above zero. A company whose available balance cannot cover the
next email (and the ones already held by workers) gets no more work handed out
(the funding guard in ``work.pricing``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.onboarding.engagements import rules_accepted_sql, rules_to_acknowledge
from marketplace.onboarding.models import Engagement, EngagementStatus, Onboarding
from marketplace.payments import units
from marketplace.payments.models import UnitKind, WorkUnit
from marketplace.reasons import require_reason
from marketplace.work import pricing
from marketplace.work.leases import LeaseQueue
from marketplace.workpool import replies
from marketplace.workpool.models import (
    PRIORITY_RANK,
    Conversation,
    ConversationStatus,
    Direction,
    Escalation,
    Mailbox,
    Message,
    Reply,
    ReplyKind,
)

MAX_BODY_CHARS = 50_000


class NoWork(StrEnum):
    """Why "Next email" handed out nothing; each has its own message."""

    NOT_HIRED = "not_hired"  # no active engagement on a gig with a mailbox
    RULES = "rules"  # the company's rules changed and are not accepted yet
    UNFUNDED = "unfunded"  # the company cannot pay for the next email
    EMPTY = "empty"  # nothing is waiting


@dataclass
class Claim:
    conversation: Conversation | None
    no_work: NoWork | None = None
    # With NoWork.RULES: the engagement whose rules must be accepted first.
    engagement: Engagement | None = None


# Conversations wait in their mailbox's queue. The next is: one assigned to this
# worker, then urgent before normal before low, then the one closest to (or furthest
# past) its first-response target. A conversation assigned (or forwarded) to one
# worker is only theirs.
PRIORITY_ORDER = sa.case(
    {p.value: rank for p, rank in PRIORITY_RANK.items()}, value=Conversation.priority, else_=1
)
QUEUE = LeaseQueue(
    model=Conversation,
    waiting=ConversationStatus.WAITING,
    source=Conversation.mailbox_id,
    order_by=(PRIORITY_ORDER, Conversation.first_response_due_at, Conversation.id),
    worker_order=lambda worker_id: (
        sa.case((Conversation.assigned_to_id == worker_id, 0), else_=1),
    ),
    candidate_filter=lambda worker_id: sa.or_(
        Conversation.assigned_to_id.is_(None), Conversation.assigned_to_id == worker_id
    ),
)


def email_units_cost(engagement: Engagement, count: int = 1) -> int:
    """What ``count`` answered emails cost the company (worker's amount + fee), in cents."""
    return pricing.units_cost(engagement.rate_cents, count)


def mailboxes_for_gig(gig_id: int) -> list[Mailbox]:
    return list(
        db.session.scalars(sa.select(Mailbox).where(Mailbox.gig_id == gig_id).order_by(Mailbox.id))
    )


def working_engagements(worker: User) -> list[Engagement]:
    """The worker's active engagements on gigs that have a mailbox."""
    return list(
        db.session.scalars(
            sa.select(Engagement)
            .where(
                Engagement.worker_id == worker.id,
                Engagement.status == EngagementStatus.ACTIVE,
                Engagement.gig_id.in_(sa.select(Mailbox.gig_id)),
            )
            .order_by(Engagement.id)
        )
    )


def engagement_for(worker: User, mailbox: Mailbox) -> Engagement | None:
    return db.session.scalar(
        sa.select(Engagement).where(
            Engagement.worker_id == worker.id,
            Engagement.gig_id == mailbox.gig_id,
            Engagement.status == EngagementStatus.ACTIVE,
        )
    )


def company_can_pay_next(
    engagement: Engagement, now: datetime | None = None, mailboxes: list[Mailbox] | None = None
) -> bool:
    """Can the company pay for the emails workers already hold, plus one more?"""
    now = now or utcnow()
    if mailboxes is None:
        mailboxes = mailboxes_for_gig(engagement.gig_id)
    held = QUEUE.held_count([m.id for m in mailboxes], now) if mailboxes else 0
    return units.can_cover(engagement.gig.company, email_units_cost(engagement, held + 1))


def held_by(worker: User, now: datetime | None = None) -> Conversation | None:
    """The conversation the worker holds a live lease on, if any (one at a time)."""
    return QUEUE.held_by(worker.id, now or utcnow())


@dataclass
class _Eligible:
    mailbox_id: int
    lease_minutes: int


@functools.cache
def _eligibility_query() -> sa.Select:
    """Built once (see work.leases): the worker's active engagements on gigs with a
    mailbox, with the company's balance, the emails held and the rules' state."""
    worker_id = sa.bindparam("worker_id", type_=sa.Integer)
    held = (
        sa.select(sa.func.count(Conversation.id))
        .join(Mailbox, Mailbox.id == Conversation.mailbox_id)
        .where(Mailbox.gig_id == Engagement.gig_id, QUEUE.is_held(QUEUE.moment("now")))
        .scalar_subquery()
    )
    return (
        sa.select(
            Engagement.id,
            Engagement.rate_cents,
            Mailbox.id,
            Mailbox.lease_minutes,
            pricing.spendable_balance_sql(Gig.company_id),
            held,
            rules_accepted_sql(worker_id),
        )
        .join(Gig, Gig.id == Engagement.gig_id)
        .join(Mailbox, Mailbox.gig_id == Engagement.gig_id)
        .outerjoin(Onboarding, Onboarding.gig_id == Engagement.gig_id)
        .where(Engagement.worker_id == worker_id, Engagement.status == EngagementStatus.ACTIVE)
        .order_by(Engagement.id, Mailbox.id)
    )


def _eligible_mailboxes(
    worker: User, now: datetime
) -> tuple[list[_Eligible], NoWork | None, Engagement | None]:
    """The mailboxes the worker may take work from now, in one query: active
    engagements, rules accepted, and the company able to pay for the emails held
    plus one more (the funding guard of work.pricing, computed in SQL)."""
    rows = db.session.execute(_eligibility_query(), {"worker_id": worker.id, "now": now}).all()
    if not rows:
        return [], NoWork.NOT_HIRED, None
    eligible: list[_Eligible] = []
    rules_engagement_id = None
    unfunded = False
    for engagement_id, rate, mailbox_id, lease, balance, held_now, rules_ok in rows:
        if not rules_ok:
            rules_engagement_id = rules_engagement_id or engagement_id
        elif not pricing.covers_next(balance, rate, held_now):
            unfunded = True
        else:
            eligible.append(_Eligible(mailbox_id, lease))
    if eligible:
        return eligible, None, None
    if rules_engagement_id is not None:
        return [], NoWork.RULES, db.session.get(Engagement, rules_engagement_id)
    return [], NoWork.UNFUNDED if unfunded else NoWork.EMPTY, None


def claim_next(worker: User, now: datetime | None = None) -> Claim:
    """Hand the worker the next conversation: the one held already, else the free one
    closest to its first-response target, leased for the mailbox's lease time
    (one statement; see work.leases)."""
    now = now or utcnow()
    held = QUEUE.held_by(worker.id, now)
    if held is not None:
        return Claim(held)
    mailboxes, no_work, engagement = _eligible_mailboxes(worker, now)
    if no_work is not None:
        return Claim(None, no_work, engagement)
    lease_minutes = {m.mailbox_id: m.lease_minutes for m in mailboxes}
    usual_lease = min(lease_minutes.values())
    conversation = QUEUE.claim(
        worker_id=worker.id,
        source_ids=list(lease_minutes),
        now=now,
        lease_until=now + timedelta(minutes=usual_lease),
    )
    if conversation is None:
        return Claim(None, NoWork.EMPTY)
    if lease_minutes[conversation.mailbox_id] != usual_lease:  # mailboxes with other leases
        conversation.lease_expires_at = now + timedelta(
            minutes=lease_minutes[conversation.mailbox_id]
        )
    return Claim(conversation)


def holds(worker: User, conversation: Conversation, now: datetime | None = None) -> bool:
    return QUEUE.holds(worker.id, conversation, now or utcnow())


def renew(conversation: Conversation, *, worker: User) -> datetime:
    """Extend the lease while the worker types. Refused once someone else took it."""
    expires = utcnow() + timedelta(minutes=conversation.mailbox.lease_minutes)
    if not QUEUE.renew(conversation, worker_id=worker.id, until=expires):
        raise InvalidTransition(_lost_message())
    return expires


def release(conversation: Conversation, *, worker: User) -> None:
    """Give the conversation back to the pool (the worker skips it); see work.leases
    for why the worker's next claims pass it over for a while."""
    QUEUE.release(conversation, worker_id=worker.id, now=utcnow())


def _lost_message() -> str:
    return _(
        "This email is no longer yours: your time ran out and it went back to the pool. "
        "Your text is kept below; take the next email to go on."
    )


def _take(conversation: Conversation, worker: User, target: ConversationStatus) -> None:
    """Move a conversation the worker holds out of the pool, or refuse if they lost it."""
    values = {"escalated_at": utcnow()} if target == ConversationStatus.ESCALATED else {}
    if not QUEUE.take(conversation, worker_id=worker.id, status=target, **values):
        raise InvalidTransition(_lost_message())


def _require_text(body: str, message: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise DomainError(message)
    if len(body) > MAX_BODY_CHARS:
        raise DomainError(_("Please keep it under %(max)d characters.", max=MAX_BODY_CHARS))
    return body


def _working_engagement(worker: User, conversation: Conversation) -> Engagement:
    engagement = engagement_for(worker, conversation.mailbox)
    if engagement is None:
        raise InvalidTransition(_("You are not working on this gig (any more)."))
    if rules_to_acknowledge(engagement) is not None:
        raise DomainError(
            _("The company has changed its rules. Please read and accept them first.")
        )
    return engagement


class CustomerWroteAgain(InvalidTransition):
    """The customer wrote again after the last message the worker saw: nothing is sent,
    the worker reads the new message and sends (or changes) the answer again."""

    def __init__(self, newest_id: int) -> None:
        super().__init__(
            _(
                "The customer wrote again while you were typing. Your answer was not sent: "
                "read the new message (highlighted below), then send your answer again."
            )
        )
        self.newest_id = newest_id


def newest_inbound_id(conversation: Conversation) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.max(Message.id)).where(
                Message.conversation_id == conversation.id,
                Message.direction == Direction.INBOUND,
            )
        )
        or 0
    )


def answer(
    conversation: Conversation, *, worker: User, body: str, seen_message_id: int | None = None
) -> Reply:
    """The worker's answer: queued for sending (the conversation is answered once the
    SMTP server accepts it) and paid as one email unit. ``seen_message_id``, the last
    message the worker's page showed: a newer one from the customer refuses the answer
    (CustomerWroteAgain) so it is never sent unread."""
    body = _require_text(body, _("Please write your answer."))
    engagement = _working_engagement(worker, conversation)
    _take(conversation, worker, ConversationStatus.SENDING)
    # Checked after taking the conversation's row: a customer email being stored into
    # it holds that row (inbound.store_parsed) until it is committed, so it is seen.
    if seen_message_id is not None:
        newest = newest_inbound_id(conversation)
        if newest > seen_message_id:
            raise CustomerWroteAgain(newest)
    reply = replies.write_reply(
        conversation, kind=ReplyKind.ANSWER, body=body, author=worker, engagement=engagement
    )
    units.record_units(
        engagement,
        kind=UnitKind.EMAIL,
        quantity=Decimal(1),
        source=f"email:reply:{reply.id}",
        work_date=utcnow().date(),
        by=worker,
        note=conversation.subject[:200],
    )
    return reply


def escalate(conversation: Conversation, *, worker: User, note: str) -> Escalation:
    """Pass the conversation to the company with an internal note; the customer gets the
    mailbox's acknowledgment (once per escalation)."""
    note = require_reason(note, message=_("Please tell the company why you escalate."))
    engagement = _working_engagement(worker, conversation)
    _take(conversation, worker, ConversationStatus.ESCALATED)
    escalation = Escalation(
        conversation_id=conversation.id,
        escalated_by_id=worker.id,
        engagement_id=engagement.id,
        note=note,
    )
    db.session.add(escalation)
    db.session.flush()
    mailbox = conversation.mailbox
    replies.write_reply(
        conversation,
        kind=ReplyKind.ACKNOWLEDGMENT,
        body=replies.acknowledgment_text(conversation),
        author=None,
        escalation=escalation,
    )
    if mailbox.escalation_rate_cents > 0:
        units.record_units(
            engagement,
            kind=UnitKind.EMAIL,
            quantity=Decimal(1),
            source=f"email:escalation:{escalation.id}",
            work_date=utcnow().date(),
            by=worker,
            note=conversation.subject[:200],
            rate_cents=mailbox.escalation_rate_cents,
        )
    return escalation


def company_answer(conversation: Conversation, *, by: User, body: str) -> Reply:
    """Company staff answer an escalated conversation in the app (no unit: not pool work)."""
    body = _require_text(body, _("Please write your answer."))
    moved = db.session.execute(
        sa.update(Conversation)
        .where(
            Conversation.id == conversation.id,
            Conversation.status == ConversationStatus.ESCALATED,
        )
        .values(status=ConversationStatus.SENDING)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise InvalidTransition(_("This conversation is not waiting for the company."))
    db.session.refresh(conversation)
    now = utcnow()
    for escalation in db.session.scalars(
        sa.select(Escalation).where(
            Escalation.conversation_id == conversation.id, Escalation.resolved_at.is_(None)
        )
    ):
        escalation.resolved_at = now
        escalation.resolved_by_id = by.id
    return replies.write_reply(conversation, kind=ReplyKind.ANSWER, body=body, author=by)


def unit_of_reply(reply: Reply) -> WorkUnit | None:
    return db.session.scalar(
        sa.select(WorkUnit).where(WorkUnit.source == f"email:reply:{reply.id}")
    )
