"""Where a worker can read the work a unit pays for: their own answer, their
decision on a moderated item, the timesheet of their hours. A link is given
only where the worker may see that page (the same rules its view asks);
everything else (an escalation, work logged by the company) has no link."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from marketplace.accounts.models import User
from marketplace.auth.policies import can
from marketplace.extensions import db
from marketplace.gigs.models import PayModel
from marketplace.moderation.item_models import Decision, DecisionAction
from marketplace.payments.models import WorkUnit
from marketplace.payments.unit_labels import (
    MODERATION_SOURCE,
    REPLY_SOURCE,
    TIMESHEET_SOURCE,
    source_id,
)
from marketplace.workpool.models import Reply, ReplyKind


def worker_links(worker: User, found: list[WorkUnit]) -> dict[int, str]:
    """unit id → the address of the work it pays for, for the units the worker may open."""
    links: dict[int, str] = {}
    reply_ids = {u.id: source_id(u, REPLY_SOURCE) for u in found if u.worker_id == worker.id}
    item_ids = {u.id: source_id(u, MODERATION_SOURCE) for u in found if u.worker_id == worker.id}
    replies = _own_replies(worker, {i for i in reply_ids.values() if i})
    for unit_id, reply_id in reply_ids.items():
        if reply_id in replies:
            links[unit_id] = url_for("work.answer_detail", reply_id=reply_id)
    decisions = _own_decisions(worker, {i for i in item_ids.values() if i})
    for unit_id, item_id in item_ids.items():
        if item_id in decisions:
            links[unit_id] = url_for("moderation_work.decision", decision_id=decisions[item_id])
    for unit in found:
        if (
            (unit.source or "").startswith(TIMESHEET_SOURCE)
            and unit.engagement.pay_model == PayModel.PER_HOUR
            and can(worker, "engagement.work", unit.engagement)
        ):
            links[unit.id] = url_for("earnings.timesheet", engagement_id=unit.engagement_id)
    return links


def _own_replies(worker: User, ids: set[int]) -> set[int]:
    if not ids or not can(worker, "seeker.profile"):
        return set()
    rows = db.session.scalars(
        sa.select(Reply).where(
            Reply.id.in_(ids), Reply.author_id == worker.id, Reply.kind == ReplyKind.ANSWER
        )
    )
    return {reply.id for reply in rows if can(worker, "reply.view_own", reply)}


def _own_decisions(worker: User, item_ids: set[int]) -> dict[int, int]:
    """item id → the worker's own decision on it (the page moderation_work.decision shows)."""
    if not item_ids or not can(worker, "seeker.profile"):
        return {}
    rows = db.session.execute(
        sa.select(Decision.item_id, Decision.id)
        .where(
            Decision.item_id.in_(item_ids),
            Decision.decided_by_id == worker.id,
            Decision.engagement_id.is_not(None),
            Decision.action != DecisionAction.REVERSE,
        )
        .order_by(Decision.id)
    )
    return {item_id: decision_id for item_id, decision_id in rows}
