"""The company's money: balance, adding funds by card, withdrawing, reviewing work."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from marketplace.auth.policies import ensure_can
from marketplace.payments import ledger
from marketplace.payments.models import AccountKind

bp = Blueprint("balance", __name__)


def _company():
    company = current_user.company or abort(404)
    ensure_can(current_user, "company.view_private", company)
    return company


@bp.route("/company/balance")
@login_required
def overview():
    company = _company()
    return render_template(
        "payments/balance.html",
        company=company,
        available=ledger.balance(AccountKind.COMPANY_AVAILABLE, company.id),
        reserved=ledger.balance(AccountKind.COMPANY_RESERVED, company.id),
    )
