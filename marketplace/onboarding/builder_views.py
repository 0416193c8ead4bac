"""The company builds a gig's onboarding: rules, quiz, settings, preview, import/export."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.auth.policies import can, ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.gigs.queries import load_gig
from marketplace.onboarding import quiz_file, services
from marketplace.onboarding.builder_forms import ImportForm, QuestionForm, RulesForm, SettingsForm
from marketplace.onboarding.models import QuizQuestion

bp = Blueprint("onboarding_builder", __name__)

BASE = "/company/gigs/<int:gig_id>/onboarding"


def _gig(gig_id: int, *, change: bool = False) -> Gig:
    gig = load_gig(gig_id) or abort(404)
    ensure_can(current_user, "gig.manage", gig)
    if change:
        ensure_can(current_user, "onboarding.edit", gig)
    return gig


def _question(gig: Gig, question_id: int) -> QuizQuestion:
    question = db.session.get(QuizQuestion, question_id)
    if question is None or question.onboarding.gig_id != gig.id:
        abort(404)
    return question


def _saved(change: Callable[[], object], message: str) -> bool:
    """Run the service; commit and flash ``message``, or flash why it was refused."""
    try:
        change()
    except DomainError as exc:
        flash(exc.message, "error")
        return False
    db.session.commit()
    flash(message, "success")
    return True


def _to_overview(gig: Gig, anchor: str | None = None):
    return redirect(url_for(".overview", gig_id=gig.id, _anchor=anchor))


def _overview_page(gig: Gig, *, rules_form=None, settings_form=None):
    """The builder's main page; forms not being submitted show the saved values."""
    onboarding = services.onboarding_for(gig)
    settings = services.QuizSettings.of(onboarding)
    return render_template(
        "onboarding/builder/overview.html",
        gig=gig,
        onboarding=onboarding,
        questions=onboarding.questions if onboarding else [],
        settings=settings,
        rules_form=rules_form
        or RulesForm(formdata=None, data={"rules": onboarding.rules if onboarding else ""}),
        settings_form=settings_form or SettingsForm(formdata=None, data=asdict(settings)),
        import_form=ImportForm(formdata=None),
        can_edit=can(current_user, "onboarding.edit", gig),
    )


@bp.route(BASE)
@login_required
def overview(gig_id: int):
    return _overview_page(_gig(gig_id))


@bp.post(f"{BASE}/rules")
@login_required
def save_rules(gig_id: int):
    gig = _gig(gig_id, change=True)
    form = RulesForm()
    if form.validate():
        try:
            changed = services.save_rules(gig, rules=form.rules.data or "", by=current_user)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            if changed:
                flash(
                    _(
                        "The rules are saved. Applicants and hired workers are asked to "
                        "accept this version before they go on."
                    ),
                    "success",
                )
            else:
                flash(_("The rules are unchanged."), "info")
            return _to_overview(gig, "rules")
    return _overview_page(gig, rules_form=form)


@bp.post(f"{BASE}/settings")
@login_required
def save_settings(gig_id: int):
    gig = _gig(gig_id, change=True)
    form = SettingsForm()
    if form.validate() and _saved(
        lambda: services.save_settings(gig, settings=form.settings()),
        _("The quiz settings are saved."),
    ):
        return _to_overview(gig, "settings")
    return _overview_page(gig, settings_form=form)


def _question_form_done(gig: Gig, form: QuestionForm, question: QuizQuestion | None) -> bool:
    """Handle a posted question form: True once the question is saved."""
    if request.method != "POST":
        return False
    if "more_rows" in request.form:  # "More options": show more rows, save nothing
        form.add_blank_rows(2)
        return False
    return form.validate() and _saved(
        lambda: services.save_question(
            gig,
            question=question,
            text=form.text.data,
            kind=form.kind.data,
            options=form.option_values(),
            must_pass=bool(form.must_pass.data),
        ),
        _("The question is saved."),
    )


def _question_page(gig: Gig, form: QuestionForm, question: QuizQuestion | None):
    return render_template(
        "onboarding/builder/question.html",
        gig=gig,
        form=form,
        question=question,
        can_edit=can(current_user, "onboarding.edit", gig),
    )


@bp.route(f"{BASE}/questions/new", methods=["GET", "POST"])
@login_required
def new_question(gig_id: int):
    gig = _gig(gig_id, change=request.method == "POST")
    form = QuestionForm()
    if _question_form_done(gig, form, None):
        return _to_overview(gig, "questions")
    return _question_page(gig, form, None)


@bp.route(f"{BASE}/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def edit_question(gig_id: int, question_id: int):
    gig = _gig(gig_id, change=request.method == "POST")
    question = _question(gig, question_id)
    if request.method == "GET":
        form = QuestionForm(
            data={
                "text": question.text,
                "kind": question.kind.value,
                "must_pass": question.must_pass,
                "options": [{"text": o.text, "correct": o.is_correct} for o in question.options],
            }
        )
    else:
        form = QuestionForm()
    if _question_form_done(gig, form, question):
        return _to_overview(gig, f"q-{question.id}")
    return _question_page(gig, form, question)


@bp.post(f"{BASE}/questions/<int:question_id>/delete")
@login_required
def delete_question(gig_id: int, question_id: int):
    gig = _gig(gig_id, change=True)
    question = _question(gig, question_id)
    _saved(lambda: services.delete_question(question), _("The question is deleted."))
    return _to_overview(gig, "questions")


@bp.post(f"{BASE}/questions/<int:question_id>/move")
@login_required
def move_question(gig_id: int, question_id: int):
    gig = _gig(gig_id, change=True)
    question = _question(gig, question_id)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None:
        flash(_("Please choose whether to move the question up or down."), "error")
    elif services.move_question(question, offset):
        db.session.commit()
    return _to_overview(gig, f"q-{question.id}")


@bp.route(f"{BASE}/preview")
@login_required
def preview(gig_id: int):
    gig = _gig(gig_id)
    onboarding = services.onboarding_for(gig)
    paper = services.paper_for(onboarding, random.SystemRandom())[0] if onboarding else []
    return render_template(
        "onboarding/builder/preview.html", gig=gig, onboarding=onboarding, paper=paper
    )


@bp.route(f"{BASE}/export")
@login_required
def export(gig_id: int):
    gig = _gig(gig_id)
    body = json.dumps(quiz_file.export_quiz(gig), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f"attachment; filename=quiz-{gig.id}.json",
            "Cache-Control": "no-store",  # it holds the answer key
        },
    )


@bp.post(f"{BASE}/import")
@login_required
def import_quiz(gig_id: int):
    gig = _gig(gig_id, change=True)
    form = ImportForm()
    if not form.validate():
        for error in form.file.errors:
            flash(error, "error")
        return _to_overview(gig, "import")
    raw = form.file.data.read(quiz_file.IMPORT_MAX_BYTES + 1)
    _saved(
        lambda: quiz_file.import_quiz(gig, quiz_file.read_quiz_file(raw), by=current_user),
        _("The quiz is imported: its questions and settings replace the previous ones."),
    )
    return _to_overview(gig, "questions")
