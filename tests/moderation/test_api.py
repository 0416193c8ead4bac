"""The community API: items in (single and batch), decisions out by polling. 201 only
after the commit; every refusal is a clear 4xx and stores nothing."""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.moderation.item_models import (
    TIER_NORMAL,
    TIER_URGENT,
    Decision,
    DecisionAction,
    ModerationItem,
)
from marketplace.moderation.models import CommunityAuthor
from marketplace.work import outbox
from tests.moderation.io_helpers import connected, item, words


def post(client, community_id: int, body, token: str | None, path: str = "items"):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(
        f"/api/v1/communities/{community_id}/{path}", data=data, headers=headers, csrf=False
    )


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(ModerationItem.id)))


def a_community(app, **kwargs) -> tuple[int, str]:
    with app.app_context():
        community, token = connected(**kwargs)
        return community.id, token


def test_an_item_is_stored_with_its_author_and_a_repeat_stores_nothing(app, client):
    community_id, token = a_community(app)
    body = item(id="m-123", images=["https://chat.example/i/1.png"])
    response = post(client, community_id, body, token)
    assert response.status_code == 201
    assert response.get_json() == {"item": {"id": "m-123", "status": "created", "held": False}}
    again = post(client, community_id, {**body, "text": "changed"}, token)
    assert again.status_code == 200
    assert again.get_json()["item"]["status"] == "known"
    assert stored(app) == 1
    with app.app_context():
        stored_item = db.session.scalar(sa.select(ModerationItem))
        assert stored_item.text == "Hallo zusammen, wie geht es euch?"
        assert stored_item.author.display_name == "Anna"
        assert stored_item.author.language == "de"
        assert stored_item.context[0]["author"] == "Ben"
        assert stored_item.image_urls == ["https://chat.example/i/1.png"]
        assert stored_item.posted_at.isoformat() == "2026-12-06T10:00:05+00:00"
        assert stored_item.tier == TIER_NORMAL


def test_an_author_is_known_by_the_communitys_own_id(app, client):
    community_id, token = a_community(app)
    post(client, community_id, item(author={"id": "u-7", "name": "Anna"}), token)
    post(client, community_id, item(author={"id": "u-7", "name": "Anna B."}), token)
    with app.app_context():
        authors = db.session.scalars(sa.select(CommunityAuthor)).all()
        assert [(a.external_id, a.display_name) for a in authors] == [("u-7", "Anna B.")]
    assert stored(app) == 2


def test_wrong_missing_or_other_communitys_token_is_refused(app, client):
    community_id, token = a_community(app)
    other_id, other_token = a_community(app)
    for community, given in [
        (community_id, None),
        (community_id, "not-the-token"),
        (community_id, other_token),
        (other_id + 100, token),
    ]:
        response = post(client, community, item(), given)
        assert response.status_code == 401
        assert response.get_json()["error"] == "Wrong or missing token for this community."
        response = client.get(
            f"/api/v1/communities/{community}/decisions",
            headers={"Authorization": f"Bearer {given}"},
        )
        assert response.status_code == 401
    assert stored(app) == 0


def test_malformed_json_is_400_and_stores_nothing(app, client):
    community_id, token = a_community(app)
    for raw in [b'{"id": "m-1", "kind": ', b"\xff\xfe not utf-8", b""]:
        response = post(client, community_id, raw, token)
        assert response.status_code == 400
        assert "not valid JSON" in response.get_json()["error"]
    assert stored(app) == 0


def test_an_oversized_body_is_413_and_stores_nothing(app, client, monkeypatch):
    community_id, token = a_community(app)
    monkeypatch.setitem(app.config, "MODERATION_API_MAX_BYTES", 2048)
    response = post(client, community_id, item(text="x" * 4000), token)
    assert response.status_code == 413
    assert "larger than" in response.get_json()["error"]
    assert stored(app) == 0
    assert post(client, community_id, item(), token).status_code == 201


