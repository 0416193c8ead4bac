"""What a company's balance must cover before work starts.

Hiring needs the first work paid for: ``HIRE_FUNDED_HOURS`` hours of an hourly
gig, ``HIRE_FUNDED_UNITS`` emails or items of the others, at the rate the
engagement will get, platform fee included, out of the balance that work
waiting for funds does not already need (``units.spendable``). Nothing is
reserved at hiring: the money is reserved when work is recorded
(``units.record_units``), so a company that spends it elsewhere sees the work
wait, not lost.
"""

from __future__ import annotations

from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _

from marketplace.errors import DomainError
from marketplace.gigs.models import Gig, PayModel
from marketplace.money import format_money
from marketplace.payments import funding, units
from marketplace.payments.models import UnitKind
from marketplace.payments.statements import quantity_text

UNIT_KIND_FOR = {
    PayModel.PER_EMAIL: UnitKind.EMAIL,
    PayModel.PER_ITEM: UnitKind.ITEM,
    PayModel.PER_HOUR: UnitKind.HOUR,
}


class FundingRequired(DomainError):
    """The balance does not cover the first work; ``top_up_cents`` is what to add."""

    def __init__(self, message: str, *, missing_cents: int, top_up_cents: int) -> None:
        super().__init__(message)
        self.missing_cents = missing_cents
        self.top_up_cents = top_up_cents


def first_work(pay_model: PayModel) -> Decimal:
    """How much work hiring must see paid for: hours, or emails / items."""
    config = current_app.config
    if pay_model == PayModel.PER_HOUR:
        return Decimal(config["HIRE_FUNDED_HOURS"])
    return Decimal(config["HIRE_FUNDED_UNITS"])


def first_work_cost(rate_cents: int, pay_model: PayModel) -> int:
    """The first work's price as recording it would reserve it (worker pay + fee)."""
    amount = units.cents(Decimal(rate_cents) * first_work(pay_model))
    return amount + units.fee_for(amount)


def hire_shortfall(gig: Gig) -> int:
    """Cents missing before the company can hire into ``gig`` (0: it can)."""
    cost = first_work_cost(gig.rate_cents, gig.pay_model)
    return max(0, cost - units.spendable(gig.company_id))


def require_first_work_funded(gig: Gig) -> None:
    """Raise FundingRequired (saying how much to add) unless the balance covers the
    gig's first work."""
    missing = hire_shortfall(gig)
    if not missing:
        return
    top_up = funding.clamp_amount(missing)  # at least the smallest card top-up
    raise FundingRequired(
        _(
            "To hire, your balance must cover the first %(work)s at %(rate)s (%(cost)s with "
            "the fee), and it lacks %(missing)s. Please add %(amount)s to your balance, then "
            "hire.",
            work=quantity_text(UNIT_KIND_FOR[gig.pay_model], first_work(gig.pay_model)),
            rate=format_money(gig.rate_cents, gig.currency),
            cost=format_money(first_work_cost(gig.rate_cents, gig.pay_model), gig.currency),
            missing=format_money(missing, gig.currency),
            amount=format_money(top_up, gig.currency),
        ),
        missing_cents=missing,
        top_up_cents=top_up,
    )
