"""The company's side: a gig's level settings, and offers to a hired worker."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.auth.policies import can, ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.queries import load_gig
from marketplace.growth import gig_levels, levels, offers, terms
from marketplace.growth.forms import GigLevelsForm, OfferForm
from marketplace.growth.models import WorkKind
from marketplace.onboarding.models import Engagement

bp = Blueprint("growth_company", __name__)


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


@bp.route("/company/gigs/<int:gig_id>/levels", methods=["GET", "POST"])
@login_required
def gig_levels_page(gig_id: int):
    gig = load_gig(gig_id) or abort(404)
    ensure_can(current_user, "gig.level_settings", gig)
    settings = gig_levels.settings_of(gig)
    form = GigLevelsForm(obj=None)
    if not form.is_submitted() and settings is not None:
        form.min_level.data = settings.min_level.value
        form.experienced_rate.data = settings.experienced_rate_cents
        form.top_rate.data = settings.top_rate_cents
    if form.is_submitted():
        if not form.validate():
            _flash_errors(form)
        else:
            try:
                gig_levels.save(gig, form.values(), by=current_user)
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
            else:
                db.session.commit()
                flash(
                    _("The level settings are saved; they apply to new applications and hires."),
                    "success",
                )
                return redirect(url_for("growth_company.gig_levels_page", gig_id=gig.id))
    return render_template(
        "growth/gig_levels.html", gig=gig, form=form, kind=WorkKind.of_gig(gig.kind)
    )


@bp.route("/company/engagements/<int:engagement_id>/offers", methods=["GET", "POST"])
@login_required
def engagement_offers(engagement_id: int):
    engagement = db.get_or_404(Engagement, engagement_id)
    ensure_can(current_user, "engagement.offers", engagement)
    form = OfferForm()
    if form.is_submitted():
        ensure_can(current_user, "engagement.make_offer", engagement)
        if not form.validate():
            _flash_errors(form)
        else:
            try:
                offers.make_offer(engagement, form.values(), by=current_user)
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "error")
            else:
                db.session.commit()
                flash(
                    _("The offer is sent. The worker has 14 days to accept or decline it."),
                    "success",
                )
                return redirect(
                    url_for("growth_company.engagement_offers", engagement_id=engagement.id)
                )
    current = terms.current(engagement)
    level_rate = gig_levels.rate_for_worker(engagement.gig, engagement.worker_id)
    if not form.is_submitted() and level_rate > current.rate_cents:
        form.rate.data = level_rate  # the rate of the worker's level, as at hire
    kind = WorkKind.of_gig(engagement.gig.kind)
    return render_template(
        "growth/engagement_offers.html",
        engagement=engagement,
        form=form,
        may_offer=can(current_user, "engagement.make_offer", engagement),
        offers=offers.offers_for_engagement(engagement),
        versions=terms.versions(engagement),
        current=current,
        waiting=offers.open_offer(engagement),
        level=levels.level_of(engagement.worker_id, kind),
        kind=kind,
    )
