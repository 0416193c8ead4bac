"""The whole loop against the real Nebendesk: the sandbox community posts to the
community API of the test app served over HTTP, a hired moderator takes the items
with "Next item" and decides them through the decision service, and the decisions
come back by signed webhook (work/delivery.py) or by polling."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from marketplace.extensions import db
from marketplace.moderation import decisions, queue
from marketplace.moderation.item_models import DecisionAction, ModerationItem
from marketplace.moderation.models import Community, WordEntry, WordKind
from marketplace.onboarding.models import Engagement
from marketplace.sandbox.community import CommunityServer
from tests.moderation import moderator_helpers as mh

TOKEN = "tok_sandbox_e2e_0123456789"


@pytest.fixture
def nebendesk(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def sandbox(nebendesk: str) -> Iterator[CommunityServer]:
    server = CommunityServer(port=0, quiet=True, api_url=nebendesk, token=TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def setup(app: Flask, sandbox: CommunityServer) -> dict[str, Any]:
    """A funded chat moderation gig whose community is the sandbox (pre-moderated:
    "kaufen" is blocked), and a hired moderator."""
    with app.app_context():
        found = mh.community(pre_moderation=True)
        found.token_hash = hashlib.sha256(TOKEN.encode()).hexdigest()
        found.webhook_url = f"{sandbox.url}/webhook"
        db.session.add(WordEntry(community_id=found.id, word="kaufen", kind=WordKind.BLOCKED))
        db.session.commit()
        engagement = mh.hire(found)
        ids = {
            "community": found.id,
            "rule": mh.rule(found).id,
            "engagement": engagement.id,
        }
        sandbox.community.config.community_id = found.id
        sandbox.community.config.webhook_secret = found.webhook_secret
    return ids


def person(sandbox: CommunityServer, name: str, language: str = "de"):
    client = sandbox.app.test_client()
    client.post("/as", data={"name": name, "language": language})
    return client


def moderate(app: Flask, setup: dict[str, Any], choose) -> list[str]:
    """The moderator presses "Next item" until the queue is empty and decides each
    item with ``choose(item) -> (action, fields)``; one commit per decision, after
    which the webhook goes out. Returns the items' ids in the community."""
    seen = []
    with app.app_context():
        moderator = db.session.get(Engagement, setup["engagement"]).worker
        while (item := queue.claim_next(moderator).item) is not None:
            action, fields = choose(item)
            decisions.decide(item, moderator=moderator, action=action, **fields)
            db.session.commit()
            seen.append(item.external_id)
    return seen


def text(client, path: str = "/chat/lobby") -> str:
    return client.get(path).get_data(as_text=True)


def test_posts_reach_nebendesk_and_decisions_come_back(app, sandbox, setup):
    ben, chris, anna = (
        person(sandbox, "Ben"),
        person(sandbox, "Chris", "en"),
        person(sandbox, "Anna"),
    )
    ben.post("/chat/lobby", data={"text": "Hallo zusammen"})
    ben.post("/chat/lobby", data={"text": "Du bist ein Idiot"})
    chris.post("/chat/lobby", data={"text": "You are all boring"})
    anna.post("/moderation", data={"text": "Darf ich Links posten?"})
    store = sandbox.community.store
    assert all(m["sent"] and not m["held"] for m in store.messages.values()), store.messages
    by_text = {m["text"]: m["id"] for m in store.messages.values()}
    question_id = next(iter(store.questions))

    with app.app_context():
        insult = db.session.scalar(
            sa.select(ModerationItem).filter_by(external_id=by_text["Du bist ein Idiot"])
        )
        assert insult.community_id == setup["community"] and insult.word_hits
        assert (insult.author.external_id, insult.author.display_name) == ("u-ben", "Ben")
        assert [c["text"] for c in insult.context] == ["Hallo zusammen"]

    def choose(item):
        if item.text == "Du bist ein Idiot":
            return DecisionAction.REMOVE, {"rule_id": setup["rule"]}
        if item.text == "You are all boring":
            return DecisionAction.WARN, {"rule_id": setup["rule"]}
        if item.kind.value == "question":
            return DecisionAction.ANSWER, {"message": "Ja, wenn sie zum Thema passen."}
        return DecisionAction.APPROVE, {}

    decided = moderate(app, setup, choose)
    assert sorted(decided) == sorted([*by_text.values(), question_id])
    assert len(store.decisions) == 4  # all came by webhook

    lobby = text(anna)
    assert "Removed by the moderation team." in lobby and "Idiot" not in lobby
    assert "Hallo zusammen" in lobby and "You are all boring" in lobby
    assert (
        "Warning from the moderation team: Chris, please stay respectful (rule 1. Be respectful)."
        in text(chris)
    )
    assert "please stay respectful" not in lobby
    assert "The moderation team:</strong> Ja, wenn sie zum Thema passen." in text(
        anna, "/moderation"
    )

    # Ben appeals; the moderator upholds it. The community learns it by polling only.
    notices = text(ben, "/moderation")
    assert "Your content was removed" in notices and "Regel 1" in notices
    removal = next(d for d in store.decisions.values() if d["action"] == "remove")
    ben.post("/moderation", data={"text": "Das war ironisch.", "refers_to": str(removal["id"])})
    with app.app_context():
        db.session.get(Community, setup["community"]).webhook_url = ""
        db.session.commit()
    moderate(app, setup, lambda item: (DecisionAction.REVERSE, {"message": "Sie haben recht."}))
    assert "Idiot" not in text(anna)
    assert "2 new decision(s)" in anna.post("/sync", follow_redirects=True).get_data(as_text=True)
    assert "Du bist ein Idiot" in text(anna)
    appeal = text(ben, "/moderation")
    assert "reversed</strong>, it no longer applies" in appeal
    assert "The moderation team:</strong> Sie haben recht." in appeal


def test_a_held_message_shows_once_the_moderator_approves_it(app, sandbox, setup):
    ben, anna = person(sandbox, "Ben"), person(sandbox, "Anna")
    ben.post("/chat/lobby", data={"text": "Jetzt billig kaufen!"})
    message = next(iter(sandbox.community.store.messages.values()))
    assert message["sent"] and message["held"]
    assert "billig" not in text(anna)
    assert "Held for review" in text(ben)

    moderate(app, setup, lambda item: (DecisionAction.APPROVE, {}))
    assert "Jetzt billig kaufen!" in text(anna) and "Held for review" not in text(ben)


def test_a_muted_user_cannot_post_until_the_mute_ends(app, sandbox, setup):
    ben = person(sandbox, "Ben")
    ben.post("/chat/lobby", data={"text": "Spam spam spam"})
    moderate(
        app,
        setup,
        lambda item: (DecisionAction.MUTE, {"rule_id": setup["rule"], "mute_minutes": 60}),
    )
    refused = ben.post("/chat/lobby", data={"text": "Noch mehr"}).get_data(as_text=True)
    assert "You are muted by the moderation team until" in refused
    assert "Noch mehr" not in text(ben)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ModerationItem)) == 1

    later = datetime.now(UTC) + timedelta(minutes=61)
    sandbox.community.config.clock = lambda: later
    ben.post("/chat/lobby", data={"text": "Wieder da"})
    assert "Wieder da" in text(ben)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ModerationItem)) == 2
