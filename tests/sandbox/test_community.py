"""The sandbox community: what it sends to Nebendesk's community API (a real
HTTP endpoint that records requests) and what the decisions it receives do."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.sandbox.community import create_community, write_connection
from tests.sandbox.community_fakes import (
    COMMUNITY_ID,
    SECRET,
    TOKEN,
    FakeNebendesk,
    envelope,
    signed,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def nebendesk():
    fake = FakeNebendesk()
    yield fake
    fake.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(nebendesk, clock):
    return create_community(
        api_url=nebendesk.url,
        community_id=COMMUNITY_ID,
        token=TOKEN,
        webhook_secret=SECRET,
        clock=clock,
    )


def browser(sandbox, name: str, language: str = "en"):
    client = sandbox.test_client()
    client.post("/as", data={"name": name, "language": language})
    return client


def say(client, text: str, channel: str = "lobby"):
    return client.post(f"/chat/{channel}", data={"text": text}, follow_redirects=True)


def deliver(sandbox, event, secret: str = SECRET):
    body, headers = signed(event, secret)
    return sandbox.test_client().post("/webhook", data=body, headers=headers)


def page(client, path: str = "/chat/lobby") -> str:
    return client.get(path).get_data(as_text=True)


def item_id_of(nebendesk, text: str) -> str:
    return next(item["id"] for item in nebendesk.items() if item["text"] == text)


# --- what goes to Nebendesk ------------------------------------------------


def test_a_chat_message_goes_to_the_community_api_with_its_context(sandbox, nebendesk):
    ben, anna = browser(sandbox, "Ben"), browser(sandbox, "Anna", "de")
    say(ben, "Hallo zusammen")
    response = say(anna, "Hallo Ben!")
    assert "Hallo Ben!" in response.get_data(as_text=True)

    request = nebendesk.requests[-1]
    assert request["path"] == f"/api/v1/communities/{COMMUNITY_ID}/items"
    assert request["auth"] == f"Bearer {TOKEN}"
    item = request["json"]
    assert item["kind"] == "message" and item["channel"] == "lobby" and item["thread"] == ""
    assert item["author"] == {"id": "u-anna", "name": "Anna", "language": "de"}
    assert item["text"] == "Hallo Ben!"
    assert item["created_at"] == "2026-12-06T10:00:00Z"
    assert [(c["author"], c["text"]) for c in item["context"]] == [("Ben", "Hallo zusammen")]
    assert item["id"] != nebendesk.items()[0]["id"]


def test_forum_posts_carry_the_thread(sandbox, nebendesk):
    anna = browser(sandbox, "Anna")
    response = anna.post(
        "/forum",
        data={"title": "Versandkosten?", "text": "Was kostet der Versand?"},
        follow_redirects=True,
    )
    assert "Was kostet der Versand?" in response.get_data(as_text=True)
    item = nebendesk.items()[-1]
    assert (item["kind"], item["channel"], item["thread"]) == ("post", "forum", "Versandkosten?")


def test_a_report_and_a_question_go_to_the_moderation_team(sandbox, nebendesk):
    ben, anna = browser(sandbox, "Ben"), browser(sandbox, "Anna")
    say(ben, "Hallo")
    say(ben, "Du Idiot")
    insult = item_id_of(nebendesk, "Du Idiot")
    anna.post(f"/report/{insult}", data={"reason": "Beleidigung", "next": "/chat/lobby"})
    report = nebendesk.items()[-1]
    assert report["kind"] == "report" and report["text"] == "Du Idiot"
    assert report["author"]["id"] == "u-ben" and report["reported_by"] == "u-anna"
    assert report["report_reason"] == "Beleidigung" and report["id"] != insult
    assert [c["text"] for c in report["context"]] == ["Hallo"]

    anna.post("/moderation", data={"text": "Darf ich Links posten?"})
    question = nebendesk.items()[-1]
    assert question["kind"] == "question" and "refers_to" not in question
    assert question["author"]["id"] == "u-anna"


def test_nothing_is_posted_without_a_name(sandbox, nebendesk):
    response = sandbox.test_client().post(
        "/chat/lobby", data={"text": "anonym"}, follow_redirects=True
    )
    assert "Choose a name" in response.get_data(as_text=True)
    assert nebendesk.items() == []


def test_a_message_nebendesk_cannot_take_is_marked_and_resent_on_sync(sandbox, nebendesk):
    sandbox.extensions["sandbox_community"].config.token = "wrong"
    anna = browser(sandbox, "Anna")
    say(anna, "Hallo")
    assert "not sent to Nebendesk" in page(anna)
    sandbox.extensions["sandbox_community"].config.token = TOKEN
    anna.post("/sync")
    assert "not sent to Nebendesk" not in page(anna)
    assert nebendesk.requests[-2]["auth"] == f"Bearer {TOKEN}"


# --- webhooks --------------------------------------------------------------


def test_the_webhook_refuses_a_bad_signature_and_applies_a_good_one_once(sandbox, nebendesk):
    ben, anna = browser(sandbox, "Ben"), browser(sandbox, "Anna")
    say(ben, "Du Idiot")
    event = envelope(1, "remove", item_id=item_id_of(nebendesk, "Du Idiot"), author_id="u-ben")

    assert deliver(sandbox, event, secret="whsec_wrong").status_code == 400
    body, headers = signed(event)
    tampered = body.replace(b'"remove"', b'"approve"')
    assert sandbox.test_client().post("/webhook", data=tampered, headers=headers).status_code == 400
    assert "Du Idiot" in page(anna)

    first = deliver(sandbox, event)
    assert first.status_code == 200 and first.json == {"received": True, "duplicate": False}
    again = deliver(sandbox, event)
    assert again.status_code == 200 and again.json["duplicate"] is True
    assert len(sandbox.extensions["sandbox_community"].store.decisions) == 1


def test_remove_hides_the_message_and_a_reversal_shows_it_again(sandbox, nebendesk):
    ben, anna = browser(sandbox, "Ben"), browser(sandbox, "Anna")
    say(ben, "Du Idiot")
    deliver(
        sandbox, envelope(1, "remove", item_id=item_id_of(nebendesk, "Du Idiot"), author_id="u-ben")
    )
    text = page(anna)
    assert "Removed by the moderation team." in text and "Du Idiot" not in text
    assert "Your content was removed" in page(ben, "/moderation")

    deliver(
        sandbox,
        envelope(
            2,
            "reverse",
            item_id=item_id_of(nebendesk, "Du Idiot"),
            author_id="u-ben",
            type_="decision.reversed",
            reverses=1,
        ),
    )
    text = page(anna)
    assert "Du Idiot" in text and "Removed by the moderation team." not in text
    assert "reversed" in page(ben, "/moderation")


def test_a_removal_after_a_report_hides_the_reported_message(sandbox, nebendesk):
    ben, anna = browser(sandbox, "Ben"), browser(sandbox, "Anna")
    say(ben, "Du Idiot")
    anna.post(f"/report/{item_id_of(nebendesk, 'Du Idiot')}", data={"reason": "Beleidigung"})
    report_id = nebendesk.items()[-1]["id"]
    deliver(sandbox, envelope(1, "remove", item_id=report_id, author_id="u-ben"))
    assert "Du Idiot" not in page(anna)


def test_a_warning_is_shown_to_its_author_who_can_appeal(sandbox, nebendesk):
    ben, anna = browser(sandbox, "Ben"), browser(sandbox, "Anna")
    say(ben, "CAPS LOCK IST COOL")
    statement = {
        "language": "en",
        "measure": "warn",
        "measure_text": "A warning.",
        "until": None,
        "rule": {"number": 2, "title": "No shouting"},
        "facts": "CAPS LOCK IST COOL",
        "automated_detection": False,
        "automated_decision": False,
        "ground": "Netiquette.",
        "redress": "You can appeal.",
        "decided_by": "moderation_team",
    }
    deliver(
        sandbox,
        envelope(
            5,
            "warn",
            item_id=item_id_of(nebendesk, "CAPS LOCK IST COOL"),
            author_id="u-ben",
            message="Please do not shout (rule 2).",
            statement_of_reasons=statement,
        ),
    )
    assert "Warning from the moderation team: Please do not shout (rule 2)." in page(ben)
    assert "Please do not shout" not in page(anna)
    notices = page(ben, "/moderation")
    assert "Please do not shout (rule 2)." in notices and "No shouting" in notices
    assert "Moderation team (1 notice)" in page(ben)

    ben.post("/moderation", data={"text": "Sorry, war ein Versehen.", "refers_to": "5"})
    appeal = nebendesk.items()[-1]
    assert appeal["kind"] == "question" and appeal["refers_to"] == 5


def test_a_muted_user_cannot_post_until_the_mute_ends(sandbox, nebendesk, clock):
    ben = browser(sandbox, "Ben")
    say(ben, "Spam spam")
    until = clock.now + timedelta(hours=1)
    deliver(
        sandbox,
        envelope(
            3,
            "mute",
            item_id=item_id_of(nebendesk, "Spam spam"),
            author_id="u-ben",
            mute_until=until.isoformat(),
        ),
    )
    sent = len(nebendesk.items())
    response = say(ben, "Noch mehr Spam").get_data(as_text=True)
    assert "You are muted by the moderation team until 2026-12-06 11:00 UTC" in response
    assert "Noch mehr Spam" not in response and len(nebendesk.items()) == sent
    # Muted users can still ask the moderation team.
    ben.post("/moderation", data={"text": "Warum?", "refers_to": "3"})
    assert nebendesk.items()[-1]["text"] == "Warum?"

    clock.now = until + timedelta(seconds=1)
    assert "Wieder da" in say(ben, "Wieder da").get_data(as_text=True)
    assert nebendesk.items()[-1]["text"] == "Wieder da"


def test_a_ban_blocks_posting_until_it_is_reversed(sandbox, nebendesk):
    ben = browser(sandbox, "Ben")
    say(ben, "Hass")
    deliver(sandbox, envelope(4, "ban", item_id=item_id_of(nebendesk, "Hass"), author_id="u-ben"))
    assert "You are banned" in say(ben, "Hallo?").get_data(as_text=True)
    deliver(
        sandbox,
        envelope(
            6, "reverse", item_id=None, author_id="u-ben", type_="decision.reversed", reverses=4
        ),
    )
    assert "Hallo?" in say(ben, "Hallo?").get_data(as_text=True)


def test_an_answer_shows_under_the_question_as_the_moderation_team(sandbox, nebendesk):
    anna = browser(sandbox, "Anna")
    anna.post("/moderation", data={"text": "Darf ich Links posten?"})
    question_id = nebendesk.items()[-1]["id"]
    assert "No answer yet." in page(anna, "/moderation")
    deliver(
        sandbox,
        envelope(
            7,
            "answer",
            item_id=question_id,
            author_id="u-anna",
            message="Ja, solange sie zum Thema passen.",
        ),
    )
    text = page(anna, "/moderation")
    assert "The moderation team:</strong> Ja, solange sie zum Thema passen." in text


def test_a_held_message_shows_only_after_approval(sandbox, nebendesk):
    nebendesk.held_texts.add("grenzwertig")
    ben, anna = browser(sandbox, "Ben"), browser(sandbox, "Anna")
    say(ben, "grenzwertig")
    assert "grenzwertig" not in page(anna)
    assert "Held for review" in page(ben)
    deliver(
        sandbox,
        envelope(8, "approve", item_id=item_id_of(nebendesk, "grenzwertig"), author_id="u-ben"),
    )
    assert "grenzwertig" in page(anna) and "Held for review" not in page(ben)


# --- polling, state, connection file --------------------------------------


def test_sync_polls_decisions_after_the_last_one_seen(sandbox, nebendesk):
    ben, anna = browser(sandbox, "Ben"), browser(sandbox, "Anna")
    for text in ("eins", "zwei", "drei"):
        say(ben, text)
    nebendesk.events = [
        {
            "seq": 10 + n,
            "event": envelope(n, "remove", item_id=item_id_of(nebendesk, text), author_id="u-ben"),
        }
        for n, text in enumerate(("eins", "zwei", "drei"), start=1)
    ]
    response = anna.post("/sync", follow_redirects=True).get_data(as_text=True)
    assert "3 new decision(s)" in response
    assert not any(text in page(anna) for text in ("eins", "zwei", "drei"))
    assert sandbox.extensions["sandbox_community"].store.last_seq == 13
    polls = [
        r["path"]
        for r in nebendesk.requests
        if r["path"].startswith("/api/v1/c") and "decisions" in r["path"]
    ]
    assert polls[0].endswith("/decisions?after=0&limit=100")
    assert "after=13" in polls[-1]
    # A webhook for an event already polled changes nothing.
    assert deliver(sandbox, nebendesk.events[0]["event"]).json["duplicate"] is True
    # Another connection (a fresh demo database, a new token) polls from the start;
    # the events already applied stay applied once.
    sandbox.extensions["sandbox_community"].config.token = TOKEN
    sandbox.extensions["sandbox_community"].config.api_url = nebendesk.url + "/"
    assert "0 new decision(s)" in anna.post("/sync", follow_redirects=True).get_data(as_text=True)
    polls = [r["path"] for r in nebendesk.requests if "decisions" in r["path"]]
    assert polls[-3].endswith("after=0&limit=100")


def test_state_survives_a_restart(nebendesk, clock, tmp_path):
    settings = dict(
        api_url=nebendesk.url,
        community_id=COMMUNITY_ID,
        token=TOKEN,
        webhook_secret=SECRET,
        clock=clock,
        state_path=str(tmp_path / "s.json"),
    )
    first = create_community(**settings)
    say(browser(first, "Ben"), "Du Idiot")
    deliver(
        first, envelope(1, "remove", item_id=item_id_of(nebendesk, "Du Idiot"), author_id="u-ben")
    )
    second = create_community(**settings)
    assert "Removed by the moderation team." in page(browser(second, "Anna"))
    assert deliver(second, envelope(1, "remove", item_id="x", author_id="u-ben")).json["duplicate"]


def test_the_connection_comes_from_the_file_the_seed_writes(nebendesk, tmp_path):
    path = tmp_path / "sandbox-community.json"
    sandbox = create_community(connection_file=str(path))
    anna = browser(sandbox, "Anna")
    assert "Not connected" in page(anna, "/")
    write_connection(
        path, api_url=nebendesk.url, community_id=COMMUNITY_ID, token=TOKEN, webhook_secret=SECRET
    )
    assert json.loads(path.read_text())["community_id"] == COMMUNITY_ID
    say(anna, "Hallo")
    assert nebendesk.requests[-1]["auth"] == f"Bearer {TOKEN}"
    assert "signature checked" in page(anna, "/")


def test_the_demo_fills_an_empty_sandbox_once(sandbox, nebendesk):
    community = sandbox.extensions["sandbox_community"]
    assert community.seed_demo() is True
    kinds = [item["kind"] for item in nebendesk.items()]
    assert kinds.count("message") == 5 and "post" in kinds and "question" in kinds
    assert "Halt die Klappe" in page(browser(sandbox, "Anna"))
    assert community.seed_demo() is False and len(nebendesk.items()) == len(kinds)


def test_a_post_of_the_moderation_team_shows_in_the_chat_once(sandbox, nebendesk):
    anna = browser(sandbox, "Anna")
    event = {
        "id": "evt_team_1",
        "type": "message.posted",
        "created": "2026-12-06T10:00:00+00:00",
        "community_id": COMMUNITY_ID,
        "data": {"message": {"channel": "lobby", "text": "Bitte bleibt freundlich.",
                             "language": "de", "posted_by": "moderation_team"}},
    }  # fmt: skip
    assert deliver(sandbox, event).json == {"received": True, "duplicate": False}
    assert deliver(sandbox, event).json["duplicate"] is True
    html = page(anna)
    assert html.count("Bitte bleibt freundlich.") == 1
    assert "<strong>Moderation team</strong>" in html
    assert not [item for item in nebendesk.items() if item["text"] == "Bitte bleibt freundlich."]
