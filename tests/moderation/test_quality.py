"""The company's "Review a sample": keep approves the moderator's unit; overturn needs a
reason, reverses the decision (the community is told, the strike lifted) and rejects
the unit, which the moderator may dispute; nothing can be overturned after the review
window; another company's community or decision is 404; the unit says what it is."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation import decisions, ladder, queue
from marketplace.moderation.item_models import Decision, DecisionAction, DecisionStatus
from marketplace.payments.models import UnitStatus, WorkUnit
from marketplace.work.models import OutgoingEvent
from tests.moderation import moderator_helpers as mh


def text(response) -> str:
    page = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(page).split())


@dataclass
class Setup:
    community_id: int
    community_name: str
    owner_id: int
    worker_id: int
    decision_id: int
    unit_id: int

    @property
    def url(self) -> str:
        return f"/company/communities/{self.community_id}/quality"


def setup(app, *, action=DecisionAction.WARN, locale: str = "en") -> Setup:
    """A funded community whose moderator warned an author (a strike) through the
    decision service: one pending unit "moderation-item:<id>"; another item the
    moderator skipped (no unit, never in the sample)."""
    with app.app_context():
        found = mh.community()
        moderator = mh.hire(found)
        mh.item(found, "Übersprungen, ohne Entscheidung")
        queue.skip(queue.claim_next(moderator.worker).item, worker=moderator.worker)
        mh.item(found, "Du bist so ein Trottel")
        claim = queue.claim_next(moderator.worker)
        assert claim.item.text == "Du bist so ein Trottel"
        decision = decisions.decide(
            claim.item, moderator=moderator.worker, action=action,
            rule_id=mh.rule(found).id if action != DecisionAction.APPROVE else None,
        )  # fmt: skip
        owner = db.session.get(User, found.connected_by_id)
        owner.locale = locale
        db.session.commit()
        unit = db.session.scalar(
            sa.select(WorkUnit).where(WorkUnit.source == f"moderation-item:{decision.item_id}")
        )
        assert unit.status == UnitStatus.PENDING
        return Setup(found.id, found.name, owner.id, moderator.worker_id, decision.id, unit.id)


def _user(app, user_id: int) -> User:
    with app.app_context():
        return db.session.get(User, user_id)


def _state(app, s: Setup):
    with app.app_context():
        decision = db.session.get(Decision, s.decision_id)
        unit = db.session.get(WorkUnit, s.unit_id)
        return (
            decision.status,
            unit.status,
            unit.rejection_reason,
            ladder.active_strike_count(decision.author),
        )


def _reversed_events(app) -> list[dict]:
    with app.app_context():
        return [
            event.payload["decision"]
            for event in db.session.scalars(
                sa.select(OutgoingEvent).where(OutgoingEvent.type == "decision.reversed")
            )
        ]


def test_the_sample_shows_the_decision_inline_and_keep_approves_the_unit(app, client, login_as):
    s = setup(app)
    login_as(_user(app, s.owner_id))
    overview = client.get(s.url.removesuffix("/quality"))
    assert f'href="{s.url}"' in overview.get_data(as_text=True)
    page = text(client.get(s.url))
    assert "Du bist so ein Trottel" in page  # the item
    assert "1 message before it" in page and "Vorher" in page  # its context
    assert "Warned · rule 1" in page and "1. Be respectful" in page  # decision and rule
    assert "bitte beachten Sie Regel 1" in page  # the message sent (author language)
    assert "1 decision is open for review." in page
    assert "Übersprungen" not in page  # a skipped item is neither paid nor reviewed

    response = client.post(f"{s.url}/{s.decision_id}/keep", follow_redirects=True)
    assert "The decision is kept and the moderator's work approved." in text(response)
    assert "No decisions of this community are open for review." in text(response)
    assert _state(app, s)[:2] == (DecisionStatus.EFFECTIVE, UnitStatus.APPROVED)
    assert _reversed_events(app) == []
    again = client.post(f"{s.url}/{s.decision_id}/overturn", data={"reason": "Doch nicht"})
    assert again.status_code == 302
    assert "This decision has already been reviewed." in text(client.get(s.url))
    assert _state(app, s)[:2] == (DecisionStatus.EFFECTIVE, UnitStatus.APPROVED)


def test_overturn_needs_a_reason_then_reverses_rejects_and_the_worker_disputes(
    app, client, login_as
):
    s = setup(app)
    login_as(_user(app, s.owner_id))
    assert _state(app, s)[3] == 1  # the warning's strike

    refused = client.post(f"{s.url}/{s.decision_id}/overturn", data={"reason": "  "})
    assert refused.status_code == 302
    assert "Please give a reason." in text(client.get(s.url))
    assert _state(app, s) == (DecisionStatus.EFFECTIVE, UnitStatus.PENDING, None, 1)

    reason = "Ein Zitat aus dem Film, keine Beleidigung."
    response = client.post(
        f"{s.url}/{s.decision_id}/overturn", data={"reason": reason}, follow_redirects=True
    )
    assert "The decision is overturned" in text(response)
    assert _state(app, s) == (DecisionStatus.REVERSED, UnitStatus.REJECTED, reason, 0)
    [event] = _reversed_events(app)
    assert event["action"] == "reverse" and event["reverses"] == s.decision_id
    assert event["message"] == reason

    # The moderator sees the rejection with its reason, labelled, and disputes it.
    login_as(_user(app, s.worker_id))
    earnings = text(client.get("/earnings"))
    assert f"moderated item · {s.community_name}" in earnings and reason in earnings
    client.post(f"/earnings/units/{s.unit_id}/dispute", data={"note": "Es war eine Beleidigung."})
    assert _state(app, s)[1] == UnitStatus.DISPUTED


def test_after_the_review_window_nothing_can_be_overturned(app, client, login_as, travel):
    s = setup(app)
    login_as(_user(app, s.owner_id))
    hours = app.config["REVIEW_WINDOW_HOURS"]
    travel(utcnow() + timedelta(hours=hours, minutes=1))
    assert "No decisions of this community are open for review." in text(client.get(s.url))
    response = client.post(
        f"{s.url}/{s.decision_id}/overturn", data={"reason": "Zu spät"}, follow_redirects=True
    )
    assert "The review window for this work has ended" in text(response)
    client.post(f"{s.url}/{s.decision_id}/keep")
    assert _state(app, s) == (DecisionStatus.EFFECTIVE, UnitStatus.PENDING, None, 1)
    assert _reversed_events(app) == []


def test_an_approval_can_be_overturned_without_a_strike(app, client, login_as):
    s = setup(app, action=DecisionAction.APPROVE)
    login_as(_user(app, s.owner_id))
    client.post(f"{s.url}/{s.decision_id}/overturn", data={"reason": "Gehört entfernt"})
    assert _state(app, s)[:2] == (DecisionStatus.REVERSED, UnitStatus.REJECTED)
    assert [e["reverses"] for e in _reversed_events(app)] == [s.decision_id]


def test_another_companys_community_and_decision_are_404(app, client, login_as):
    ours = setup(app)
    theirs = setup(app)
    login_as(_user(app, ours.owner_id))
    assert client.get(theirs.url).status_code == 404
    foreign = f"{ours.url}/{theirs.decision_id}"
    assert client.post(f"{foreign}/keep").status_code == 404
    assert client.post(f"{foreign}/overturn", data={"reason": "nein"}).status_code == 404
    assert _state(app, theirs)[:2] == (DecisionStatus.EFFECTIVE, UnitStatus.PENDING)


def test_units_say_moderated_item_with_the_community_in_german(app, client, login_as):
    s = setup(app, locale="de")
    login_as(_user(app, s.owner_id))
    review = text(client.get("/company/review"))
    assert f"moderierter Beitrag · {s.community_name}" in review
    balance = text(client.get("/company/balance"))
    assert f"moderierter Beitrag · {s.community_name}" in balance
    page = text(client.get(s.url))
    assert "Stichprobe prüfen" in page and "Beibehalten" in page and "Aufheben" in page
