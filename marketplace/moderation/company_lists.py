"""The lists on a community's company pages: the audit log of every decision
(filterable by moderator and action), escalations, proposals waiting for the
company, and control items. Each row loads its people, rule and item in the same
query (no query per row)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.moderation.item_models import (
    ControlItem,
    Decision,
    DecisionAction,
    DecisionStatus,
    ItemStatus,
    ModerationItem,
)
from marketplace.moderation.models import Community, NetiquetteRule
from marketplace.pagination import Page, paginate

AUDIT_PER_PAGE = 50


def audit_page(
    community: Community,
    *,
    moderator_id: int | None = None,
    action: DecisionAction | None = None,
    page: int = 1,
) -> Page[Decision]:
    """Every decision on the community, newest first."""
    stmt = (
        sa.select(Decision)
        .where(Decision.community_id == community.id)
        .options(
            joinedload(Decision.decided_by),
            joinedload(Decision.rule),
            joinedload(Decision.item),
            joinedload(Decision.author),
        )
        .order_by(Decision.id.desc())
    )
    if moderator_id is not None:
        stmt = stmt.where(Decision.decided_by_id == moderator_id)
    if action is not None:
        stmt = stmt.where(Decision.action == action)
    return paginate(stmt, page, AUDIT_PER_PAGE)


def deciders(community: Community) -> list[User]:
    """Everyone who decided something on the community (for the audit log's filter)."""
    ids = sa.select(Decision.decided_by_id).where(Decision.community_id == community.id)
    return list(
        db.session.scalars(
            sa.select(User).where(User.id.in_(ids.scalar_subquery())).order_by(User.display_name)
        )
    )


def escalations(community: Community) -> list[tuple[ModerationItem, Decision | None]]:
    """Items escalated to the company, oldest first, with the escalating decision
    (category and the moderator's internal note)."""
    escalating = (
        sa.select(sa.func.max(Decision.id))
        .where(Decision.item_id == ModerationItem.id, Decision.action == DecisionAction.ESCALATE)
        .correlate(ModerationItem)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(ModerationItem, Decision)
        .outerjoin(Decision, Decision.id == escalating)
        .where(
            ModerationItem.community_id == community.id,
            ModerationItem.status == ItemStatus.ESCALATED,
        )
        .options(joinedload(ModerationItem.author), joinedload(Decision.decided_by))
        .order_by(ModerationItem.received_at)
    ).all()
    return [(item, decision) for item, decision in rows]


def proposals(community: Community) -> list[Decision]:
    """Measures waiting for the company's answer, the most urgent first."""
    return list(
        db.session.scalars(
            sa.select(Decision)
            .where(
                Decision.community_id == community.id,
                Decision.status == DecisionStatus.PROPOSED,
            )
            .options(
                joinedload(Decision.decided_by),
                joinedload(Decision.rule),
                joinedload(Decision.item),
                joinedload(Decision.author),
            )
            .order_by(Decision.respond_by, Decision.id)
        )
    )


def proposal(community: Community, decision_id: int) -> Decision | None:
    decision = db.session.get(Decision, decision_id)
    if decision is None or decision.community_id != community.id:
        return None
    return decision


def controls(
    community: Community,
) -> list[tuple[ControlItem, ModerationItem, NetiquetteRule | None]]:
    rows = db.session.execute(
        sa.select(ControlItem, ModerationItem, NetiquetteRule)
        .join(ModerationItem, ModerationItem.id == ControlItem.source_item_id)
        .outerjoin(NetiquetteRule, NetiquetteRule.id == ControlItem.expected_rule_id)
        .where(ControlItem.community_id == community.id)
        .order_by(ControlItem.is_active.desc(), ControlItem.id.desc())
    ).all()
    return [(control, item, rule) for control, item, rule in rows]


def control_of_item(item: ModerationItem) -> ControlItem | None:
    return db.session.scalar(sa.select(ControlItem).where(ControlItem.source_item_id == item.id))


def community_item(community: Community, item_id: int) -> ModerationItem | None:
    item = db.session.get(ModerationItem, item_id)
    if item is None or item.community_id != community.id:
        return None
    return item


def waiting_counts(community: Community) -> dict[str, int]:
    """What the overview shows: waiting items, escalations, proposals."""
    real = sa.and_(ModerationItem.community_id == community.id, ModerationItem.control_id.is_(None))
    waiting, escalated = db.session.execute(
        sa.select(
            sa.func.count(sa.case((ModerationItem.status == ItemStatus.WAITING, 1))),
            sa.func.count(sa.case((ModerationItem.status == ItemStatus.ESCALATED, 1))),
        ).where(real)
    ).one()
    proposed = db.session.scalar(
        sa.select(sa.func.count()).where(
            Decision.community_id == community.id, Decision.status == DecisionStatus.PROPOSED
        )
    )
    return {"waiting": int(waiting), "escalated": int(escalated), "proposed": int(proposed or 0)}
