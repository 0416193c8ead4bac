"""The company's side of the email work pool: mailboxes and their inbound token,
canned replies, uploading customer mail, the conversations, the escalation queue,
reviewing answers, and the service dashboard (with its CSV)."""

from __future__ import annotations

import mailbox as stdlib_mailbox
from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace.accounts.models import Company
from marketplace.auth.policies import ensure_can
from marketplace.charts import bar_chart
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import csrf, db
from marketplace.gigs.models import GigKind
from marketplace.gigs.queries import load_gig
from marketplace.pagination import page_arg
from marketplace.payments import statements
from marketplace.urls import absolute_url, bounded_int
from marketplace.workpool import company_queries as queries
from marketplace.workpool import (
    dashboard_queries,
    inbound,
    mailboxes,
    pool,
    signatures,
    triage,
    triage_queries,
)
from marketplace.workpool.company_forms import (
    AnswerForm,
    CannedReplyForm,
    MailboxForm,
    UploadForm,
)
from marketplace.workpool.connections import forwarding_address
from marketplace.workpool.models import (
    CannedReply,
    Conversation,
    ConversationStatus,
    Mailbox,
)

bp = Blueprint("mailboxes", __name__, url_prefix="/company/mailboxes")


@bp.context_processor
def _helpers() -> dict[str, object]:
    return {
        **statements.template_globals(),
        "mailbox_time": signatures.mailbox_time,
        "due_text": due_text,
        "duration_text": duration_text,
        "PLACEHOLDERS": mailboxes.PLACEHOLDERS,
        "STATUS_LABELS": {
            ConversationStatus.WAITING: _("Waiting"),
            ConversationStatus.SENDING: _("Sending"),
            ConversationStatus.ANSWERED: _("Answered"),
            ConversationStatus.ESCALATED: _("Escalated"),
        },
    }


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return format_timedelta(timedelta(seconds=seconds), threshold=1.5)


def due_text(due: datetime, now: datetime) -> str:
    """Time left to the first-response target, or how long it is overdue."""
    if due <= now:
        return _("overdue by %(time)s", time=format_timedelta(now - due, threshold=1.5))
    return _("due in %(time)s", time=format_timedelta(due - now, threshold=1.5))


# --- loading and authorizing ---------------------------------------------------------------


def _company() -> Company:
    company = current_user.company or abort(404)
    # The same rule as "mailbox.manage", for the pages about all of the company's mailboxes.
    ensure_can(current_user, "company.post_gigs", company)
    return company


def _mailbox(mailbox_id: int) -> Mailbox:
    mailbox = db.get_or_404(Mailbox, mailbox_id)
    ensure_can(current_user, "mailbox.manage", mailbox)
    return mailbox


def _conversation(conversation_id: int) -> Conversation:
    conversation = db.get_or_404(Conversation, conversation_id)
    ensure_can(current_user, "conversation.company", conversation)
    return conversation


def _canned(canned_id: int) -> tuple[CannedReply, Mailbox]:
    canned = db.get_or_404(CannedReply, canned_id)
    return canned, _mailbox(canned.mailbox_id)


def _mailbox_filter(company: Company) -> Mailbox | None:
    """The ?mailbox= filter: one of the company's mailboxes, or all (None)."""
    mailbox_id = request.args.get("mailbox", type=int)
    if mailbox_id is None:
        return None
    if bounded_int(str(mailbox_id)) is None:  # no mailbox has such a number
        abort(404)
    return queries.company_mailbox(company, mailbox_id) or abort(404)


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


# --- mailboxes -----------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    company = _company()
    return render_template(
        "workpool/company/index.html",
        rows=queries.mailbox_rows(company),
        gigs=queries.email_gigs(company),
    )


