"""A team lead's review of the gig they lead: the company's review page and queries
(``review_queries`` with a team lead's ``Scope``), the other workers' units of that
gig only; approving or rejecting pays the team lead per reviewed unit
(``lead_reviews``). Anything outside the scope is a 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.auth.policies import ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.growth import team_lead
from marketplace.onboarding.models import Engagement
from marketplace.pagination import page_arg
from marketplace.payments import lead_reviews, review_queries, unit_labels
from marketplace.payments.company_forms import RejectForm
from marketplace.payments.company_views import _labels, _unit_text, flash_errors
from marketplace.payments.models import UnitKind, WorkUnit

bp = Blueprint("team_lead", __name__)
bp.context_processor(_labels)


def led_gigs() -> list[Gig]:
    """The gigs the current user leads (for the menu); asked once per request."""
    if not current_user.is_authenticated or current_user.company or current_user.is_admin:
        return []
    if "led_gigs" not in g:
        g.led_gigs = [e.gig for e in team_lead.led_engagements(current_user)]
    return g.led_gigs


@bp.app_context_processor
def _menu() -> dict[str, object]:
    return {"led_gigs": led_gigs}


def _lead(gig_id: int) -> tuple[Gig, Engagement, review_queries.Scope]:
    """The gig the current user leads, their engagement on it and their scope (404 otherwise)."""
    gig = db.get_or_404(Gig, gig_id)
    ensure_can(current_user, "gig.lead_review", gig)
    engagement = team_lead.lead_engagement(current_user, gig.id) or abort(404)
    return gig, engagement, review_queries.Scope.team_lead(gig.id, current_user.id)


@bp.route("/work/gigs/<int:gig_id>/review")
@login_required
def review(gig_id: int):
    """The other workers' work on the gig this team lead leads."""
    gig, _engagement, scope = _lead(gig_id)
    company = gig.company
    view = review_queries.review_page(company, request.args, page_arg(), scope)
    kinds = [k for k in unit_labels.KIND_FILTERS if k != UnitKind.REVIEW.value]
    return render_template(
        "payments/company/review.html",
        gig=gig,
        tab=view.tab,
        status=view.status,
        filters=view.filters,
        choices=view.choices,
        kinds=[(k, unit_labels.kind_filter_label(k)) for k in kinds],
        units=view.units,
        details=view.details,
        pending_count=view.pending_count,
        waiting=[],
        may_decide=True,
        reject_form=RejectForm(formdata=None),
        company_view=False,
        review_url=lambda **args: url_for("team_lead.review", gig_id=gig.id, **args),
        approve_url=lambda unit: url_for("team_lead.approve", gig_id=gig.id, unit_id=unit.id),
        reject_url=lambda unit: url_for("team_lead.reject", gig_id=gig.id, unit_id=unit.id),
    )


def _back(gig_id: int):
    filters = review_queries.Filters.from_args(request.form)
    return redirect(url_for("team_lead.review", gig_id=gig_id, **filters.as_args()))


def _unit(gig_id: int, unit_id: int) -> tuple[WorkUnit, Engagement]:
    """Another worker's unit of the led gig, locked for the decision (404 otherwise)."""
    gig, engagement, scope = _lead(gig_id)
    unit = review_queries.scoped_unit(gig.company, unit_id, scope) or abort(404)
    ensure_can(current_user, "unit.lead_review", unit)
    return unit, engagement


def _paid_text(paid: WorkUnit | None) -> str:
    if paid is None:
        return ""
    return " " + _(
        "Your review is recorded as your work (%(rate)s).", rate=unit_labels.rate_text(paid)
    )


@bp.post("/work/gigs/<int:gig_id>/review/units/<int:unit_id>/approve")
@login_required
def approve(gig_id: int, unit_id: int):
    unit, engagement = _unit(gig_id, unit_id)
    try:
        paid = lead_reviews.approve(unit, lead=engagement, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(gig_id)
    db.session.commit()
    flash(_("Approved: %(unit)s.", unit=_unit_text(unit)) + _paid_text(paid), "success")
    return _back(gig_id)


@bp.post("/work/gigs/<int:gig_id>/review/units/<int:unit_id>/reject")
@login_required
def reject(gig_id: int, unit_id: int):
    unit, engagement = _unit(gig_id, unit_id)
    form = RejectForm()
    if not form.validate():
        flash_errors(form)
        return _back(gig_id)
    try:
        paid = lead_reviews.reject(unit, lead=engagement, by=current_user, reason=form.reason.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(gig_id)
    db.session.commit()
    flash(
        _(
            "Rejected: %(unit)s. The worker has been told why and may dispute the rejection.",
            unit=_unit_text(unit),
        )
        + _paid_text(paid),
        "success",
    )
    return _back(gig_id)
