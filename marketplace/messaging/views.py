"""Conversations, for their two parties: the list, one conversation (reading it marks it
read), writing, reporting it to the admins. Plain text only; attachments are refused."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from marketplace.auth.policies import can, ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db, limiter
from marketplace.messaging import queries, services
from marketplace.messaging.forms import MessageForm, ReportForm
from marketplace.onboarding.models import Application
from marketplace.pagination import page_arg

bp = Blueprint("messages", __name__)


@bp.app_context_processor
def _unread_counts() -> dict[str, object]:
    """For the menu and the application and engagement pages; queried only when used."""

    def unread_messages() -> int:
        if not can(current_user, "messages.inbox"):
            return 0
        try:
            return queries.unread_total(current_user)
        except SQLAlchemyError:  # an error page after a failed transaction still renders
            return 0

    def unread_in(application_ids: Iterable[int]) -> dict[int, int]:
        if not can(current_user, "messages.inbox"):
            return {}
        return queries.unread_by_application(current_user, application_ids)

    return {"unread_messages": unread_messages, "unread_in": unread_in}


def _user_key() -> str:
    return f"user:{current_user.id}"


def _application(application_id: int) -> Application:
    application = db.get_or_404(Application, application_id)
    ensure_can(current_user, "conversation.view", application)
    return application


@bp.route("/messages")
@login_required
def inbox():
    ensure_can(current_user, "messages.inbox")
    return render_template(
        "messaging/inbox.html", page=queries.conversations(current_user, page_arg())
    )


def _thread_page(application: Application, form: MessageForm):
    thread = services.thread_of(application)
    messages = queries.messages_of(thread) if thread else []
    if messages:  # reading marks read (like a login's "last used": the viewer's own state)
        services.mark_read(thread, current_user, up_to=messages[-1].id)
        db.session.commit()
    return render_template(
        "messaging/thread.html",
        application=application,
        messages=messages,
        my_side=services.side_of(current_user, application),
        is_open=services.is_open(application),
        may_post=can(current_user, "conversation.post", application),
        form=form,
        report_form=ReportForm(),
        reported=thread is not None and queries.report_by(thread, current_user),
    )


@bp.route("/messages/<int:application_id>")
@login_required
def thread(application_id: int):
    return _thread_page(_application(application_id), MessageForm())


@bp.post("/messages/<int:application_id>/send")
@login_required
@limiter.limit("30 per minute;500 per day", key_func=_user_key)
def send(application_id: int):
    application = _application(application_id)
    ensure_can(current_user, "conversation.post", application)
    back = url_for("messages.thread", application_id=application.id, _anchor="write")
    if request.files:
        flash(
            _("Attachments are not possible in messages. Please write your message as text."),
            "error",
        )
        return redirect(back)
    form = MessageForm()
    if not form.validate():
        return _thread_page(application, form)
    try:
        services.post(application, by=current_user, body=form.body.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _thread_page(application, form)
    db.session.commit()
    return redirect(back)


@bp.post("/messages/<int:application_id>/report")
@login_required
def report(application_id: int):
    application = _application(application_id)
    ensure_can(current_user, "conversation.report", application)
    form = ReportForm()
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    else:
        try:
            services.report(application, by=current_user, reason=form.reason.data)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(
                _("Thank you. An administrator will read this conversation and your reason."),
                "success",
            )
    return redirect(url_for("messages.thread", application_id=application.id))
