"""Every change to a gig, its review and its reports happens here.

The vetting workflow: a company's draft is submitted as a GigRevision; an
admin approves (publishing it) or rejects it with a reason. Once published,
edits to reviewed content wait in a new revision while the approved content
stays live. Services check each transition against the tables in models.py,
write an audit row for every person's decision, and never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.models import Company, User
from marketplace.accounts.services import notify_company_members
from marketplace.audit.services import record
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition, require_transition
from marketplace.extensions import db
from marketplace.gigs import listing_cache
from marketplace.gigs.content import GigContent
from marketplace.gigs.models import (
    GIG_TRANSITIONS,
    REPORT_TRANSITIONS,
    REVISION_TRANSITIONS,
    Gig,
    GigReport,
    GigRevision,
    GigStatus,
    ReportStatus,
    RevisionStatus,
)
from marketplace.urls import absolute_url

HOURS_PER_WEEK_MAX = 60
OPENINGS_MAX = 500
REPORT_REASON_MAX = 2000


def _set_status(gig: Gig, target: GigStatus) -> None:
    require_transition(gig.status, target, GIG_TRANSITIONS)
    gig.status = target


def _set_revision_status(revision: GigRevision, target: RevisionStatus) -> None:
    require_transition(revision.status, target, REVISION_TRANSITIONS)
    revision.status = target


def _check_capacity(hours_per_week: int, openings: int) -> None:
    if not 1 <= hours_per_week <= HOURS_PER_WEEK_MAX:
        raise DomainError(
            _("Hours per week must be between 1 and %(max)d.", max=HOURS_PER_WEEK_MAX)
        )
    if not 1 <= openings <= OPENINGS_MAX:
        raise DomainError(_("Openings must be between 1 and %(max)d.", max=OPENINGS_MAX))


def pending_revision(gig: Gig) -> GigRevision | None:
    return db.session.scalar(
        gig.revisions.select().where(GigRevision.status == RevisionStatus.PENDING)
    )


def latest_decided_revision(gig: Gig) -> GigRevision | None:
    return db.session.scalar(
        gig.revisions.select()
        .where(GigRevision.status.in_([RevisionStatus.APPROVED, RevisionStatus.REJECTED]))
        .order_by(GigRevision.id.desc())
        .limit(1)
    )


# --- the company's side ----------------------------------------------------


def create_gig(
    company: Company, *, by: User, content: GigContent, hours_per_week: int, openings: int
) -> Gig:
    content = content.normalized()
    content.validate()
    _check_capacity(hours_per_week, openings)
    gig = Gig(
        company_id=company.id,
        created_by_id=by.id,
        status=GigStatus.DRAFT,
        hours_per_week=hours_per_week,
        openings=openings,
    )
    content.apply_to(gig)
    db.session.add(gig)
    db.session.flush()
    return gig


def _submit(gig: Gig, content: GigContent, by: User) -> GigRevision:
    previous = pending_revision(gig)
    if previous is not None:
        _set_revision_status(previous, RevisionStatus.SUPERSEDED)
    revision = GigRevision(
        gig=gig,
        status=RevisionStatus.PENDING,
        content=content.to_json(),
        is_update=gig.status == GigStatus.PUBLISHED,
        submitted_by_id=by.id,
        submitted_at=utcnow(),
    )
    db.session.add(revision)
    gig.submitted_at = revision.submitted_at
    return revision


def update_gig(
    gig: Gig, *, by: User, content: GigContent, hours_per_week: int, openings: int
) -> GigRevision | None:
    """Save the company's edit. Returns the revision if the edit went to review.

    Unpublished gigs change at once (an edit while in review restarts the
    review). A published gig's capacity changes at once, but new content goes
    to review and the approved content stays live meanwhile.
    """
    if gig.status in (GigStatus.CLOSED, GigStatus.EXPIRED):
        raise InvalidTransition(_("A closed or expired gig can no longer be edited."))
    content = content.normalized()
    live = GigContent.of_gig(gig)
    content.validate(allow_tag_ids=frozenset(live.tag_ids))
    _check_capacity(hours_per_week, openings)
    if gig.status == GigStatus.PUBLISHED and (gig.hours_per_week, gig.openings) != (
        hours_per_week,
        openings,
    ):
        listing_cache.bump()
    gig.hours_per_week = hours_per_week
    gig.openings = openings

    if gig.status != GigStatus.PUBLISHED:
        content.apply_to(gig)
        if gig.status == GigStatus.IN_REVIEW:
            return _submit(gig, content, by)
        return None

    pending = pending_revision(gig)
    if content == live:
        if pending is not None:  # the company changed its mind: nothing left to review
            _set_revision_status(pending, RevisionStatus.WITHDRAWN)
        return None
    if pending is not None and GigContent.from_json(pending.content) == content:
        return pending
    return _submit(gig, content, by)


def submit_for_review(gig: Gig, *, by: User) -> GigRevision:
    if not by.is_verified:
        raise DomainError(
            _("Please confirm your email address first; we sent you a link when you registered.")
        )
    content = GigContent.of_gig(gig)
    content.validate(allow_tag_ids=frozenset(content.tag_ids))
    _set_status(gig, GigStatus.IN_REVIEW)
    gig.rejection_reason = None
    return _submit(gig, content, by)


def withdraw_from_review(gig: Gig, *, by: User) -> None:
    _set_status(gig, GigStatus.DRAFT)
    pending = pending_revision(gig)
    if pending is not None:
        _set_revision_status(pending, RevisionStatus.WITHDRAWN)


def close_gig(gig: Gig, *, by: User) -> None:
    _set_status(gig, GigStatus.CLOSED)
    gig.closed_at = utcnow()
    listing_cache.bump()
    pending = pending_revision(gig)
    if pending is not None:
        _set_revision_status(pending, RevisionStatus.WITHDRAWN)
    record(
        actor=by,
        action="gig.close",
        object_type="gig",
        object_id=gig.id,
        before={"status": GigStatus.PUBLISHED.value},
        after={"status": GigStatus.CLOSED.value},
    )


def expire_gigs(now: datetime | None = None) -> int:
    """Expire published gigs past their date. Safe to run again: returns 0 then."""
    now = now or utcnow()
    gigs = db.session.scalars(
        sa.select(Gig)
        .where(Gig.status == GigStatus.PUBLISHED, Gig.expires_at <= now)
        .order_by(Gig.id)
        .with_for_update(skip_locked=True)
    ).all()
    for gig in gigs:
        listing_cache.bump()
        _set_status(gig, GigStatus.EXPIRED)
        gig.closed_at = now
        pending = pending_revision(gig)
        if pending is not None:
            _set_revision_status(pending, RevisionStatus.WITHDRAWN)
        notify_company_members(
            gig.company,
            "gigs/expired",
            gig=gig,
            link=absolute_url("gigs.manage", gig_id=gig.id),
        )
    return len(gigs)


# --- the admin's side ----------------------------------------------------------


def approve_revision(
    revision: GigRevision, *, by: User, tag_ids: list[int] | None = None, note: str = ""
) -> None:
    """Publish the revision's content; ``tag_ids`` are the admin's corrected tags."""
    gig = revision.gig
    content = GigContent.from_json(revision.content)
    if tag_ids is not None and tuple(sorted(set(tag_ids))) != content.tag_ids:
        corrected = content.with_tags(tag_ids)
        corrected.validate(allow_tag_ids=frozenset(content.tag_ids))
        record(
            actor=by,
            action="gig.correct_tags",
            object_type="gig",
            object_id=gig.id,
            before={"tag_ids": list(content.tag_ids)},
            after={"tag_ids": list(corrected.tag_ids)},
        )
        content = corrected
        revision.content = content.to_json()
    _set_revision_status(revision, RevisionStatus.APPROVED)
    before = {"status": gig.status.value}
    if gig.status == GigStatus.IN_REVIEW:
        _set_status(gig, GigStatus.PUBLISHED)
        now = utcnow()
        gig.published_at = now
        gig.expires_at = now + timedelta(days=current_app.config["GIG_LIFETIME_DAYS"])
    elif gig.status != GigStatus.PUBLISHED:
        raise InvalidTransition(_("This gig is no longer waiting for review."))
    content.apply_to(gig)
    listing_cache.bump()
    revision.decided_by_id = by.id
    revision.decided_at = utcnow()
    revision.decision_reason = note.strip() or None
    record(
        actor=by,
        action="gig.approve",
        object_type="gig",
        object_id=gig.id,
        before=before,
        after={"status": gig.status.value, "revision_id": revision.id},
        reason=revision.decision_reason,
    )
    notify_company_members(
        gig.company,
        "gigs/approved",
        gig=gig,
        revision=revision,
        link=absolute_url("gigs.detail", gig_id=gig.id),
    )


def reject_revision(revision: GigRevision, *, by: User, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please tell the company why the listing is rejected."))
    gig = revision.gig
    _set_revision_status(revision, RevisionStatus.REJECTED)
    before = {"status": gig.status.value}
    if gig.status == GigStatus.IN_REVIEW:
        _set_status(gig, GigStatus.REJECTED)
        gig.rejection_reason = reason
    elif gig.status != GigStatus.PUBLISHED:
        raise InvalidTransition(_("This gig is no longer waiting for review."))
    revision.decided_by_id = by.id
    revision.decided_at = utcnow()
    revision.decision_reason = reason
    record(
        actor=by,
        action="gig.reject",
        object_type="gig",
        object_id=gig.id,
        before=before,
        after={"status": gig.status.value, "revision_id": revision.id},
        reason=reason,
    )
    notify_company_members(
        gig.company,
        "gigs/rejected",
        gig=gig,
        revision=revision,
        reason=reason,
        link=absolute_url("gigs.manage", gig_id=gig.id),
    )


def take_down(gig: Gig, *, by: User, reason: str) -> None:
    """An admin unpublishes a live listing; the company may fix and resubmit it."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give a reason."))
    if gig.status != GigStatus.PUBLISHED:
        raise InvalidTransition(_("Only a published listing can be taken down."))
    _set_status(gig, GigStatus.REJECTED)
    gig.rejection_reason = reason
    listing_cache.bump()
    pending = pending_revision(gig)
    if pending is not None:
        _set_revision_status(pending, RevisionStatus.WITHDRAWN)
    record(
        actor=by,
        action="gig.take_down",
        object_type="gig",
        object_id=gig.id,
        before={"status": GigStatus.PUBLISHED.value},
        after={"status": GigStatus.REJECTED.value},
        reason=reason,
    )
    notify_company_members(
        gig.company,
        "gigs/taken_down",
        gig=gig,
        reason=reason,
        link=absolute_url("gigs.manage", gig_id=gig.id),
    )


