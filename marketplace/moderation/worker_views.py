"""The moderator's side: the dashboard with "Next item", the item page with its
actions, skipping, notes on authors and keeping the lease while working."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from marketplace.accounts.models import User
from marketplace.auth.policies import can, ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.moderation import authors, decisions, evidence, queue
from marketplace.moderation import worker_queries as queries
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    EscalationCategory,
    ModerationItem,
)
from marketplace.moderation.models import CommunityKind
from marketplace.moderation.queue import NoItem
from marketplace.moderation.worker_forms import DecisionForm, NoteForm
from marketplace.payments import earnings_queries

bp = Blueprint("moderation_work", __name__, url_prefix="/work/moderation")

NO_ITEM = {
    NoItem.NOT_HIRED: _l(
        "You are not hired on a moderation gig with a connected community (or have not "
        "consented to its content) yet."
    ),
    NoItem.RULES: _l(
        "The company has changed its rules. Please read and accept them before you take "
        "the next item."
    ),
    NoItem.UNFUNDED: _l(
        "No funded work right now: the company must add funds first. Try again later."
    ),
    NoItem.EMPTY: _l("No item is waiting right now."),
}
FLASHES = {
    DecisionAction.APPROVE: _l("Approved."),
    DecisionAction.REMOVE: _l("Removed; the author is told which rule was broken."),
    DecisionAction.WARN: _l("The warning is on its way to the author."),
    DecisionAction.MUTE: _l("Muted; the author is told until when."),
    DecisionAction.BAN: _l("Your ban proposal waits for the company."),
    DecisionAction.ESCALATE: _l("Escalated to the company."),
    DecisionAction.ANSWER: _l("Your answer is on its way."),
    DecisionAction.REVERSE: _l("The decision is reversed and the user has your answer."),
}
# Images on the item page come from the community's own servers.
ITEM_CSP_IMAGES = "img-src 'self' data: https:"


@bp.context_processor
def _labels() -> dict[str, object]:
    return queries.template_globals()


@bp.app_context_processor
def _menu() -> dict[str, object]:
    return {"moderates": lambda: queries.moderates(current_user)}


def _worker() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _hired_on(item_id: int) -> ModerationItem:
    """For the POST routes: an item of a community the moderator works on, else 404.
    Whether they still hold it is the service's to say."""
    ensure_can(current_user, "seeker.profile")
    item = db.get_or_404(ModerationItem, item_id)
    if queue.engagement_for(_worker(), item.community) is None:
        abort(404)
    if item.assigned_to_id is not None and item.assigned_to_id != _worker().id:
        abort(404)
    return item


def _forms(item: ModerationItem) -> dict[str, DecisionForm]:
    rules = [("", _("Choose a rule"))] + [
        (str(r.id), f"{r.number}. {r.title(current_user.locale or 'de')}")
        for r in queries.rules_of(item.community)
    ]
    forms = {}
    for action in DecisionAction:
        form = DecisionForm(prefix=action.value)
        form.rule_id.choices = rules
        forms[action.value] = form
    return forms


@bp.route("")
@login_required
def dashboard():
    ensure_can(current_user, "seeker.profile")
    worker = _worker()
    return render_template(
        "moderation/work/dashboard.html",
        held=queue.held_by(worker),
        stats=queries.dashboard(worker),
        totals=earnings_queries.totals(worker),
        proposals=queries.proposals(worker),
        recent=queries.recent_decisions(worker),
        live=[c for _e, c in queue.communities_of(worker) if c.kind == CommunityKind.CHAT],
        run=queue.disturbing_run(worker),
        break_after=current_app.config["MODERATION_BREAK_AFTER"],
    )


@bp.post("/next")
@login_required
def next_item():
    ensure_can(current_user, "seeker.profile")
    claim = queue.claim_next(_worker())
    if claim.item is None:
        db.session.rollback()
        flash(NO_ITEM[claim.no_item or NoItem.EMPTY], "info")
        if claim.no_item == NoItem.RULES and claim.engagement is not None:
            return redirect(url_for("applications.work_rules", engagement_id=claim.engagement.id))
        return redirect(url_for("moderation_work.dashboard"))
    item_id = claim.item.id
    db.session.commit()
    return redirect(url_for("moderation_work.item", item_id=item_id))


