"""Moderators in one live view act on the same messages at the same moment
(PostgreSQL, real row locks): every message is decided exactly once, and every
moderator who was too late is told so, never given a second decision."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.moderation import live
from marketplace.moderation.item_models import Decision, DecisionAction, ModerationItem
from marketplace.moderation.live_models import LiveEvent, LiveEventKind
from marketplace.payments.models import WorkUnit
from tests.moderation import moderator_helpers as mh

pytestmark = pytest.mark.postgres

MODERATORS = 6
MESSAGES = 10


@pytest.fixture
def app(app, database_url, smtp_sink):
    from marketplace import create_app
    from tests.conftest import make_test_config

    config = make_test_config(
        database_url,
        smtp_sink.url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "pool_size": 2 * MODERATORS + 5},
    )
    wide = create_app(config)
    yield wide
    with wide.app_context():
        db.engine.dispose()


def test_every_message_is_decided_once_and_the_others_are_told(app):
    with app.app_context():
        found = mh.community(funds_cents=100_000)
        moderator_ids = [mh.hire(found).worker_id for _ in range(MODERATORS)]
        message_ids = [mh.item(found, f"Nachricht {n}", commit=False).id for n in range(MESSAGES)]
        db.session.commit()
        rule_id = mh.rule(found).id
    barrier = threading.Barrier(MODERATORS)
    won: list[tuple[int, int]] = []
    told: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()

    def work(moderator_id: int) -> None:
        barrier.wait()
        with app.app_context():
            moderator = db.session.get(User, moderator_id)
            for message_id in message_ids:
                message = db.session.get(ModerationItem, message_id)
                try:
                    live.decide_live(
                        message, moderator=moderator, action=DecisionAction.REMOVE, rule_id=rule_id
                    )
                    db.session.commit()
                    with lock:
                        won.append((message_id, moderator_id))
                except live.AlreadyDecided as exc:
                    db.session.rollback()
                    with lock:
                        told.append(exc.message)
                except Exception as exc:  # anything else fails the test
                    db.session.rollback()
                    with lock:
                        errors.append(repr(exc))
            db.session.remove()

    threads = [threading.Thread(target=work, args=(mid,)) for mid in moderator_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sorted(Counter(m for m, _ in won).items()) == [(m, 1) for m in sorted(message_ids)]
    assert len(told) == MESSAGES * (MODERATORS - 1)
    assert all("Another moderator" in text for text in told)
    with app.app_context():
        counts = db.session.execute(
            sa.select(Decision.item_id, sa.func.count(Decision.id)).group_by(Decision.item_id)
        ).all()
        assert {count for _item, count in counts} == {1} and len(counts) == MESSAGES
        assert db.session.scalar(sa.select(sa.func.count(WorkUnit.id))) == MESSAGES
        decided_events = db.session.scalar(
            sa.select(sa.func.count(LiveEvent.id)).where(LiveEvent.kind == LiveEventKind.DECISION)
        )
        assert decided_events == MESSAGES
