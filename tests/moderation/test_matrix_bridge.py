"""The Matrix bridge against a real Synapse: messages in the room become items, and
decisions act in the room itself (redact, warning, mute until the ladder's end,
ban after the company confirms). A restarted bridge imports nothing twice; the
company's page names a wrong token and a room the bot was not invited to."""

from __future__ import annotations

import queue
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.extensions import db as _db
from marketplace.moderation import decisions, live_hub
from marketplace.moderation.item_models import DecisionAction, ModerationItem
from marketplace.moderation.matrix_bridge import Bridge
from marketplace.moderation.matrix_models import MatrixMute, MatrixRoom
from marketplace.moderation.models import Community, CommunitySource
from marketplace.work import delivery, outbox
from marketplace.work.models import OutgoingEvent
from tests.moderation import moderator_helpers
from tests.moderation.matrix_helpers import (
    a_room,
    matrix_world,
    run_bridge,
    synapse_fixture,  # noqa: F401 - the session's Synapse
)


@pytest.fixture
def world(db, synapse):
    return matrix_world(synapse)


def posted(world, text: str) -> str:
    status, answer = world.member.send(world.room_id, text)
    assert status == 200, answer
    return answer["event_id"]


def decided(world, action: DecisionAction, **options):
    """The moderator takes the next item and decides it (rule 1)."""
    item = world.claim()
    decision = decisions.decide(
        item,
        moderator=world.moderator,
        action=action,
        rule_id=moderator_helpers.rule(world.community).id,
        **options,
    )
    _db.session.commit()
    return item, decision


def test_a_message_in_the_room_becomes_an_item(world):
    event_id = posted(world, "Hallo zusammen, wer ist heute da?")
    assert run_bridge()["imported"] == 1
    [item] = world.items()
    assert item.external_id == event_id
    assert item.text == "Hallo zusammen, wer ist heute da?"
    assert item.author.external_id == world.member.user_id
    assert item.author.display_name.startswith("Mia ")
    assert item.channel == world.alias
    # The bot's own messages are not moderated; earlier messages are the context.
    world.bot.send(world.room_id, "Willkommen!")
    posted(world, "Erste")
    posted(world, "Zweite")
    assert run_bridge()["imported"] == 2
    second = world.items()[-1]
    assert [line["text"] for line in second.context] == ["Erste"]


def test_flask_moderation_matrix_runs_one_round(app, world):
    posted(world, "Über die Kommandozeile")
    result = app.test_cli_runner().invoke(args=["moderation", "matrix", "--once"])
    assert result.exit_code == 0, result.output
    assert "Imported 1 message(s)" in result.output


def test_remove_redacts_the_message_in_the_room(world):
    event_id = posted(world, "Kauft billige Uhren bei spam.example!")
    run_bridge()
    _item, _decision = decided(world, DecisionAction.REMOVE)
    # The webhook delivery leaves Matrix communities to the bridge.
    assert delivery.deliver_due() == 0
    event = _db.session.scalar(sa.select(OutgoingEvent))
    assert event.attempts == 0 and event.next_attempt_at is not None
    assert run_bridge()["carried_out"] == 1
    seen = world.admin.event(world.room_id, event_id)
    assert seen["content"] == {}  # redacted
    assert "redacted_because" in seen.get("unsigned", {})
    _db.session.refresh(event)
    assert event.delivered_at is not None and event.last_status == 200


def test_a_warning_appears_in_the_room(world):
    posted(world, "Du bist ein Idiot.")
    run_bridge()
    _item, decision = decided(world, DecisionAction.WARN)
    run_bridge()
    assert decision.message in world.member.texts(world.room_id)
    assert "Regel 1" in decision.message  # the rule's warning, in the author's language


