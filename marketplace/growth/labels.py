"""What levels, kinds of work, offers and roles are called, in the viewer's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.growth.models import Level, OfferKind, OfferStatus, TermsRole, WorkKind

LEVEL_LABELS = {
    Level.NEW: _l("New"),
    Level.EXPERIENCED: _l("Experienced"),
    Level.TOP: _l("Top"),
}

WORK_KIND_LABELS = {
    WorkKind.EMAIL: _l("Answering emails"),
    WorkKind.MODERATION: _l("Moderation"),
}

OFFER_KIND_LABELS = {
    OfferKind.MORE_HOURS: _l("More weekly hours"),
    OfferKind.HIGHER_RATE: _l("A higher rate"),
    OfferKind.TEAM_LEAD: _l("Team lead: review other workers' work"),
    OfferKind.FULL_TIME: _l("A full-time position"),
}

OFFER_STATUS_LABELS = {
    OfferStatus.PENDING: _l("Waiting for your answer"),
    OfferStatus.ACCEPTED: _l("Accepted"),
    OfferStatus.DECLINED: _l("Declined"),
    OfferStatus.EXPIRED: _l("Expired"),
}

ROLE_LABELS = {
    TermsRole.WORKER: _l("Worker"),
    TermsRole.TEAM_LEAD: _l("Team lead"),
    TermsRole.FULL_TIME: _l("Full-time position"),
}


def template_globals() -> dict[str, object]:
    return {
        "LEVEL_LABELS": LEVEL_LABELS,
        "WORK_KIND_LABELS": WORK_KIND_LABELS,
        "OFFER_KIND_LABELS": OFFER_KIND_LABELS,
        "OFFER_STATUS_LABELS": OFFER_STATUS_LABELS,
        "ROLE_LABELS": ROLE_LABELS,
    }
