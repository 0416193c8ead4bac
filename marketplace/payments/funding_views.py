"""The company's balance page: balances and history, adding funds by card (with a
way back to where the company came from, e.g. hiring), canceling a card payment
nobody finished, and withdrawing unused money. Routes on the ``balance``
blueprint of ``company_views``."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.forms import EmptyForm
from marketplace.accounts.models import Company
from marketplace.auth.policies import can, ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.money import format_money
from marketplace.pagination import page_arg
from marketplace.payments import funding, gateway, history, statements
from marketplace.payments.company_forms import FundForm, WithdrawForm
from marketplace.payments.company_views import bp, own_company
from marketplace.payments.models import Payment, PaymentStatus, WithdrawalStatus
from marketplace.urls import safe_next


def _overview(company: Company, fund_form=None, withdraw_form=None) -> str:
    return render_template(
        "payments/balance.html",
        company=company,
        balances=statements.balances(company),
        history=history.history(company, page_arg()),
        payments=statements.recent_payments(company),
        fund_form=fund_form or FundForm(formdata=None),
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        may_fund=can(current_user, "company.post_gigs", company),
        may_withdraw=can(current_user, "company.manage", company),
    )


def _next() -> str:
    """The local page to return to after paying (``next``), or ""."""
    return safe_next(request.values.get("next"), "")


@bp.route("/company/balance")
@login_required
def overview():
    """``?amount=<cents>&next=<path>`` prefills the add-funds form (e.g. from hiring)."""
    amount = request.args.get("amount", type=int)
    prefill = funding.clamp_amount(amount) if amount else None
    return _overview(own_company(), fund_form=FundForm(formdata=None, amount=prefill, next=_next()))


def _create_intent(payment: Payment) -> bool:
    """Ask Stripe for the payment's PaymentIntent; False (and a message) if it cannot."""
    try:
        funding.create_intent(payment, by=current_user)
    except gateway.StripeError:
        db.session.rollback()
        flash(
            _(
                "Stripe could not be reached, so the card form cannot open yet. "
                "Nothing was charged. Please try again in a moment."
            ),
            "error",
        )
        return False
    db.session.commit()
    return True


@bp.post("/company/balance/fund")
@login_required
def fund():
    company = own_company()
    ensure_can(current_user, "company.post_gigs", company)
    form = FundForm()
    if not form.validate():
        return _overview(company, fund_form=form)
    try:
        payment = funding.start_funding(company, amount_cents=form.amount.data, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        form.amount.errors.append(exc.message)
        return _overview(company, fund_form=form)
    db.session.commit()
    if not _create_intent(payment):  # the payment stays; its card form retries
        return redirect(url_for("balance.overview"))
    return redirect(url_for("balance.pay", payment_id=payment.id, next=_next() or None))


def _payment(payment_id: int) -> Payment:
    return statements.company_payment(own_company(), payment_id) or abort(404)


@bp.route("/company/balance/payments/<int:payment_id>")
@login_required
def pay(payment_id: int):
    """The card form. Creates the PaymentIntent if an earlier try could not reach Stripe."""
    payment = _payment(payment_id)
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED):
        return redirect(url_for("balance.payment_done", payment_id=payment.id))
    ensure_can(current_user, "company.post_gigs", payment.company)
    if not payment.client_secret and not _create_intent(payment):
        payment = _payment(payment_id)
    return render_template(
        "payments/company/pay.html",
        payment=payment,
        return_url=url_for("balance.payment_done", payment_id=payment.id, next=_next() or None),
        cancel_form=EmptyForm(),
    )


@bp.route("/company/balance/payments/<int:payment_id>/done")
@login_required
def payment_done(payment_id: int):
    """Where the card form leads: the payment's state as the webhook left it. Coming
    straight from a confirmed card form, an earlier attempt's failure is stale: the
    page waits for Stripe's word on this attempt instead of showing it."""
    payment = _payment(payment_id)
    confirmed = request.args.get("confirmed") == "1"
    awaiting = payment.status == PaymentStatus.CREATED or (
        confirmed and payment.status == PaymentStatus.FAILED
    )
    if payment.status == PaymentStatus.SUCCEEDED and _next():
        flash(
            _(
                "Payment of %(amount)s received and credited to your balance.",
                amount=format_money(payment.amount_cents, payment.currency),
            ),
            "success",
        )
        return redirect(_next())  # back where the company came from, e.g. to hire
    return render_template(
        "payments/company/payment_done.html", payment=payment, awaiting=awaiting, next=_next()
    )


@bp.post("/company/balance/payments/<int:payment_id>/cancel")
@login_required
def cancel_payment(payment_id: int):
    """Cancel a card payment nobody finished (its PaymentIntent at Stripe too)."""
    payment = _payment(payment_id)
    ensure_can(current_user, "company.post_gigs", payment.company)
    try:
        canceled = funding.cancel_payment(payment, by=current_user, reason="requested_by_customer")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("balance.overview"))
    db.session.commit()
    amount = format_money(payment.amount_cents, payment.currency)
    if canceled:
        flash(_("The card payment of %(amount)s is canceled.", amount=amount), "success")
        return redirect(url_for("balance.overview"))
    flash(
        _(
            "Stripe says the card payment of %(amount)s was already paid, so it cannot be "
            "canceled. Your balance is credited as soon as Stripe confirms it.",
            amount=amount,
        ),
        "info",
    )
    return redirect(url_for("balance.payment_done", payment_id=payment.id))


@bp.post("/company/balance/withdraw")
@login_required
def withdraw():
    company = own_company()
    ensure_can(current_user, "company.manage", company)
    form = WithdrawForm()
    if not form.validate():
        return _overview(company, withdraw_form=form)
    try:
        withdrawal = funding.withdraw(company, amount_cents=form.amount.data, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        form.amount.errors.append(exc.message)
        return _overview(company, withdraw_form=form)
    db.session.commit()  # the refunds' rows exist before Stripe is asked
    funding.complete_withdrawal(withdrawal)
    db.session.commit()
    refunded = sum(r.amount_cents for r in withdrawal.refunds if r.status == WithdrawalStatus.DONE)
    if refunded:
        flash(
            _("%(amount)s is on its way back to your card.", amount=format_money(refunded)),
            "success",
        )
    if refunded < withdrawal.amount_cents:
        flash(
            _(
                "Stripe could not refund %(amount)s; it is back in your available balance. "
                "Please try again later.",
                amount=format_money(withdrawal.amount_cents - refunded),
            ),
            "error",
        )
    return redirect(url_for("balance.overview"))
