"""The penalty ladder over time: strikes count until they expire, the next strike's
measure follows the ladder, a mute ends, and evidence is gone after retention."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.moderation import decisions, evidence, ladder, queue
from marketplace.moderation.item_models import DecisionAction, Evidence, EvidenceRead
from marketplace.moderation.models import PenaltyAction
from tests.factories import UserFactory
from tests.moderation import moderator_helpers as mh

pytestmark = pytest.mark.usefixtures("db")


def _strike(found, moderator, action=DecisionAction.WARN, **kwargs):
    mh.item(found, "Regelverstoß")
    claim = queue.claim_next(moderator.worker)
    decision = decisions.decide(
        claim.item, moderator=moderator.worker, action=action, rule_id=mh.rule(found).id, **kwargs
    )
    db.session.commit()
    return decision


def test_the_ladder_proposes_the_measure_for_the_next_strike(travel):
    travel("2026-11-01 12:00")
    found = mh.community()
    moderator = mh.hire(found)
    anna = mh.author(found, "u-1")
    db.session.commit()
    step = decisions.next_measure(found, anna, None)
    assert (step.strike, step.action) == (1, PenaltyAction.WARN)
    _strike(found, moderator)
    step = decisions.next_measure(found, anna, None)
    assert (step.action, step.mute_minutes) == (PenaltyAction.MUTE, 60)
    muted = _strike(found, moderator, DecisionAction.MUTE)
    assert (muted.mute_until - muted.created_at).total_seconds() == 3600
    assert [p.id for p in ladder.active_penalties(anna)] == [muted.id]
    assert decisions.next_measure(found, anna, None).mute_minutes == 24 * 60
    _strike(found, moderator, DecisionAction.MUTE)
    assert decisions.next_measure(found, anna, None).action == PenaltyAction.BAN_PROPOSAL
    # past the top of the ladder the top step applies again
    _strike(found, moderator)
    assert decisions.next_measure(found, anna, None).action == PenaltyAction.BAN_PROPOSAL


def test_a_mute_ends_and_strikes_expire_by_time(travel):
    travel("2026-11-01 12:00")
    found = mh.community(strike_expiry_days=30)
    moderator = mh.hire(found)
    anna = mh.author(found, "u-1")
    _strike(found, moderator)
    muted = _strike(found, moderator, DecisionAction.MUTE)
    assert ladder.active_strike_count(anna) == 2
    travel("2026-11-01 13:01")
    assert muted not in ladder.active_penalties(anna)
    travel("2026-12-01 12:01")
    assert ladder.active_strike_count(anna) == 0
    assert decisions.next_measure(found, anna, None).action == PenaltyAction.WARN


def test_a_chosen_mute_length_overrides_the_ladder():
    found = mh.community()
    moderator = mh.hire(found)
    muted = _strike(found, moderator, DecisionAction.MUTE, mute_minutes=15)
    assert (muted.mute_until - muted.created_at).total_seconds() == 15 * 60


def test_evidence_is_for_the_company_and_the_deciding_moderator_each_read_logged(travel):
    from werkzeug.exceptions import NotFound

    travel("2026-11-01 12:00")
    found = mh.community(evidence_retention_days=30)
    moderator, other = mh.hire(found), mh.hire(found)
    owner = found.company.memberships[0].user
    removed = _strike(found, moderator, DecisionAction.REMOVE)
    kept = db.session.scalar(sa.select(Evidence).filter_by(decision_id=removed.id))

    assert evidence.read(kept, user=moderator.worker)["content"]["text"] == "Regelverstoß"
    read = evidence.read(kept, user=owner)
    assert read["intact"] and read["sha256"] == kept.sha256
    for outsider in (other.worker, UserFactory()):
        with pytest.raises(NotFound):
            evidence.read(kept, user=outsider)
    db.session.commit()
    assert [r.user_id for r in evidence.reads(kept)] == [moderator.worker.id, owner.id]

    travel("2026-11-30 12:00")
    assert evidence.purge_expired() == 0
    travel("2026-12-01 12:01")
    assert evidence.purge_expired() == 1
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Evidence, kept.id)
    assert kept.content is None and kept.deleted_at is not None
    with pytest.raises(NotFound):
        evidence.read(kept, user=owner)
    assert db.session.scalar(sa.select(sa.func.count(EvidenceRead.id))) == 2
