"""The decision service: what a moderator decides reaches the community with its
statement of reasons, is paid as one unit, and proposals wait for the company."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.mail.models import OutboxEmail
from marketplace.moderation import decisions, queue
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    DecisionStatus,
    EscalationCategory,
    Evidence,
    ItemKind,
    ItemStatus,
    Strike,
)
from marketplace.moderation.models import WordEntry
from marketplace.payments.models import UnitKind, WorkUnit
from marketplace.work.models import OutgoingEvent
from tests.factories import UserFactory
from tests.moderation import moderator_helpers as mh

pytestmark = pytest.mark.usefixtures("db")


def _events(type_: str | None = None) -> list[dict]:
    query = sa.select(OutgoingEvent).order_by(OutgoingEvent.id)
    if type_:
        query = query.where(OutgoingEvent.type == type_)
    return [event.payload["decision"] for event in db.session.scalars(query)]


def _claimed(engagement):
    claim = queue.claim_next(engagement.worker)
    assert claim.item is not None, claim.no_item
    return claim.item


def test_a_removal_carries_the_statement_of_reasons_and_keeps_evidence():
    found = mh.community()
    moderator = mh.hire(found)
    mh.item(found, "Du bist ein idiot", word_hits=[{"word": "idiot", "kind": "suspect"}])
    item = _claimed(moderator)

    decision = decisions.decide(
        item, moderator=moderator.worker, action=DecisionAction.REMOVE, rule_id=mh.rule(found).id
    )
    db.session.commit()

    assert item.status == ItemStatus.DECIDED and decision.status == DecisionStatus.EFFECTIVE
    [sent] = _events("decision.created")
    statement = sent["statement_of_reasons"]
    assert sent["action"] == "remove" and sent["decided_by"] == "moderation_team"
    assert statement["rule"] == {"number": 1, "title": "Regel 1"}
    assert statement["facts"] == "Du bist ein idiot"
    assert statement["automated_detection"] is True and statement["automated_decision"] is False
    assert statement["redress"]
    kept = db.session.scalar(sa.select(Evidence).where(Evidence.decision_id == decision.id))
    assert kept.content["text"] == "Du bist ein idiot" and len(kept.sha256) == 64
    assert kept.delete_after.date() == (decision.created_at + timedelta(days=180)).date()
    strike = db.session.scalar(sa.select(Strike).where(Strike.decision_id == decision.id))
    assert strike.expires_at.date() == (decision.created_at + timedelta(days=90)).date()


def test_every_restriction_sent_back_has_a_statement():
    found = mh.community()
    moderator = mh.hire(found)
    for action in (DecisionAction.REMOVE, DecisionAction.WARN, DecisionAction.MUTE):
        mh.item(found, f"Text for {action}")
        decisions.decide(
            _claimed(moderator),
            moderator=moderator.worker,
            action=action,
            rule_id=mh.rule(found).id,
        )
        db.session.commit()
    sent = _events("decision.created")
    assert [event["action"] for event in sent] == ["remove", "warn", "mute"]
    assert all(event["statement_of_reasons"]["rule"]["number"] == 1 for event in sent)
    assert sent[1]["message"] == "Anna, bitte beachten Sie Regel 1. Regel 1 in Main chat."
    assert sent[2]["mute_until"] is not None


def test_every_decided_item_is_one_unit_labelled_with_the_community():
    found = mh.community(rate_cents=30)
    moderator = mh.hire(found)
    mh.item(found, "Hallo")
    item = _claimed(moderator)
    decisions.decide(item, moderator=moderator.worker, action=DecisionAction.APPROVE)
    db.session.commit()
    [unit] = db.session.scalars(sa.select(WorkUnit)).all()
    assert unit.kind == UnitKind.ITEM and unit.amount_cents == 30
    assert unit.source == f"moderation-item:{item.id}"
    assert unit.note == f"moderated item · {found.name}"
    assert [e["action"] for e in _events()] == ["approve"]


def test_a_restriction_needs_a_rule_and_an_answer_needs_text():
    found = mh.community()
    moderator = mh.hire(found)
    mh.item(found, "Wie melde ich mich ab?", kind=ItemKind.QUESTION)
    item = _claimed(moderator)
    with pytest.raises(DomainError, match="rule"):
        decisions.decide(item, moderator=moderator.worker, action=DecisionAction.REMOVE)
    with pytest.raises(DomainError, match="answer"):
        decisions.decide(
            item, moderator=moderator.worker, action=DecisionAction.ANSWER, message=" "
        )
    assert item.status == ItemStatus.WAITING
    decisions.decide(
        item, moderator=moderator.worker, action=DecisionAction.ANSWER, message="Im Profil."
    )
    db.session.commit()
    [sent] = _events()
    assert sent["action"] == "answer" and sent["message"] == "Im Profil."
    assert sent["statement_of_reasons"] is None


def test_only_the_lease_holder_decides_and_only_once():
    found = mh.community()
    first, second = mh.hire(found), mh.hire(found)
    mh.item(found)
    item = _claimed(first)
    with pytest.raises(InvalidTransition):
        decisions.decide(item, moderator=second.worker, action=DecisionAction.APPROVE)
    decisions.decide(item, moderator=first.worker, action=DecisionAction.APPROVE)
    db.session.commit()
    with pytest.raises(InvalidTransition):
        decisions.decide(item, moderator=first.worker, action=DecisionAction.APPROVE)


def test_a_ban_is_a_proposal_the_company_puts_in_force():
    found = mh.community()
    moderator = mh.hire(found)
    owner = found.company.memberships[0].user
    mh.item(found, "Spam spam spam")
    decision = decisions.decide(
        _claimed(moderator), moderator=moderator.worker, action=DecisionAction.BAN,
        rule_id=mh.rule(found, 2).id,
    )  # fmt: skip
    db.session.commit()
    assert decision.status == DecisionStatus.PROPOSED
    assert decision.respond_by == decision.created_at + timedelta(hours=48)
    assert decision.statement is not None and _events() == []
    assert db.session.scalar(sa.select(sa.func.count(Strike.id))) == 0

    decisions.put_in_force(decision, by=owner)
    db.session.commit()
    [sent] = _events()
    assert sent["action"] == "ban" and sent["status"] == "effective"
    assert sent["statement_of_reasons"]["measure"] == "ban"
    assert db.session.scalar(sa.select(sa.func.count(Strike.id))) == 1


def test_what_moderators_may_not_do_alone_waits_and_a_decline_is_told():
    found = mh.community(moderators_may=["warn"])
    moderator = mh.hire(found)
    owner = found.company.memberships[0].user
    mh.item(found, "Werbung")
    decision = decisions.decide(
        _claimed(moderator), moderator=moderator.worker, action=DecisionAction.REMOVE,
        rule_id=mh.rule(found, 2).id,
    )  # fmt: skip
    db.session.commit()
    assert decision.status == DecisionStatus.PROPOSED
    with pytest.raises(DomainError):
        decisions.decline(decision, by=owner, reason="")
    decisions.decline(decision, by=owner, reason="Das ist erlaubte Werbung.")
    db.session.commit()
    assert decision.status == DecisionStatus.DECLINED and _events() == []
    mail = db.session.scalars(sa.select(OutboxEmail)).all()[-1]
    assert mail.to_address == moderator.worker.email
    assert "Das ist erlaubte Werbung." in mail.body_text
    with pytest.raises(InvalidTransition):
        decisions.put_in_force(decision, by=owner)


def test_a_lapsed_ban_proposal_expires_and_the_moderator_is_told(travel):
    travel("2026-12-01 10:00")
    found = mh.community()
    moderator = mh.hire(found)
    mh.item(found, "Spam")
    decision = decisions.decide(
        _claimed(moderator), moderator=moderator.worker, action=DecisionAction.BAN,
        rule_id=mh.rule(found, 2).id,
    )  # fmt: skip
    db.session.commit()
    travel("2026-12-03 09:59")
    assert decisions.expire_lapsed() == 0
    travel("2026-12-03 10:01")
    assert decisions.expire_lapsed() == 1
    db.session.commit()
    assert decision.status == DecisionStatus.EXPIRED and _events() == []
    mail = db.session.scalars(sa.select(OutboxEmail)).all()[-1]
    assert mail.to_address == moderator.worker.email
    assert (
        f"decision {decision.id}" in mail.body_text
        or f"Entscheidung {decision.id}" in mail.body_text
    )
    with pytest.raises(InvalidTransition):
        decisions.put_in_force(decision, by=found.company.memberships[0].user)


def test_escalation_goes_to_the_company_with_category_and_note():
    found = mh.community()
    moderator = mh.hire(found)
    mh.item(found, "Ich tue mir was an")
    item = _claimed(moderator)
    with pytest.raises(DomainError):
        decisions.decide(item, moderator=moderator.worker, action=DecisionAction.ESCALATE)
    decision = decisions.decide(
        item, moderator=moderator.worker, action=DecisionAction.ESCALATE,
        category=EscalationCategory.SELF_HARM, internal_note="Bitte sofort ansehen",
    )  # fmt: skip
    db.session.commit()
    assert item.status == ItemStatus.ESCALATED
    assert decision.category == EscalationCategory.SELF_HARM
    assert decision.internal_note == "Bitte sofort ansehen"
    assert _events() == []  # nothing for the community
    assert db.session.scalar(sa.select(sa.func.count(WorkUnit.id))) == 1


def test_an_appeal_reverses_the_strike_and_tells_the_community():
    found = mh.community()
    moderator = mh.hire(found)
    mh.item(found, "Harmlos")
    warned = decisions.decide(
        _claimed(moderator), moderator=moderator.worker, action=DecisionAction.WARN,
        rule_id=mh.rule(found).id,
    )  # fmt: skip
    db.session.commit()
    author = warned.author
    assert decisions.ladder.active_strike_count(author) == 1
    mh.item(found, "Das war ein Zitat!", kind=ItemKind.QUESTION, refers_to=warned)
    appeal = _claimed(moderator)
    answer = decisions.decide(
        appeal, moderator=moderator.worker, action=DecisionAction.REVERSE,
        message="Sie haben recht, die Verwarnung ist aufgehoben.",
    )  # fmt: skip
    db.session.commit()
    assert warned.status == DecisionStatus.REVERSED
    assert decisions.ladder.active_strike_count(author) == 0
    [reversed_] = _events("decision.reversed")
    assert reversed_["action"] == "reverse" and reversed_["reverses"] == warned.id
    assert answer.action == DecisionAction.ANSWER and answer.item_id == appeal.id
    assert _events("decision.created")[-1]["message"].startswith("Sie haben recht")
    assert db.session.scalar(sa.select(sa.func.count(WorkUnit.id))) == 2


def test_only_an_appeal_can_reverse():
    found = mh.community()
    moderator = mh.hire(found)
    mh.item(found, "Frage ohne Bezug", kind=ItemKind.QUESTION)
    with pytest.raises(DomainError):
        decisions.decide(
            _claimed(moderator), moderator=moderator.worker, action=DecisionAction.REVERSE,
            message="nein",
        )  # fmt: skip


def test_a_false_positive_counts_on_the_word():
    found = mh.community()
    moderator = mh.hire(found)
    mh.item(found, "Idiotensicher!", word_hits=[{"word": "idiot", "kind": "suspect"}])
    decision = decisions.decide(
        _claimed(moderator), moderator=moderator.worker, action=DecisionAction.APPROVE,
        false_positive=True,
    )  # fmt: skip
    db.session.commit()
    entry = db.session.scalar(sa.select(WordEntry).filter_by(community_id=found.id, word="idiot"))
    assert decision.false_positive and entry.false_positives == 1


def test_a_moderator_from_elsewhere_cannot_decide():
    found = mh.community()
    mh.hire(found)
    mh.item(found)
    stranger = UserFactory()
    assert db.session.scalar(sa.select(Decision.id)) is None
    waiting = db.session.scalars(sa.select(decisions.ModerationItem)).first()
    with pytest.raises(InvalidTransition):
        decisions.decide(waiting, moderator=stranger, action=DecisionAction.APPROVE)


def test_a_decision_is_reversed_once_and_a_company_overturn_tells_the_community():
    found = mh.community()
    moderator = mh.hire(found)
    owner = found.company.memberships[0].user
    mh.item(found, "Zitat")
    removed = decisions.decide(
        _claimed(moderator), moderator=moderator.worker, action=DecisionAction.REMOVE,
        rule_id=mh.rule(found).id,
    )  # fmt: skip
    db.session.commit()
    reversal = decisions.reverse(removed, by=owner, reason="Das war erlaubt.")
    db.session.commit()
    assert reversal.reverses_id == removed.id and reversal.item_id == removed.item_id
    with pytest.raises(InvalidTransition):
        decisions.reverse(removed, by=owner, reason="Noch einmal")
    [sent] = _events("decision.reversed")
    assert sent["item"]["id"] == removed.item.external_id
    assert db.session.scalar(sa.select(Strike.lifted_at)) is not None
