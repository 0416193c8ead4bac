"""The person's standing page: measures in force and on the record, each with its
reason and end, and the one appeal each may have."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.auth.policies import ensure_can
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db, login_manager
from marketplace.standing import access, appeals, queries
from marketplace.standing.forms import AppealForm
from marketplace.standing.models import Measure

bp = Blueprint("standing", __name__)


@bp.route("/account/standing")
def overview():
    person = access.standing_person()
    if person is None:
        return login_manager.unauthorized()
    ensure_can(person, "standing.view")
    return render_template(
        "standing/overview.html",
        person=person,
        measures=queries.measures_for(person),
        may_appeal=appeals.may_appeal,
        form=AppealForm(),
        via_pass=not current_user.is_authenticated,
        now=utcnow(),
    )


@bp.post("/account/standing/measures/<int:measure_id>/appeal")
def appeal(measure_id: int):
    person = access.standing_person()
    if person is None:
        return login_manager.unauthorized()
    measure = db.get_or_404(Measure, measure_id)
    ensure_can(person, "measure.appeal", measure)
    form = AppealForm()
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    else:
        try:
            appeals.submit(measure, by=person, text=form.text.data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(
                _("Your appeal is sent. An administrator decides and tells you by email."),
                "success",
            )
    return redirect(url_for("standing.overview", _anchor=f"measure-{measure.id}"))
