"""The seeker's side: apply, consent, read the rules, take the quiz, withdraw,
and the work they were hired for."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.forms import EmptyForm
from marketplace.auth.policies import ensure_can
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.queries import load_gig
from marketplace.growth.gig_levels import refusal
from marketplace.onboarding import applications, engagements, queries
from marketplace.onboarding.forms import ApplyForm, RulesForm
from marketplace.onboarding.models import Application, Engagement, QuizAttempt
from marketplace.onboarding.services import onboarding_for

bp = Blueprint("applications", __name__)


def _own_application(application_id: int) -> Application:
    application = db.get_or_404(Application, application_id)
    ensure_can(current_user, "application.act", application)
    return application


@bp.route("/gigs/<int:gig_id>/apply", methods=["GET", "POST"])
@login_required
def apply(gig_id: int):
    gig = load_gig(gig_id) or abort(404)
    ensure_can(current_user, "gig.view", gig)
    ensure_can(current_user, "gig.apply", gig)
    existing = queries.application_of(current_user, gig)
    if existing is not None:
        flash(_("You have already applied to this gig."), "info")
        return redirect(url_for("applications.detail", application_id=existing.id))
    form = ApplyForm(
        mature=gig.is_mature,
        hours_per_week=current_user.hours_per_week,
        languages=current_user.languages,
        consent_fingerprint=applications.consent_fingerprint(gig),
    )
    if form.validate_on_submit():
        try:
            application = applications.apply(
                gig,
                seeker=current_user,
                note=form.note.data or "",
                hours_per_week=form.hours_per_week.data,
                languages=form.languages.data or [],
                consent=form.consent_fingerprint.data if gig.is_mature else None,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Your application is in. Here is what comes next."), "success")
            return redirect(url_for("applications.detail", application_id=application.id))
    return render_template(
        "onboarding/apply.html", gig=gig, form=form, level_refusal=refusal(gig, current_user)
    )


@bp.route("/applications")
@login_required
def mine():
    ensure_can(current_user, "seeker.profile")
    return render_template(
        "onboarding/mine.html",
        applications=queries.my_applications(current_user),
        engagements=queries.my_engagements(current_user),
        rules_to_acknowledge=engagements.rules_to_acknowledge,
    )


@bp.route("/applications/<int:application_id>")
@login_required
def detail(application_id: int):
    application = _own_application(application_id)
    onboarding = onboarding_for(application.gig)
    return render_template(
        "onboarding/detail.html",
        application=application,
        onboarding=onboarding,
        rules_pending=applications.rules_pending(application),
        open_attempt=applications.open_attempt(application),
        is_expired=applications.is_expired,
        next_attempt_at=onboarding and applications.next_attempt_at(application, onboarding),
        attempts_left=onboarding and applications.attempts_left(application, onboarding),
        action_form=EmptyForm(),
    )


@bp.post("/applications/<int:application_id>/withdraw")
@login_required
def withdraw(application_id: int):
    application = _own_application(application_id)
    try:
        applications.withdraw(application, by=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Your application is withdrawn."), "success")
    return redirect(url_for("applications.detail", application_id=application.id))


@bp.route("/applications/<int:application_id>/rules", methods=["GET", "POST"])
@login_required
def rules(application_id: int):
    application = _own_application(application_id)
    onboarding = onboarding_for(application.gig)
    if onboarding is None or not onboarding.has_rules:
        abort(404)
    form = RulesForm(rules_hash=onboarding.rules_hash)
    if form.validate_on_submit():
        try:
            applications.acknowledge_rules(
                application, by=current_user, rules_hash=form.rules_hash.data
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Thank you. The rules are acknowledged."), "success")
            return redirect(url_for("applications.detail", application_id=application.id))
    return render_template(
        "onboarding/rules.html",
        application=application,
        onboarding=onboarding,
        form=form,
        acknowledged=not applications.rules_pending(application),
    )


@bp.post("/applications/<int:application_id>/quiz")
@login_required
def start_quiz(application_id: int):
    application = _own_application(application_id)
    try:
        attempt = applications.start_attempt(application, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("applications.detail", application_id=application.id))
    db.session.commit()
    return redirect(
        url_for("applications.attempt", application_id=application.id, number=attempt.number)
    )


def _submitted_answers() -> dict[int, list[int]]:
    """``q-<question id>`` fields → option ids; anything else is refused."""
    answers: dict[int, list[int]] = {}
    for name in request.form:
        if not name.startswith("q-"):
            continue
        try:
            answers[int(name[2:])] = [int(value) for value in request.form.getlist(name)]
        except ValueError:
            raise DomainError(_("These answers could not be read. Please try again.")) from None
    return answers


@bp.route("/applications/<int:application_id>/quiz/<int:number>", methods=["GET", "POST"])
@login_required
def attempt(application_id: int, number: int):
    application = _own_application(application_id)
    attempt: QuizAttempt = next(
        (a for a in application.attempts if a.number == number), None
    ) or abort(404)
    if request.method == "POST":
        try:
            applications.submit_attempt(attempt, by=current_user, answers=_submitted_answers())
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
        return redirect(
            url_for("applications.attempt", application_id=application.id, number=number)
        )
    onboarding = onboarding_for(application.gig)
    next_at = onboarding and applications.next_attempt_at(application, onboarding)
    return render_template(
        "onboarding/attempt.html",
        application=application,
        attempt=attempt,
        expired=applications.is_expired(attempt),
        seconds_left=applications.seconds_left(attempt),
        onboarding=onboarding,
        next_attempt_at=next_at,
        wait=next_at and next_at - utcnow(),
        attempts_left=onboarding and applications.attempts_left(application, onboarding),
        form=EmptyForm(),
    )


@bp.route("/work/<int:engagement_id>/rules", methods=["GET", "POST"])
@login_required
def work_rules(engagement_id: int):
    """A hired worker accepts the current version of the gig's rules."""
    engagement = db.get_or_404(Engagement, engagement_id)
    ensure_can(current_user, "engagement.work", engagement)
    onboarding = onboarding_for(engagement.gig)
    if onboarding is None or not onboarding.has_rules:
        abort(404)
    form = RulesForm(rules_hash=onboarding.rules_hash)
    if form.validate_on_submit():
        try:
            engagements.acknowledge_rules(
                engagement, by=current_user, rules_hash=form.rules_hash.data
            )
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Thank you. The rules are acknowledged."), "success")
            return redirect(url_for("applications.mine"))
    return render_template(
        "onboarding/rules.html",
        application=engagement.application,
        onboarding=onboarding,
        form=form,
        acknowledged=engagements.rules_to_acknowledge(engagement) is None,
    )
