"""Public listings (browse, search, detail, report) and the company's gig management."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from marketplace.accounts.forms import EmptyForm
from marketplace.accounts.models import Company
from marketplace.auth.policies import can, ensure_can
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.gigs import listing_cache, queries, services
from marketplace.gigs.content import GigContent
from marketplace.gigs.forms import GigForm, GigSearchForm, ReportForm
from marketplace.gigs.models import Gig
from marketplace.gigs.tags import active_tags
from marketplace.payments import pay_facts

bp = Blueprint("gigs", __name__)


# --- public ---------------------------------------------------------------------


@bp.route("/gigs")
def browse():
    sees_mature = queries.viewer_sees_mature(current_user)
    key = ("browse", str(get_locale()), sees_mature, sorted(request.args.items(multi=True)))
    body = listing_cache.cached_page(key, _render_browse_body)
    return render_template("gigs/browse.html", body=Markup(body))  # noqa: S704 - our own HTML


def _render_browse_body() -> str:
    form = GigSearchForm(request.args, tags=active_tags())
    form.validate()  # invalid filters are shown with their error and ignored
    results = queries.search_public_gigs(current_user, form.filters())
    return render_template("gigs/_browse_body.html", form=form, results=results)


@bp.route("/gigs/<int:gig_id>")
def detail(gig_id: int):
    gig = queries.load_gig(gig_id) or abort(404)
    ensure_can(current_user, "gig.view", gig)
    if not can(current_user, "gig.see_content", gig):
        return render_template("gigs/mature_gate.html", gig=gig)
    return render_template(
        "gigs/detail.html",
        gig=gig,
        pay_facts=pay_facts.gig_pay_facts(gig),
        report_form=ReportForm() if can(current_user, "gig.report", gig) else None,
    )


@bp.post("/gigs/<int:gig_id>/report")
@login_required
def report(gig_id: int):
    gig = queries.load_gig(gig_id) or abort(404)
    ensure_can(current_user, "gig.view", gig)
    ensure_can(current_user, "gig.report", gig)
    form = ReportForm()
    if not form.validate():
        flash(_("Please tell us what is wrong with this listing."), "error")
        return redirect(url_for("gigs.detail", gig_id=gig.id))
    try:
        services.report_gig(gig, by=current_user, reason=form.reason.data)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Thank you. Our team will look at this listing."), "success")
    return redirect(url_for("gigs.detail", gig_id=gig.id))


# --- the company's gigs -------------------------------------------------------------


def _own_company() -> Company:
    company = current_user.company
    if company is None:
        abort(404)
    ensure_can(current_user, "company.view_private", company)
    return company


def _own_gig(gig_id: int, action: str) -> Gig:
    gig = queries.load_gig(gig_id) or abort(404)
    ensure_can(current_user, "gig.manage", gig)
    ensure_can(current_user, action, gig)
    return gig


@bp.route("/company/gigs")
@login_required
def company_gigs():
    company = _own_company()
    return render_template(
        "gigs/company_gigs.html",
        company=company,
        gigs=queries.company_gigs(company),
        pending_ids=queries.gigs_with_pending_revision(company),
    )


@bp.route("/company/gigs/new", methods=["GET", "POST"])
@login_required
def new_gig():
    company = _own_company()
    ensure_can(current_user, "company.post_gigs", company)
    form = GigForm(tags=active_tags())
    if form.validate_on_submit():
        try:
            gig = services.create_gig(
                company,
                by=current_user,
                content=form.content(),
                hours_per_week=form.hours_per_week.data,
                openings=form.openings.data,
            )
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Draft saved. Submit it for review when it is ready."), "success")
            return redirect(url_for("gigs.manage", gig_id=gig.id))
    return render_template("gigs/edit.html", form=form, gig=None)


@bp.route("/company/gigs/<int:gig_id>")
@login_required
def manage(gig_id: int):
    gig = _own_gig(gig_id, "gig.manage")
    pending = services.pending_revision(gig)
    return render_template(
        "gigs/manage.html",
        gig=gig,
        pending=pending,
        pending_content=GigContent.from_json(pending.content) if pending else None,
        history=queries.revision_history(gig),
        action_form=EmptyForm(),
    )


def _edit_tags(gig: Gig) -> list:
    # Keep a retired tag selectable on a gig that already carries it.
    tags = active_tags()
    known = {tag.id for tag in tags}
    return tags + [tag for tag in gig.tags if tag.id not in known]


@bp.route("/company/gigs/<int:gig_id>/edit", methods=["GET", "POST"])
@login_required
def edit(gig_id: int):
    gig = _own_gig(gig_id, "gig.edit")
    form = GigForm(tags=_edit_tags(gig))
    if request.method == "GET":
        pending = services.pending_revision(gig)
        content = GigContent.from_json(pending.content) if pending else GigContent.of_gig(gig)
        form.fill_from(content, hours_per_week=gig.hours_per_week, openings=gig.openings)
    if form.validate_on_submit():
        try:
            revision = services.update_gig(
                gig,
                by=current_user,
                content=form.content(),
                hours_per_week=form.hours_per_week.data,
                openings=form.openings.data,
            )
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            if revision is not None and revision.is_update:
                flash(
                    _("Your changes are waiting for review. The listing stays online as it was."),
                    "success",
                )
            else:
                flash(_("Your changes are saved."), "success")
            return redirect(url_for("gigs.manage", gig_id=gig.id))
    return render_template("gigs/edit.html", form=form, gig=gig)


def _transition(gig_id: int, action: str, service, message: str):
    gig = _own_gig(gig_id, action)
    try:
        service(gig, by=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("gigs.manage", gig_id=gig.id))


@bp.post("/company/gigs/<int:gig_id>/submit")
@login_required
def submit(gig_id: int):
    return _transition(
        gig_id,
        "gig.submit",
        services.submit_for_review,
        _("Submitted. An admin will review your listing, usually within one working day."),
    )


@bp.post("/company/gigs/<int:gig_id>/withdraw")
@login_required
def withdraw(gig_id: int):
    return _transition(
        gig_id,
        "gig.withdraw",
        services.withdraw_from_review,
        _("The listing is back in draft."),
    )


@bp.post("/company/gigs/<int:gig_id>/close")
@login_required
def close(gig_id: int):
    return _transition(
        gig_id, "gig.close", services.close_gig, _("The listing is closed and no longer public.")
    )
