"""Histories of work for level tests, written as rows (the facts query reads them)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.onboarding.models import Engagement
from marketplace.payments.models import UnitKind, UnitStatus, WorkUnit

_sources = itertools.count(1)


def decided_units(
    engagement: Engagement,
    *,
    approved: int = 0,
    rejected: int = 0,
    when: datetime | None = None,
) -> None:
    """``approved`` and ``rejected`` units of ``engagement``, decided at ``when`` (now)."""
    when = when or utcnow()
    statuses = [UnitStatus.APPROVED] * approved + [UnitStatus.REJECTED] * rejected
    db.session.add_all(
        WorkUnit(
            engagement_id=engagement.id,
            company_id=engagement.gig.company_id,
            worker_id=engagement.worker_id,
            gig_id=engagement.gig_id,
            kind=UnitKind.EMAIL,
            quantity=Decimal(1),
            rate_cents=engagement.rate_cents,
            amount_cents=engagement.rate_cents,
            fee_cents=0,
            work_date=when.date(),
            source=f"history:{next(_sources)}",
            recorded_by_id=engagement.worker_id,
            status=status,
            review_due_at=when + timedelta(hours=72),
            decided_at=when,
        )
        for status in statuses
    )
    db.session.flush()
