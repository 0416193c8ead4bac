"""The company's decisions on applications: hire (within the gig's openings) or reject."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.db import utcnow
from marketplace.errors import DomainError, require_transition
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.growth import gig_levels, terms
from marketplace.onboarding.applications import set_status, tell_seeker
from marketplace.onboarding.models import (
    APPLICATION_TRANSITIONS,
    Application,
    ApplicationStatus,
    Engagement,
    EngagementStatus,
)
from marketplace.payments import cover
from marketplace.reasons import require_reason


def occupied_openings(gig: Gig) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Engagement)
            .where(
                Engagement.gig_id == gig.id,
                Engagement.status.in_([EngagementStatus.ACTIVE, EngagementStatus.PAUSED]),
            )
        )
        or 0
    )


def hire(application: Application, *, by: User) -> Engagement:
    """Hire a passed applicant at the gig's current rate, within its openings, when
    the company's balance covers the first work (``payments.cover``; else
    FundingRequired says how much to add).

    The gig's row is locked first (FOR UPDATE on PostgreSQL), so two managers
    hiring at the same moment count the filled openings one after the other.
    """
    gig = db.session.scalar(sa.select(Gig).where(Gig.id == application.gig_id).with_for_update())
    # Re-read the application under a lock: a colleague may have hired or
    # rejected it, or the seeker withdrawn, since the page was loaded.
    db.session.refresh(application, with_for_update=True)
    require_transition(application.status, ApplicationStatus.HIRED, APPLICATION_TRANSITIONS)
    if occupied_openings(gig) >= gig.openings:
        raise DomainError(
            _(
                "All openings of this gig are filled (%(n)d). End an engagement or raise the "
                "number of openings first.",
                n=gig.openings,
            )
        )
    # The first hours or items must be paid for, so nobody starts work unpaid.
    cover.require_first_work_funded(gig)
    set_status(application, ApplicationStatus.HIRED)
    application.decided_by_id = by.id
    application.decided_at = utcnow()
    engagement = Engagement(
        gig_id=gig.id,
        worker_id=application.seeker_id,
        application_id=application.id,
        # The gig's rate, or the higher rate the company set for the worker's level.
        rate_cents=gig_levels.rate_for_worker(gig, application.seeker_id),
        currency=gig.currency,
        pay_model=gig.pay_model,
    )
    db.session.add(engagement)
    db.session.flush()
    terms.first_version(engagement)
    record(
        actor=by,
        action="application.hire",
        object_type="application",
        object_id=application.id,
        before={"status": ApplicationStatus.PASSED.value},
        after={"status": ApplicationStatus.HIRED.value, "engagement_id": engagement.id},
    )
    tell_seeker(application, "hired", engagement=engagement)
    return engagement


def reject(application: Application, *, by: User, reason: str) -> None:
    reason = require_reason(reason, message=_("Please tell the applicant why."))
    db.session.refresh(application, with_for_update=True)  # see hire()
    before = application.status.value
    set_status(application, ApplicationStatus.REJECTED)
    application.decided_by_id = by.id
    application.decided_at = utcnow()
    application.decision_reason = reason
    record(
        actor=by,
        action="application.reject",
        object_type="application",
        object_id=application.id,
        before={"status": before},
        after={"status": ApplicationStatus.REJECTED.value},
        reason=reason,
    )
    tell_seeker(application, "rejected", reason=reason)
