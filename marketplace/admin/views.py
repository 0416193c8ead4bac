"""The admin area: vetting queue, tags, companies, users, reports, audit log.

Views only; every decision is a call into the owning feature's services.
Anyone who is not an admin gets 404 for every page here.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts import moderation
from marketplace.accounts import queries as account_queries
from marketplace.accounts.models import Company, User
from marketplace.admin.forms import (
    ApproveForm,
    AuditFilterForm,
    NoteForm,
    ReasonForm,
    RejectForm,
    SearchForm,
    SuspendForm,
    TagForm,
)
from marketplace.audit.queries import AuditFilters, audit_events
from marketplace.auth.policies import can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs import queries as gig_queries
from marketplace.gigs import services as gig_services
from marketplace.gigs import tags as tag_services
from marketplace.gigs.content import GigContent, ListingPreview
from marketplace.gigs.labels import CONTENT_FIELD_LABELS
from marketplace.gigs.models import ContentTag, GigReport, GigRevision, ReportStatus
from marketplace.messaging import queries as message_queries
from marketplace.pagination import page_arg
from marketplace.standing import queries as standing_queries

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def only_admins():
    if not can(current_user, "admin.access"):
        abort(404)


def _decide(action: Callable[[], object], success: str) -> bool:
    """Run one admin decision; commit and flash on success, flash the refusal otherwise."""
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return False
    db.session.commit()
    flash(success, "success")
    return True


def _form_error(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


@bp.route("/")
def dashboard():
    counts = {
        "vetting": len(gig_queries.vetting_queue()),
        "reports": gig_queries.open_report_count(),
        "unverified_companies": db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Company)
            .where(Company.verified_at.is_(None), Company.suspended_at.is_(None))
        ),
        "appeals": standing_queries.pending_appeal_count(),
        "conversations": message_queries.open_report_count(),
    }
    return render_template("admin/dashboard.html", counts=counts)


# --- vetting --------------------------------------------------------------------


@bp.route("/vetting")
def vetting_queue():
    return render_template("admin/vetting_queue.html", revisions=gig_queries.vetting_queue())


def _after_decision(ok: bool, revision: GigRevision):
    if ok:
        return redirect(url_for("admin.vetting_queue"))
    return redirect(url_for("admin.review", revision_id=revision.id))


@bp.route("/vetting/<int:revision_id>")
def review(revision_id: int):
    revision = db.get_or_404(GigRevision, revision_id)
    content = GigContent.from_json(revision.content)
    tags = _tags_for(content)
    approve_form = ApproveForm(tags=tags)
    approve_form.tags.data = list(content.tag_ids)
    return render_template(
        "admin/review.html",
        revision=revision,
        listing=ListingPreview(content, revision.gig),
        live=revision.gig if revision.is_update else None,
        changes=_changes(GigContent.of_gig(revision.gig), content) if revision.is_update else [],
        approve_form=approve_form,
        reject_form=RejectForm(),
    )


def _tags_for(content: GigContent) -> list[ContentTag]:
    tags = tag_services.active_tags()
    known = {tag.id for tag in tags}
    return tags + [tag for tag in content.tags() if tag.id not in known]


def _changes(live: GigContent, proposed: GigContent) -> list[str]:
    """Names of the fields an update changes, for the reviewer's attention."""
    return [
        str(label)
        for name, label in CONTENT_FIELD_LABELS.items()
        if getattr(live, name) != getattr(proposed, name)
    ]


@bp.post("/vetting/<int:revision_id>/approve")
def approve(revision_id: int):
    revision = db.get_or_404(GigRevision, revision_id)
    form = ApproveForm(tags=_tags_for(GigContent.from_json(revision.content)))
    if not form.validate():
        _form_error(form)
        return redirect(url_for("admin.review", revision_id=revision.id))
    ok = _decide(
        lambda: gig_services.approve_revision(
            revision, by=current_user, tag_ids=form.tags.data or [], note=form.note.data or ""
        ),
        _("Approved. The listing is live and the company has been told."),
    )
    return _after_decision(ok, revision)


@bp.post("/vetting/<int:revision_id>/reject")
def reject(revision_id: int):
    revision = db.get_or_404(GigRevision, revision_id)
    form = RejectForm()
    if not form.validate():
        _form_error(form)
        return redirect(url_for("admin.review", revision_id=revision.id))
    ok = _decide(
        lambda: gig_services.reject_revision(revision, by=current_user, reason=form.reason.data),
        _("Rejected. The company has been told why."),
    )
    return _after_decision(ok, revision)


# --- tags -----------------------------------------------------------------------


@bp.route("/tags")
def tags():
    all_tags = db.session.scalars(sa.select(ContentTag).order_by(ContentTag.slug)).all()
    return render_template("admin/tags.html", tags=all_tags)


@bp.route("/tags/new", methods=["GET", "POST"])
def new_tag():
    form = TagForm()
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in tag_services.TAG_FIELDS}
        if _decide(
            lambda: tag_services.create_tag(by=current_user, slug=form.slug.data, **fields),
            _("The tag is created."),
        ):
            return redirect(url_for("admin.tags"))
    return render_template("admin/tag_form.html", form=form, tag=None)


@bp.route("/tags/<int:tag_id>/edit", methods=["GET", "POST"])
def edit_tag(tag_id: int):
    tag = db.get_or_404(ContentTag, tag_id)
    form = TagForm(obj=tag)
    form.slug.render_kw = {"readonly": True}
    form.slug.data = tag.slug  # the short name is an identifier; it does not change
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in tag_services.TAG_FIELDS}
        if _decide(
            lambda: tag_services.update_tag(tag, by=current_user, **fields),
            _("The tag is saved."),
        ):
            return redirect(url_for("admin.tags"))
    return render_template("admin/tag_form.html", form=form, tag=tag)


