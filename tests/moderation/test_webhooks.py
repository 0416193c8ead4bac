"""Decisions go back to the community as signed webhooks, from the outbox: to a
real HTTP receiver on 127.0.0.1, retried with growing waits when it fails, and
sent once per event id even when the process died between commit and send."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace import jobs
from marketplace.db import utcnow
from marketplace.extensions import db as _db
from marketplace.moderation import events, intake
from marketplace.moderation.item_models import Decision, DecisionAction
from marketplace.work import delivery, outbox
from marketplace.work.models import OutgoingEvent, WebhookAttempt
from tests.moderation.io_helpers import connected, item
from tests.moderation.receiver import Receiver

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def readme_verify():
    """The signature check exactly as the README shows it (its Python block)."""
    text = README.read_text()
    block = re.search(r"<!-- signature-recipe -->\s*```python\n(.*?)```", text, re.S)
    assert block, "the README shows how to verify a signature"
    namespace: dict[str, object] = {}
    exec(block.group(1), namespace)  # noqa: S102 - our own README's example
    return namespace["verify"]


def decide(community, *, text="Du bist ein Idiot.", action=DecisionAction.WARN) -> Decision:
    """An item from the community and a decision on it, sent as moderators' are."""
    stored = intake.store(community, item(text=text))
    decision = Decision(
        item_id=stored.item.id,
        community_id=community.id,
        author_id=stored.item.author_id,
        action=action,
        decided_by_id=community.connected_by_id,
        message="Bitte bleib freundlich.",
    )
    _db.session.add(decision)
    _db.session.flush()
    events.send_decision(decision)
    return decision


def the_event() -> OutgoingEvent:
    _db.session.expire_all()
    return _db.session.scalars(sa.select(OutgoingEvent)).one()


def test_a_decision_is_delivered_signed_after_the_commit(db, receiver):
    community, _token = connected(webhook_url=receiver.url)
    decision = decide(community)
    assert receiver.requests == []  # nothing leaves before the commit
    db.session.commit()  # the job after the commit delivers it (inline in tests)
    (received,) = receiver.requests
    event = the_event()
    assert received.body == outbox.body_of(event)
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["Nebendesk-Event-Id"] == event.public_id
    signature = received.headers["Nebendesk-Signature"]
    assert outbox.verify_signature(community.webhook_secret, received.body, signature)
    assert readme_verify()(community.webhook_secret, received.body, signature)
    assert not readme_verify()("whsec_wrong", received.body, signature)
    assert not readme_verify()(community.webhook_secret, received.body + b" ", signature)
    envelope = __import__("json").loads(received.body)
    assert envelope["type"] == "decision.created"
    assert envelope["data"]["decision"]["id"] == decision.id
    assert envelope["data"]["decision"]["author"] == {"id": "u-1"}
    assert envelope["data"]["decision"]["decided_by"] == "moderation_team"
    assert event.delivered_at is not None and event.attempts == 1
    assert [a.status for a in db.session.scalars(sa.select(WebhookAttempt))] == [200]


