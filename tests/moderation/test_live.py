"""The live view of a chat: events written with what they report, resuming after
Last-Event-ID, acting on a message (and two moderators on one message), posting
as the moderation team, who may open it, and the author's standing."""

from __future__ import annotations

import json

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.moderation import decisions, intake, live, live_stream, queue
from marketplace.moderation.cron import purge_live_events
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    ItemStatus,
    ModerationItem,
)
from marketplace.moderation.live_models import LiveEvent, LiveEventKind
from marketplace.moderation.models import Community, CommunityKind
from marketplace.work.models import OutgoingEvent
from tests.moderation import io_helpers as io
from tests.moderation import moderator_helpers as mh


def _setup(app, **kwargs):
    with app.app_context():
        found = mh.community(**kwargs)
        moderator = mh.hire(found)
        return found.id, moderator.worker


def _events(community_id: int) -> list[LiveEvent]:
    return list(
        db.session.scalars(
            sa.select(LiveEvent)
            .where(LiveEvent.community_id == community_id)
            .order_by(LiveEvent.id)
        )
    )


def _sse(response) -> list[dict]:
    """The events of a finished stream response, as (id, kind, data)."""
    found = []
    for block in response.get_data(as_text=True).split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "data" in lines:
            found.append(
                {"id": int(lines["id"]), "kind": lines["event"], **json.loads(lines["data"])}
            )
    return found


# --- events with what they report ---------------------------------------------------------------


def test_a_chat_message_is_a_live_event_in_the_same_transaction(db):
    found, _token = io.connected()
    stored = intake.store(found, io.item(text="Du Idiot", id="m-live-1"))
    (event,) = _events(found.id)  # flushed with the item, before any commit
    assert event.kind == LiveEventKind.MESSAGE and event.channel == "lobby"
    assert event.payload["item_id"] == stored.item.id and event.payload["text"] == "Du Idiot"
    assert event.payload["author"] == "Anna" and "idiot" in event.payload["word_hits"]
    db.session.rollback()
    assert _events(found.id) == []  # rolled back together
    assert db.session.scalar(sa.select(sa.func.count(ModerationItem.id))) == 0


def test_a_known_item_and_a_forum_post_write_no_event(db):
    found, _token = io.connected()
    intake.store(found, io.item(id="m-once"))
    intake.store(found, io.item(id="m-once"))
    db.session.commit()
    assert len(_events(found.id)) == 1
    found.kind = CommunityKind.FORUM
    intake.store(found, io.item(id="p-forum", kind="post", thread="Tipps"))
    assert len(_events(found.id)) == 1


def test_a_decision_is_a_live_event_in_the_same_transaction(db):
    found = mh.community()
    moderator = mh.hire(found).worker
    message = mh.item(found, "Spam hier")
    live.decide_live(
        message, moderator=moderator, action=DecisionAction.REMOVE, rule_id=mh.rule(found, 2).id
    )
    decided = [e for e in _events(found.id) if e.kind == LiveEventKind.DECISION]
    assert [(e.payload["item_id"], e.payload["action"]) for e in decided] == [
        (message.id, "remove")
    ]
    db.session.rollback()
    assert _events(found.id) == []
    assert db.session.get(ModerationItem, message.id).status == ItemStatus.WAITING


def test_the_stream_resumes_after_last_event_id(app, client, login_as, monkeypatch):
    community_id, worker = _setup(app)
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 0)  # one look, then the response ends
    with app.app_context():
        found = db.session.get(Community, community_id)
        first, second, third = (mh.item(found, f"Nachricht {n}") for n in (1, 2, 3))
        for made in (first, second, third):
            live_stream.items_stored(found, [made])
        db.session.commit()
        ids = [e.id for e in _events(community_id)]
        texts = {made.id: made.text for made in (first, second, third)}
    login_as(worker)
    url = f"/work/moderation/live/{community_id}/stream"
    everything = _sse(client.get(url))
    assert [e["id"] for e in everything] == ids
    resumed = _sse(client.get(url, headers={"Last-Event-ID": str(ids[0])}))
    assert [texts[e["item_id"]] for e in resumed] == ["Nachricht 2", "Nachricht 3"]
    after = _sse(client.get(f"{url}?after={ids[1]}"))
    assert [e["text"] for e in after] == ["Nachricht 3"]
    other_channel = _sse(client.get(f"{url}?channel=offtopic"))
    assert other_channel == []