def test_invalid_items_are_422_with_field_and_message(app, client):
    community_id, token = a_community(app)
    cases = {
        "kind": item(kind="poem"),
        "id": item(id=""),
        "author": item(author=None),
        "author.id": item(author={"name": "Anna"}),
        "text": item(text=""),
        "images": item(images=["javascript:alert(1)"]),
        "created_at": item(created_at="yesterday"),
        "refers_to": item(refers_to="42"),
        "item": ["not", "an", "object"],
    }
    for field, body in cases.items():
        response = post(client, community_id, body, token)
        assert response.status_code == 422, field
        errors = response.get_json()["errors"]
        assert field in [error["field"] for error in errors], (field, errors)
        assert all(error["message"] for error in errors)
    no_text = item()
    del no_text["text"]
    assert post(client, community_id, no_text, token).status_code == 422
    assert stored(app) == 0


def test_word_list_hits_set_the_tier_hold_and_disturbing_flag(app, client):
    community_id, token = a_community(app, pre_moderation=True)
    with app.app_context():
        from marketplace.moderation.models import Community

        words(
            db.session.get(Community, community_id),
            blocked=["arschloch"],
            suspect=["trottel"],
            disturbing=["blut"],
        )
    blocked = post(client, community_id, item(id="b", text="Du ARSCHLOCH!"), token)
    assert blocked.status_code == 201
    assert blocked.get_json()["item"]["held"] is True
    suspect = post(client, community_id, item(id="s", text="So ein Trottel, ehrlich."), token)
    assert suspect.get_json()["item"]["held"] is False
    disturbing = post(client, community_id, item(id="d", text="Überall Blut."), token)
    plain = post(client, community_id, item(id="p", text="Trottelig? Nein, Trottelei."), token)
    question = post(client, community_id, item(id="q", kind="question", text="Warum?"), token)
    report = post(
        client,
        community_id,
        item(id="r", kind="report", reported_by="u-2", report_reason="Beleidigung"),
        token,
    )
    assert all(r.status_code == 201 for r in (disturbing, plain, question, report))
    with app.app_context():
        items = {i.external_id: i for i in db.session.scalars(sa.select(ModerationItem))}
        assert items["b"].word_hits == [{"word": "arschloch", "kind": "blocked"}]
        assert (items["b"].tier, items["b"].held) == (TIER_URGENT, True)
        assert items["s"].word_hits == [{"word": "trottel", "kind": "suspect"}]
        assert (items["s"].tier, items["s"].held) == (TIER_URGENT, False)
        assert items["d"].disturbing and items["d"].tier == TIER_NORMAL
        assert items["p"].word_hits == [] and items["p"].tier == TIER_NORMAL
        assert items["q"].tier == TIER_URGENT
        assert items["r"].tier == TIER_URGENT and items["r"].report_reason == "Beleidigung"


def test_blocked_words_do_not_hold_without_pre_moderation(app, client):
    community_id, token = a_community(app, pre_moderation=False)
    with app.app_context():
        from marketplace.moderation.models import Community

        words(db.session.get(Community, community_id), blocked=["arschloch"])
    response = post(client, community_id, item(text="arschloch"), token)
    assert response.get_json()["item"]["held"] is False
    with app.app_context():
        assert db.session.scalar(sa.select(ModerationItem.tier)) == TIER_URGENT


def _decision(app, community_id: int) -> int:
    with app.app_context():
        from marketplace.moderation.models import Community

        community = db.session.get(Community, community_id)
        author = CommunityAuthor(community_id=community_id, external_id="u-9")
        db.session.add(author)
        db.session.flush()
        decision = Decision(
            community_id=community_id,
            author_id=author.id,
            action=DecisionAction.WARN,
            decided_by_id=community.connected_by_id,
            message="Bitte bleib freundlich.",
        )
        db.session.add(decision)
        db.session.commit()
        return decision.id


