"""The worker's money: earnings, the Stripe connection, payouts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.auth.policies import ensure_can
from marketplace.extensions import db
from marketplace.payments import gateway, ledger, payouts
from marketplace.payments.models import AccountKind

bp = Blueprint("earnings", __name__)


@bp.route("/earnings")
@login_required
def overview():
    ensure_can(current_user, "seeker.profile")
    return render_template(
        "payments/earnings.html",
        payable=ledger.balance(AccountKind.WORKER_PAYABLE, current_user.id),
        in_transit=ledger.balance(AccountKind.WORKER_IN_TRANSIT, current_user.id),
        connected=payouts.connected_account_for(current_user),
    )


@bp.post("/earnings/connect")
@login_required
def connect():
    ensure_can(current_user, "seeker.profile")
    try:
        url = payouts.onboarding_link(current_user)
    except gateway.StripeError:
        db.session.rollback()
        flash(_("Stripe could not be reached. Please try again in a moment."), "error")
        return redirect(url_for("earnings.overview"))
    db.session.commit()
    return redirect(url)


@bp.route("/earnings/connect/return")
@login_required
def connect_return():
    """Stripe sends the worker back here after onboarding."""
    ensure_can(current_user, "seeker.profile")
    try:
        connected = payouts.refresh_account(current_user)
    except gateway.StripeError:
        connected = None
    db.session.commit()
    if connected is not None and connected.payouts_enabled:
        flash(_("Your Stripe account is connected. Payouts will reach it."), "success")
    else:
        flash(_("Your Stripe account is not complete yet."), "info")
    return redirect(url_for("earnings.overview"))


@bp.route("/earnings/connect/refresh")
@login_required
def connect_refresh():
    """Stripe sends the worker here when an onboarding link expired: make a new one."""
    ensure_can(current_user, "seeker.profile")
    return redirect(url_for("earnings.overview"))