def test_a_reader_sees_an_event_that_committed_late_with_a_lower_id(db):
    """Ids can commit out of order on PostgreSQL: the reader looks back a little."""
    found = mh.community()
    cursor = live_stream.Cursor(0)
    first = live_stream.append_live_event(found, LiveEventKind.MESSAGE, {"n": 1})
    second = live_stream.append_live_event(found, LiveEventKind.MESSAGE, {"n": 2})
    db.session.commit()
    late_id = first.id
    db.session.delete(first)  # as if id 1 had not committed yet when the reader looked
    db.session.commit()
    assert [e.payload["n"] for e in cursor.fetch(found.id)] == [2]
    db.session.add(
        LiveEvent(id=late_id, community_id=found.id, kind=LiveEventKind.MESSAGE, payload={"n": 1})
    )
    db.session.commit()
    assert [e.payload["n"] for e in cursor.fetch(found.id)] == [1]
    assert cursor.fetch(found.id) == []  # each sent once
    assert second.id == cursor.after


def test_old_events_are_purged(db, travel):
    found = mh.community()
    travel("2026-12-01 10:00")
    live_stream.append_live_event(found, LiveEventKind.MESSAGE, {"n": 1})
    db.session.commit()
    travel("2026-12-02 11:00")
    live_stream.append_live_event(found, LiveEventKind.MESSAGE, {"n": 2})
    db.session.commit()
    assert purge_live_events() == 1
    assert [e.payload["n"] for e in _events(found.id)] == [2]


# --- acting ---------------------------------------------------------------------------------------