@bp.route("/new/<int:gig_id>", methods=["GET", "POST"])
@login_required
def new(gig_id: int):
    gig = load_gig(gig_id) or abort(404)
    ensure_can(current_user, "gig.manage", gig)
    ensure_can(current_user, "gig.edit", gig)
    if gig.kind != GigKind.EMAIL_SUPPORT:
        abort(404)
    form = MailboxForm(workers=mailboxes.hired_workers(gig))
    if form.validate_on_submit():
        try:
            mailbox, token = mailboxes.create_mailbox(gig, form.settings(), by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            return _token_page(mailbox, token, created=True)
    return render_template("workpool/company/edit.html", form=form, gig=gig, mailbox=None)


@bp.route("/<int:mailbox_id>/edit", methods=["GET", "POST"])
@login_required
def edit(mailbox_id: int):
    mailbox = _mailbox(mailbox_id)
    form = MailboxForm(workers=mailboxes.hired_workers(mailbox.gig), mailbox=mailbox)
    if form.validate_on_submit():
        try:
            mailboxes.update_mailbox(mailbox, form.settings(), by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("The mailbox settings are saved."), "success")
            return redirect(url_for("mailboxes.conversations", mailbox_id=mailbox.id))
    return render_template(
        "workpool/company/edit.html", form=form, gig=mailbox.gig, mailbox=mailbox
    )


@bp.post("/<int:mailbox_id>/token")
@login_required
def rotate_token(mailbox_id: int):
    mailbox = _mailbox(mailbox_id)
    token = mailboxes.rotate_token(mailbox, by=current_user)
    db.session.commit()
    return _token_page(mailbox, token, created=False)


def _token_page(mailbox: Mailbox, token: str, *, created: bool) -> Response:
    """The inbound token, shown this once: rendered into this response only (never
    flashed, never stored in the session), and kept out of every cache."""
    response = make_response(
        render_template(
            "workpool/company/token.html",
            mailbox=mailbox,
            token=token,
            created=created,
            inbound_url=absolute_url("workpool_api.receive_message", mailbox_id=mailbox.id),
            forwarding_address=forwarding_address(mailbox),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- canned replies --------------------------------------------------------------------------


def _save_canned(mailbox: Mailbox, form: CannedReplyForm, canned: CannedReply | None) -> bool:
    try:
        mailboxes.save_canned_reply(
            mailbox,
            title=form.title.data,
            body=form.body.data.replace("\r\n", "\n"),
            canned=canned,
        )
    except DomainError as exc:
        db.session.rollback()
        form.body.errors.append(exc.message)
        return False
    db.session.commit()
    flash(_("The canned reply “%(title)s” is saved.", title=form.title.data.strip()), "success")
    return True


@bp.route("/<int:mailbox_id>/replies", methods=["GET", "POST"])
@login_required
def canned(mailbox_id: int):
    mailbox = _mailbox(mailbox_id)
    form = CannedReplyForm()
    if form.validate_on_submit() and _save_canned(mailbox, form, None):
        return redirect(url_for("mailboxes.canned", mailbox_id=mailbox.id))
    return render_template(
        "workpool/company/canned.html",
        mailbox=mailbox,
        form=form,
        replies=mailboxes.canned_replies(mailbox),
    )


@bp.route("/replies/<int:canned_id>/edit", methods=["GET", "POST"])
@login_required
def edit_canned(canned_id: int):
    canned, mailbox = _canned(canned_id)
    form = CannedReplyForm(obj=canned)
    if form.validate_on_submit() and _save_canned(mailbox, form, canned):
        return redirect(url_for("mailboxes.canned", mailbox_id=mailbox.id))
    return render_template(
        "workpool/company/canned_edit.html", mailbox=mailbox, canned=canned, form=form
    )


@bp.post("/replies/<int:canned_id>/delete")
@login_required
def delete_canned(canned_id: int):
    canned, mailbox = _canned(canned_id)
    title = canned.title
    mailboxes.delete_canned_reply(canned)
    db.session.commit()
    flash(_("The canned reply “%(title)s” is deleted.", title=title), "success")
    return redirect(url_for("mailboxes.canned", mailbox_id=mailbox.id))


# --- uploading customer mail -------------------------------------------------------------------


def _emails_of(files: list[FileStorage]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """(name, raw email) for every uploaded .eml file and every email of an .mbox,
    and the names of .mbox files with no email in them."""
    emails: list[tuple[str, bytes]] = []
    empty: list[str] = []
    for upload in files:
        name = upload.filename or "?"
        raw = upload.read()
        if not name.lower().endswith(".mbox"):
            emails.append((name, raw))
            continue
        try:
            messages = inbound.split_mbox(raw)
        except (OSError, ValueError, stdlib_mailbox.Error):
            messages = []
        if not messages:
            empty.append(name)
        for number, message in enumerate(messages, start=1):
            emails.append((_("%(file)s, email %(number)d", file=name, number=number), message))
    return emails, empty


def _upload_problem(files: list[FileStorage]) -> str | None:
    names = [f.filename.lower() for f in files]
    if not names:
        return _("Please choose .eml files or one .mbox file.")
    unknown = [f.filename for f in files if not f.filename.lower().endswith((".eml", ".mbox"))]
    if unknown:
        return _("Only .eml and .mbox files can be uploaded, not %(names)s.",
                 names=", ".join(unknown))  # fmt: skip
    if any(n.endswith(".mbox") for n in names) and len(names) > 1:
        return _("Please upload either .eml files or one single .mbox file.")
    return None


def _upload_page(mailbox: Mailbox, form: UploadForm, status: int = 200):
    limit = current_app.config["MAILBOX_UPLOAD_MAX_BYTES"]
    return render_template(
        "workpool/company/upload.html", mailbox=mailbox, form=form, max_bytes=limit
    ), status


@bp.route("/<int:mailbox_id>/upload", methods=["GET", "POST"])
@csrf.exempt  # checked in the view, once the upload's own size limit is set
@login_required
def upload(mailbox_id: int):
    mailbox = _mailbox(mailbox_id)
    if request.method == "GET":
        return _upload_page(mailbox, UploadForm(formdata=None))
    limit = current_app.config["MAILBOX_UPLOAD_MAX_BYTES"]
    request.max_content_length = limit
    try:
        if current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect()  # reads the form, so only now: within the upload's limit
        form = UploadForm()
        files = [f for f in form.files.data or [] if f and f.filename]
    except RequestEntityTooLarge:
        form = UploadForm(formdata=None)
        form.files.errors = [
            _("The upload is larger than %(mb)d MB; nothing was stored. Please upload "
              "fewer or smaller files.", mb=limit // (1024 * 1024))
        ]  # fmt: skip
        return _upload_page(mailbox, form, 413)
    problem = _upload_problem(files)
    if problem:
        form.files.errors = [problem]
        return _upload_page(mailbox, form)
    emails, empty_mboxes = _emails_of(files)
    result = inbound.store_batch(mailbox, emails)
    result.unreadable += [(name, _("No emails found in this mbox file.")) for name in empty_mboxes]
    db.session.commit()
    # Shown, not flashed and redirected: a long list of unreadable files would not fit
    # into the session cookie. Sending the same upload again stores nothing twice.
    return render_template("workpool/company/upload_result.html", mailbox=mailbox, result=result)


# --- conversations ----------------------------------------------------------------------------


@bp.route("/<int:mailbox_id>")
@login_required
def conversations(mailbox_id: int):
    mailbox = _mailbox(mailbox_id)
    raw = request.args.get("status", ConversationStatus.WAITING.value)
    status = ConversationStatus(raw) if raw in set(ConversationStatus) else None
    status = status or ConversationStatus.WAITING
    counts = queries.status_counts(mailbox)
    engagements = queries.active_engagements(mailbox.gig_id)
    now = utcnow()
    tags, workers = triage.company_tags(mailbox.company_id), triage.hired_workers(mailbox)
    filters = triage_queries.parse_filters(request.args, tags=tags, workers=workers)
    found = queries.conversations(
        mailbox, status, page_arg(), now=now, where=triage_queries.conditions(filters, now)
    )
    return render_template(
        "workpool/company/conversations.html",
        mailbox=mailbox,
        status=status,
        counts=counts,
        found=found,
        filters=filters,
        tags=tags,
        workers=workers,
        row_tags=triage_queries.tags_by_conversation([r.conversation.id for r in found.items]),
        stopped=queries.queue_stopped(engagements, counts[ConversationStatus.WAITING]),
        hired=bool(engagements),
        now=now,
    )


def _thread_page(conversation: Conversation, form: AnswerForm):
    return render_template(
        "workpool/company/conversation.html",
        conversation=conversation,
        mailbox=conversation.mailbox,
        thread=queries.thread(conversation),
        form=form,
        now=utcnow(),
    )


@bp.route("/conversations/<int:conversation_id>")
@login_required
def conversation(conversation_id: int):
    return _thread_page(_conversation(conversation_id), AnswerForm(formdata=None))


@bp.post("/conversations/<int:conversation_id>/answer")
@login_required
def answer(conversation_id: int):
    conversation = _conversation(conversation_id)
    form = AnswerForm()
    if not form.validate():
        return _thread_page(conversation, form)
    try:
        pool.company_answer(conversation, by=current_user, body=form.body.data)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")  # the form may be gone: the conversation moved on
        return _thread_page(_conversation(conversation_id), form)
    db.session.commit()  # the reply goes out by SMTP after this commit
    flash(
        _("Your answer is on its way to %(email)s.", email=conversation.customer_email),
        "success",
    )
    return redirect(url_for("mailboxes.escalations", mailbox=conversation.mailbox_id))


@bp.route("/escalations")
@login_required
def escalations():
    company = _company()
    selected = _mailbox_filter(company)
    return render_template(
        "workpool/company/escalations.html",
        selected=selected,
        mailboxes=queries.company_mailboxes(company),
        found=queries.escalation_queue(company, selected, page_arg()),
    )


# --- reviewing answers: one review of all work, in payments ----------------------------------


@bp.route("/review")
@login_required
def review():
    """The old review of answers: the company's one review, showing answered emails."""
    _company()
    return redirect(url_for("balance.review", kind="email"))


# --- dashboard -------------------------------------------------------------------------------


@bp.route("/dashboard")
@login_required
def dashboard():
    company = _company()
    selected = _mailbox_filter(company)
    report = dashboard_queries.dashboard(company, selected)
    charts = {
        name: bar_chart(
            [(dashboard_queries.day_label(day), value) for day, value in report.per_day(name)],
            title=title,
        )
        for name, title in (
            ("answered", _("Answered by workers per day")),
            ("escalated", _("Escalated by workers per day")),
        )
    }
    return render_template(
        "workpool/company/dashboard.html",
        selected=selected,
        mailboxes=queries.company_mailboxes(company),
        report=report,
        charts=charts,
    )


@bp.route("/dashboard.csv")
@login_required
def dashboard_csv():
    company = _company()
    selected = _mailbox_filter(company)
    report = dashboard_queries.dashboard(company, selected)
    scope = selected.name if selected else _("All mailboxes")
    filename = f"nebendesk-mailboxes-{company.id}-{report.days[-1].isoformat()}.csv"
    return Response(
        stream_with_context(dashboard_queries.dashboard_csv(report, scope)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
