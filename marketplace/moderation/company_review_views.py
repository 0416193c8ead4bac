"""The company's review of one community's moderation: the audit log of every
decision, escalations, proposals waiting for an answer, control items and the
dashboard (with its CSV). Routes on company_views.bp."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.moderation import company_lists, company_queries, controls, decisions, netiquette
from marketplace.moderation.company_forms import ControlItemForm, DeclineForm
from marketplace.moderation.company_views import ACTION_LABELS, bp, language, load_community
from marketplace.moderation.item_models import ControlItem, DecisionAction
from marketplace.moderation.models import NetiquetteRule
from marketplace.pagination import page_arg
from marketplace.urls import bounded_int


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return format_timedelta(timedelta(seconds=seconds), threshold=1.5)


@bp.route("/<int:community_id>/audit")
@login_required
def audit(community_id: int):
    community = load_community(community_id)
    moderator_id = bounded_int(request.args.get("moderator"))
    action_value = request.args.get("action", "")
    action = DecisionAction(action_value) if action_value in set(DecisionAction) else None
    page = company_lists.audit_page(
        community, moderator_id=moderator_id, action=action, page=page_arg()
    )
    controlled = {
        control.source_item_id
        for control, _item, _rule in company_lists.controls(community)
        if control.is_active
    }
    return render_template(
        "moderation/company/audit.html",
        community=community,
        page=page,
        deciders=company_lists.deciders(community),
        moderator_id=moderator_id,
        action=action,
        controlled=controlled,
    )


@bp.route("/<int:community_id>/escalations")
@login_required
def escalations(community_id: int):
    community = load_community(community_id)
    return render_template(
        "moderation/company/escalations.html",
        community=community,
        rows=company_lists.escalations(community),
    )


@bp.route("/<int:community_id>/proposals")
@login_required
def proposals(community_id: int):
    community = load_community(community_id)
    return render_template(
        "moderation/company/proposals.html",
        community=community,
        proposals=company_lists.proposals(community),
    )


# --- control items -------------------------------------------------------------------------


def _rule_choices(community) -> list[tuple[int, str]]:
    lang = language()
    return [(r.id, f"{r.number}. {r.title(lang)}") for r in netiquette.rules_of(community)]


@bp.route("/<int:community_id>/items/<int:item_id>/control", methods=["GET", "POST"])
@login_required
def mark_control(community_id: int, item_id: int):
    community = load_community(community_id)
    item = company_lists.community_item(community, item_id) or abort(404)
    form = ControlItemForm(_rule_choices(community), ACTION_LABELS)
    existing = company_lists.control_of_item(item)
    if request.method == "GET" and existing is not None:
        form.expected_action.data = existing.expected_action.value
        form.expected_rule.data = existing.expected_rule_id or 0
    if form.validate_on_submit():
        rule = db.session.get(NetiquetteRule, form.expected_rule.data or 0)
        try:
            controls.mark_control(
                item,
                expected_action=DecisionAction(form.expected_action.data),
                expected_rule=rule,
                by=current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("The item is a control item now."), "success")
            return redirect(url_for("community_manage.controls_list", community_id=community.id))
    return render_template(
        "moderation/company/control_mark.html", community=community, item=item, form=form
    )


@bp.route("/<int:community_id>/controls")
@login_required
def controls_list(community_id: int):
    community = load_community(community_id)
    return render_template(
        "moderation/company/controls.html",
        community=community,
        rows=company_lists.controls(community),
    )


@bp.post("/<int:community_id>/controls/<int:control_id>/deactivate")
@login_required
def deactivate_control(community_id: int, control_id: int):
    community = load_community(community_id)
    control = db.get_or_404(ControlItem, control_id)
    if control.community_id != community.id:
        abort(404)
    controls.deactivate(control)
    db.session.commit()
    flash(_("The control item is no longer served."), "success")
    return redirect(url_for("community_manage.controls_list", community_id=community.id))


# --- dashboard -----------------------------------------------------------------------------


@bp.route("/<int:community_id>/dashboard")
@login_required
def dashboard(community_id: int):
    community = load_community(community_id)
    return render_template(
        "moderation/company/dashboard.html",
        community=community,
        report=company_queries.dashboard(community),
        duration_text=duration_text,
        days=company_queries.DASHBOARD_DAYS,
    )


@bp.route("/<int:community_id>/dashboard.csv")
@login_required
def dashboard_csv(community_id: int):
    community = load_community(community_id)
    report = company_queries.dashboard(community)
    filename = f"nebendesk-community-{community.id}-{report.now.date().isoformat()}.csv"
    return Response(
        stream_with_context(company_queries.dashboard_csv(report, ACTION_LABELS, language())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/<int:community_id>/proposals/<int:decision_id>/confirm")
@login_required
def confirm_proposal(community_id: int, decision_id: int):
    community = load_community(community_id)
    decision = company_lists.proposal(community, decision_id) or abort(404)
    try:
        decisions.put_in_force(decision, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The measure is in force and sent to your community."), "success")
    return redirect(url_for("community_manage.proposals", community_id=community.id))


@bp.post("/<int:community_id>/proposals/<int:decision_id>/decline")
@login_required
def decline_proposal(community_id: int, decision_id: int):
    community = load_community(community_id)
    decision = company_lists.proposal(community, decision_id) or abort(404)
    form = DeclineForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("community_manage.proposals", community_id=community.id))
    try:
        decisions.decline(decision, by=current_user, reason=form.reason.data.strip())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The proposal is declined; the moderator is told why."), "success")
    return redirect(url_for("community_manage.proposals", community_id=community.id))
