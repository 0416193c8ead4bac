"""Protections and quality as the moderator meets them through "Next item" and the
decision service: consent for mature communities, the disturbing-items cap, the
funding guard, control items graded and skips never graded."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.moderation import decisions, queue
from marketplace.moderation.item_models import (
    ControlItem,
    Decision,
    DecisionAction,
    Exposure,
    ModerationItem,
    Strike,
)
from marketplace.moderation.queue import NoItem
from marketplace.payments.models import WorkUnit
from tests.moderation import moderator_helpers as mh

pytestmark = pytest.mark.usefixtures("db")


def test_without_consent_a_mature_communitys_items_never_reach_the_moderator():
    found = mh.community(mature=True)
    unconsented = mh.hire(found, consent=False)
    consented = mh.hire(found)
    mh.item(found, "Erwachsenen-Chat")
    claim = queue.claim_next(unconsented.worker)
    assert claim.item is None and claim.no_item == NoItem.NOT_HIRED
    item = queue.claim_next(consented.worker).item
    assert item is not None
    db.session.commit()
    with pytest.raises(Exception):  # noqa: B017 - refused whatever the route
        decisions.decide(item, moderator=unconsented.worker, action=DecisionAction.APPROVE)


def test_the_disturbing_cap_holds(app):
    found = mh.community(disturbing_daily_cap=2)
    moderator = mh.hire(found)
    for number in range(4):
        mh.item(found, f"gore {number}", disturbing=True)
    mh.item(found, "harmlos")
    seen = []
    while (claim := queue.claim_next(moderator.worker)).item is not None:
        seen.append(claim.item.disturbing)
        decisions.decide(claim.item, moderator=moderator.worker, action=DecisionAction.APPROVE)
        db.session.commit()
    assert seen.count(True) == 2 and seen.count(False) == 1
    assert db.session.scalar(sa.select(sa.func.count(Exposure.id))) == 2


def test_an_unfunded_company_gets_no_items_and_the_moderator_is_told_why():
    found = mh.community(funds_cents=0)
    moderator = mh.hire(found)
    mh.item(found)
    claim = queue.claim_next(moderator.worker)
    assert claim.item is None and claim.no_item == NoItem.UNFUNDED


def test_control_items_are_graded_and_skips_never(app):
    found = mh.community()
    moderator = mh.hire(found)
    owner = found.company.memberships[0].user
    source = mh.item(found, "Kauft billige Uhren!")
    source.status = "decided"
    db.session.add(
        ControlItem(
            community_id=found.id,
            source_item_id=source.id,
            expected_action=DecisionAction.REMOVE,
            expected_rule_id=mh.rule(found, 2).id,
            created_by_id=owner.id,
        )
    )
    found.control_rate_percent = 100
    db.session.commit()

    copy = queue.claim_next(moderator.worker).item
    assert copy.is_control
    queue.skip(copy, worker=moderator.worker)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(WorkUnit.id))) == 0

    copy.claimed_by_id, copy.lease_expires_at = None, None  # back in the queue at once
    db.session.commit()
    copy = queue.claim_next(moderator.worker).item
    wrong = decisions.decide(
        copy, moderator=moderator.worker, action=DecisionAction.REMOVE, rule_id=mh.rule(found).id
    )
    db.session.commit()
    assert wrong.control_correct is False  # the right action, the wrong rule
    assert db.session.scalar(sa.select(sa.func.count(WorkUnit.id))) == 1  # paid like any item
    assert wrong.statement is not None  # but never sent, no strike
    from marketplace.work.models import OutgoingEvent

    assert db.session.scalar(sa.select(sa.func.count(OutgoingEvent.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Strike.id))) == 0


def test_a_control_copy_decided_as_expected_is_correct():
    found = mh.community()
    moderator = mh.hire(found)
    source = mh.item(found, "Alles gut hier")
    source.status = "decided"
    db.session.add(
        ControlItem(
            community_id=found.id,
            source_item_id=source.id,
            expected_action=DecisionAction.APPROVE,
            created_by_id=found.connected_by_id,
        )
    )
    found.control_rate_percent = 100
    db.session.commit()
    copy = queue.claim_next(moderator.worker).item
    assert copy.is_control and copy.assigned_to_id == moderator.worker_id
    right = decisions.decide(copy, moderator=moderator.worker, action=DecisionAction.APPROVE)
    db.session.commit()
    assert right.control_correct is True
    assert db.session.scalar(sa.select(ModerationItem.status).where(ModerationItem.id == copy.id))


def test_changed_rules_hold_back_items_until_accepted_then_next_item_hands_one_out():
    from marketplace.onboarding.engagements import acknowledge_rules, rules_to_acknowledge
    from marketplace.onboarding.services import save_rules

    found = mh.community()
    moderator = mh.hire(found)
    mh.item(found, "Hallo zusammen")
    owner = found.company.memberships[0].user
    save_rules(found.gig, rules="Bitte freundlich bleiben.", by=owner)
    db.session.commit()

    claim = queue.claim_next(moderator.worker)
    assert claim.item is None and claim.no_item == NoItem.RULES
    assert claim.engagement.id == moderator.id  # whose rules to accept

    acknowledge_rules(moderator, by=moderator.worker, rules_hash=rules_to_acknowledge(moderator))
    db.session.commit()
    assert queue.claim_next(moderator.worker).item.text == "Hallo zusammen"


def test_an_empty_queue_says_so_and_a_held_item_comes_back_on_the_next_press():
    found = mh.community()
    moderator = mh.hire(found)
    claim = queue.claim_next(moderator.worker)
    assert claim.item is None and claim.no_item == NoItem.EMPTY

    mh.item(found, "Erste")
    mh.item(found, "Zweite")
    first = queue.claim_next(moderator.worker).item
    db.session.commit()
    assert queue.claim_next(moderator.worker).item.id == first.id  # one at a time
