"""Twenty workers press "Next email" at the same time (PostgreSQL: SKIP LOCKED and
conditional updates): nobody ever holds a conversation another holds, and every
conversation is answered exactly once. An answer sent while the customer's next
email is being stored waits for it and is refused."""

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


def test_an_email_stored_while_the_worker_sends_stops_the_answer(app, smtp_sink):
    """The customer's new email is being stored (not committed yet) when the worker
    presses Send: the answer waits for the conversation, sees the email and is
    refused, so nothing is sent or paid for an answer to a thread the worker has not
    read (the collision check holds at the same instant, not only before it)."""
    from marketplace.workpool import inbound
    from marketplace.workpool.models import Mailbox
    from tests.conftest import WAIT_SECONDS
    from tests.workpool.helpers import customer_mail

    with app.app_context():
        mailbox, engagements, _token = make_pool()
        first = deliver(mailbox, subject="Frage zur Lieferung")
        worker = db.session.get(User, engagements[0].worker_id)
        conversation = pool.claim_next(worker).conversation
        db.session.commit()
        ids = {
            "mailbox": mailbox.id,
            "worker": worker.id,
            "conversation": conversation.id,
            "seen": first.id,
            "thread": first.message_id,
        }
    being_stored, commit_now = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def customer_writes_again() -> None:
        with app.app_context():
            mailbox = db.session.get(Mailbox, ids["mailbox"])
            raw = customer_mail(in_reply_to=ids["thread"], body="Und bitte an die Packstation!")
            outcome["new_id"] = inbound.store(mailbox, raw)[0].id
            being_stored.set()
            commit_now.wait(WAIT_SECONDS)
            db.session.commit()

    def worker_sends() -> None:
        with app.app_context():
            try:
                pool.answer(
                    db.session.get(Conversation, ids["conversation"]),
                    worker=db.session.get(User, ids["worker"]),
                    body="Ihr Paket kommt morgen.",
                    seen_message_id=ids["seen"],
                )
                db.session.commit()
                outcome["sent"] = True
            except pool.CustomerWroteAgain as refused:
                db.session.rollback()
                outcome["refused_newest"] = refused.newest_id

    customer = threading.Thread(target=customer_writes_again)
    customer.start()
    assert being_stored.wait(WAIT_SECONDS)
    sender = threading.Thread(target=worker_sends)
    sender.start()
    waiting_for_lock = 0
    with app.app_context():
        for _ in range(int(WAIT_SECONDS * 20)):
            waiting_for_lock = db.session.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            db.session.rollback()
            if waiting_for_lock or not sender.is_alive():
                break
            threading.Event().wait(0.05)
    commit_now.set()
    customer.join(WAIT_SECONDS)
    sender.join(WAIT_SECONDS)
    assert waiting_for_lock == 1  # the answer waited for the email being stored
    assert outcome.get("refused_newest") == outcome["new_id"] and "sent" not in outcome
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(WorkUnit.id))) == 0
        held = db.session.get(Conversation, ids["conversation"])
        assert held.status == ConversationStatus.WAITING and held.claimed_by_id == ids["worker"]
    assert smtp_sink.to("anna@kunde.example") == []