# --- companies and users -------------------------------------------------------------


@bp.route("/companies")
def companies():
    form = SearchForm(request.args)
    form.status.choices = [
        ("", _("All")),
        ("unverified", _("Not verified")),
        ("verified", _("Verified")),
        ("suspended", _("Suspended")),
    ]
    form.validate()
    page = account_queries.companies_for_admin(
        form.q.data or "", form.status.data or "", form.page.data or 1
    )
    return render_template("admin/companies.html", form=form, page=page)


@bp.route("/companies/<int:company_id>")
def company(company_id: int):
    company = db.get_or_404(Company, company_id)
    return render_template(
        "admin/company.html",
        company=company,
        gigs=gig_queries.company_gigs(company),
        reason_form=ReasonForm(),
        note_form=NoteForm(),
    )


def _company_decision(company_id: int, form_cls, decide, success: str):
    company = db.get_or_404(Company, company_id)
    form = form_cls()
    if form.validate():
        _decide(lambda: decide(company, reason=form.text, by=current_user), success)
    else:
        _form_error(form)
    return redirect(url_for("admin.company", company_id=company.id))


@bp.post("/companies/<int:company_id>/verify")
def verify_company(company_id: int):
    return _company_decision(
        company_id, NoteForm, moderation.verify_company, _("The company is verified.")
    )


@bp.post("/companies/<int:company_id>/suspend")
def suspend_company(company_id: int):
    return _company_decision(
        company_id,
        ReasonForm,
        moderation.suspend_company,
        _("The company is suspended; its gigs are no longer public."),
    )


@bp.post("/companies/<int:company_id>/unsuspend")
def unsuspend_company(company_id: int):
    return _company_decision(
        company_id, ReasonForm, moderation.unsuspend_company, _("The suspension is lifted.")
    )


@bp.route("/users")
def users():
    form = SearchForm(request.args)
    form.status.choices = [
        ("", _("All")),
        ("suspended", _("Suspended")),
        ("unverified", _("Email not confirmed")),
    ]
    form.validate()
    page = account_queries.users_for_admin(
        form.q.data or "", form.status.data or "", form.page.data or 1
    )
    return render_template("admin/users.html", form=form, page=page)


@bp.route("/users/<int:user_id>")
def user(user_id: int):
    user = db.get_or_404(User, user_id)
    return render_template(
        "admin/user.html",
        user=user,
        reason_form=ReasonForm(),
        suspend_form=SuspendForm(),
        measures=standing_queries.measures_of_user(user),
    )


def _user_decision(user_id: int, decide, success: str):
    user = db.get_or_404(User, user_id)
    form = ReasonForm()
    if form.validate():
        _decide(lambda: decide(user, reason=form.reason.data, by=current_user), success)
    else:
        _form_error(form)
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/suspend")
def suspend_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = SuspendForm()
    if form.validate():
        _decide(
            lambda: moderation.suspend_user(
                user, reason=form.reason.data, by=current_user, days=form.days
            ),
            _("The account is suspended and logged out; the person has been emailed why."),
        )
    else:
        _form_error(form)
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/unsuspend")
def unsuspend_user(user_id: int):
    return _user_decision(user_id, moderation.unsuspend_user, _("The suspension is lifted."))


# --- reports ---------------------------------------------------------------------


@bp.route("/reports")
def reports():
    raw = request.args.get("status", ReportStatus.OPEN.value)
    status = ReportStatus(raw) if raw in {s.value for s in ReportStatus} else None
    page = gig_queries.reports_queue(status, page_arg())
    return render_template("admin/reports.html", page=page, status=status)


@bp.route("/reports/<int:report_id>")
def report(report_id: int):
    report = db.get_or_404(GigReport, report_id)
    return render_template(
        "admin/report.html", report=report, note_form=NoteForm(), reason_form=ReasonForm()
    )


@bp.post("/reports/<int:report_id>/dismiss")
def dismiss_report(report_id: int):
    report = db.get_or_404(GigReport, report_id)
    form = NoteForm()
    if not form.validate():
        _form_error(form)
        return redirect(url_for("admin.report", report_id=report.id))
    _decide(
        lambda: gig_services.dismiss_report(report, by=current_user, note=form.note.data or ""),
        _("The report is dismissed."),
    )
    return redirect(url_for("admin.reports"))


@bp.post("/reports/<int:report_id>/take-down")
def take_down_report(report_id: int):
    report = db.get_or_404(GigReport, report_id)
    form = ReasonForm()
    if not form.validate():
        _form_error(form)
        return redirect(url_for("admin.report", report_id=report.id))
    ok = _decide(
        lambda: gig_services.take_down_reported(report, by=current_user, reason=form.reason.data),
        _("The listing is taken down and the company has been told why."),
    )
    if ok:
        return redirect(url_for("admin.reports"))
    return redirect(url_for("admin.report", report_id=report.id))


# --- audit log --------------------------------------------------------------------


@bp.route("/audit")
def audit():
    form = AuditFilterForm(request.args)
    form.validate()

    def valid(field):
        return field.data if not field.errors else None

    filters = AuditFilters(
        action=valid(form.action) or "",
        object_type=valid(form.object_type) or "",
        object_id=valid(form.object_id),
        actor_email=valid(form.actor) or "",
        since=valid(form.since),
        until=valid(form.until),
        page=valid(form.page) or 1,
    )
    return render_template("admin/audit.html", form=form, page=audit_events(filters))
