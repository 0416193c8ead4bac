"""Authorization matrix, part: the worker's money (payments/worker_views.py).

test_matrix.py merges every part and fails for a route without a line.
``w.engagement`` and its units are another seeker's (the hired worker's): no
role of the world may dispute them or keep that engagement's timesheet.
"""

from __future__ import annotations

from datetime import timedelta

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.payments.models import UnitKind, UnitStatus, WorkUnit
from tests.auth.matrix_common import LOGIN, NF, SEEKER_ONLY, Expectations, everyone
from tests.world import World

WORKER_ONLY = {**everyone(NF), "anonymous": LOGIN}  # none of the roles is the hired worker


def unit_of_worker(w: World, status: UnitStatus = UnitStatus.REJECTED) -> WorkUnit:
    """A unit of the world's hired worker, rejected yesterday (and disputed, if asked).
    Written directly: the matrix tests who may reach it, not the ledger."""
    now = utcnow()
    unit = WorkUnit(
        engagement_id=w.engagement.id,
        company_id=w.company.id,
        worker_id=w.worker.id,
        gig_id=w.published.id,
        kind=UnitKind.EMAIL,
        quantity=1,
        rate_cents=w.engagement.rate_cents,
        amount_cents=w.engagement.rate_cents,
        fee_cents=0,
        work_date=now.date(),
        source=f"matrix:{w.engagement.id}:{status}",
        recorded_by_id=w.worker.id,
        status=status,
        review_due_at=now,
        decided_at=now - timedelta(days=1),
        decided_by_id=w.owner.id,
        rejection_reason="Too short.",
        dispute_note="It answered the question." if status == UnitStatus.DISPUTED else None,
        disputed_at=now if status == UnitStatus.DISPUTED else None,
    )
    db.session.add(unit)
    db.session.commit()
    return unit


EARNINGS: Expectations = {
    ("earnings.overview", "GET"): (lambda w: "/earnings", SEEKER_ONLY),
    ("earnings.export_csv", "GET"): (lambda w: "/earnings.csv", SEEKER_ONLY),
    ("earnings.dispute", "POST"): (
        lambda w: f"/earnings/units/{unit_of_worker(w).id}/dispute",
        WORKER_ONLY,
    ),
    ("earnings.timesheet", "GET"): (lambda w: f"/work/{w.engagement.id}/timesheet", WORKER_ONLY),
    ("earnings.timesheet", "POST"): (lambda w: f"/work/{w.engagement.id}/timesheet", WORKER_ONLY),
    ("earnings.connect", "POST"): (lambda w: "/earnings/connect", SEEKER_ONLY),
    ("earnings.connect_return", "GET"): (lambda w: "/earnings/connect/return", SEEKER_ONLY),
    ("earnings.connect_refresh", "GET"): (lambda w: "/earnings/connect/refresh", SEEKER_ONLY),
}
