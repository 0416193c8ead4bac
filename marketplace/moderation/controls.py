"""Control items: a past, decided item the company marks with the correct decision.
The queue (queue.py) mixes copies of active control items into moderators' work at
the community's rate; the decision service grades them (Decision.control_correct)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.moderation.item_models import (
    RESTRICTING,
    ControlItem,
    DecisionAction,
    ItemStatus,
    ModerationItem,
)
from marketplace.moderation.models import NetiquetteRule

EXPECTABLE = frozenset(
    {
        DecisionAction.APPROVE,
        DecisionAction.REMOVE,
        DecisionAction.WARN,
        DecisionAction.MUTE,
        DecisionAction.BAN,
        DecisionAction.ESCALATE,
    }
)


def mark_control(
    item: ModerationItem,
    *,
    expected_action: DecisionAction,
    expected_rule: NetiquetteRule | None,
    by: User,
) -> ControlItem:
    """Make ``item`` a control item with the correct decision (or change the decision
    of one that is already, and make it active again)."""
    if item.is_control or item.status != ItemStatus.DECIDED:
        raise DomainError(_("Only a decided item of your community can be a control item."))
    if expected_action not in EXPECTABLE:
        raise DomainError(_("Please choose the correct decision."))
    if expected_action in RESTRICTING and expected_rule is None:
        raise DomainError(_("Please choose the rule the item breaks."))
    if expected_rule is not None and expected_rule.community_id != item.community_id:
        raise DomainError(_("Please choose one of your community's rules."))
    if expected_action not in RESTRICTING:
        expected_rule = None
    control = db.session.scalar(sa.select(ControlItem).where(ControlItem.source_item_id == item.id))
    if control is None:
        control = ControlItem(
            community_id=item.community_id, source_item_id=item.id, created_by_id=by.id
        )
        db.session.add(control)
    control.expected_action = expected_action
    control.expected_rule_id = expected_rule.id if expected_rule else None
    control.is_active = True
    db.session.flush()
    return control


def deactivate(control: ControlItem) -> None:
    """No more copies are served; grades already given stay."""
    control.is_active = False
    db.session.flush()