def test_a_warning_can_go_as_a_direct_message(db, synapse):
    world = matrix_world(synapse, warn_by_direct_message=True)
    posted(world, "Du bist ein Idiot.")
    run_bridge()
    _item, decision = decided(world, DecisionAction.WARN)
    run_bridge()
    assert decision.message not in world.member.texts(world.room_id)
    direct = world.room.direct_rooms[world.member.user_id]
    assert world.member.join(direct)[0] == 200  # the author was invited
    assert decision.message in world.member.texts(direct)


def test_a_mute_keeps_the_user_quiet_until_it_ends(world, travel):
    posted(world, "Spam spam spam")
    run_bridge()
    _item, decision = decided(world, DecisionAction.MUTE, mute_minutes=30)
    assert run_bridge()["carried_out"] == 1
    status, answer = world.member.send(world.room_id, "Darf ich noch?")
    assert status == 403 and answer["errcode"] == "M_FORBIDDEN"
    mute = _db.session.scalar(sa.select(MatrixMute))
    assert mute.user_id == world.member.user_id and mute.lifted_at is None
    # Not yet over: a restarted bridge keeps the mute.
    assert Bridge().lift_due_mutes() == 0
    assert world.member.send(world.room_id, "Und jetzt?")[0] == 403
    travel(decision.mute_until + timedelta(minutes=1))
    assert run_bridge()["unmuted"] == 1
    assert world.member.send(world.room_id, "Wieder da.")[0] == 200
    assert world.member.user_id not in world.admin.power_levels(world.room_id)["users"]


def test_a_ban_follows_the_companys_confirmation(world):
    posted(world, "Ich komme immer wieder.")
    run_bridge()
    _item, proposal = decided(world, DecisionAction.BAN)
    run_bridge()
    assert world.member.send(world.room_id, "Noch da")[0] == 200  # only proposed
    owner = _db.session.get(User, world.community.connected_by_id)
    decisions.put_in_force(proposal, by=owner)
    _db.session.commit()
    assert run_bridge()["carried_out"] == 1
    assert world.member.send(world.room_id, "Und jetzt?")[0] == 403
    assert world.member.join(world.room_id)[0] == 403


def test_posts_of_the_moderation_team_come_from_the_bot(world):
    outbox.emit(world.community.id, "message.posted", {"text": "Bitte bleibt beim Thema."})
    _db.session.commit()
    run_bridge()
    [message] = [
        event for event in world.admin.messages(world.room_id) if event["type"] == "m.room.message"
    ]
    assert message["sender"] == world.bot.user_id
    assert message["content"]["body"] == "Bitte bleibt beim Thema."
    # Carried out once: a second round posts nothing.
    run_bridge()
    assert world.admin.texts(world.room_id).count("Bitte bleibt beim Thema.") == 1


def test_a_restarted_bridge_imports_nothing_twice(world):
    first_token = world.room.sync_token
    posted(world, "Eins")
    bridge = Bridge()
    assert run_bridge(bridge)["imported"] == 1
    bridge.close()
    posted(world, "Zwei")
    # A new process (new client) goes on from the stored sync token.
    assert run_bridge()["imported"] == 1
    assert [item.text for item in world.items()] == ["Eins", "Zwei"]
    # Even from an old token (a crash lost the newer one) nothing is stored twice.
    world.room.sync_token = first_token
    _db.session.commit()
    assert run_bridge()["imported"] == 0
    assert len(world.items()) == 2


def test_a_bridge_that_was_down_catches_up_on_everything_posted(world):
    # More than one sync answers with (Synapse: 100): the rest is paged back.
    for number in range(130):
        posted(world, f"Nachricht {number}")
    assert run_bridge()["imported"] == 130
    assert [item.text for item in world.items()][:2] == ["Nachricht 0", "Nachricht 1"]


def test_a_failing_homeserver_is_retried_and_logged(world, synapse):
    posted(world, "Weg damit")
    run_bridge()
    decided(world, DecisionAction.REMOVE)
    room = world.room
    room.homeserver_url = "http://127.0.0.1:9"  # nothing listens there
    _db.session.commit()
    assert run_bridge()["carried_out"] == 0
    event = _db.session.scalar(sa.select(OutgoingEvent))
    assert event.attempts == 1 and event.delivered_at is None
    assert "Matrix" in event.last_error and event.next_attempt_at is not None