def test_a_failed_delivery_is_retried_with_growing_waits(db, receiver, travel):
    start = travel("2026-12-06 12:00")
    receiver.statuses = [500, 503]
    community, _token = connected(webhook_url=receiver.url)
    decide(community)
    db.session.commit()
    event = the_event()
    assert event.delivered_at is None and event.last_status == 500
    assert event.next_attempt_at == utcnow() + timedelta(minutes=1)
    assert delivery.deliver_due() == 0  # not due yet: nothing sent
    assert len(receiver.requests) == 1
    start.shift(timedelta(minutes=1, seconds=1))
    assert delivery.deliver_due() == 0  # 503
    event = the_event()
    assert event.attempts == 2 and event.next_attempt_at == utcnow() + timedelta(minutes=2)
    start.shift(timedelta(minutes=2))
    assert delivery.deliver_due() == 1
    assert len(set(receiver.event_ids())) == 1 and len(receiver.requests) == 3
    event = the_event()
    assert event.delivered_at is not None and event.last_status == 200
    attempts = db.session.scalars(sa.select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
    assert [a.status for a in attempts] == [500, 503, 200]
    assert "HTTP 500" in attempts[0].error
    # Every try signs afresh (a new timestamp) and still verifies.
    community_secret = community.webhook_secret
    for request in receiver.requests:
        assert outbox.verify_signature(
            community_secret, request.body, request.headers["Nebendesk-Signature"]
        )
    assert delivery.deliver_due() == 0  # delivered is delivered


def test_delivery_gives_up_after_the_last_try_and_resend_starts_again(
    app, db, receiver, travel, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 2)
    clock = travel("2026-12-06 12:00")
    receiver.statuses = [500, 500]
    community, _token = connected(webhook_url=receiver.url)
    decide(community)
    db.session.commit()
    clock.shift(timedelta(minutes=5))
    delivery.deliver_due()
    event = the_event()
    assert event.failed_at is not None and event.next_attempt_at is None
    clock.shift(timedelta(days=2))
    assert delivery.deliver_due() == 0 and len(receiver.requests) == 2
    delivery.resend(event)
    db.session.commit()  # the job after the commit sends it again
    event = the_event()
    assert event.delivered_at is not None and event.failed_at is None
    assert receiver.event_ids() == [event.public_id] * 3


def test_an_unreachable_endpoint_is_logged_and_retried(db, receiver):
    community, _token = connected(webhook_url="http://127.0.0.1:9/nothing-listens-here")
    decide(community)
    db.session.commit()
    event = the_event()
    assert event.delivered_at is None and event.last_status is None
    assert event.last_error and event.next_attempt_at is not None


def test_private_addresses_are_refused_where_they_are_not_allowed(app, db, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", False)
    community, _token = connected(webhook_url=receiver.url)
    decide(community)
    db.session.commit()
    event = the_event()
    assert receiver.requests == [] and event.delivered_at is None
    assert event.last_error == "Refused: 127.0.0.1 is not a public address."


def test_after_a_crash_between_commit_and_send_the_next_run_sends_once(db, receiver):
    community, _token = connected(webhook_url=receiver.url)
    decide(community)
    # The process dies right after the commit: the delivery job never runs.
    db.session.info.pop(jobs._PENDING)
    db.session.commit()
    assert receiver.requests == []
    event = the_event()
    assert event.next_attempt_at is not None and event.delivered_at is None
    assert delivery.deliver_due() == 1
    assert delivery.deliver_due() == 0
    assert receiver.event_ids() == [event.public_id]


def test_without_a_webhook_url_events_are_only_polled(db, receiver):
    community, _token = connected(webhook_url="")
    decide(community)
    db.session.commit()
    event = the_event()
    assert event.next_attempt_at is None and delivery.deliver_due() == 0
    assert receiver.requests == []


@pytest.mark.postgres
def test_concurrent_runners_send_each_event_once(app, db, receiver):
    receiver.delay = 0.2
    community, _token = connected(webhook_url=receiver.url)
    for number in range(6):
        decide(community, text=f"Nachricht {number}")
    db.session.info.pop(jobs._PENDING)  # delivered by the runners below, not the job
    db.session.commit()
    counts: list[int] = []

    def runner():
        with app.app_context():
            counts.append(delivery.deliver_due())

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ids = receiver.event_ids()
    assert len(ids) == 6 and len(set(ids)) == 6
    assert sum(counts) == 6 and all(counts)  # both runners worked, none twice
    db.session.expire_all()
    assert all(e.delivered_at for e in db.session.scalars(sa.select(OutgoingEvent)))


def test_flask_moderation_deliver_sends_what_is_due(app, db, receiver):
    community, _token = connected(webhook_url=receiver.url)
    decide(community)
    db.session.info.pop(jobs._PENDING)  # left for cron
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["moderation", "deliver"])
    assert result.exit_code == 0, result.output
    assert "Delivered 1 webhook(s)." in result.output
    assert len(receiver.requests) == 1
