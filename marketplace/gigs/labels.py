"""What the gig enums are called, in the viewer's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.gigs.models import GigKind, GigStatus, PayModel, ReportStatus, RevisionStatus

KIND_LABELS = {
    GigKind.EMAIL_SUPPORT: _l("Email support"),
    GigKind.CHAT_MODERATION: _l("Chat moderation"),
    GigKind.FORUM_MODERATION: _l("Forum moderation"),
}

PAY_MODEL_LABELS = {
    PayModel.PER_EMAIL: _l("per answered email"),
    PayModel.PER_ITEM: _l("per moderated item"),
    PayModel.PER_HOUR: _l("per hour"),
}

STATUS_LABELS = {
    GigStatus.DRAFT: _l("Draft"),
    GigStatus.IN_REVIEW: _l("In review"),
    GigStatus.PUBLISHED: _l("Published"),
    GigStatus.REJECTED: _l("Rejected"),
    GigStatus.CLOSED: _l("Closed"),
    GigStatus.EXPIRED: _l("Expired"),
}

REVISION_LABELS = {
    RevisionStatus.PENDING: _l("Waiting for review"),
    RevisionStatus.APPROVED: _l("Approved"),
    RevisionStatus.REJECTED: _l("Rejected"),
    RevisionStatus.SUPERSEDED: _l("Replaced by a newer version"),
    RevisionStatus.WITHDRAWN: _l("Withdrawn"),
}

REPORT_LABELS = {
    ReportStatus.OPEN: _l("Open"),
    ReportStatus.DISMISSED: _l("Dismissed"),
    ReportStatus.ACTIONED: _l("Listing taken down"),
}


def template_globals() -> dict[str, object]:
    return {
        "KIND_LABELS": KIND_LABELS,
        "PAY_MODEL_LABELS": PAY_MODEL_LABELS,
        "GIG_STATUS_LABELS": STATUS_LABELS,
        "REVISION_LABELS": REVISION_LABELS,
        "REPORT_LABELS": REPORT_LABELS,
    }


CONTENT_FIELD_LABELS = {
    "title": _l("title"),
    "kind": _l("kind of work"),
    "description": _l("description"),
    "pay_model": _l("pay model"),
    "rate_cents": _l("rate"),
    "languages": _l("languages"),
    "tag_ids": _l("content tags"),
    "communities": _l("communities"),
}