def test_a_question_refers_to_a_decision_of_the_same_community_only(app, client):
    community_id, token = a_community(app)
    other_id, other_token = a_community(app)
    decision_id = _decision(app, community_id)
    appeal = item(kind="question", text="Das war nicht so gemeint.", refers_to=decision_id)
    response = post(client, other_id, appeal, other_token)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "refers_to"
    assert stored(app) == 0
    assert post(client, community_id, {**appeal, "kind": "message"}, token).status_code == 422
    assert post(client, community_id, appeal, token).status_code == 201
    with app.app_context():
        question = db.session.scalar(sa.select(ModerationItem))
        assert question.refers_to_id == decision_id and question.tier == TIER_URGENT


def test_a_batch_is_all_or_nothing(app, client):
    community_id, token = a_community(app)
    good = [item(id=f"b-{n}") for n in range(3)]
    bad = post(client, community_id, {"items": [*good, item(kind="poem")]}, token, "items/batch")
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == [
        {"index": 3, "field": "kind", "message": "must be one of message, post, report, question"}
    ]
    assert stored(app) == 0
    response = post(client, community_id, {"items": good}, token, "items/batch")
    assert response.status_code == 201
    assert [r["status"] for r in response.get_json()["items"]] == ["created"] * 3
    mixed = [good[0], item(id="b-new"), item(id="b-new")]
    again = post(client, community_id, {"items": mixed}, token, "items/batch")
    assert [r["status"] for r in again.get_json()["items"]] == ["known", "created", "known"]
    assert stored(app) == 4
    same = post(client, community_id, {"items": good}, token, "items/batch")
    assert same.status_code == 200
    for body in [{"items": []}, {"items": "x"}, [item()]]:
        assert post(client, community_id, body, token, "items/batch").status_code == 422


def test_a_batch_larger_than_the_limit_is_refused(app, client, monkeypatch):
    community_id, token = a_community(app)
    monkeypatch.setitem(app.config, "MODERATION_BATCH_MAX", 2)
    body = {"items": [item(), item(), item()]}
    response = post(client, community_id, body, token, "items/batch")
    assert response.status_code == 422
    assert stored(app) == 0


def test_decisions_are_polled_after_a_sequence_number(app, client):
    community_id, token = a_community(app)
    other_id, _other_token = a_community(app)
    with app.app_context():
        ids = [
            outbox.emit(community_id, "decision.created", {"decision": {"id": n}}, deliver=False)
            for n in range(3)
        ]
        outbox.emit(other_id, "decision.created", {"decision": {"id": 99}}, deliver=False)
        db.session.commit()
        seqs = [event.id for event in ids]
        first_body = json.loads(outbox.body_of(ids[0]))
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/communities/{community_id}/decisions"
    page = client.get(f"{url}?limit=2", headers=headers).get_json()
    assert [e["seq"] for e in page["events"]] == seqs[:2]
    assert page["events"][0]["event"] == first_body
    assert page["next_after"] == seqs[1]
    rest = client.get(f"{url}?after={page['next_after']}", headers=headers).get_json()
    assert [e["event"]["data"]["decision"]["id"] for e in rest["events"]] == [2]
    empty = client.get(f"{url}?after={rest['next_after']}", headers=headers).get_json()
    assert empty == {"events": [], "next_after": seqs[2]}
    assert client.get(f"{url}?after=-1", headers=headers).status_code == 400
    assert client.get(f"{url}?limit=100000", headers=headers).status_code == 400


@pytest.mark.postgres
def test_the_same_items_posted_at_once_are_stored_once(app):
    community_id, token = a_community(app)
    batch = {"items": [item(id=f"race-{n}", author={"id": f"new-{n}"}) for n in range(20)]}
    answers: list[int] = []
    start = threading.Barrier(4)

    def poster():
        client = app.test_client()
        start.wait()
        answers.append(post(client, community_id, batch, token, "items/batch").status_code)

    threads = [threading.Thread(target=poster) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers.count(201) >= 1
    assert all(status in (200, 201) for status in answers) and len(answers) == 4
    assert stored(app) == 20
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CommunityAuthor.id))) == 20
