"""The company's money: balance and history, adding funds by card, withdrawing,
reviewing work, logging work by hand, spend, and the statement export."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext, to_user_timezone
from flask_login import current_user, login_required

from marketplace import csv_export
from marketplace.accounts.models import Company
from marketplace.auth.policies import can, ensure_can
from marketplace.charts import bar_chart
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.models import PayModel
from marketplace.money import format_money
from marketplace.onboarding.models import Engagement
from marketplace.pagination import page_arg
from marketplace.payments import funding, gateway, statements, units
from marketplace.payments.company_forms import (
    BulkApproveForm,
    FundForm,
    RejectForm,
    UnitForm,
    WithdrawForm,
)
from marketplace.payments.models import (
    Payment,
    PaymentStatus,
    UnitKind,
    UnitStatus,
    WithdrawalStatus,
    WorkUnit,
)

bp = Blueprint("balance", __name__)

UNIT_KIND_FOR = {
    PayModel.PER_EMAIL: UnitKind.EMAIL,
    PayModel.PER_ITEM: UnitKind.ITEM,
    PayModel.PER_HOUR: UnitKind.HOUR,
}
BULK_MAX = 500


@bp.context_processor
def _labels() -> dict[str, object]:
    return statements.template_globals()


def _company() -> Company:
    company = current_user.company or abort(404)
    ensure_can(current_user, "company.view_private", company)
    return company


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


# --- balance, funding, withdrawing ----------------------------------------------------


def _overview(company: Company, fund_form=None, withdraw_form=None) -> str:
    return render_template(
        "payments/balance.html",
        company=company,
        balances=statements.balances(company),
        history=statements.history(company, page_arg()),
        payments=statements.recent_payments(company),
        fund_form=fund_form or FundForm(formdata=None),
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        may_fund=can(current_user, "company.post_gigs", company),
        may_withdraw=can(current_user, "company.manage", company),
    )


@bp.route("/company/balance")
@login_required
def overview():
    return _overview(_company())


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
    company = _company()
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
    return redirect(url_for("balance.pay", payment_id=payment.id))


def _payment(payment_id: int) -> Payment:
    return statements.company_payment(_company(), payment_id) or abort(404)


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
        return_url=url_for("balance.payment_done", payment_id=payment.id),
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
    return render_template("payments/company/payment_done.html", payment=payment, awaiting=awaiting)


@bp.post("/company/balance/withdraw")
@login_required
def withdraw():
    company = _company()
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


# --- review ------------------------------------------------------------------------------


@bp.route("/company/review")
@login_required
def review():
    company = _company()
    page = page_arg()
    tab = "history" if request.args.get("tab") == "history" else "pending"
    raw_status = request.args.get("status", "")
    status = UnitStatus(raw_status) if raw_status in statements.HISTORY_STATUSES else None
    found = (
        statements.review_history(company, status, page)
        if tab == "history"
        else statements.review_queue(company, page)
    )
    return render_template(
        "payments/company/review.html",
        company=company,
        tab=tab,
        status=status,
        units=found,
        pending_count=statements.pending_count(company),
        engagements=statements.active_engagements(company),
        may_decide=can(current_user, "company.post_gigs", company),
        reject_form=RejectForm(formdata=None),
    )


def _unit(unit_id: int) -> WorkUnit:
    """The company's unit, locked for the decision (auto-approval skips locked rows)."""
    company = _company()
    unit = db.session.scalar(
        sa.select(WorkUnit)
        .where(WorkUnit.id == unit_id, WorkUnit.company_id == company.id)
        .with_for_update()
    )
    if unit is None:
        abort(404)
    ensure_can(current_user, "engagement.manage", unit.engagement)
    return unit


def _unit_text(unit: WorkUnit) -> str:
    return _(
        "%(quantity)s by %(worker)s",
        quantity=statements.quantity_text(unit.kind, unit.quantity),
        worker=unit.worker.display_name,
    )


@bp.post("/company/review/units/<int:unit_id>/approve")
@login_required
def approve(unit_id: int):
    unit = _unit(unit_id)
    try:
        units.approve(unit, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("balance.review"))
    db.session.commit()
    flash(_("Approved: %(unit)s.", unit=_unit_text(unit)), "success")
    return redirect(url_for("balance.review"))


