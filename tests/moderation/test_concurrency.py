"""Twenty moderators press "Next item" and decide at the same time (PostgreSQL:
SKIP LOCKED and conditional updates): every item is decided exactly once, by the
one moderator holding it, and paid as exactly one unit."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.moderation import decisions, queue
from marketplace.moderation.item_models import (
    Decision,
    DecisionAction,
    ItemStatus,
    ModerationItem,
)
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import WorkUnit
from tests.moderation import moderator_helpers as mh

pytestmark = pytest.mark.postgres

MODERATORS = 20
ITEMS = 80
ACTIONS = (DecisionAction.APPROVE, DecisionAction.REMOVE, DecisionAction.WARN)


@pytest.fixture
def app(app, database_url, smtp_sink):
    """The test app with a connection for every moderator (the default pool of 15
    would make threads queue)."""
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


def test_twenty_moderators_decide_every_item_exactly_once(app):
    with app.app_context():
        found = mh.community(rate_cents=30, funds_cents=100_000)
        moderator_ids = [mh.hire(found).worker_id for _ in range(MODERATORS)]
        for number in range(ITEMS):
            mh.item(found, f"Beitrag {number}", by=f"u-{number % 7}", commit=False)
        db.session.commit()
        rule_id = mh.rule(found).id
    barrier = threading.Barrier(MODERATORS)
    decided: list[tuple[int, int]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def work(moderator_id: int) -> None:
        barrier.wait()
        with app.app_context():
            moderator = db.session.get(User, moderator_id)
            try:
                turn = 0
                while True:
                    claim = queue.claim_next(moderator)
                    db.session.commit()
                    if claim.item is None:
                        break
                    item_id = claim.item.id
                    action = ACTIONS[turn % len(ACTIONS)]
                    turn += 1
                    decisions.decide(
                        claim.item,
                        moderator=moderator,
                        action=action,
                        rule_id=None if action == DecisionAction.APPROVE else rule_id,
                    )
                    db.session.commit()
                    with lock:
                        decided.append((item_id, moderator_id))
            except DomainError as exc:
                db.session.rollback()
                with lock:
                    errors.append(exc.message)
            except Exception as exc:  # anything else must fail the test, not just the thread
                with lock:
                    errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(mid,)) for mid in moderator_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    per_item = Counter(item_id for item_id, _moderator in decided)
    assert len(per_item) == ITEMS and set(per_item.values()) == {1}
    assert len({moderator for _item, moderator in decided}) > 1  # the work was shared
    with app.app_context():
        rows = db.session.execute(
            sa.select(Decision.item_id, sa.func.count(Decision.id)).group_by(Decision.item_id)
        ).all()
        assert len(rows) == ITEMS and {count for _item, count in rows} == {1}
        assert db.session.scalar(sa.select(sa.func.count(WorkUnit.id))) == ITEMS
        statuses = set(db.session.scalars(sa.select(ModerationItem.status)))
        assert statuses == {ItemStatus.DECIDED}
        assert check_ledger(with_stripe=False) == []
