"""The admin's money pages: disputes, payout runs, failed transfers, the ledger
check, platform revenue and companies whose rejection rate stands out."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from marketplace import jobs
from marketplace.auth.policies import can
from marketplace.charts import bar_chart
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.money import format_money
from marketplace.pagination import page_arg
from marketplace.payments import admin_queries as queries
from marketplace.payments import earnings_queries, payouts, unit_labels, units
from marketplace.payments.admin_forms import ActionForm, DisputeDecisionForm
from marketplace.payments.models import WorkUnit

bp = Blueprint("payments_admin", __name__, url_prefix="/admin/payments")


@bp.before_request
def only_admins():
    if not can(current_user, "admin.access"):
        abort(404)


@bp.context_processor
def _labels() -> dict[str, object]:
    return {
        **earnings_queries.template_globals(),
        **unit_labels.template_globals(),
        "percent_text": queries.percent_text,
    }


def _page() -> int:
    return page_arg()


@bp.route("/")
def overview():
    months = queries.fees_per_month()
    return render_template(
        "payments/admin/overview.html",
        months=months,
        chart=bar_chart(
            [(m.label, m.cents) for m in months],
            title=_("Platform fees per month"),
            value_text=format_money,
        ),
        action_form=ActionForm(),
        **queries.summary(),
    )


@bp.route("/disputes")
def disputes():
    return render_template(
        "payments/admin/disputes.html",
        page=queries.disputes(page=_page()),
        form=DisputeDecisionForm(),
    )


@bp.post("/disputes/<int:unit_id>/decide")
def decide_dispute(unit_id: int):
    unit = db.get_or_404(WorkUnit, unit_id)
    form = DisputeDecisionForm()
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("payments_admin.disputes", _anchor=f"unit-{unit.id}"))
    try:
        units.decide_dispute(unit, by=current_user, pay_worker=form.pay_worker, note=form.note.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        if form.pay_worker:
            message = _(
                "Decided: the worker is paid %(amount)s and has been told.",
                amount=format_money(unit.amount_cents, unit.currency),
            )
        else:
            message = _("Decided: the rejection stands, the company gets its money back.")
        flash(message, "success")
    return redirect(url_for("payments_admin.disputes"))


@bp.route("/runs")
def runs():
    return render_template(
        "payments/admin/runs.html",
        page=queries.runs(page=_page()),
        pending=queries.pending_payout_count(),
        action_form=ActionForm(),
    )


@bp.post("/runs")
def start_run():
    """Pay everyone who is due now (commits as it goes). With Redis configured the run
    goes to a worker, so a run over thousands of workers never holds a request."""
    if not current_app.config["JOBS_INLINE"]:
        jobs.enqueue(payouts.run_payouts_job, current_user.id)
        flash(_("The payout run has started; its result appears in this list."), "info")
        return redirect(url_for("payments_admin.runs"))
    run = payouts.run_payouts(by=current_user)
    flash(
        ngettext(
            "Payout run finished: %(num)d payout sent (%(amount)s), %(failed)d failed.",
            "Payout run finished: %(num)d payouts sent (%(amount)s), %(failed)d failed.",
            run.paid_count,
            amount=format_money(run.paid_cents),
            failed=run.failed_count,
        ),
        "error" if run.failed_count else "success",
    )
    pending = queries.pending_payout_count()
    if pending:
        flash(
            ngettext(
                "%(num)d payout could not be sent yet (Stripe did not answer); "
                "the next run sends it with the same key.",
                "%(num)d payouts could not be sent yet (Stripe did not answer); "
                "the next run sends them with the same keys.",
                pending,
            ),
            "info",
        )
    return redirect(url_for("payments_admin.runs"))


@bp.route("/failed")
def failed():
    return render_template("payments/admin/failed.html", page=queries.failed_payouts(page=_page()))


@bp.post("/check")
def check():
    """Run the ledger check now and show its result (nothing is written to the database)."""
    return render_template(
        "payments/admin/check.html", result=queries.run_ledger_check(by=current_user.email)
    )


@bp.route("/rejections")
def rejections():
    return render_template(
        "payments/admin/rejections.html",
        report=queries.rejection_rates(),
        min_decided=queries.MIN_DECIDED,
    )
