"""The worker's side of the email pool: the inbox (take the next email, the
dashboard, past answers) and the workbench (the thread, the answer, escalating,
skipping, and keeping the lease while typing)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from marketplace.accounts.models import User
from marketplace.auth.policies import can, ensure_can
from marketplace.charts import bar_chart
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.onboarding.engagements import rules_to_acknowledge
from marketplace.pagination import page_arg
from marketplace.payments import earnings_queries, unit_labels
from marketplace.workpool import pool, signatures
from marketplace.workpool import worker_queries as queries
from marketplace.workpool.models import Conversation, Reply, ReplyKind, ReplyNameMode
from marketplace.workpool.pool import NoWork
from marketplace.workpool.worker_forms import AnswerForm, EscalateForm, ReplyNameForm

bp = Blueprint("work", __name__, url_prefix="/work/inbox")

NO_WORK = {
    NoWork.NOT_HIRED: _l("You are not hired on an email gig yet."),
    NoWork.RULES: _l(
        "The company has changed its rules. Please read and accept them before you take "
        "the next email."
    ),
    NoWork.UNFUNDED: _l(
        "No funded work right now: the company must add funds first. Try again later."
    ),
    NoWork.EMPTY: _l("No email is waiting right now."),
}


@bp.context_processor
def _labels() -> dict[str, object]:
    return {**queries.template_globals(), **unit_labels.template_globals()}


def _worker() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _hired_on(conversation_id: int) -> Conversation:
    """For the POST routes: the conversation of a mailbox the worker is hired on, else 404.
    Whether they still hold it is the service's to say (a lost lease keeps the draft)."""
    ensure_can(current_user, "seeker.profile")
    conversation = db.get_or_404(Conversation, conversation_id)
    if pool.engagement_for(_worker(), conversation.mailbox) is None:
        abort(404)
    return conversation


def _render_inbox(*, draft: str = "", status: int = 200):
    worker = _worker()
    days = queries.answers_per_day(worker)
    return render_template(
        "workpool/worker/inbox.html",
        held=pool.held_by(worker),
        rules=queries.rules_pending(worker),
        stats=queries.dashboard(worker),
        totals=earnings_queries.totals(worker),
        days=days,
        chart=bar_chart(queries.chart_points(days), title=_("Answered emails, last 14 days")),
        page=queries.answers(worker, page=page_arg()),
        draft=draft,
    ), status


def _render_workbench(
    conversation, answer_form, escalate_form, *, status: int = 200, new_after: int | None = None
):
    """The workbench. ``new_after``: the customer wrote again after the message with this
    id; the newer messages are highlighted and the form now carries the newest id."""
    worker = _worker()
    messages = queries.thread(conversation)
    engagement = pool.engagement_for(worker, conversation.mailbox)
    answer_form.last_seen.data = str(messages[-1].id if messages else 0)
    html = render_template(
        "workpool/worker/conversation.html",
        conversation=conversation,
        messages=messages,
        new_after=new_after,
        history=queries.customer_history(conversation),
        canned=queries.filled_canned_replies(conversation, worker, messages),
        seconds_left=queries.seconds_left(conversation),
        rules_engagement=engagement if engagement and rules_to_acknowledge(engagement) else None,
        reply_name=signatures.reply_name(worker),
        answer_form=answer_form,
        escalate_form=escalate_form,
    )
    # The customer's thread is for the lease holder only: no copy stays in caches.
    return html, status, {"Cache-Control": "no-store"}


def _refused(conversation, message, answer_form, escalate_form, draft: str, status: int):
    """Re-render after a refusal: the workbench while the worker still holds the email,
    else the inbox (the thread is no longer theirs to see); the draft stays either way."""
    if message:
        flash(message, "error")
    if can(current_user, "conversation.work", conversation):
        return _render_workbench(conversation, answer_form, escalate_form, status=status)
    if not message:
        for errors in (answer_form.errors, escalate_form.errors):
            for error in (e for field_errors in errors.values() for e in field_errors):
                flash(error, "error")
    return _render_inbox(draft=draft, status=status)


@bp.route("")
@login_required
def inbox():
    ensure_can(current_user, "seeker.profile")
    return _render_inbox()


@bp.post("/next")
@login_required
def next_email():
    ensure_can(current_user, "seeker.profile")
    claim = pool.claim_next(_worker())
    if claim.conversation is None:
        db.session.rollback()
        flash(NO_WORK[claim.no_work or NoWork.EMPTY], "info")
        return redirect(url_for("work.inbox"))
    conversation_id = claim.conversation.id
    db.session.commit()
    return redirect(url_for("work.conversation", conversation_id=conversation_id))


