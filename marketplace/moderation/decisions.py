"""Decisions on moderation items: what a moderator decides about an item, and
what the company does with proposals and appeals afterwards.

``decide`` takes an item the moderator holds out of the queue and records the
decision. A restricting one (remove, warn, mute, ban) names the rule broken,
keeps the item's content as evidence, carries a statement of reasons (DSA
Art. 17, events.statement_of_reasons) and — once in force — puts a strike on
the author's penalty ladder and goes back to the community (events.send_decision,
through the outbox). Bans, and actions the community's moderators may not take
alone, are proposals: they wait for the company (``put_in_force`` / ``decline``)
until ``respond_by``, after which ``expire_lapsed`` (cron) lets them lapse; the
moderator is told either way. An escalation goes to the company at once.

Every decided item is paid as one unit at the engagement's per-item rate
(payments.units.record_units); control copies are paid too, graded against
the company's expected decision and never sent back. Skips (queue.skip) are
neither paid nor graded.

A question referring to an earlier decision is an appeal (or an answer to a
warning): the moderator answers it, and may reverse the decision it refers to
(``decide(..., action=DecisionAction.REVERSE)``), which lifts the strike and
sends ``decision.reversed``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition, require_transition
from marketplace.extensions import db
from marketplace.gigs.models import PayModel
from marketplace.moderation import events, evidence, ladder, live_stream, queue, sessions
from marketplace.moderation.item_models import (
    DECISION_TRANSITIONS,
    ITEM_TRANSITIONS,
    RESTRICTING,
    ControlItem,
    Decision,
    DecisionAction,
    DecisionStatus,
    EscalationCategory,
    ItemKind,
    ItemStatus,
    ModerationItem,
)
from marketplace.moderation.ladder import next_measure  # noqa: F401 - part of the interface
from marketplace.moderation.models import NetiquetteRule, WordEntry
from marketplace.onboarding.models import Engagement
from marketplace.payments import units
from marketplace.payments.models import UnitKind

MESSAGE_MAX_CHARS = 4000
NEEDS_RULE = RESTRICTING
# Restricting actions that put a strike on the author's ladder.
STRIKING = RESTRICTING


def unit_note(item: ModerationItem) -> str:
    return f"moderated item · {item.community.name}"[:200]


def _lost() -> str:
    return _(
        "This item is no longer yours: your time ran out and it went back to the queue. "
        "Take the next item to go on."
    )


def _clean(text: str | None, *, limit: int = MESSAGE_MAX_CHARS) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise DomainError(_("Please keep it under %(max)d characters.", max=limit))
    return text


def _rule(item: ModerationItem, rule_id: int | None, action: DecisionAction):
    if rule_id is None:
        if action in NEEDS_RULE:
            raise DomainError(_("Please choose the rule that was broken."))
        return None
    rule = db.session.get(NetiquetteRule, rule_id)
    if rule is None or rule.community_id != item.community_id or not rule.is_active:
        raise DomainError(_("Please choose one of this community's rules."))
    return rule


def language_of(item: ModerationItem) -> str:
    language = item.author.language or item.community.default_language
    return "de" if language == "de" else "en"


def warning_text(item: ModerationItem, rule: NetiquetteRule) -> str:
    """The rule's warning in the author's language, placeholders filled in."""
    language = language_of(item)
    values = {
        "author": item.author.display_name or item.author.external_id,
        "rule": f"{rule.number}. {rule.title(language)}",
        "community": item.community.name,
    }
    text = rule.warning(language)
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def _working_engagement(moderator: User, item: ModerationItem) -> Engagement:
    engagement = queue.engagement_for(moderator, item.community)
    if engagement is None:
        raise InvalidTransition(_("You are not working on this community (any more)."))
    return engagement


def _status_for(item: ModerationItem, action: DecisionAction) -> DecisionStatus:
    if item.is_control or action not in RESTRICTING:
        return DecisionStatus.EFFECTIVE
    if action == DecisionAction.BAN or not item.community.may_act_alone(action.value):
        return DecisionStatus.PROPOSED
    return DecisionStatus.EFFECTIVE


def decide(
    item: ModerationItem,
    *,
    moderator: User,
    action: DecisionAction,
    rule_id: int | None = None,
    message: str | None = None,
    category: EscalationCategory | None = None,
    internal_note: str = "",
    false_positive: bool = False,
    mute_minutes: int | None = None,
    now: datetime | None = None,
) -> Decision:
    """Record the moderator's decision on an item they hold (see the module's text).
    ``mute_minutes`` overrides the ladder's proposal for a mute. REVERSE answers an
    appeal (a question referring to a decision) by reversing that decision."""
    now = now or utcnow()
    action = DecisionAction(action)
    if not queue.holds(moderator, item, now):
        raise InvalidTransition(_lost())
    engagement = _working_engagement(moderator, item)
    if engagement.pay_model == PayModel.PER_HOUR:
        # A decision is activity of the moderator's live session (moderation/sessions.py).
        sessions.touch(moderator, engagement.id, now=now)
    rule = _rule(item, rule_id, action)
    text = _clean(message)
    if action == DecisionAction.REVERSE:
        return _answer_appeal(item, moderator=moderator, engagement=engagement, text=text, now=now)
    if action == DecisionAction.ANSWER:
        if item.kind != ItemKind.QUESTION:
            raise DomainError(_("Only a user's question can be answered."))
        if not text:
            raise DomainError(_("Please write the answer."))
    if action == DecisionAction.ESCALATE and category is None:
        raise DomainError(_("Please choose why you escalate."))
    if action == DecisionAction.WARN and not text:
        text = warning_text(item, rule)
    target = ItemStatus.ESCALATED if action == DecisionAction.ESCALATE else ItemStatus.DECIDED
    _take(item, moderator, target, now)
    status = _status_for(item, action)
    decision = Decision(
        item_id=item.id,
        community_id=item.community_id,
        author_id=item.author_id,
        action=action,
        status=status,
        decided_by_id=moderator.id,
        engagement_id=engagement.id,
        rule_id=rule.id if rule is not None else None,
        message=text,
        language=language_of(item),
        mute_until=(
            now + timedelta(minutes=_mute_minutes(item, mute_minutes, now))
            if action == DecisionAction.MUTE
            else None
        ),
        automated=bool(item.word_hits),
        false_positive=false_positive,
        category=category if action == DecisionAction.ESCALATE else None,
        internal_note=_clean(internal_note),
        respond_by=(
            now + timedelta(hours=item.community.ban_response_hours)
            if status == DecisionStatus.PROPOSED
            else None
        ),
        created_at=now,
    )
    db.session.add(decision)
    db.session.flush()
    if false_positive:
        _count_false_positives(item)
    if action in RESTRICTING:
        decision.statement = events.statement_of_reasons(decision)
    if item.is_control:
        # A copy: graded, never sent back, no strike on the real author.
        decision.control_correct = _graded(item, decision)
    elif action in RESTRICTING:
        # Kept before the community removes anything, proposals included.
        evidence.keep(decision, now)
        if status == DecisionStatus.EFFECTIVE:
            _into_force(decision, now)
    elif action in (DecisionAction.APPROVE, DecisionAction.ANSWER):
        events.send_decision(decision)
    live_stream.decision_made(decision)  # watchers of a chat see it at once
    _pay(engagement, item, moderator, now)
    return decision


def _mute_minutes(item: ModerationItem, chosen: int | None, now: datetime) -> int:
    if chosen is not None:
        if not 1 <= chosen <= 60 * 24 * 365:
            raise DomainError(_("Please give a mute between one minute and one year."))
        return chosen
    return ladder.proposed_mute_minutes(item.community, item.author, now)


def _take(item: ModerationItem, moderator: User, target: ItemStatus, now: datetime) -> None:
    require_transition(item.status, target, ITEM_TRANSITIONS)
    if not queue.QUEUE.take(item, worker_id=moderator.id, status=target, decided_at=now):
        raise InvalidTransition(_lost())


def _into_force(decision: Decision, now: datetime) -> None:
    """A restricting decision takes effect: a strike, and the community is told."""
    if decision.action in STRIKING:
        ladder.add_strike(decision, now)
    events.send_decision(decision)


def _graded(item: ModerationItem, decision: Decision) -> bool:
    control = db.session.get(ControlItem, item.control_id)
    if control is None:
        return False
    if decision.action != control.expected_action:
        return False
    return control.expected_rule_id is None or decision.rule_id == control.expected_rule_id


def _count_false_positives(item: ModerationItem) -> None:
    words = sorted({hit.get("word", "").lower() for hit in item.word_hits if hit.get("word")})
    if not words or item.is_control:
        return
    db.session.execute(
        sa.update(WordEntry)
        .where(WordEntry.community_id == item.community_id, WordEntry.word.in_(words))
        .values(false_positives=WordEntry.false_positives + 1)
        .execution_options(synchronize_session=False)
    )


def _pay(engagement: Engagement, item: ModerationItem, moderator: User, now: datetime) -> None:
    """One unit per decided item on per-item engagements (hourly ones log hours)."""
    if engagement.pay_model != PayModel.PER_ITEM:
        return
    units.record_units(
        engagement,
        kind=UnitKind.ITEM,
        quantity=Decimal(1),
        source=f"moderation-item:{item.id}",
        work_date=min(now.date(), utcnow().date()),
        by=moderator,
        note=unit_note(item),
    )


def _answer_appeal(
    item: ModerationItem, *, moderator: User, engagement: Engagement, text: str, now: datetime
) -> Decision:
    """The moderator upholds an appeal: the referred decision is reversed (strike
    lifted, the community told) and the user gets the answer."""
    original = db.session.get(Decision, item.refers_to_id) if item.refers_to_id else None
    if item.kind != ItemKind.QUESTION or original is None or item.is_control:
        raise DomainError(_("Only an appeal against a decision can reverse it."))
    if original.community_id != item.community_id:
        raise DomainError(_("Only an appeal against a decision can reverse it."))
    if not text:
        raise DomainError(_("Please tell the user why the decision is reversed."))
    require_transition(original.status, DecisionStatus.REVERSED, DECISION_TRANSITIONS)
    _take(item, moderator, ItemStatus.DECIDED, now)
    reverse(original, by=moderator, reason=text, now=now)
    answer = Decision(
        item_id=item.id,
        community_id=item.community_id,
        author_id=item.author_id,
        action=DecisionAction.ANSWER,
        decided_by_id=moderator.id,
        engagement_id=engagement.id,
        message=text,
        language=language_of(item),
        created_at=now,
    )
    db.session.add(answer)
    db.session.flush()
    events.send_decision(answer)
    live_stream.decision_made(answer)
    _pay(engagement, item, moderator, now)
    return answer


def _move(decision: Decision, target: DecisionStatus, **values: object) -> None:
    """Change the decision's status only if nobody changed it meanwhile (a conditional
    UPDATE: the company's answer and the cron's expiry, or two appeals, cannot both win)."""
    require_transition(decision.status, target, DECISION_TRANSITIONS)
    moved = db.session.execute(
        sa.update(Decision)
        .where(Decision.id == decision.id, Decision.status == decision.status)
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(decision)
    if moved != 1:
        require_transition(decision.status, target, DECISION_TRANSITIONS)
        raise InvalidTransition(_("This decision was changed in the meantime."))


def _settle(decision: Decision, target: DecisionStatus, by: User | None, now: datetime) -> None:
    _move(decision, target, answered_by_id=by.id if by is not None else None, answered_at=now)


def put_in_force(decision: Decision, *, by: User, now: datetime | None = None) -> Decision:
    """The company confirms a proposal: in force from now (a mute runs its full length
    from now), a strike, and the community is told."""
    now = now or utcnow()
    if decision.respond_by is not None and decision.respond_by <= now:
        raise InvalidTransition(_("The time to answer this proposal has run out."))
    _settle(decision, DecisionStatus.EFFECTIVE, by, now)
    if decision.mute_until is not None:
        decision.mute_until = now + (decision.mute_until - decision.created_at)
    decision.statement = events.statement_of_reasons(decision)
    _into_force(decision, now)
    return decision


def decline(decision: Decision, *, by: User, reason: str, now: datetime | None = None) -> Decision:
    """The company says no to a proposal, with a reason the moderator is told."""
    now = now or utcnow()
    reason = _clean(reason, limit=2000)
    if not reason:
        raise DomainError(_("Please give a reason."))
    _move(
        decision, DecisionStatus.DECLINED, answered_by_id=by.id, answered_at=now,
        answer_reason=reason,
    )  # fmt: skip
    _tell_moderator(decision, "moderation/proposal_declined")
    return decision


def expire_lapsed(now: datetime | None = None) -> int:
    """Proposals the company left unanswered past ``respond_by`` lapse (cron); each
    moderator is told. Returns how many lapsed."""
    now = now or utcnow()
    lapsed = db.session.scalars(
        sa.select(Decision)
        .where(Decision.status == DecisionStatus.PROPOSED, Decision.respond_by <= now)
        .order_by(Decision.id)
        .with_for_update(skip_locked=True)
    ).all()
    for decision in lapsed:
        _settle(decision, DecisionStatus.EXPIRED, None, now)
        _tell_moderator(decision, "moderation/proposal_expired")
    db.session.flush()
    return len(lapsed)


def _tell_moderator(decision: Decision, template: str) -> None:
    from marketplace.mail.services import queue_email
    from marketplace.urls import absolute_url

    moderator = decision.decided_by
    if moderator.suspended_at is not None:
        return
    queue_email(
        to=moderator.email,
        template=template,
        locale=moderator.locale,
        user=moderator,
        decision=decision,
        community=decision.community,
        link=absolute_url("moderation_work.dashboard"),
    )


def reverse(decision: Decision, *, by: User, reason: str, now: datetime | None = None) -> Decision:
    """Undo an effective decision (appeal upheld, company overturn): its strike is
    lifted and the community gets ``decision.reversed`` to undo it."""
    now = now or utcnow()
    reason = _clean(reason)
    if not reason:
        raise DomainError(_("Please give a reason."))
    if decision.action in (DecisionAction.REVERSE, DecisionAction.ESCALATE):
        raise InvalidTransition(_("This decision cannot be reversed."))
    _move(decision, DecisionStatus.REVERSED)
    ladder.lift_strike(decision, now)
    reversal = Decision(
        item_id=decision.item_id,
        community_id=decision.community_id,
        author_id=decision.author_id,
        action=DecisionAction.REVERSE,
        decided_by_id=by.id,
        message=reason,
        language=decision.language,
        reverses_id=decision.id,
        created_at=now,
    )
    db.session.add(reversal)
    db.session.flush()
    events.send_decision(reversal, "decision.reversed")
    return reversal
