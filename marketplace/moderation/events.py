"""Decisions as the community receives them: event payloads, and the statement of
reasons that every removal or restriction carries.

The statement follows Art. 17 of the EU's Digital Services Act: the measure and
its duration, the facts (the text concerned), the rule broken, whether the
content was detected by automated means (a word-list hit) and whether the
decision was automated (never: a person decides), and how to appeal. It is
written in the author's language; community users only ever read "the
moderation team", never a moderator's name.

Events (``OutgoingEvent.type``):
  decision.created   an effective decision (approve, remove, warn, mute, ban, answer)
  decision.reversed  an earlier decision undone (appeal, company overturn): lift it
Control items are never sent: they are copies, not the community's content.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from marketplace.moderation.item_models import RESTRICTING, Decision, DecisionAction
from marketplace.work import outbox

MODERATION_TEAM = "moderation_team"  # who community users see as the sender
FACTS_MAX_CHARS = 2000


def _language(decision: Decision) -> str:
    return "de" if decision.language == "de" else "en"


def measure_text(decision: Decision) -> str:
    """The measure in words, in the current locale."""
    texts = {
        DecisionAction.APPROVE: _("No action: the content stays."),
        DecisionAction.REMOVE: _("The content was removed."),
        DecisionAction.WARN: _("A warning."),
        DecisionAction.MUTE: _("You cannot post until the time given."),
        DecisionAction.BAN: _("You are banned from the community."),
        DecisionAction.ANSWER: _("An answer from the moderation team."),
        DecisionAction.REVERSE: _("An earlier decision was reversed."),
        DecisionAction.ESCALATE: _("Passed to the community's operator."),
    }
    return texts[decision.action]


def statement_of_reasons(decision: Decision) -> dict[str, Any] | None:
    """The statement sent with a removal or restriction (None for other decisions)."""
    if decision.action not in RESTRICTING:
        return None
    language = _language(decision)
    item = decision.item
    with force_locale(language):
        rule = decision.rule
        return {
            "language": language,
            "measure": decision.action.value,
            "measure_text": measure_text(decision),
            "until": decision.mute_until.isoformat() if decision.mute_until else None,
            "rule": (
                {"number": rule.number, "title": rule.title(language)} if rule is not None else None
            ),
            "facts": (item.text[:FACTS_MAX_CHARS] if item is not None else ""),
            "automated_detection": decision.automated,
            "automated_decision": False,
            "ground": _("The community's netiquette, which its terms of use make binding."),
            "redress": _(
                "You can appeal: answer this decision in the community (refer to decision "
                "%(id)s). The moderation team reviews it and tells you the outcome.",
                id=decision.id,
            ),
            "decided_by": MODERATION_TEAM,
        }


def decision_payload(decision: Decision) -> dict[str, Any]:
    item = decision.item
    rule = decision.rule
    return {
        "decision": {
            "id": decision.id,
            "action": decision.action.value,
            "status": decision.status.value,
            "item": (
                {"id": item.external_id, "channel": item.channel, "thread": item.thread}
                if item is not None
                else None
            ),
            "author": {"id": decision.author.external_id},
            "rule": {"number": rule.number} if rule is not None else None,
            "message": decision.message,
            "language": _language(decision),
            "mute_until": decision.mute_until.isoformat() if decision.mute_until else None,
            "reverses": decision.reverses_id,
            "statement_of_reasons": decision.statement,
            "decided_by": MODERATION_TEAM,
        }
    }


def send_decision(decision: Decision, type_: str = "decision.created") -> None:
    """Queue the decision for the community (webhook, and always for polling)."""
    item = decision.item
    if item is not None and item.is_control:
        return
    community = decision.community
    outbox.emit(
        community.id, type_, decision_payload(decision), deliver=bool(community.webhook_url)
    )
