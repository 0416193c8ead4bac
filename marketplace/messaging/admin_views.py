"""The admin's reported conversations: a queue, one reported conversation (readable only
because someone reported it; any other is 404), and marking a report handled."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.auth.policies import can, ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.messaging import queries, services
from marketplace.messaging.forms import HandleReportForm
from marketplace.messaging.models import MessageThread, ThreadReport, ThreadReportStatus
from marketplace.pagination import page_arg

bp = Blueprint("messages_admin", __name__, url_prefix="/admin/conversations")


@bp.before_request
def only_admins():
    if not can(current_user, "admin.access"):
        abort(404)


@bp.route("/")
def reported():
    raw = request.args.get("status", ThreadReportStatus.OPEN.value)
    status = ThreadReportStatus(raw) if raw in set(ThreadReportStatus) else ThreadReportStatus.OPEN
    return render_template(
        "messaging/admin_reported.html",
        page=queries.reported_threads(status, page_arg()),
        status=status,
    )


@bp.route("/<int:thread_id>")
def thread(thread_id: int):
    thread = db.get_or_404(MessageThread, thread_id)
    ensure_can(current_user, "conversation.admin_read", thread)
    return render_template(
        "messaging/admin_thread.html",
        thread=thread,
        application=thread.application,
        messages=queries.messages_of(thread),
        reports=queries.reports_of(thread),
        form=HandleReportForm(),
    )


@bp.post("/reports/<int:report_id>/handle")
def handle(report_id: int):
    report = db.get_or_404(ThreadReport, report_id)
    ensure_can(current_user, "conversation.admin_read", report.thread)
    form = HandleReportForm()
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for(".thread", thread_id=report.thread_id))
    try:
        services.handle_report(report, by=current_user, note=form.note.data or "")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".thread", thread_id=report.thread_id))
    db.session.commit()
    flash(_("The report is marked as handled."), "success")
    return redirect(url_for(".reported"))
