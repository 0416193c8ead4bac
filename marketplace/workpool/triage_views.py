"""Triage pages and actions: a mailbox's priority rules, the company's tags, and on a
conversation its priority, worker, tags and internal notes (company staff); the
worker holding a conversation adds internal notes from the workbench."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import User
from marketplace.auth.policies import can, ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.workpool import triage
from marketplace.workpool.company_views import _company, _conversation, _mailbox
from marketplace.workpool.models import Conversation, Priority
from marketplace.workpool.triage_forms import (
    AssignForm,
    ConversationTagsForm,
    NoteForm,
    PriorityForm,
    RuleForm,
    TagForm,
    priority_choices,
)
from marketplace.workpool.triage_models import (
    TAG_COLOURS,
    ConversationNote,
    MailTag,
    TriageRule,
)

bp = Blueprint("triage", __name__)


@dataclass
class TriageView:
    """What the triage partials show of one conversation."""

    conversation: Conversation
    tags: list[MailTag]
    notes: list[ConversationNote]
    # Company staff only: every tag of the company and the workers hired on the gig.
    company_tags: list[MailTag] = field(default_factory=list)
    workers: list[User] = field(default_factory=list)
    history: list[Conversation] = field(default_factory=list)


def triage_for(conversation: Conversation) -> TriageView:
    """For templates: the conversation's tags and notes, for a viewer allowed to see
    them (company staff of its company, the worker holding it); nothing otherwise."""
    if not can(current_user, "conversation.add_note", conversation):
        return TriageView(conversation, [], [])
    view = TriageView(conversation, triage.tags_of(conversation), triage.notes_of(conversation))
    if can(current_user, "conversation.company", conversation):
        view.company_tags = triage.company_tags(conversation.mailbox.company_id)
        view.workers = triage.hired_workers(conversation.mailbox)
        view.history = triage.customer_history(conversation)
    return view


@bp.app_context_processor
def _globals() -> dict[str, object]:
    return {
        "triage_for": triage_for,
        "PRIORITY_LABELS": dict(priority_choices()),
        "TAG_COLOURS": TAG_COLOURS,
        "NoteForm": NoteForm,
    }


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


def _done(message: str) -> None:
    db.session.commit()
    flash(message, "success")


# --- a mailbox's priority rules ------------------------------------------------------


@bp.route("/company/mailboxes/<int:mailbox_id>/rules", methods=["GET", "POST"])
@login_required
def rules(mailbox_id: int):
    mailbox = _mailbox(mailbox_id)
    form = RuleForm()
    if form.validate_on_submit():
        try:
            triage.add_rule(
                mailbox, form.phrase.data, Priority(form.priority.data), by=current_user
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            _done(_("The rule is saved. It applies to emails arriving from now on."))
            return redirect(url_for("triage.rules", mailbox_id=mailbox.id))
    return render_template(
        "workpool/company/rules.html",
        mailbox=mailbox,
        form=form,
        rules=triage.rules_of(mailbox),
    )


@bp.post("/company/mailboxes/rules/<int:rule_id>/delete")
@login_required
def delete_rule(rule_id: int):
    rule = db.get_or_404(TriageRule, rule_id)
    mailbox = _mailbox(rule.mailbox_id)
    triage.delete_rule(rule, by=current_user)
    _done(_("The rule is deleted."))
    return redirect(url_for("triage.rules", mailbox_id=mailbox.id))


# --- the company's tags --------------------------------------------------------------


@bp.route("/company/mailboxes/tags", methods=["GET", "POST"])
@login_required
def tags():
    company = _company()
    form = TagForm()
    if form.validate_on_submit():
        try:
            triage.create_tag(company, form.name.data, form.colour.data, by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            _done(_("The tag is saved."))
            return redirect(url_for("triage.tags"))
    return render_template(
        "workpool/company/tags.html", form=form, tags=triage.company_tags(company)
    )


@bp.post("/company/mailboxes/tags/<int:tag_id>/delete")
@login_required
def delete_tag(tag_id: int):
    tag = db.get_or_404(MailTag, tag_id)
    ensure_can(current_user, "mail_tag.manage", tag)
    triage.delete_tag(tag, by=current_user)
    _done(_("The tag is deleted; it is removed from every conversation."))
    return redirect(url_for("triage.tags"))


# --- one conversation (company staff) ------------------------------------------------


def _back(conversation: Conversation):
    return redirect(url_for("mailboxes.conversation", conversation_id=conversation.id))


@bp.post("/company/mailboxes/conversations/<int:conversation_id>/priority")
@login_required
def set_priority(conversation_id: int):
    conversation = _conversation(conversation_id)
    form = PriorityForm()
    if form.validate():
        triage.set_priority(conversation, Priority(form.priority.data), by=current_user)
        _done(_("The priority is saved."))
    else:
        _flash_errors(form)
    return _back(conversation)


@bp.post("/company/mailboxes/conversations/<int:conversation_id>/assign")
@login_required
def assign(conversation_id: int):
    conversation = _conversation(conversation_id)
    form = AssignForm()
    if form.validate():
        raw = form.worker.data or ""
        try:
            worker_id = int(raw) if raw else None
            triage.assign(conversation, worker_id, by=current_user)
        except (ValueError, DomainError) as exc:
            db.session.rollback()
            flash(getattr(exc, "message", _("Please choose a worker hired on this gig.")), "error")
        else:
            _done(
                _("Saved: the conversation goes to this worker first, and to nobody else.")
                if worker_id
                else _("Saved: the conversation is in the pool for everyone.")
            )
    else:
        _flash_errors(form)
    return _back(conversation)


@bp.post("/company/mailboxes/conversations/<int:conversation_id>/tags")
@login_required
def set_tags(conversation_id: int):
    conversation = _conversation(conversation_id)
    form = ConversationTagsForm()
    form.tags.choices = [
        (t.id, t.name) for t in triage.company_tags(conversation.mailbox.company_id)
    ]
    if form.validate():
        try:
            triage.set_tags(conversation, form.tags.data or [], by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            _done(_("The tags are saved."))
    else:
        _flash_errors(form)
    return _back(conversation)


def _add_note(conversation: Conversation) -> None:
    form = NoteForm()
    if not form.validate():
        _flash_errors(form)
        return
    try:
        triage.add_note(conversation, form.body.data, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return
    _done(_("Your internal note is saved."))


@bp.post("/company/mailboxes/conversations/<int:conversation_id>/notes")
@login_required
def company_note(conversation_id: int):
    conversation = _conversation(conversation_id)
    _add_note(conversation)
    return _back(conversation)


# --- the worker on the workbench -----------------------------------------------------


@bp.post("/work/inbox/<int:conversation_id>/notes")
@login_required
def worker_note(conversation_id: int):
    ensure_can(current_user, "seeker.profile")
    conversation = db.get_or_404(Conversation, conversation_id)
    if not can(current_user, "conversation.work", conversation):
        abort(404)
    _add_note(conversation)
    return redirect(url_for("work.conversation", conversation_id=conversation.id, _anchor="triage"))