def test_the_page_shows_messages_hits_state_and_the_authors_standing(app, client, login_as):
    community_id, worker = _setup(app)
    with app.app_context():
        found = db.session.get(Community, community_id)
        mh.item(found, "Du bist ein Idiot", word_hits=[{"word": "idiot", "kind": "suspect"}])
        decided = mh.item(found, "Schon erledigt", by="u-2")
        other = mh.hire(found).worker
        live.decide_live(decided, moderator=other, action=DecisionAction.APPROVE)
        db.session.commit()
        author_id = decided.author_id
    login_as(worker)
    assert f"/work/moderation/live/{community_id}" in client.get("/work/moderation").get_data(
        as_text=True
    )
    page = client.get(f"/work/moderation/live/{community_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<mark>Idiot</mark>" in html
    assert "Approved · In force" in html
    assert html.count('class="live-form"') == 2  # the open message, and the script's template
    assert "{% include" not in html
    standing = client.get(f"/work/moderation/live/{community_id}/authors/{author_id}")
    assert standing.status_code == 200
    assert "0 active strikes" in standing.get_data(as_text=True)


def _decide(client, community_id, item_id, action, rule_id=None, json_answer=False):
    headers = {"Accept": "application/json"} if json_answer else {}
    data = {"live-rule_id": str(rule_id) if rule_id else ""}
    return client.post(
        f"/work/moderation/live/{community_id}/items/{item_id}/{action}", data=data, headers=headers
    )


def test_two_moderators_on_one_message_one_wins_the_other_is_told(app, client, login_as):
    community_id, first = _setup(app)
    with app.app_context():
        found = db.session.get(Community, community_id)
        second = mh.hire(found).worker
        message = mh.item(found, "Kauft bei mir!")
        rule_id = mh.rule(found, 2).id
        message_id = message.id
        first_id = db.session.merge(first).id
        db.session.refresh(second)
    login_as(first)
    won = _decide(client, community_id, message_id, "remove", rule_id)
    assert won.status_code == 302
    assert "Removed" in client.get(won.headers["Location"]).get_data(as_text=True)
    login_as(second)
    lost = _decide(client, community_id, message_id, "warn", rule_id, json_answer=True)
    assert lost.status_code == 409
    assert lost.json["decided"] is True
    assert "Another moderator has already decided on this message" in lost.json["message"]
    again = _decide(client, community_id, message_id, "approve")
    assert "Another moderator has already decided" in client.get(
        again.headers["Location"]
    ).get_data(as_text=True)
    with app.app_context():
        made = db.session.scalars(sa.select(Decision).where(Decision.item_id == message_id)).all()
        assert [(d.action, d.decided_by_id) for d in made] == [(DecisionAction.REMOVE, first_id)]


def test_a_message_another_moderator_holds_is_not_taken(db):
    found = mh.community()
    holder = mh.hire(found).worker
    other = mh.hire(found).worker
    message = mh.item(found)
    assert queue.claim_next(holder).item.id == message.id
    db.session.commit()
    try:
        live.decide_live(message, moderator=other, action=DecisionAction.APPROVE)
    except live.AlreadyDecided as exc:
        assert "working on this message right now" in exc.message
    else:
        raise AssertionError("the held message was decided")
    db.session.rollback()
    decisions.decide(message, moderator=holder, action=DecisionAction.APPROVE)  # still the holder's


def test_a_restricting_action_needs_a_rule_and_changes_nothing_without(app, client, login_as):
    community_id, worker = _setup(app)
    with app.app_context():
        message_id = mh.item(db.session.get(Community, community_id)).id
    login_as(worker)
    refused = _decide(client, community_id, message_id, "mute", json_answer=True)
    assert refused.status_code == 409 and refused.json["decided"] is False
    assert refused.json["message"] == "Please choose the rule that was broken."
    with app.app_context():
        assert db.session.get(ModerationItem, message_id).claimed_by_id is None


def test_posting_as_the_team_goes_out_through_the_outbox_and_the_stream(app, client, login_as):
    community_id, worker = _setup(app)
    login_as(worker)
    answer = client.post(
        f"/work/moderation/live/{community_id}/post",
        data={"channel": "lobby", "text": "Bitte bleibt freundlich."},
    )
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Posted in the channel as the moderation team." in page
    assert "Bitte bleibt freundlich." in page
    with app.app_context():
        (sent,) = db.session.scalars(sa.select(OutgoingEvent)).all()
        assert sent.type == "message.posted"
        assert sent.payload["message"]["text"] == "Bitte bleibt freundlich."
        assert sent.payload["message"]["posted_by"] == "moderation_team"
        (event,) = _events(community_id)
        assert event.kind == LiveEventKind.TEAM_POST and event.channel == "lobby"
    empty = client.post(
        f"/work/moderation/live/{community_id}/post",
        data={"channel": "lobby", "text": ""},
        headers={"Accept": "application/json"},
    )
    assert empty.status_code == 409


# --- who may open it ------------------------------------------------------------------------------


def test_a_moderator_without_consent_cannot_open_a_mature_live_view(app, client, login_as):
    with app.app_context():
        found = mh.community(mature=True)
        unconsented = mh.hire(found, consent=False).worker
        consented = mh.hire(found).worker
        community_id = found.id
        message_id = mh.item(found).id
        db.session.refresh(unconsented)
        db.session.refresh(consented)
    login_as(unconsented)
    assert client.get(f"/work/moderation/live/{community_id}").status_code == 404
    assert client.get(f"/work/moderation/live/{community_id}/stream").status_code == 404
    assert _decide(client, community_id, message_id, "approve").status_code == 404
    assert f"/work/moderation/live/{community_id}" not in client.get("/work/moderation").get_data(
        as_text=True
    )
    login_as(consented)
    assert client.get(f"/work/moderation/live/{community_id}").status_code == 200


def test_a_forum_has_no_live_view(app, client, login_as):
    community_id, worker = _setup(app)
    with app.app_context():
        db.session.get(Community, community_id).kind = CommunityKind.FORUM
        db.session.commit()
    login_as(worker)
    assert client.get(f"/work/moderation/live/{community_id}").status_code == 404


def test_no_action_while_the_company_cannot_pay(db):
    found = mh.community(funds_cents=0)
    moderator = mh.hire(found).worker
    message = mh.item(found)
    try:
        live.decide_live(message, moderator=moderator, action=DecisionAction.APPROVE)
    except live.DomainError as exc:
        assert "the company must add funds first" in exc.message
    else:
        raise AssertionError("decided without funds")
    db.session.rollback()
    assert db.session.get(ModerationItem, message.id).claimed_by_id is None