# --- reports -----------------------------------------------------------------


def report_gig(gig: Gig, *, by: User, reason: str) -> GigReport:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please tell us what is wrong with this listing."))
    if len(reason) > REPORT_REASON_MAX:
        raise DomainError(
            _("Please keep the report to at most %(max)d characters.", max=REPORT_REASON_MAX)
        )
    if gig.status != GigStatus.PUBLISHED:
        raise InvalidTransition(_("Only published listings can be reported."))
    existing = db.session.scalar(
        sa.select(GigReport).where(GigReport.gig_id == gig.id, GigReport.reporter_id == by.id)
    )
    if existing is not None:
        raise DomainError(_("You have already reported this listing. Thank you."))
    report = GigReport(gig_id=gig.id, reporter_id=by.id, reason=reason)
    db.session.add(report)
    db.session.flush()
    return report


def _resolve_report(report: GigReport, target: ReportStatus, *, by: User, note: str) -> None:
    require_transition(report.status, target, REPORT_TRANSITIONS)
    report.status = target
    report.resolved_by_id = by.id
    report.resolved_at = utcnow()
    report.resolution_note = note.strip() or None


def dismiss_report(report: GigReport, *, by: User, note: str) -> None:
    _resolve_report(report, ReportStatus.DISMISSED, by=by, note=note)
    record(
        actor=by,
        action="report.dismiss",
        object_type="report",
        object_id=report.id,
        before={"status": ReportStatus.OPEN.value},
        after={"status": ReportStatus.DISMISSED.value},
        reason=report.resolution_note,
    )


def take_down_reported(report: GigReport, *, by: User, reason: str) -> None:
    """Take the reported gig down and close every open report on it."""
    take_down(report.gig, by=by, reason=reason)
    open_reports = db.session.scalars(
        sa.select(GigReport).where(
            GigReport.gig_id == report.gig_id, GigReport.status == ReportStatus.OPEN
        )
    ).all()
    for each in open_reports:
        _resolve_report(each, ReportStatus.ACTIONED, by=by, note=reason)
        record(
            actor=by,
            action="report.action",
            object_type="report",
            object_id=each.id,
            before={"status": ReportStatus.OPEN.value},
            after={"status": ReportStatus.ACTIONED.value},
            reason=reason,
        )
