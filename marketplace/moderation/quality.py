"""The company's quality review of one community's decisions: "Review a sample".

Every decided (real, not control) item is paid as one unit whose source is
``moderation-item:<item id>`` (decisions._pay); while that unit is PENDING the
company is inside the review window and may look at the decision:

- ``keep``: the decision stands and the unit is approved (payments.units.approve).
- ``overturn``: with a reason: the decision is reversed (decisions.reverse — the
  strike is lifted and the community gets ``decision.reversed``) and the unit is
  rejected with that reason (payments.units.reject), so the moderator may dispute
  it as any rejected work.

After the review window the unit is approved automatically (units.auto_approve_due)
and nothing here can be changed any more. Skipped items have no unit and never
appear. The sample is the latest decisions still open for review (``size``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.moderation import decisions
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    DecisionStatus,
    ModerationItem,
)
from marketplace.moderation.models import Community
from marketplace.payments import units
from marketplace.payments.models import UnitStatus, WorkUnit

SOURCE_PREFIX = "moderation-item:"
SAMPLE_SIZES = (10, 25, 50)
DEFAULT_SIZE = SAMPLE_SIZES[0]
# Decisions a company can overturn: in force, and something that can be undone.
NOT_OVERTURNABLE = frozenset({DecisionAction.REVERSE, DecisionAction.ESCALATE})


@dataclass
class Entry:
    decision: Decision
    item: ModerationItem
    unit: WorkUnit

    @property
    def may_overturn(self) -> bool:
        return (
            self.decision.status == DecisionStatus.EFFECTIVE
            and self.decision.action not in NOT_OVERTURNABLE
        )


def _source_of_item():
    return sa.literal(SOURCE_PREFIX, sa.String) + sa.cast(ModerationItem.id, sa.String)


def _open_query(community: Community, now: datetime):
    """(Decision, ModerationItem, WorkUnit) rows of the community still open for review:
    the moderator's decision on a real item whose unit is pending and in its window."""
    return (
        sa.select(Decision, ModerationItem, WorkUnit)
        .join(ModerationItem, ModerationItem.id == Decision.item_id)
        .join(WorkUnit, WorkUnit.source == _source_of_item())
        .where(
            Decision.community_id == community.id,
            ModerationItem.community_id == community.id,
            ModerationItem.control_id.is_(None),
            Decision.action != DecisionAction.REVERSE,
            Decision.decided_by_id == WorkUnit.worker_id,
            WorkUnit.company_id == community.company_id,
            WorkUnit.status == UnitStatus.PENDING,
            WorkUnit.review_due_at > now,
        )
    )


def sample(community: Community, *, size: int = DEFAULT_SIZE, now: datetime | None = None):
    """The latest ``size`` decisions of the community still open for review, newest first."""
    now = now or utcnow()
    rows = db.session.execute(
        _open_query(community, now).order_by(Decision.created_at.desc(), Decision.id.desc())
        .limit(size)
    ).all()  # fmt: skip
    return [Entry(decision, item, unit) for decision, item, unit in rows]


def open_count(community: Community, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    query = _open_query(community, now).with_only_columns(sa.func.count(Decision.id))
    return int(db.session.scalar(query) or 0)


def entry(community: Community, decision_id: int) -> Entry | None:
    """The community's decision with its item and unit (any unit status), or None when
    it is not this community's decision on a paid, real item."""
    row = db.session.execute(
        sa.select(Decision, ModerationItem, WorkUnit)
        .join(ModerationItem, ModerationItem.id == Decision.item_id)
        .join(WorkUnit, WorkUnit.source == _source_of_item())
        .where(
            Decision.id == decision_id,
            Decision.community_id == community.id,
            ModerationItem.control_id.is_(None),
            Decision.action != DecisionAction.REVERSE,
            Decision.decided_by_id == WorkUnit.worker_id,
            WorkUnit.company_id == community.company_id,
        )
        .with_for_update(of=WorkUnit)
    ).first()
    return Entry(*row) if row is not None else None


def _require_open(found: Entry, now: datetime) -> None:
    unit = found.unit
    if unit.status == UnitStatus.PENDING and unit.review_due_at <= now:
        raise InvalidTransition(
            _("The review window for this work has ended; it is approved automatically.")
        )
    if unit.status == UnitStatus.WAITING:
        raise InvalidTransition(
            _("This work waits for your funds; you can review it once it is counted.")
        )
    if unit.status != UnitStatus.PENDING:
        raise InvalidTransition(_("This decision has already been reviewed."))


def keep(found: Entry, *, by: User, now: datetime | None = None) -> None:
    """The decision stands: the moderator's unit is approved."""
    _require_open(found, now or utcnow())
    units.approve(found.unit, by=by)


def overturn(found: Entry, *, by: User, reason: str, now: datetime | None = None) -> Decision:
    """The decision was wrong: it is reversed (strike lifted, the community told) and the
    unit rejected with ``reason`` (the moderator may dispute it). Returns the reversal."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please give a reason."))
    _require_open(found, now)
    if not found.may_overturn:
        raise InvalidTransition(_("This decision cannot be overturned."))
    reversal = decisions.reverse(found.decision, by=by, reason=reason, now=now)
    units.reject(found.unit, by=by, reason=reason)
    return reversal