# --- the company's page ------------------------------------------------------------------------


def _gig_community(app):
    with app.app_context():
        community = moderator_helpers.community()
        gig_community = community.gig.communities[0]
        owner_id = community.connected_by_id
        # A second community on the gig, not connected yet.
        from marketplace.gigs.models import GigCommunity

        second = GigCommunity(
            gig_id=community.gig_id, name="Abendchat", audience="Gäste", position=2
        )
        _db.session.add(second)
        _db.session.commit()
        assert gig_community.name != "Abendchat"
        owner = _db.session.get(User, owner_id)
        return second.id, owner


def _connect(client, gig_community_id, synapse, bot, room):
    return client.post(
        f"/company/communities/connect/{gig_community_id}/matrix",
        data={
            "kind": "chat",
            "default_language": "de",
            "homeserver_url": synapse.url,
            "access_token": bot.token,
            "room": room,
        },
        follow_redirects=True,
    )


def _matrix_communities(app) -> int:
    with app.app_context():
        return len(
            _db.session.scalars(
                sa.select(Community).where(Community.source == CommunitySource.MATRIX)
            ).all()
        )


def test_the_company_connects_a_room_and_the_token_is_kept_secret(app, client, login_as, synapse):
    gig_community_id, owner = _gig_community(app)
    _admin, bot, _member, _room_id, alias = a_room(synapse)
    login_as(owner)
    page = client.get(f"/company/communities/connect/{gig_community_id}/matrix")
    assert page.status_code == 200
    response = _connect(client, gig_community_id, synapse, bot, alias)
    assert "The Matrix room is connected" in response.text
    assert bot.token not in response.text and bot.user_id in response.text
    with app.app_context():
        room = _db.session.scalar(sa.select(MatrixRoom))
        assert room.bot_user_id == bot.user_id and room.sync_token
        assert bot.token not in room.access_token_encrypted
    index = client.get("/company/communities/").text
    assert "Matrix room, through the bridge" in index


def test_a_wrong_token_is_a_clear_error_and_nothing_is_stored(app, client, login_as, synapse):
    gig_community_id, owner = _gig_community(app)
    _admin, bot, _member, _room_id, alias = a_room(synapse)
    bot.token = "syt_not_a_token"
    login_as(owner)
    response = _connect(client, gig_community_id, synapse, bot, alias)
    assert "does not accept this access token" in response.text
    assert _matrix_communities(app) == 0
    # In German too.
    with app.app_context():
        _db.session.get(User, owner.id).locale = "de"
        _db.session.commit()
    response = _connect(client, gig_community_id, synapse, bot, alias)
    assert "Zugriffstoken" in response.text


def test_a_room_the_bot_was_not_invited_to_is_a_clear_error(app, client, login_as, synapse):
    gig_community_id, owner = _gig_community(app)
    _admin, bot, _member, _room_id, alias = a_room(synapse, invite_bot=False)
    login_as(owner)
    response = _connect(client, gig_community_id, synapse, bot, alias)
    assert "Invite the bot to the room first" in response.text
    assert _matrix_communities(app) == 0


def test_a_bot_without_moderator_rights_is_told_which_are_missing(app, client, login_as, synapse):
    gig_community_id, owner = _gig_community(app)
    _admin, bot, _member, _room_id, alias = a_room(synapse, bot_power=50)
    login_as(owner)
    response = _connect(client, gig_community_id, synapse, bot, alias)
    assert "power level in the room is too low to change power levels" in response.text
    assert _matrix_communities(app) == 0