@bp.route("/<int:conversation_id>")
@login_required
def conversation(conversation_id: int):
    conversation = db.get_or_404(Conversation, conversation_id)
    ensure_can(current_user, "conversation.work", conversation)
    return _render_workbench(conversation, AnswerForm(), EscalateForm())


@bp.post("/<int:conversation_id>/answer")
@login_required
def answer(conversation_id: int):
    conversation = _hired_on(conversation_id)
    form, other = AnswerForm(), EscalateForm(formdata=None)
    if not form.validate():
        return _refused(conversation, None, form, other, form.body.data or "", 422)
    seen = form.seen_message_id()
    try:
        pool.answer(conversation, worker=_worker(), body=form.body.data, seen_message_id=seen)
    except pool.CustomerWroteAgain as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_workbench(conversation, form, other, status=409, new_after=seen)
    except DomainError as exc:
        db.session.rollback()
        return _refused(conversation, exc.message, form, other, form.body.data, exc.status_code)
    db.session.commit()
    flash(
        _("Sent. Your answer goes out now and counts once the mail server accepted it."), "success"
    )
    return redirect(url_for("work.inbox"))


@bp.post("/<int:conversation_id>/escalate")
@login_required
def escalate(conversation_id: int):
    conversation = _hired_on(conversation_id)
    form, other = EscalateForm(), AnswerForm(formdata=None)
    if not form.validate():
        return _refused(conversation, None, other, form, form.note.data or "", 422)
    try:
        pool.escalate(conversation, worker=_worker(), note=form.note.data)
    except DomainError as exc:
        db.session.rollback()
        return _refused(conversation, exc.message, other, form, form.note.data, exc.status_code)
    db.session.commit()
    flash(_("Escalated; the customer has been told we received the request."), "success")
    return redirect(url_for("work.inbox"))


@bp.post("/<int:conversation_id>/release")
@login_required
def release(conversation_id: int):
    """Skip: the email goes back to the pool for someone else."""
    conversation = _hired_on(conversation_id)
    pool.release(conversation, worker=_worker())
    db.session.commit()
    flash(_("The email went back to the pool."), "info")
    return redirect(url_for("work.inbox"))


@bp.post("/<int:conversation_id>/renew")
@login_required
def renew(conversation_id: int):
    """Called by workbench.js while the worker types: a longer lease, or 409 once lost."""
    conversation = _hired_on(conversation_id)
    try:
        expires_at = pool.renew(conversation, worker=_worker())
    except DomainError as exc:
        db.session.rollback()
        return {"error": exc.message}, 409
    db.session.commit()
    return {"expires_at": expires_at.isoformat()}


@bp.route("/answers/<int:reply_id>")
@login_required
def answer_detail(reply_id: int):
    """One of the worker's own answers: their text and the subject, not the thread."""
    reply = db.get_or_404(Reply, reply_id)
    ensure_can(current_user, "seeker.profile")
    ensure_can(current_user, "reply.view_own", reply)
    if reply.kind != ReplyKind.ANSWER:
        abort(404)
    return render_template(
        "workpool/worker/answer.html",
        reply=reply,
        text=queries.own_text(reply),
        unit=pool.unit_of_reply(reply),
    )


@bp.route("/reply-name", methods=["GET", "POST"])
@login_required
def reply_name():
    """The worker's choice of the name customers see: first name, full name or chosen."""
    ensure_can(current_user, "seeker.profile")
    worker = _worker()
    form = ReplyNameForm()
    setting = signatures.reply_name_setting(worker)
    if not form.is_submitted() and setting is not None:
        form.mode.data, form.chosen_name.data = setting.mode.value, setting.chosen_name
    if form.validate_on_submit():
        try:
            signatures.set_reply_name(
                worker, mode=ReplyNameMode(form.mode.data), chosen_name=form.chosen_name.data
            )
        except DomainError as exc:
            db.session.rollback()
            form.chosen_name.errors = [*form.chosen_name.errors, exc.message]
        else:
            db.session.commit()
            flash(_("Saved. Customers see “%(name)s”.", name=signatures.reply_name(worker)),
                  "success")  # fmt: skip
            return redirect(url_for("work.reply_name"))
    return render_template(
        "workpool/worker/reply_name.html",
        form=form,
        full_name=worker.display_name,
        first_name=signatures.first_name(worker.display_name),
        current=signatures.reply_name(worker),
    ), 422 if form.is_submitted() else 200