@bp.route("/items/<int:item_id>")
@login_required
def item(item_id: int):
    item = db.get_or_404(ModerationItem, item_id)
    ensure_can(current_user, "moderation.item.work", item)
    step, mute_minutes = queries.proposal(item)
    forms = _forms(item)
    html = render_template(
        "moderation/work/item.html",
        item=item,
        segments=queries.marked_text(item.text, item.word_hits),
        history=queries.author_history(item),
        rules=queries.rules_of(item.community),
        warnings={r.id: decisions.warning_text(item, r) for r in queries.rules_of(item.community)},
        step=step,
        mute_minutes=mute_minutes,
        refers_to=item.refers_to_id and db.session.get(decisions.Decision, item.refers_to_id),
        forms=forms,
        note_form=NoteForm(),
        categories=list(EscalationCategory),
        seconds_left=queries.seconds_left(item),
        run=queue.disturbing_run(_worker()),
        break_after=current_app.config["MODERATION_BREAK_AFTER"],
    )
    csp = current_app.extensions["nebendesk_csp"].replace("img-src 'self' data:", ITEM_CSP_IMAGES)
    return (
        html,
        200,
        {
            "Cache-Control": "no-store",
            "Content-Security-Policy": csp,
            "Referrer-Policy": "no-referrer",
        },
    )


@bp.post("/items/<int:item_id>/decide/<action>")
@login_required
def decide(item_id: int, action: str):
    item = _hired_on(item_id)
    try:
        chosen = DecisionAction(action)
    except ValueError:
        abort(404)
    form = DecisionForm(prefix=chosen.value)
    form.rule_id.choices = []
    if not form.validate():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        flash(" ".join(str(e) for e in errors), "error")
        return _back(item)
    try:
        decisions.decide(
            item,
            moderator=_worker(),
            action=chosen,
            rule_id=form.rule_id.data,
            message=form.message.data,
            category=EscalationCategory(form.category.data)
            if chosen == DecisionAction.ESCALATE and form.category.data in set(EscalationCategory)
            else None,
            internal_note=form.internal_note.data or "",
            false_positive=bool(form.false_positive.data),
            mute_minutes=form.mute_minutes.data if chosen == DecisionAction.MUTE else None,
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(item)
    db.session.commit()
    flash(FLASHES[chosen], "success")
    return redirect(url_for("moderation_work.dashboard"))


def _back(item: ModerationItem):
    if can(current_user, "moderation.item.work", item):
        return redirect(url_for("moderation_work.item", item_id=item.id))
    return redirect(url_for("moderation_work.dashboard"))


@bp.post("/items/<int:item_id>/skip")
@login_required
def skip(item_id: int):
    """Skip without penalty: the item goes back to the queue for someone else."""
    item = _hired_on(item_id)
    queue.skip(item, worker=_worker())
    db.session.commit()
    flash(_("Skipped. Skipping never counts against you."), "info")
    return redirect(url_for("moderation_work.dashboard"))


@bp.post("/items/<int:item_id>/note")
@login_required
def note(item_id: int):
    item = _hired_on(item_id)
    form = NoteForm()
    if not form.validate():
        flash(_("Please write a note of at most 2000 characters."), "error")
        return _back(item)
    try:
        authors.note_on_author(item, moderator=_worker(), text=form.text.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(item)
    db.session.commit()
    flash(_("Your note on this author is saved."), "success")
    return redirect(url_for("moderation_work.item", item_id=item.id) + "#history")


@bp.post("/items/<int:item_id>/renew")
@login_required
def renew(item_id: int):
    """Called by moderation.js while the moderator works: a longer lease, or 409 once lost."""
    item = _hired_on(item_id)
    expires_at = queue.renew(item, worker=_worker())
    if expires_at is None:
        db.session.rollback()
        return {"error": _("This item is no longer yours.")}, 409
    db.session.commit()
    return {"expires_at": expires_at.isoformat()}


def _own_decision(decision_id: int) -> Decision:
    ensure_can(current_user, "seeker.profile")
    decision = db.get_or_404(Decision, decision_id)
    if decision.decided_by_id != _worker().id or decision.engagement_id is None:
        abort(404)
    return decision


@bp.route("/decisions/<int:decision_id>")
@login_required
def decision(decision_id: int):
    """One of the moderator's own decisions: what was sent, and (on request) the evidence."""
    decision = _own_decision(decision_id)
    return render_template(
        "moderation/work/decision.html",
        decision=decision,
        kept=queries.evidence_of(decision),
        read=None,
    )


@bp.post("/decisions/<int:decision_id>/evidence")
@login_required
def read_evidence(decision_id: int):
    """The kept content, shown once per request; every read is logged."""
    decision = _own_decision(decision_id)
    kept = queries.evidence_of(decision)
    if kept is None or kept.deleted_at is not None:
        abort(404)
    read = evidence.read(kept, user=_worker())
    db.session.commit()
    html = render_template("moderation/work/decision.html", decision=decision, kept=kept, read=read)
    return html, 200, {"Cache-Control": "no-store"}
