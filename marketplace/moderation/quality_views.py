"""The company's "Review a sample" of one community's decisions: keep (the unit is
approved) or overturn with a reason (the decision is reversed, the unit rejected).
Routes on company_views.bp; the service is quality.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms_common import no_control_characters
from marketplace.moderation import quality
from marketplace.moderation.company_views import bp, load_community
from marketplace.payments.earnings_queries import UNIT_STATUS_LABELS
from marketplace.reasons import REASON_MAX
from marketplace.urls import bounded_int


class OverturnForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is this decision wrong?"),
        description=_l(
            "The community is told the decision is reversed; the moderator sees your reason "
            "and may dispute it."
        ),
        validators=[
            DataRequired(message=_l("Please give a reason.")),
            Length(max=REASON_MAX),
            no_control_characters,
        ],
    )


def _size() -> int:
    size = bounded_int(request.args.get("size"))
    return size if size in quality.SAMPLE_SIZES else quality.DEFAULT_SIZE


def _back(community_id: int):
    size = bounded_int(request.args.get("size"))
    args = {"size": size} if size in quality.SAMPLE_SIZES else {}
    return redirect(url_for("community_manage.quality_sample", community_id=community_id, **args))


def _entry(community, decision_id: int) -> quality.Entry:
    found = quality.entry(community, decision_id)
    if found is None:
        abort(404)
    return found


@bp.route("/<int:community_id>/quality")
@login_required
def quality_sample(community_id: int):
    community = load_community(community_id)
    size = _size()
    return render_template(
        "moderation/company/quality.html",
        community=community,
        entries=quality.sample(community, size=size),
        open_count=quality.open_count(community),
        size=size,
        sizes=quality.SAMPLE_SIZES,
        form=OverturnForm(formdata=None),
        UNIT_STATUS_LABELS=UNIT_STATUS_LABELS,
    )


@bp.post("/<int:community_id>/quality/<int:decision_id>/keep")
@login_required
def quality_keep(community_id: int, decision_id: int):
    community = load_community(community_id)
    found = _entry(community, decision_id)
    try:
        quality.keep(found, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(community.id)
    db.session.commit()
    flash(_("The decision is kept and the moderator's work approved."), "success")
    return _back(community.id)


@bp.post("/<int:community_id>/quality/<int:decision_id>/overturn")
@login_required
def quality_overturn(community_id: int, decision_id: int):
    community = load_community(community_id)
    found = _entry(community, decision_id)
    form = OverturnForm()
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return _back(community.id)
    try:
        quality.overturn(found, by=current_user, reason=form.reason.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(community.id)
    db.session.commit()
    flash(
        _(
            "The decision is overturned: the community is told to undo it, the strike is "
            "lifted and the moderator's work is rejected with your reason."
        ),
        "success",
    )
    return _back(community.id)
