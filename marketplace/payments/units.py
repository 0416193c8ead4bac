"""Work units: record (reserving the company's money), review, dispute.

The single entry point for paid work is ``record_units``; the email pool,
timesheets and the company's manual entries all call it. Recording reserves
amount + platform fee from the company's available balance. Work the balance
cannot cover is never thrown away: it is kept as a *waiting* unit (nothing
reserved), and ``count_waiting`` counts it — in the order recorded, each unit
once — when funds arrive (the funding webhook, and ``flask payouts
auto-approve`` from cron). While work waits, new work waits behind it, and the
work pool stops handing out work (``can_cover``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.models import Company, User
from marketplace.audit.services import record
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition, require_transition
from marketplace.extensions import db
from marketplace.growth import terms
from marketplace.mail.services import queue_email
from marketplace.money import format_money
from marketplace.onboarding.models import Engagement, EngagementStatus
from marketplace.payments import ledger, unit_labels
from marketplace.payments.models import (
    UNIT_TRANSITIONS,
    AccountKind,
    UnitKind,
    UnitStatus,
    WorkUnit,
)
from marketplace.reasons import require_reason
from marketplace.urls import absolute_url

QUANTITY_MAX = Decimal("1000")


def cents(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def fee_for(amount_cents: int) -> int:
    """The platform's fee on top of the worker's amount (PLATFORM_FEE_PERCENT, rounded half up)."""
    return cents(Decimal(amount_cents) * current_app.config["PLATFORM_FEE_PERCENT"] / 100)


def price(engagement: Engagement, quantity: Decimal) -> tuple[int, int]:
    """(worker's amount, platform fee) in cents for ``quantity`` units at the engagement's rate."""
    amount = cents(Decimal(engagement.rate_cents) * quantity)
    return amount, fee_for(amount)


def waiting_total(company_id: int) -> int:
    """What the company's work waiting for funds costs (worker pay + fee)."""
    return int(
        db.session.scalar(
            sa.select(
                sa.func.coalesce(sa.func.sum(WorkUnit.amount_cents + WorkUnit.fee_cents), 0)
            ).where(WorkUnit.status == UnitStatus.WAITING, WorkUnit.company_id == company_id)
        )
        or 0
    )


def spendable(company_id: int) -> int:
    """The available balance less what work waiting for funds already needs
    (negative when the waiting work needs more than is available)."""
    return ledger.balance(AccountKind.COMPANY_AVAILABLE, company_id) - waiting_total(company_id)


def can_cover(company: Company, total_cents: int) -> bool:
    return spendable(company.id) >= total_cents


def _set_status(unit: WorkUnit, target: UnitStatus) -> None:
    require_transition(unit.status, target, UNIT_TRANSITIONS)
    unit.status = target


def record_units(
    engagement: Engagement,
    *,
    kind: UnitKind,
    quantity: Decimal,
    source: str,
    work_date: date,
    by: User,
    note: str = "",
    rate_cents: int | None = None,
) -> WorkUnit:
    """Record paid work and reserve its money. ``source`` names the work uniquely
    (e.g. "email:<message id>"), so the same work is never recorded twice.
    The rate is the one the engagement's terms held on ``work_date``
    (``growth.terms.rate_on``: work done before an accepted offer keeps the old rate);
    ``rate_cents`` overrides it (e.g. a mailbox's escalation rate).

    When the company's balance cannot cover the work, or older work already waits
    for funds, the unit is kept with status WAITING and nothing reserved."""
    if engagement.status != EngagementStatus.ACTIVE:
        raise InvalidTransition(_("This engagement is not active; no work can be recorded."))
    quantity = Decimal(quantity)
    if not Decimal("0") < quantity <= QUANTITY_MAX:
        raise DomainError(
            _("The quantity must be more than 0 and at most %(max)s.", max=QUANTITY_MAX)
        )
    if quantity != quantity.quantize(Decimal("0.01")):
        raise DomainError(_("Please use at most two decimal places for the quantity."))
    if work_date > utcnow().date():
        raise DomainError(_("Work cannot be recorded for a day in the future."))
    if work_date < engagement.started_at.date():
        raise DomainError(_("Work cannot be recorded for a day before the hiring."))
    if db.session.scalar(sa.select(WorkUnit.id).where(WorkUnit.source == source)) is not None:
        raise DomainError(_("This work has already been recorded."))
    rate = terms.rate_on(engagement, work_date) if rate_cents is None else rate_cents
    amount = cents(Decimal(rate) * quantity)
    fee = fee_for(amount)
    gig = engagement.gig
    unit = WorkUnit(
        engagement_id=engagement.id,
        company_id=gig.company_id,
        worker_id=engagement.worker_id,
        gig_id=gig.id,
        kind=kind,
        quantity=quantity,
        rate_cents=rate,
        amount_cents=amount,
        fee_cents=fee,
        currency=engagement.currency,
        work_date=work_date,
        note=note.strip(),
        source=source,
        recorded_by_id=by.id,
        status=UnitStatus.PENDING,
        review_due_at=_review_due(),  # from when it is counted, if it waits for funds
    )
    db.session.add(unit)
    db.session.flush()
    if waiting_total(gig.company_id):
        unit.status = UnitStatus.WAITING  # behind older work that waits for funds
        return unit
    try:
        _reserve(unit)
    except ledger.InsufficientFunds:
        unit.status = UnitStatus.WAITING
    return unit


def _reserve(unit: WorkUnit) -> None:
    ledger.post(
        "unit.reserve",
        reference=("unit", unit.id),
        moves=[
            (ledger.account(AccountKind.COMPANY_AVAILABLE, unit.company_id), -unit.total_cents),
            (ledger.account(AccountKind.COMPANY_RESERVED, unit.company_id), unit.total_cents),
        ],
    )


def waiting_reason(unit: WorkUnit) -> str:
    """Why the unit waits, in the viewer's language."""
    return _(
        "The company's balance could not cover this work (%(amount)s with the fee) when it "
        "was recorded. It is kept and counted as soon as the company adds funds.",
        amount=format_money(unit.total_cents, unit.currency),
    )


def count_waiting(company_id: int) -> int:
    """Count the company's work that waits for funds, oldest first, as far as the
    available balance covers it; stop at the first unit it cannot cover, so work is
    counted in the order recorded. A conditional UPDATE ("still waiting?") claims each
    unit, so parallel runs never count one twice. Returns how many were counted."""
    waiting = db.session.scalars(
        sa.select(WorkUnit)
        .where(WorkUnit.company_id == company_id, WorkUnit.status == UnitStatus.WAITING)
        .order_by(WorkUnit.id)
        .with_for_update()
    ).all()
    counted = 0
    for unit in waiting:
        try:
            with db.session.begin_nested():
                claimed = db.session.execute(
                    sa.update(WorkUnit)
                    .where(WorkUnit.id == unit.id, WorkUnit.status == UnitStatus.WAITING)
                    .values(status=UnitStatus.PENDING, review_due_at=_review_due())
                    .execution_options(synchronize_session=False)
                ).rowcount
                if claimed:
                    _reserve(unit)
        except ledger.InsufficientFunds:
            db.session.expire(unit)
            break
        db.session.refresh(unit)
        counted += 1 if claimed else 0
    return counted


def count_all_waiting() -> int:
    """``count_waiting`` for every company with waiting work (cron-safe)."""
    companies = db.session.scalars(
        sa.select(WorkUnit.company_id)
        .where(WorkUnit.status == UnitStatus.WAITING)
        .distinct()
        .order_by(WorkUnit.company_id)
    ).all()
    return sum(count_waiting(company_id) for company_id in companies)


def _review_due() -> datetime:
    return utcnow() + timedelta(hours=current_app.config["REVIEW_WINDOW_HOURS"])


def approve(unit: WorkUnit, *, by: User | None, auto: bool = False) -> None:
    """The company (or the review window's end) accepts the work: pay the worker."""
    before = unit.status.value
    _set_status(unit, UnitStatus.APPROVED)
    unit.decided_at = utcnow()
    unit.decided_by_id = by.id if by else None
    unit.auto_approved = auto
    ledger.post(
        "unit.approve",
        reference=("unit", unit.id),
        moves=[
            (ledger.account(AccountKind.COMPANY_RESERVED, unit.company_id), -unit.total_cents),
            (ledger.account(AccountKind.WORKER_PAYABLE, unit.worker_id), unit.amount_cents),
            (ledger.account(AccountKind.PLATFORM_FEES), unit.fee_cents),
        ],
    )
    if by is not None:
        record(
            actor=by,
            action="unit.approve",
            object_type="unit",
            object_id=unit.id,
            before={"status": before},
            after={"status": unit.status.value},
        )


def approve_many(company_id: int, unit_ids: set[int], *, by: User) -> tuple[int, int] | None:
    """Approve the company's pending units among ``unit_ids``: (approved, already decided).
    None, and nothing changed, if any id is not one of this company's units."""
    found = db.session.scalars(
        sa.select(WorkUnit)
        .where(WorkUnit.id.in_(unit_ids), WorkUnit.company_id == company_id)
        .order_by(WorkUnit.id)
        .with_for_update()
    ).all()
    if len(found) != len(unit_ids):
        return None
    pending = [unit for unit in found if unit.status == UnitStatus.PENDING]
    for unit in pending:
        approve(unit, by=by)
    return len(pending), len(found) - len(pending)


def reject(unit: WorkUnit, *, by: User, reason: str) -> None:
    """The company refuses the work. The money stays reserved while the worker may
    dispute (DISPUTE_WINDOW_DAYS); then it is the company's again."""
    reason = require_reason(reason, message=_("Please tell the worker why."))
    if unit.status == UnitStatus.PENDING and utcnow() > unit.review_due_at:
        # The review window is over: the work counts as approved (auto-approve may
        # simply not have run yet), so it can no longer be rejected.
        raise InvalidTransition(
            _("The review window for this work has ended; it is approved automatically.")
        )
    _set_status(unit, UnitStatus.REJECTED)
    unit.decided_at = utcnow()
    unit.decided_by_id = by.id
    unit.rejection_reason = reason
    record(
        actor=by,
        action="unit.reject",
        object_type="unit",
        object_id=unit.id,
        before={"status": UnitStatus.PENDING.value},
        after={"status": UnitStatus.REJECTED.value},
        reason=reason,
    )
    worker = unit.worker
    queue_email(
        to=worker.email,
        template="payments/unit_rejected",
        locale=worker.locale,
        user=worker,
        unit=unit,
        # Called while the email is rendered, so in the worker's language.
        work_text=unit_labels.work_text,
        rate_text=unit_labels.rate_text,
        reason=reason,
        dispute_until=dispute_deadline(unit),
        link=absolute_url("earnings.overview"),
    )


def dispute_deadline(unit: WorkUnit) -> datetime:
    return unit.decided_at + timedelta(days=current_app.config["DISPUTE_WINDOW_DAYS"])


def dispute(unit: WorkUnit, *, by: User, note: str) -> None:
    note = require_reason(note, message=_("Please explain why the work should be paid."))
    # A rejection voided after the window reads the same to the worker: too late.
    too_late = unit.status in (UnitStatus.REJECTED, UnitStatus.VOIDED) and unit.disputed_at is None
    if too_late and utcnow() > dispute_deadline(unit):
        raise InvalidTransition(
            _("The time to dispute this rejection has passed (%(days)d days).",
              days=current_app.config["DISPUTE_WINDOW_DAYS"])
        )  # fmt: skip
    _set_status(unit, UnitStatus.DISPUTED)
    unit.dispute_note = note
    unit.disputed_at = utcnow()
    record(
        actor=by,
        action="unit.rejection_disputed",
        object_type="unit",
        object_id=unit.id,
        before={"status": UnitStatus.REJECTED.value},
        after={"status": UnitStatus.DISPUTED.value},
        reason=note,
    )


def _void(unit: WorkUnit) -> None:
    _set_status(unit, UnitStatus.VOIDED)
    ledger.post(
        "unit.void",
        reference=("unit", unit.id),
        moves=[
            (ledger.account(AccountKind.COMPANY_RESERVED, unit.company_id), -unit.total_cents),
            (ledger.account(AccountKind.COMPANY_AVAILABLE, unit.company_id), unit.total_cents),
        ],
    )


def decide_dispute(unit: WorkUnit, *, by: User, pay_worker: bool, note: str) -> None:
    """An admin's decision on a disputed rejection; either outcome is recorded."""
    note = require_reason(note)
    if unit.status != UnitStatus.DISPUTED:
        raise InvalidTransition(_("This unit is not disputed."))
    if pay_worker:
        approve(unit, by=None)
        unit.decided_by_id = by.id
    else:
        _void(unit)
    unit.dispute_decision = note
    record(
        actor=by,
        action="unit.dispute_for_worker" if pay_worker else "unit.dispute_for_company",
        object_type="unit",
        object_id=unit.id,
        before={"status": UnitStatus.DISPUTED.value},
        after={"status": unit.status.value},
        reason=note,
    )
    worker = unit.worker
    queue_email(
        to=worker.email,
        template="payments/dispute_decided",
        locale=worker.locale,
        user=worker,
        unit=unit,
        pay_worker=pay_worker,
        note=note,
        link=absolute_url("earnings.overview"),
    )


def auto_approve_due(now: datetime | None = None) -> int:
    """Approve pending units whose review window is over (cron-safe; returns how many)."""
    now = now or utcnow()
    units = db.session.scalars(
        sa.select(WorkUnit)
        .where(WorkUnit.status == UnitStatus.PENDING, WorkUnit.review_due_at <= now)
        .order_by(WorkUnit.id)
        .with_for_update(skip_locked=True)
    ).all()
    for unit in units:
        approve(unit, by=None, auto=True)
    return len(units)


def void_expired_rejections(now: datetime | None = None) -> int:
    """Rejections nobody disputed in time become final: the money is the company's again."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["DISPUTE_WINDOW_DAYS"])
    units = db.session.scalars(
        sa.select(WorkUnit)
        .where(WorkUnit.status == UnitStatus.REJECTED, WorkUnit.decided_at <= cutoff)
        .order_by(WorkUnit.id)
        .with_for_update(skip_locked=True)
    ).all()
    for unit in units:
        _void(unit)
    return len(units)