def test_the_settings_page_tests_again_and_keeps_the_token(app, client, login_as, synapse):
    with app.app_context():
        world = matrix_world(synapse)
        community_id, owner = (
            world.community.id,
            _db.session.get(User, world.community.connected_by_id),
        )
        bot_token, alias = world.bot.token, world.alias
    login_as(owner)
    page = client.get(f"/company/communities/{community_id}/matrix")
    assert page.status_code == 200 and bot_token not in page.text
    response = client.post(
        f"/company/communities/{community_id}/matrix",
        data={"homeserver_url": synapse.url, "access_token": "", "room": alias},
        follow_redirects=True,
    )
    assert "The connection works and is saved." in response.text
    response = client.post(
        f"/company/communities/{community_id}/matrix",
        data={"homeserver_url": synapse.url, "access_token": "syt_wrong", "room": alias},
        follow_redirects=True,
    )
    assert "does not accept this access token" in response.text
    with app.app_context():
        from marketplace import crypto

        room = _db.session.scalar(sa.select(MatrixRoom))
        assert crypto.decrypt(room.access_token_encrypted) == bot_token


# --- the room in the live view --------------------------------------------------------------------


def _read_stream(client, url: str, lines: queue.SimpleQueue, stop: threading.Event) -> None:
    """An open live view: puts (arrival time, SSE chunk) for each chunk the endpoint
    sends, until ``stop`` is set and the next chunk comes."""
    response = client.get(url, buffered=False)
    try:
        for chunk in response.response:
            lines.put((time.monotonic(), chunk.decode() if isinstance(chunk, bytes) else chunk))
            if stop.is_set():
                return
    finally:
        response.close()
        lines.put((time.monotonic(), None))


def _run_bridge_until(app, stop: threading.Event, failures: list) -> None:
    """The bridge as `flask moderation matrix` runs it: long-polling rounds."""
    with app.app_context():
        bridge = Bridge()
        try:
            while not stop.is_set():
                bridge.run_once(sync_timeout_ms=1000)
        except Exception as exc:  # reported by the test
            failures.append(exc)
        finally:
            bridge.close()
            _db.session.remove()


def test_a_message_in_the_room_appears_in_the_live_view_within_2_s(
    app, client, login_as, synapse, monkeypatch
):
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 30)
    monkeypatch.setattr(live_hub, "HEARTBEAT_SECONDS", 0.5)  # the reader notices `stop` soon
    with app.app_context():
        world = matrix_world(synapse)
        run_bridge()  # the bridge is up to date with the room
        community_id, moderator = world.community.id, world.moderator
        _db.session.refresh(moderator)
    login_as(moderator)
    chunks: queue.SimpleQueue = queue.SimpleQueue()
    stop, failures = threading.Event(), []
    reader = threading.Thread(
        target=_read_stream,
        args=(client, f"/work/moderation/live/{community_id}/stream", chunks, stop),
        daemon=True,
    )
    reader.start()
    assert "retry:" in chunks.get(timeout=15)[1]  # the view is open and listening
    bridge = threading.Thread(target=_run_bridge_until, args=(app, stop, failures), daemon=True)
    bridge.start()
    try:
        time.sleep(1.5)  # the bridge is waiting on the homeserver, as it does between messages
        text = "Ist hier jemand? Live aus dem Matrix-Raum"
        posted_at = time.monotonic()
        posted(world, text)
        arrived = None
        while arrived is None and time.monotonic() - posted_at < 10:
            at, chunk = chunks.get(timeout=10)
            assert chunk is not None, "the stream ended"
            if text in chunk and "event: message" in chunk:
                arrived = at
        assert arrived is not None, "the message never reached the live view"
        assert arrived - posted_at <= 2.0, f"took {arrived - posted_at:.2f} s"
    finally:
        stop.set()
        bridge.join(timeout=15)
        reader.join(timeout=15)
    assert not failures
    with app.app_context():
        [item] = _db.session.scalars(
            sa.select(ModerationItem).where(ModerationItem.community_id == community_id)
        ).all()
        assert item.text == text
