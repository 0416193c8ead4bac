"""The claim and lease core that every work queue shares (customer emails,
moderation items).

A queue is a table of rows that wait for a worker. A worker *claims* the next
free row with a lease: the row carries ``claimed_by_id`` and
``lease_expires_at``, and whoever holds an unexpired lease may finish it. A
lease that runs out returns the row to the queue; a finished row leaves the
"waiting" status.

Claims are safe under concurrency on any database: one UPDATE takes the first
free candidate, which its subquery locks with ``FOR UPDATE SKIP LOCKED``
(PostgreSQL; concurrent workers skip each other's candidates instead of
waiting) and which it only changes while it is still free, so a lost race (or
SQLite, which has no row locks) is harmless. Finishing is a conditional UPDATE
on "waiting and held by me", checked by its row count.

A skipped row keeps the name of the worker who skipped it with a lease that
ends now, so that worker's next claims pass it over for ``SKIP_MINUTES`` while
everyone else may take it at once. The statements are built once per queue:
"Next" is the hottest path of both pools, and building a statement this size
costs more Python time than running it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from marketplace.extensions import db

SKIP_MINUTES = 10  # a skipped row is not offered to the same worker again this soon

# Extra conditions a queue puts on its candidates, given the claiming worker's id
# as a bind parameter (e.g. "not assigned to somebody else"). They may use bind
# parameters of their own, whose values the caller passes to ``claim``.
CandidateFilter = Callable[[sa.BindParameter[int]], sa.ColumnElement[bool]]


@dataclass(frozen=True, eq=False)
class LeaseQueue:
    """One queue of leasable rows.

    ``model`` has ``id``, ``status``, ``claimed_by_id`` and ``lease_expires_at``;
    ``waiting`` is the status of a row that waits for a worker; ``source`` is the
    column that says where a row came from (a mailbox, a community), which the
    caller has already checked the worker may take work from; ``order_by`` picks
    the next row among the free ones.
    """

    model: Any
    waiting: StrEnum
    source: InstrumentedAttribute[int]
    order_by: tuple[sa.ColumnElement[Any] | InstrumentedAttribute[Any], ...]
    candidate_filter: CandidateFilter | None = None
    # Order terms that come before ``order_by`` and depend on the claiming worker
    # (e.g. "rows assigned to me first"), given the worker's id as a bind parameter.
    worker_order: Callable[[sa.BindParameter[int]], Sequence[sa.ColumnElement[Any]]] | None = None

    def moment(self, name: str) -> sa.BindParameter[datetime]:
        return sa.bindparam(name, type_=self.model.__table__.c.lease_expires_at.type)

    def is_free(self, now: datetime | sa.BindParameter[datetime]) -> sa.ColumnElement[bool]:
        model = self.model
        return sa.and_(
            model.status == self.waiting,
            sa.or_(model.claimed_by_id.is_(None), model.lease_expires_at <= now),
        )

    def is_held(self, now: datetime | sa.BindParameter[datetime]) -> sa.ColumnElement[bool]:
        """Waiting and held by someone under a live lease."""
        model = self.model
        return sa.and_(
            model.status == self.waiting,
            model.claimed_by_id.is_not(None),
            model.lease_expires_at > now,
        )

    @functools.cached_property
    def claim_statement(self) -> sa.Update:
        """UPDATE … WHERE id = (first free candidate FOR UPDATE SKIP LOCKED) AND
        still free … RETURNING the row."""
        model = self.model
        worker_id = sa.bindparam("worker_id", type_=sa.Integer)
        now = self.moment("now")
        conditions = [
            self.source.in_(sa.bindparam("source_ids", expanding=True)),
            self.is_free(now),
            # Not what this worker skipped (or let run out) a moment ago.
            sa.or_(
                model.claimed_by_id.is_(None),
                model.claimed_by_id != worker_id,
                model.lease_expires_at <= self.moment("skipped_before"),
            ),
        ]
        if self.candidate_filter is not None:
            conditions.append(self.candidate_filter(worker_id))
        order = (*(self.worker_order(worker_id) if self.worker_order else ()), *self.order_by)
        candidate = (
            sa.select(model.id)
            .where(*conditions)
            .order_by(*order)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        return (
            sa.update(model)
            .where(model.id == candidate, self.is_free(now))
            .values(claimed_by_id=worker_id, lease_expires_at=self.moment("lease_until"))
            .returning(model)
        )

    def claim(
        self,
        *,
        worker_id: int,
        source_ids: Sequence[int],
        now: datetime,
        lease_until: datetime,
        **filter_params: object,
    ) -> Any | None:
        """Lease the next free row from these sources to the worker, or None.
        ``filter_params`` are the values of the candidate filter's own parameters."""
        return db.session.scalars(
            self.claim_statement,
            {
                "source_ids": list(source_ids),
                "worker_id": worker_id,
                "now": now,
                "skipped_before": now - timedelta(minutes=SKIP_MINUTES),
                "lease_until": lease_until,
                **filter_params,
            },
            execution_options={"synchronize_session": False, "populate_existing": True},
        ).first()

    def held_by(self, worker_id: int, now: datetime) -> Any | None:
        """The row the worker holds a live lease on, if any (one at a time)."""
        model = self.model
        return db.session.scalar(
            sa.select(model)
            .where(model.claimed_by_id == worker_id, self.is_held(now))
            .order_by(model.id)
            .limit(1)
        )

    def held_count(self, source_ids: Sequence[int], now: datetime) -> int:
        """How many rows of these sources workers hold right now."""
        model = self.model
        return db.session.scalar(
            sa.select(sa.func.count(model.id)).where(self.source.in_(source_ids), self.is_held(now))
        )

    def holds(self, worker_id: int, row: Any, now: datetime) -> bool:
        return (
            row.status == self.waiting
            and row.claimed_by_id == worker_id
            and row.lease_expires_at is not None
            and row.lease_expires_at > now
        )

    def _update_held(self, row: Any, worker_id: int, values: dict[str, object]) -> bool:
        """Change a row only while it waits and this worker holds it (a lease that
        ran out still counts while nobody else has taken the row)."""
        model = self.model
        changed = db.session.execute(
            sa.update(model)
            .where(
                model.id == row.id,
                model.status == self.waiting,
                model.claimed_by_id == worker_id,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.refresh(row)
        return changed == 1

    def renew(self, row: Any, *, worker_id: int, until: datetime) -> bool:
        """Extend the worker's lease; False once someone else took the row."""
        return self._update_held(row, worker_id, {"lease_expires_at": until})

    def release(self, row: Any, *, worker_id: int, now: datetime) -> bool:
        """Give the row back to the queue (the worker skips it)."""
        return self._update_held(row, worker_id, {"lease_expires_at": now})

    def take(self, row: Any, *, worker_id: int, status: StrEnum, **values: object) -> bool:
        """Move a row the worker holds out of the queue (to ``status``); False if
        the worker lost it."""
        return self._update_held(
            row,
            worker_id,
            {"status": status, "claimed_by_id": None, "lease_expires_at": None, **values},
        )
