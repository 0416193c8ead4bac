"""Twenty workers press "Next email" at the same time (PostgreSQL: SKIP LOCKED and
conditional updates): nobody ever holds a conversation another holds, and every
conversation is answered exactly once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import WorkUnit
from marketplace.workpool import pool
from marketplace.workpool.models import Conversation, ConversationStatus, Reply, ReplyKind
from tests.workpool.helpers import deliver
from tests.workpool.helpers import pool as make_pool

pytestmark = pytest.mark.postgres

WORKERS = 20
CONVERSATIONS = 60


@pytest.fixture
def app(app, database_url, smtp_sink):
    """The test app with a connection for every worker and for the send job each one
    runs inline after its commit (the default pool of 15 would make threads queue)."""
    from marketplace import create_app
    from tests.conftest import make_test_config

    config = make_test_config(
        database_url,
        smtp_sink.url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "pool_size": 2 * WORKERS + 5},
    )
    wide = create_app(config)
    yield wide
    with wide.app_context():
        db.engine.dispose()


def test_twenty_workers_never_claim_the_same_conversation(app, smtp_sink):
    with app.app_context():
        mailbox, engagements, _token = make_pool(rate_cents=80, funds_cents=10_000, workers=WORKERS)
        for number in range(CONVERSATIONS):
            deliver(mailbox, subject=f"Frage {number}")
        worker_ids = [engagement.worker_id for engagement in engagements]
    barrier = threading.Barrier(WORKERS)
    answered: list[tuple[int, int]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def work(worker_id: int) -> None:
        barrier.wait()  # before taking a connection: 20 threads share a pool of 15
        with app.app_context():
            worker = db.session.get(User, worker_id)
            try:
                while True:
                    claim = pool.claim_next(worker)
                    db.session.commit()
                    if claim.conversation is None:
                        break
                    conversation_id = claim.conversation.id
                    pool.answer(claim.conversation, worker=worker, body=f"Antwort {worker_id}")
                    db.session.commit()
                    with lock:
                        answered.append((conversation_id, worker_id))
            except DomainError as exc:  # a lost lease would show up here
                db.session.rollback()
                with lock:
                    errors.append(exc.message)
            except Exception as exc:  # anything else must fail the test, not just the thread
                with lock:
                    errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(wid,)) for wid in worker_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    per_conversation = Counter(conversation_id for conversation_id, _worker in answered)
    assert len(per_conversation) == CONVERSATIONS
    assert set(per_conversation.values()) == {1}
    assert len({worker for _conversation, worker in answered}) > 1  # the work was shared
    with app.app_context():
        replies = db.session.scalar(
            sa.select(sa.func.count(Reply.id)).where(Reply.kind == ReplyKind.ANSWER)
        )
        assert replies == CONVERSATIONS
        assert db.session.scalar(sa.select(sa.func.count(WorkUnit.id))) == CONVERSATIONS
        statuses = db.session.scalars(sa.select(Conversation.status)).all()
        assert set(statuses) == {ConversationStatus.ANSWERED}
        assert check_ledger(with_stripe=False) == []
    assert len(smtp_sink.to("anna@kunde.example")) == CONVERSATIONS
