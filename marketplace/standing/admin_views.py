"""The admin's appeals: a queue, one appeal with the measure and the person's record,
and the decision (uphold or lift, with a reason). Admins only; everyone else gets 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.auth.policies import can, ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.pagination import page_arg
from marketplace.standing import appeals, queries
from marketplace.standing.forms import DecisionForm
from marketplace.standing.models import Appeal, AppealStatus

bp = Blueprint("standing_admin", __name__, url_prefix="/admin/appeals")


@bp.before_request
def only_admins():
    if not can(current_user, "admin.access"):
        abort(404)


@bp.route("/")
def queue():
    status = AppealStatus.PENDING if request.args.get("status") != "decided" else None
    return render_template(
        "standing/admin_queue.html", page=queries.appeals_queue(status, page_arg()), status=status
    )


@bp.route("/<int:appeal_id>")
def detail(appeal_id: int):
    appeal = db.get_or_404(Appeal, appeal_id)
    measure = appeal.measure
    return render_template(
        "standing/admin_appeal.html",
        appeal=appeal,
        measure=measure,
        record=queries.measures_of_user(measure.user) if measure.user else [],
        form=DecisionForm(),
        may_decide=can(current_user, "appeal.decide", appeal),
    )


@bp.post("/<int:appeal_id>/decide")
def decide(appeal_id: int):
    appeal = db.get_or_404(Appeal, appeal_id)
    ensure_can(current_user, "appeal.decide", appeal)
    form = DecisionForm()
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for(".detail", appeal_id=appeal.id))
    lift = form.decision.data == "lift"
    try:
        appeals.decide(appeal, by=current_user, lift=lift, reason=form.reason.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".detail", appeal_id=appeal.id))
    db.session.commit()
    flash(
        _("The measure is lifted; both sides have been told.")
        if lift
        else _("The measure stays; both sides have been told."),
        "success",
    )
    return redirect(url_for(".queue"))
