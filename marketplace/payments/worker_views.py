"""The worker's money: earnings, disputes, timesheets, the Stripe connection, payouts."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.auth.policies import ensure_can
from marketplace.charts import bar_chart
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.models import PayModel
from marketplace.money import format_money
from marketplace.onboarding.models import Engagement
from marketplace.pagination import page_arg
from marketplace.payments import earnings_queries as queries
from marketplace.payments import gateway, payouts, unit_labels, units, work_links
from marketplace.payments.models import UnitKind, UnitStatus, WorkUnit
from marketplace.payments.worker_forms import DisputeForm, TimesheetForm

bp = Blueprint("earnings", __name__)


@bp.context_processor
def _labels() -> dict[str, object]:
    return {**queries.template_globals(), **unit_labels.template_globals()}


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


@bp.route("/earnings")
@login_required
def overview():
    ensure_can(current_user, "seeker.profile")
    days = queries.per_day(current_user)
    found = queries.units(current_user, page=page_arg())
    connected = payouts.connected_account_for(current_user)
    return render_template(
        "payments/earnings.html",
        totals=queries.totals(current_user),
        days=days,
        chart=bar_chart(
            queries.chart_points(days),
            title=_("Earnings per day, last 30 days"),
            value_text=format_money,
        ),
        gigs=queries.per_gig(current_user),
        page=found,
        links=work_links.worker_links(current_user, found.items),
        payouts=queries.payouts(current_user),
        hourly=queries.hourly_engagements(current_user),
        connected=connected,
        connection=queries.connection_state(connected),
        min_payout=queries.min_payout_cents(),
        may_dispute=queries.may_dispute,
        dispute_deadline=units.dispute_deadline,
        dispute_form=DisputeForm(),
    )


@bp.route("/earnings.csv")
@login_required
def export_csv():
    ensure_can(current_user, "seeker.profile")
    filename = f"nebendesk-earnings-{utcnow().date().isoformat()}.csv"
    return Response(
        stream_with_context(queries.export_csv(current_user._get_current_object())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/earnings/units/<int:unit_id>/dispute")
@login_required
def dispute(unit_id: int):
    unit = db.get_or_404(WorkUnit, unit_id)
    ensure_can(current_user, "engagement.work", unit.engagement)
    form = DisputeForm()
    if not form.validate():
        _flash_errors(form)
    else:
        try:
            units.dispute(unit, by=current_user, note=form.note.data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Your dispute is in. Our team will decide and email you."), "success")
    return redirect(url_for("earnings.overview", _anchor=f"unit-{unit.id}"))


@bp.route("/work/<int:engagement_id>/timesheet", methods=["GET", "POST"])
@login_required
def timesheet(engagement_id: int):
    """Hours on an hourly engagement, entered by the worker (not on moderation gigs:
    those are live sessions)."""
    engagement = db.get_or_404(Engagement, engagement_id)
    ensure_can(current_user, "engagement.work", engagement)
    if engagement.pay_model != PayModel.PER_HOUR:
        abort(404)
    if engagement.gig.kind.is_moderation:
        # Hours of moderation are live sessions, timed by the server (moderation/sessions.py).
        flash(
            _(
                "Hours of moderation are not entered by hand: start a live session when you "
                "begin and stop it when you leave; its time is recorded and paid for you."
            ),
            "info",
        )
        return redirect(url_for("moderation_sessions.mine"))
    form = TimesheetForm(started_on=engagement.started_at.date())
    if form.validate_on_submit():
        try:
            unit = units.record_units(
                engagement,
                kind=UnitKind.HOUR,
                quantity=form.hours.data,
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
            waiting = unit.status == UnitStatus.WAITING
            flash(_hours_recorded_text(unit), "info" if waiting else "success")
            return redirect(url_for("earnings.timesheet", engagement_id=engagement.id))
    return render_template(
        "payments/worker/timesheet.html",
        engagement=engagement,
        form=form,
        today_iso=utcnow().date().isoformat(),
        page=queries.timesheet_entries(engagement, page=page_arg()),
    )


def _hours_recorded_text(unit: WorkUnit) -> str:
    values = {
        "hours": queries.quantity_text(unit.kind, unit.quantity),
        "date": format_date(unit.work_date),
        "amount": format_money(unit.amount_cents, unit.currency),
    }
    if unit.status == UnitStatus.WAITING:
        return _(
            "%(hours)s on %(date)s saved (%(amount)s). The company's balance cannot cover "
            "them yet, so they wait for its funds and are counted as soon as it adds money.",
            **values,
        )
    return _("%(hours)s on %(date)s recorded (%(amount)s). The company reviews them.", **values)


# --- the Stripe connection ---------------------------------------------------------------


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
    """Stripe sends the worker here when an onboarding link expired: make a new one
    (for an account that exists; nothing is written)."""
    ensure_can(current_user, "seeker.profile")
    if payouts.connected_account_for(current_user) is None:
        return redirect(url_for("earnings.overview"))
    try:
        url = payouts.onboarding_link(current_user)
    except gateway.StripeError:
        db.session.rollback()
        flash(_("Stripe could not be reached. Please try again in a moment."), "error")
        return redirect(url_for("earnings.overview"))
    return redirect(url)
