"""The company's money: reviewing work, logging work by hand, spend, and the statement
export. The balance page, adding funds and withdrawing are ``funding_views`` (on the
same blueprint)."""

from __future__ import annotations

from collections.abc import Iterator

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
from marketplace.moderation.worker_queries import ACTION_LABELS
from marketplace.money import format_money
from marketplace.onboarding.models import Engagement
from marketplace.pagination import page_arg
from marketplace.payments import (
    cover,
    funding,
    history,
    review_queries,
    statements,
    unit_labels,
    units,
)
from marketplace.payments.company_forms import (
    BulkApproveForm,
    RejectForm,
    UnitForm,
)
from marketplace.payments.models import (
    UnitStatus,
    WorkUnit,
)

bp = Blueprint("balance", __name__)

BULK_MAX = 500


@bp.context_processor
def _labels() -> dict[str, object]:
    return {
        **statements.template_globals(),
        **unit_labels.template_globals(),
        "DECISION_ACTION_LABELS": ACTION_LABELS,
    }


def own_company() -> Company:
    """The current user's company (404 for anyone else)."""
    company = current_user.company or abort(404)
    ensure_can(current_user, "company.view_private", company)
    return company


def flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


# --- review ------------------------------------------------------------------------------


@bp.route("/company/review")
@login_required
def review():
    """All work of the company in one place: emails, escalations, items and hours."""
    company = own_company()
    view = review_queries.review_page(company, request.args, page_arg())
    balances = statements.balances(company)
    return render_template(
        "payments/company/review.html",
        company=company,
        tab=view.tab,
        status=view.status,
        filters=view.filters,
        choices=view.choices,
        kinds=[(k, unit_labels.kind_filter_label(k)) for k in unit_labels.KIND_FILTERS],
        units=view.units,
        details=view.details,
        pending_count=view.pending_count,
        waiting=statements.waiting_units(company) if view.tab == "pending" else [],
        balances=balances,
        top_up=funding.clamp_amount(balances.waiting_missing),
        engagements=statements.active_engagements(company),
        may_decide=can(current_user, "company.post_gigs", company),
        reject_form=RejectForm(formdata=None),
        company_view=True,
        review_url=lambda **args: url_for("balance.review", **args),
        approve_url=lambda unit: url_for("balance.approve", unit_id=unit.id),
        reject_url=lambda unit: url_for("balance.reject", unit_id=unit.id),
    )


def _back():
    """Back to the review with the filters the decision was made under."""
    filters = review_queries.Filters.from_args(request.form)
    return redirect(url_for("balance.review", **filters.as_args()))


def _unit(unit_id: int) -> WorkUnit:
    """The company's unit, locked for the decision (auto-approval skips locked rows)."""
    unit = review_queries.scoped_unit(own_company(), unit_id) or abort(404)
    ensure_can(current_user, "engagement.manage", unit.engagement)
    return unit


def _unit_text(unit: WorkUnit) -> str:
    return _(
        "%(quantity)s by %(worker)s",
        quantity=unit_labels.work_text(unit),
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
        return _back()
    db.session.commit()
    flash(_("Approved: %(unit)s.", unit=_unit_text(unit)), "success")
    return _back()


@bp.post("/company/review/units/<int:unit_id>/reject")
@login_required
def reject(unit_id: int):
    unit = _unit(unit_id)
    form = RejectForm()
    if not form.validate():
        flash_errors(form)
        return _back()
    try:
        units.reject(unit, by=current_user, reason=form.reason.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back()
    db.session.commit()
    flash(
        _(
            "Rejected: %(unit)s. The worker has been told why; the money stays reserved "
            "while they may dispute the rejection.",
            unit=_unit_text(unit),
        ),
        "success",
    )
    return _back()


@bp.post("/company/review/approve")
@login_required
def approve_many():
    """Approve the ticked units; one unit of another company makes the whole request 404."""
    company = own_company()
    ensure_can(current_user, "company.post_gigs", company)
    form = BulkApproveForm()
    if not form.validate():
        flash_errors(form)
        return _back()
    ids = set(form.unit_ids.data)
    if len(ids) > BULK_MAX:
        flash(_("Please approve at most %(max)d units at once.", max=BULK_MAX), "error")
        return _back()
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
    return _back()


# --- logging work by hand ------------------------------------------------------------


@bp.route("/company/engagements/<int:engagement_id>/units/new", methods=["GET", "POST"])
@login_required
def new_unit(engagement_id: int):
    engagement = db.get_or_404(Engagement, engagement_id)
    ensure_can(current_user, "engagement.manage", engagement)
    kind = cover.UNIT_KIND_FOR[engagement.pay_model]
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
            flash(_recorded_text(unit), "success" if unit.status == UnitStatus.PENDING else "info")
            return redirect(url_for("balance.review"))
    return render_template(
        "payments/company/new_unit.html",
        engagement=engagement,
        kind=kind,
        form=form,
        balances=statements.balances(engagement.gig.company),
    )


def _recorded_text(unit: WorkUnit) -> str:
    if unit.status == UnitStatus.WAITING:
        return _(
            "Recorded: %(unit)s. Your balance cannot cover it (%(total)s), so it waits for "
            "funds and is counted as soon as you add money.",
            unit=_unit_text(unit),
            total=format_money(unit.total_cents),
        )
    return _(
        "Recorded: %(unit)s. %(total)s is reserved until you review it.",
        unit=_unit_text(unit),
        total=format_money(unit.total_cents),
    )


# --- spend and statements -----------------------------------------------------------


@bp.route("/company/spend")
@login_required
def spend():
    company = own_company()
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
    """One row per movement: its change to each balance and the balances after it."""
    line = csv_export.line
    labels = statements.ACCOUNT_LABELS
    available, reserved, refunding = (str(labels[kind]) for kind in history.BALANCES.values())
    yield line(
        [_("Date"), _("Transaction"), _("Kind"), _("What happened"), _("Reference"),
         available, reserved, refunding,
         _("Available after"), _("Reserved after"), _("Being refunded after"), _("Currency")]
    )  # fmt: skip
    for movement in history.statement(company):
        yield line(
            [
                to_user_timezone(movement.created_at).isoformat(timespec="seconds"),
                movement.transaction_id,
                movement.kind,
                movement.label,
                movement.reference,
                *(_decimal(getattr(movement, name)) for name in history.BALANCES),
                *(_decimal(getattr(movement, f"{name}_after")) for name in history.BALANCES),
                "EUR",
            ]
        )


@bp.route("/company/statements.csv")
@login_required
def statement_csv():
    company = own_company()
    filename = f"nebendesk-statement-{company.id}-{utcnow():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(_statement_lines(company)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
