"""Engagements: a hired worker on a gig. The company pauses, resumes or ends
them; a worker must accept the gig's current rules before their next work."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.db import utcnow
from marketplace.errors import require_transition
from marketplace.mail.services import queue_email
from marketplace.onboarding.applications import has_acknowledged, record_acknowledgment
from marketplace.onboarding.models import (
    ENGAGEMENT_TRANSITIONS,
    Engagement,
    EngagementStatus,
    Onboarding,
    RulesAcknowledgment,
)
from marketplace.onboarding.services import onboarding_for
from marketplace.reasons import require_reason
from marketplace.standing import measures
from marketplace.standing.models import MeasureKind
from marketplace.urls import absolute_url


def _change(
    engagement: Engagement, target: EngagementStatus, *, by: User, reason: str | None
) -> None:
    require_transition(engagement.status, target, ENGAGEMENT_TRANSITIONS)
    if target != EngagementStatus.ACTIVE:
        # A running live session ends first and is paid while the engagement is
        # still active. Imported here: moderation imports this module.
        from marketplace.moderation import sessions

        sessions.end_for_engagement(engagement)
    before = engagement.status.value
    engagement.status = target
    engagement.status_reason = reason
    record(
        actor=by,
        action=f"engagement.{target.value}",
        object_type="engagement",
        object_id=engagement.id,
        before={"status": before},
        after={"status": target.value},
        reason=reason,
    )


def pause(engagement: Engagement, *, by: User, reason: str) -> None:
    _change(engagement, EngagementStatus.PAUSED, by=by, reason=require_reason(reason))


def resume(engagement: Engagement, *, by: User) -> None:
    _change(engagement, EngagementStatus.ACTIVE, by=by, reason=None)


def end(engagement: Engagement, *, by: User, reason: str) -> None:
    _change(engagement, EngagementStatus.ENDED, by=by, reason=require_reason(reason))
    engagement.ended_at = utcnow()
    worker = engagement.worker
    # On the worker's record, with the reason they read; they may appeal it once.
    measures.open_measure(
        MeasureKind.ENGAGEMENT_ENDED,
        reason=engagement.status_reason or "",
        by=by,
        user=worker,
        engagement=engagement,
    )
    queue_email(
        to=worker.email,
        template="applications/engagement_ended",
        locale=worker.locale,
        user=worker,
        gig=engagement.gig,
        reason=engagement.status_reason,
        link=absolute_url("applications.mine"),
        standing_link=absolute_url("standing.overview"),
    )


def rules_to_acknowledge(engagement: Engagement) -> str | None:
    """The hash of rules the worker has not accepted yet, or None.

    The work pool asks this before handing out the next piece of work: a
    worker works only under the rules they accepted in their current version.
    """
    onboarding = onboarding_for(engagement.gig)
    if onboarding is None or not onboarding.has_rules:
        return None
    if has_acknowledged(engagement.worker, engagement.gig, onboarding.rules_hash):
        return None
    return onboarding.rules_hash


def rules_accepted_sql(worker_id: int | sa.BindParameter[int]) -> sa.ColumnElement[bool]:
    """The rule of ``rules_to_acknowledge`` as SQL, for a query that joins
    ``Onboarding`` (outer, on the engagement's gig): true when the gig has no rules
    or the worker accepted their current version. The work pool asks it for all of
    a worker's engagements in one query."""
    return sa.or_(
        Onboarding.id.is_(None),
        sa.func.coalesce(Onboarding.rules_hash, "") == "",
        sa.exists().where(
            RulesAcknowledgment.user_id == worker_id,
            RulesAcknowledgment.gig_id == Onboarding.gig_id,
            RulesAcknowledgment.rules_hash == Onboarding.rules_hash,
        ),
    )


def acknowledge_rules(engagement: Engagement, *, by: User, rules_hash: str) -> None:
    record_acknowledgment(by, engagement.gig, rules_hash=rules_hash)
