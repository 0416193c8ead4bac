"""The company's applicant pipeline and its engagements: review, hire, reject,
pause, resume, end."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.forms import EmptyForm
from marketplace.auth.policies import ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.queries import load_gig
from marketplace.onboarding import applications, engagements, hiring, queries
from marketplace.onboarding.forms import DecisionForm
from marketplace.onboarding.models import (
    Application,
    ApplicationStatus,
    Engagement,
    EngagementStatus,
)
from marketplace.onboarding.services import onboarding_for
from marketplace.payments import cover

bp = Blueprint("hiring", __name__)


def _decide(action: Callable[[], object], success: str) -> bool:
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


def _form_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


@bp.route("/company/gigs/<int:gig_id>/applicants")
@login_required
def pipeline(gig_id: int):
    gig = load_gig(gig_id) or abort(404)
    ensure_can(current_user, "gig.review_applicants", gig)
    raw_status = request.args.get("status", "")
    status = ApplicationStatus(raw_status) if raw_status in set(ApplicationStatus) else None
    min_score = request.args.get("min_score", type=int)
    if min_score is not None and not 0 <= min_score <= 100:
        flash(_("The minimum score must be between 0 and 100."), "error")
        min_score = None
    return render_template(
        "onboarding/pipeline.html",
        gig=gig,
        applications=queries.applicants(gig, status=status, min_score=min_score),
        counts=queries.pipeline_counts(gig),
        status=status,
        min_score=min_score,
        occupied=hiring.occupied_openings(gig),
    )


def _application(application_id: int) -> Application:
    application = db.get_or_404(Application, application_id)
    ensure_can(current_user, "gig.review_applicants", application.gig)
    return application


def _funding_needed(application: Application) -> cover.FundingRequired | None:
    """Why hiring this passed applicant would be refused for money, if it would."""
    if application.status != ApplicationStatus.PASSED:
        return None
    try:
        cover.require_first_work_funded(application.gig)
    except cover.FundingRequired as needed:
        return needed
    return None


@bp.route("/company/applications/<int:application_id>")
@login_required
def applicant(application_id: int):
    application = _application(application_id)
    onboarding = onboarding_for(application.gig)
    needed = _funding_needed(application)
    return render_template(
        "onboarding/applicant.html",
        application=application,
        onboarding=onboarding,
        rules_acknowledged=onboarding is not None
        and onboarding.has_rules
        and not applications.rules_pending(application),
        occupied=hiring.occupied_openings(application.gig),
        funding_needed=needed,
        add_funds_url=needed
        and url_for(
            "balance.overview",
            amount=needed.top_up_cents,
            next=url_for("hiring.applicant", application_id=application.id),
            _anchor="add-funds",
        ),
        hire_form=EmptyForm(),
        reject_form=DecisionForm(),
    )


@bp.post("/company/applications/<int:application_id>/hire")
@login_required
def hire(application_id: int):
    application = _application(application_id)
    ensure_can(current_user, "application.decide", application)
    _decide(
        lambda: hiring.hire(application, by=current_user),
        _("%(name)s is hired.", name=application.seeker.display_name),
    )
    return redirect(url_for("hiring.applicant", application_id=application.id))


@bp.post("/company/applications/<int:application_id>/reject")
@login_required
def reject(application_id: int):
    application = _application(application_id)
    ensure_can(current_user, "application.decide", application)
    form = DecisionForm()
    if form.validate():
        _decide(
            lambda: hiring.reject(application, by=current_user, reason=form.reason.data),
            _("The application is rejected; the applicant has been told why."),
        )
    else:
        _form_errors(form)
    return redirect(url_for("hiring.applicant", application_id=application.id))


@bp.route("/company/engagements")
@login_required
def engagement_list():
    company = current_user.company or abort(404)
    ensure_can(current_user, "company.view_private", company)
    raw_status = request.args.get("status", EngagementStatus.ACTIVE.value)
    status = EngagementStatus(raw_status) if raw_status in set(EngagementStatus) else None
    return render_template(
        "onboarding/engagements.html",
        engagements=queries.company_engagements(company, status=status),
        status=status,
        form=DecisionForm(),
        resume_form=EmptyForm(),
    )


def _engagement_action(engagement_id: int, act: Callable[[Engagement, str], object], success: str):
    engagement = db.get_or_404(Engagement, engagement_id)
    ensure_can(current_user, "engagement.view", engagement)
    ensure_can(current_user, "engagement.manage", engagement)
    form = DecisionForm()
    if form.validate():
        _decide(lambda: act(engagement, form.reason.data), success)
    else:
        _form_errors(form)
    return redirect(url_for("hiring.engagement_list", status=engagement.status.value))


@bp.post("/company/engagements/<int:engagement_id>/pause")
@login_required
def pause(engagement_id: int):
    return _engagement_action(
        engagement_id,
        lambda e, reason: engagements.pause(e, by=current_user, reason=reason),
        _("The engagement is paused."),
    )


@bp.post("/company/engagements/<int:engagement_id>/end")
@login_required
def end(engagement_id: int):
    return _engagement_action(
        engagement_id,
        lambda e, reason: engagements.end(e, by=current_user, reason=reason),
        _("The engagement has ended; the worker has been told."),
    )


@bp.post("/company/engagements/<int:engagement_id>/resume")
@login_required
def resume(engagement_id: int):
    engagement = db.get_or_404(Engagement, engagement_id)
    ensure_can(current_user, "engagement.view", engagement)
    ensure_can(current_user, "engagement.manage", engagement)
    _decide(
        lambda: engagements.resume(engagement, by=current_user),
        _("The engagement is active again."),
    )
    return redirect(url_for("hiring.engagement_list", status=engagement.status.value))
