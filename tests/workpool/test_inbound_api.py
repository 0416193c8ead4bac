"""POST /api/v1/mailboxes/<id>/messages: a mail server forwards raw email. 201 only
once it is stored; every refusal is a clear 4xx and stores nothing."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.workpool.models import Conversation, Message
from tests.workpool import hostile_mail
from tests.workpool.helpers import customer_mail, pool


def post(client, mailbox_id: int, raw: bytes, token: str | None):
    headers = {"Content-Type": "message/rfc822"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(
        f"/api/v1/mailboxes/{mailbox_id}/messages", data=raw, headers=headers, csrf=False
    )


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Message.id)))


def a_mailbox(app):
    with app.app_context():
        mailbox, _engagements, token = pool()
        return mailbox.id, token


def test_a_forwarded_email_is_stored_and_a_second_delivery_is_recognised(app, client):
    mailbox_id, token = a_mailbox(app)
    raw = customer_mail(message_id="<fwd-1@kunde.example>", subject="Rücksendung")
    response = post(client, mailbox_id, raw, token)
    assert response.status_code == 201
    body = response.get_json()
    assert body["duplicate"] is False and body["message_id"] == "<fwd-1@kunde.example>"
    again = post(client, mailbox_id, raw, token)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    with app.app_context():
        conversation = db.session.scalar(sa.select(Conversation))
        assert conversation.subject == "Rücksendung"
        assert conversation.customer_email == "anna@kunde.example"
    assert stored(app) == 1


def test_wrong_missing_or_other_mailbox_token_is_refused(app, client):
    mailbox_id, token = a_mailbox(app)
    other_id, other_token = a_mailbox(app)
    raw = customer_mail()
    for mailbox, given in [
        (mailbox_id, None),
        (mailbox_id, "not-the-token"),
        (mailbox_id, other_token),
        (other_id + 100, token),
    ]:
        response = post(client, mailbox, raw, given)
        assert response.status_code == 401
        assert response.get_json()["error"] == "Wrong or missing token for this mailbox."
    assert stored(app) == 0


def test_an_oversized_email_is_refused_with_413(app, client, monkeypatch):
    mailbox_id, token = a_mailbox(app)
    monkeypatch.setitem(app.config, "INBOUND_MAX_BYTES", 2048)
    raw = customer_mail(body="x" * 4000)
    response = post(client, mailbox_id, raw, token)
    assert response.status_code == 413
    assert "larger than" in response.get_json()["error"]
    assert stored(app) == 0
    assert post(client, mailbox_id, customer_mail(), token).status_code == 201


def test_the_default_limit_is_25_mb_not_the_sites_2_mb(app, client):
    assert app.config["INBOUND_MAX_BYTES"] == 25 * 1024 * 1024
    mailbox_id, token = a_mailbox(app)
    raw = customer_mail(body="Anhang folgt.\n" + "Zeile mit Text.\n" * 200_000)  # ~3 MB
    assert len(raw) > app.config["MAX_CONTENT_LENGTH"]
    assert post(client, mailbox_id, raw, token).status_code == 201


def test_garbage_is_refused_with_the_reason(app, client):
    mailbox_id, token = a_mailbox(app)
    cases = {
        b"": "empty",
        b"\x00\x01\x02 binary noise": "headers",
        b"Subject: hello\r\n\r\nno sender here": "sender address",
        b"From: a@b.example\r\nSubject: x\r\n\r\n": "neither text nor attachments",
        ("From: " + "a" * 300 + "@b.example\r\n\r\ntext").encode(): "too long",
    }
    for raw, reason in cases.items():
        response = post(client, mailbox_id, raw, token)
        assert response.status_code in (400, 422), raw
        assert reason in response.get_json()["error"], response.get_json()
    assert stored(app) == 0


def test_german_clients_get_german_errors(app, client):
    mailbox_id, _token = a_mailbox(app)
    response = client.post(
        f"/api/v1/mailboxes/{mailbox_id}/messages",
        data=b"",
        headers={"Authorization": "Bearer nope", "Accept-Language": "de"},
        csrf=False,
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "Token für dieses Postfach fehlt oder ist falsch."


def test_hostile_mail_is_stored_readably_or_refused_never_an_error(app, client):
    """A NUL in a charset once answered 500: neither stored nor refused."""
    mailbox_id, token = a_mailbox(app)
    for name, (raw, expected) in hostile_mail.READABLE.items():
        response = post(client, mailbox_id, raw, token)
        assert response.status_code == 201, (name, response.get_json())
        with app.app_context():
            message = db.session.get(Message, response.get_json()["id"])
            assert expected in message.body_text, name
            assert "\x00" not in message.body_text + message.subject + message.from_name
    for name, (raw, _reason) in hostile_mail.REFUSED.items():
        response = post(client, mailbox_id, raw, token)
        assert response.status_code == 422, name
        assert response.get_json()["error"].startswith("This is not an email we can read: ")
    assert stored(app) == len(hostile_mail.READABLE)
