"""The company's pages of one community: its overview, the netiquette (rules), the
penalty ladder, the word lists and the settings. The audit log, escalations,
proposals, control items and dashboard are in company_review_views.py (same
blueprint). Only company staff who manage gigs ("community.manage"); another
company's community is 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from marketplace.auth.policies import ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.moderation import company_lists, netiquette
from marketplace.moderation.company_forms import (
    PENALTY_LABELS,
    WORD_LABELS,
    LadderForm,
    RuleForm,
    SettingsForm,
    WordListForm,
)
from marketplace.moderation.item_models import DecisionAction, DecisionStatus, EscalationCategory
from marketplace.moderation.models import Community, NetiquetteRule

bp = Blueprint("community_manage", __name__, url_prefix="/company/communities")

ACTION_LABELS = {
    DecisionAction.APPROVE: _l("Approved"),
    DecisionAction.REMOVE: _l("Removed"),
    DecisionAction.WARN: _l("Warned"),
    DecisionAction.MUTE: _l("Muted"),
    DecisionAction.BAN: _l("Ban"),
    DecisionAction.ESCALATE: _l("Escalated"),
    DecisionAction.ANSWER: _l("Answered"),
    DecisionAction.REVERSE: _l("Reversed"),
}
STATUS_LABELS = {
    DecisionStatus.PROPOSED: _l("Waiting for you"),
    DecisionStatus.EFFECTIVE: _l("In force"),
    DecisionStatus.DECLINED: _l("Declined"),
    DecisionStatus.EXPIRED: _l("Expired"),
    DecisionStatus.REVERSED: _l("Reversed"),
}
CATEGORY_LABELS = {
    EscalationCategory.THREAT: _l("Threat"),
    EscalationCategory.SELF_HARM: _l("Self-harm"),
    EscalationCategory.MINORS: _l("Minors"),
    EscalationCategory.ILLEGAL: _l("Illegal content"),
    EscalationCategory.OTHER: _l("Other"),
}


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {
        "ACTION_LABELS": ACTION_LABELS,
        "STATUS_LABELS": STATUS_LABELS,
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "PENALTY_LABELS": PENALTY_LABELS,
        "WORD_LABELS": WORD_LABELS,
        "PLACEHOLDERS": netiquette.PLACEHOLDERS,
        "language": language(),
    }


def language() -> str:
    return "de" if str(get_locale() or "en") == "de" else "en"


def load_community(community_id: int) -> Community:
    community = db.get_or_404(Community, community_id)
    ensure_can(current_user, "community.manage", community)
    return community


def _rule(community: Community, rule_id: int) -> NetiquetteRule:
    rule = db.get_or_404(NetiquetteRule, rule_id)
    if rule.community_id != community.id:
        abort(404)
    return rule


def _saved(message: str, endpoint: str, community: Community):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, community_id=community.id))


@bp.route("/<int:community_id>")
@login_required
def overview(community_id: int):
    community = load_community(community_id)
    return render_template(
        "moderation/company/overview.html",
        community=community,
        counts=company_lists.waiting_counts(community),
        rules=netiquette.rules_of(community, active_only=True),
        ladder=netiquette.ladder_of(community),
    )


@bp.route("/<int:community_id>/netiquette", methods=["GET", "POST"])
@login_required
def rules(community_id: int):
    community = load_community(community_id)
    form = RuleForm()
    if form.validate_on_submit():
        try:
            rule = netiquette.add_rule(community, form.rule_text())
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            return _saved(
                _("Rule %(number)d is added.", number=rule.number),
                "community_manage.rules",
                community,
            )
    return render_template(
        "moderation/company/rules.html",
        community=community,
        rules=netiquette.rules_of(community),
        form=form,
    )


@bp.route("/<int:community_id>/netiquette/<int:rule_id>", methods=["GET", "POST"])
@login_required
def edit_rule(community_id: int, rule_id: int):
    community = load_community(community_id)
    rule = _rule(community, rule_id)
    form = RuleForm()
    if request.method == "GET":
        form.load(rule)
    if form.validate_on_submit():
        try:
            netiquette.update_rule(rule, form.rule_text())
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            return _saved(
                _("Rule %(number)d is saved.", number=rule.number),
                "community_manage.rules",
                community,
            )
    return render_template(
        "moderation/company/rule_edit.html", community=community, rule=rule, form=form
    )


@bp.post("/<int:community_id>/netiquette/<int:rule_id>/move")
@login_required
def move_rule(community_id: int, rule_id: int):
    community = load_community(community_id)
    rule = _rule(community, rule_id)
    direction = request.form.get("direction")
    if direction in ("up", "down"):
        netiquette.move_rule(rule, -1 if direction == "up" else 1)
    return _saved(_("The order of the rules is saved."), "community_manage.rules", community)


@bp.post("/<int:community_id>/netiquette/<int:rule_id>/active")
@login_required
def toggle_rule(community_id: int, rule_id: int):
    community = load_community(community_id)
    rule = _rule(community, rule_id)
    netiquette.set_active(rule, not rule.is_active)
    message = (
        _("Rule %(number)d is active again.", number=rule.number)
        if rule.is_active
        else _("Rule %(number)d is deactivated: moderators no longer see it.", number=rule.number)
    )
    return _saved(message, "community_manage.rules", community)


def _editor(
    community: Community,
    form,
    *,
    current,
    save,
    saved: str,
    endpoint: str,
    template: str,
    **context,
):
    """One editor page: the form shows ``current`` on GET; a valid POST is saved by the
    service (``save(community, values)``, which checks everything before it changes
    anything), and a refusal is shown with the form as sent."""
    if request.method == "GET":
        form.load(current)
    if form.validate_on_submit():
        try:
            save(community, form.values())
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            return _saved(saved, endpoint, community)
    return render_template(template, community=community, form=form, **context)


@bp.route("/<int:community_id>/ladder", methods=["GET", "POST"])
@login_required
def ladder(community_id: int):
    community = load_community(community_id)
    return _editor(
        community,
        LadderForm(),
        current=netiquette.ladder_of(community),
        save=netiquette.save_ladder,
        saved=_("The penalty ladder is saved."),
        endpoint="community_manage.ladder",
        template="moderation/company/ladder.html",
    )


@bp.route("/<int:community_id>/words", methods=["GET", "POST"])
@login_required
def words(community_id: int):
    community = load_community(community_id)
    return _editor(
        community,
        WordListForm(),
        current=netiquette.words_of(community),
        save=netiquette.save_word_lists,
        saved=_("The word lists are saved."),
        endpoint="community_manage.words",
        template="moderation/company/words.html",
    )


@bp.route("/<int:community_id>/settings", methods=["GET", "POST"])
@login_required
def settings(community_id: int):
    community = load_community(community_id)
    return _editor(
        community,
        SettingsForm(),
        current=community,
        save=netiquette.save_settings,
        saved=_("The settings are saved."),
        endpoint="community_manage.settings",
        template="moderation/company/settings.html",
        platform_max=netiquette.platform_disturbing_max(),
    )