@bp.post("/company/review/units/<int:unit_id>/reject")
@login_required
def reject(unit_id: int):
    unit = _unit(unit_id)
    form = RejectForm()
    if not form.validate():
        _flash_errors(form)
        return redirect(url_for("balance.review"))
    try:
        units.reject(unit, by=current_user, reason=form.reason.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("balance.review"))
    db.session.commit()
    flash(
        _(
            "Rejected: %(unit)s. The worker has been told why; the money stays reserved "
            "while they may dispute the rejection.",
            unit=_unit_text(unit),
        ),
        "success",
    )
    return redirect(url_for("balance.review"))


@bp.post("/company/review/approve")
@login_required
def approve_many():
    """Approve the ticked units; one unit of another company makes the whole request 404."""
    company = _company()
    ensure_can(current_user, "company.post_gigs", company)
    form = BulkApproveForm()
    if not form.validate():
        _flash_errors(form)
        return redirect(url_for("balance.review"))
    ids = set(form.unit_ids.data)
    if len(ids) > BULK_MAX:
        flash(_("Please approve at most %(max)d units at once.", max=BULK_MAX), "error")
        return redirect(url_for("balance.review"))
    outcome = units.approve_many(company.id, ids, by=current_user)
    if outcome is None:
        abort(404)
    db.session.commit()
    approved, skipped = outcome
    if approved:
        flash(ngettext("%(num)d unit approved.", "%(num)d units approved.", approved), "success")
    if skipped:
        flash(
            ngettext(
                "%(num)d unit had already been decided and was left as it is.",
                "%(num)d units had already been decided and were left as they are.",
                skipped,
            ),
            "info",
        )
    return redirect(url_for("balance.review"))


# --- logging work by hand ------------------------------------------------------------


@bp.route("/company/engagements/<int:engagement_id>/units/new", methods=["GET", "POST"])
@login_required
def new_unit(engagement_id: int):
    engagement = db.get_or_404(Engagement, engagement_id)
    ensure_can(current_user, "engagement.manage", engagement)
    kind = UNIT_KIND_FOR[engagement.pay_model]
    form = UnitForm(kind=kind)
    if form.validate_on_submit():
        try:
            unit = units.record_units(
                engagement,
                kind=kind,
                quantity=form.quantity.data,
                source=form.source,
                work_date=form.work_date.data,
                by=current_user,
                note=form.note.data or "",
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(
                _(
                    "Recorded: %(unit)s. %(total)s is reserved until you review it.",
                    unit=_unit_text(unit),
                    total=format_money(unit.total_cents),
                ),
                "success",
            )
            return redirect(url_for("balance.review"))
    return render_template(
        "payments/company/new_unit.html",
        engagement=engagement,
        kind=kind,
        form=form,
        balances=statements.balances(engagement.gig.company),
    )


# --- spend and statements -----------------------------------------------------------


@bp.route("/company/spend")
@login_required
def spend():
    company = _company()
    period = request.args.get("period", "day")
    period = period if period in statements.PERIOD_COUNTS else "day"
    by = request.args.get("by", "gig")
    by = by if by in statements.GROUPINGS else "gig"
    report = statements.spend(company, period=period, by=by)
    chart = bar_chart(
        report.chart_points,
        title=_("Approved work per period, worker pay and fee"),
        value_text=format_money,
    )
    return render_template("payments/company/spend.html", report=report, chart=chart)


def _decimal(cents: int) -> str:
    """Cents as a plain decimal for spreadsheets: -1.15, 12.50."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _statement_lines(company: Company) -> Iterator[str]:
    line = csv_export.line
    yield line(
        [_("Date"), _("Transaction"), _("Kind"), _("What happened"), _("Reference"),
         _("Account"), _("Amount"), _("Balance after"), _("Currency")]
    )  # fmt: skip
    for movement in statements.statement(company):
        yield line(
            [
                to_user_timezone(movement.created_at).isoformat(timespec="seconds"),
                movement.transaction_id,
                movement.kind,
                movement.label,
                movement.reference,
                str(statements.ACCOUNT_LABELS[movement.account]),
                _decimal(movement.amount_cents),
                _decimal(movement.balance_after),
                "EUR",
            ]
        )


@bp.route("/company/statements.csv")
@login_required
def statement_csv():
    company = _company()
    filename = f"nebendesk-statement-{company.id}-{utcnow():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(_statement_lines(company)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
