"""The whole loop against the real Nebendesk: the sandbox community posts to the
community API of the test app served over HTTP, and decisions come back by
signed webhook (work/delivery.py) and by polling."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

from marketplace.extensions import db
from marketplace.moderation import events
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    DecisionStatus,
    ItemStatus,
    ModerationItem,
)
from marketplace.moderation.models import (
    Community,
    CommunityKind,
    CommunitySource,
    NetiquetteRule,
    WordEntry,
    WordKind,
)
from marketplace.sandbox.community import CommunityServer
from tests.factories import CompanyFactory, PublishedGigFactory, company_member

pytest.importorskip("marketplace.moderation.api_views", reason="the community API is not here")

TOKEN = "tok_sandbox_e2e_0123456789"
SECRET = "whsec_sandbox_e2e"


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
def community(app: Flask, sandbox: CommunityServer) -> dict[str, int]:
    with app.app_context():
        company = CompanyFactory()
        owner = company_member(company)
        gig = PublishedGigFactory(company=company, created_by=owner)
        row = Community(
            gig=gig,
            company_id=gig.company_id,
            name="Sandbox",
            kind=CommunityKind.CHAT,
            source=CommunitySource.SANDBOX,
            token_hash=hashlib.sha256(TOKEN.encode()).hexdigest(),
            webhook_url=f"{sandbox.url}/webhook",
            webhook_secret=SECRET,
            connected_by_id=owner.id,
            pre_moderation=True,
        )
        db.session.add(row)
        db.session.flush()
        rule = NetiquetteRule(
            community_id=row.id, number=1, title_de="Respekt", title_en="Respect",
            warning_de="Bitte respektvoll.", warning_en="Please be respectful.",
        )  # fmt: skip
        db.session.add(rule)
        db.session.add(WordEntry(community_id=row.id, word="kaufen", kind=WordKind.BLOCKED))
        db.session.commit()
        ids = {"community": row.id, "rule": rule.id, "owner": owner.id}
    sandbox.community.config.community_id = ids["community"]
    sandbox.community.config.webhook_secret = SECRET
    return ids


def decide(app: Flask, ids: dict[str, int], external_id: str, action: DecisionAction, **fields):
    """A decision as the moderator's service makes it, sent through the outbox."""
    with app.app_context():
        item = db.session.query(ModerationItem).filter_by(external_id=external_id).one()
        decision = Decision(
            item_id=item.id, community_id=item.community_id, author_id=item.author_id,
            action=action, status=DecisionStatus.EFFECTIVE, decided_by_id=ids["owner"],
            language="en", **fields,
        )  # fmt: skip
        db.session.add(decision)
        db.session.flush()
        decision.statement = events.statement_of_reasons(decision)
        item.status = ItemStatus.DECIDED
        events.send_decision(decision)
        db.session.commit()  # the webhook is delivered after the commit (inline jobs)
        return decision.id


def reverse(app: Flask, decision_id: int) -> None:
    """The decision undone, sent as decision.reversed; polling only (no webhook URL)."""
    with app.app_context():
        original = db.session.get(Decision, decision_id)
        original.community.webhook_url = ""
        original.status = DecisionStatus.REVERSED
        reversal = Decision(
            item_id=original.item_id, community_id=original.community_id,
            author_id=original.author_id, action=DecisionAction.REVERSE,
            status=DecisionStatus.EFFECTIVE, decided_by_id=original.decided_by_id,
            language="en", reverses_id=original.id,
        )  # fmt: skip
        db.session.add(reversal)
        db.session.flush()
        events.send_decision(reversal, "decision.reversed")
        db.session.commit()


def test_posts_reach_nebendesk_and_decisions_come_back(app, sandbox, community):
    ben, anna = sandbox.app.test_client(), sandbox.app.test_client()
    ben.post("/as", data={"name": "Ben", "language": "de"})
    anna.post("/as", data={"name": "Anna"})
    ben.post("/chat/lobby", data={"text": "Hallo zusammen"})
    ben.post("/chat/lobby", data={"text": "Du Idiot"})
    anna.post("/moderation", data={"text": "Darf ich Links posten?"})
    store = sandbox.community.store
    assert all(m["sent"] for m in store.messages.values()), store.messages

    insult_id = next(m["id"] for m in store.messages.values() if m["text"] == "Du Idiot")
    question_id = next(iter(store.questions))
    with app.app_context():
        insult = db.session.query(ModerationItem).filter_by(external_id=insult_id).one()
        assert insult.community_id == community["community"]
        assert insult.author.external_id == "u-ben" and insult.author.display_name == "Ben"
        assert [c["text"] for c in insult.context] == ["Hallo zusammen"]
        question = db.session.query(ModerationItem).filter_by(external_id=question_id).one()
        assert question.kind.value == "question"

    removal = decide(app, community, insult_id, DecisionAction.REMOVE, rule_id=community["rule"])
    decide(app, community, question_id, DecisionAction.ANSWER, message="Ja, zum Thema gern.")
    assert len(store.decisions) == 2  # both came by webhook

    lobby = anna.get("/chat/lobby").get_data(as_text=True)
    assert "Removed by the moderation team." in lobby and "Du Idiot" not in lobby
    answers = anna.get("/moderation").get_data(as_text=True)
    assert "The moderation team:</strong> Ja, zum Thema gern." in answers
    assert "Respect" in ben.get("/moderation").get_data(as_text=True)

    # The appeal succeeds; the reversal is only polled ("Sync decisions now").
    reverse(app, removal)
    assert "Du Idiot" not in anna.get("/chat/lobby").get_data(as_text=True)
    synced = anna.post("/sync", follow_redirects=True).get_data(as_text=True)
    assert "1 new decision(s)" in synced
    assert "Du Idiot" in anna.get("/chat/lobby").get_data(as_text=True)


def test_a_held_message_shows_once_nebendesk_approves_it(app, sandbox, community):
    ben, anna = sandbox.app.test_client(), sandbox.app.test_client()
    ben.post("/as", data={"name": "Ben"})
    anna.post("/as", data={"name": "Anna"})
    ben.post("/chat/lobby", data={"text": "Jetzt billig kaufen!"})
    message = next(iter(sandbox.community.store.messages.values()))
    assert message["sent"] and message["held"]
    assert "billig" not in anna.get("/chat/lobby").get_data(as_text=True)
    assert "Held for review" in ben.get("/chat/lobby").get_data(as_text=True)

    decide(app, community, message["id"], DecisionAction.APPROVE)
    assert "Jetzt billig kaufen!" in anna.get("/chat/lobby").get_data(as_text=True)
