"""What a work unit is, in words, wherever units are listed (the company's review,
the worker's earnings and inbox, disputes): its kind ("answered email",
"escalation", "moderated item · <community>", "hours"), its quantity, its rate,
the date by which the company must decide — and its three amounts (worker pay +
fee = total), taken from one place so every page shows the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from marketplace.money import format_money
from marketplace.payments.models import UnitKind, UnitStatus, WorkUnit
from marketplace.payments.statements import quantity_text

MODERATION_SOURCE = "moderation-item:"
MODERATION_NOTE = "moderated item · "  # the note decisions.unit_note stores (English)
REPLY_SOURCE = "email:reply:"
ESCALATION_SOURCE = "email:escalation:"
TIMESHEET_SOURCE = "timesheet:"
REVIEW_SOURCE = "review:"  # a team lead's review, paid once per reviewed unit


def review_source(unit: WorkUnit) -> str:
    """The source of the team lead's pay for reviewing ``unit`` (unique: paid once)."""
    return f"{REVIEW_SOURCE}{unit.id}"


# What the review's "kind" filter offers: the unit's kind, escalations apart from answers.
KIND_FILTERS = ("email", "escalation", "item", "hour", "review")


def is_moderated_item(unit: WorkUnit) -> bool:
    return unit.kind == UnitKind.ITEM and (unit.source or "").startswith(MODERATION_SOURCE)


def is_escalation(unit: WorkUnit) -> bool:
    return unit.kind == UnitKind.EMAIL and (unit.source or "").startswith(ESCALATION_SOURCE)


def source_id(unit: WorkUnit, prefix: str) -> int | None:
    """The id the unit's source names after ``prefix`` (None for other sources)."""
    source = unit.source or ""
    if not source.startswith(prefix):
        return None
    tail = source[len(prefix) :]
    return int(tail) if tail.isdigit() else None


def kind_text(unit: WorkUnit) -> str:
    """What the unit pays for, in the viewer's language (without the quantity)."""
    if is_moderated_item(unit):
        return _("moderated item")
    if is_escalation(unit):
        return _("escalation")
    if unit.kind == UnitKind.EMAIL:
        return _("answered email")
    if unit.kind == UnitKind.ITEM:
        return _("moderated item")
    if unit.kind == UnitKind.REVIEW:
        return _("review as team lead")
    return _("hours")


def kind_key(unit: WorkUnit) -> str:
    """The unit's entry of ``KIND_FILTERS``: escalations apart from answered emails."""
    return "escalation" if is_escalation(unit) else str(unit.kind)


def kind_filter_label(value: str) -> str:
    return {
        "email": _("Answered emails"),
        "escalation": _("Escalations"),
        "item": _("Moderated items"),
        "hour": _("Hours"),
        "review": _("Reviews by team leads"),
    }[value]


def work_text(unit: WorkUnit) -> str:
    """The unit's work in the viewer's language: "escalation · 1 email", "moderated
    item · <community>", "2 emails", "1.5 hours"."""
    if is_moderated_item(unit):
        note = unit.note or ""
        community = note[len(MODERATION_NOTE) :] if note.startswith(MODERATION_NOTE) else note
        if community:
            return _("moderated item · %(community)s", community=community)
        return _("moderated item")
    if is_escalation(unit):
        return _("escalation · %(quantity)s", quantity=quantity_text(unit.kind, unit.quantity))
    return quantity_text(unit.kind, unit.quantity)


def note_text(unit: WorkUnit) -> str:
    """The unit's note, unless it only repeats what ``work_text`` says."""
    return "" if is_moderated_item(unit) else (unit.note or "")


def rate_text(unit: WorkUnit) -> str:
    """The rate the unit was priced at: "€0.30 per email", "€12.00 per hour"."""
    rate = format_money(unit.rate_cents, unit.currency)
    if unit.kind == UnitKind.HOUR:
        return _("%(rate)s per hour", rate=rate)
    if unit.kind == UnitKind.ITEM:
        return _("%(rate)s per item", rate=rate)
    if unit.kind == UnitKind.REVIEW:
        return _("%(rate)s per reviewed unit", rate=rate)
    if is_escalation(unit):
        return _("%(rate)s per escalation", rate=rate)
    return _("%(rate)s per email", rate=rate)


def decide_by(unit: WorkUnit) -> datetime | None:
    """When the company's review ends: the unit is approved automatically once this
    time has come (``units.auto_approve_due``). None once decided, or while the unit
    waits for funds (its window starts when it is counted)."""
    return unit.review_due_at if unit.status == UnitStatus.PENDING else None


@dataclass(frozen=True)
class Amounts:
    """A unit's money: what the worker gets, the platform's fee, what the company pays."""

    pay: int
    fee: int
    currency: str

    @property
    def total(self) -> int:
        return self.pay + self.fee


def amounts(unit: WorkUnit) -> Amounts:
    """The one place every page takes a unit's three figures from."""
    return Amounts(pay=unit.amount_cents, fee=unit.fee_cents, currency=unit.currency)


def template_globals() -> dict[str, object]:
    return {
        "work_text": work_text,
        "note_text": note_text,
        "kind_text": kind_text,
        "is_escalation": is_escalation,
        "is_moderated_item": is_moderated_item,
        "rate_text": rate_text,
        "decide_by": decide_by,
        "unit_amounts": amounts,
    }
