"""Email leaves only after the commit, survives an SMTP outage, and is sent once."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.mail.models import OutboxEmail, OutboxStatus
from marketplace.mail.services import MAX_ATTEMPTS, deliver_pending, queue_email
from tests.conftest import make_test_config
from tests.factories import UserFactory
from tests.smtp_sink import free_port


def queue_welcome(to: str = "mia@example.test") -> None:
    user = UserFactory.build(display_name="Mia", email=to)
    queue_email(
        to=to,
        template="accounts/verify_email",
        locale="de",
        user=user,
        link="http://x/y",
        valid_days=3,
    )


def test_email_is_sent_after_commit_in_the_recipients_language(app, smtp_sink):
    with app.app_context():
        queue_welcome()
        assert smtp_sink.messages == []  # nothing leaves before the commit
        db.session.commit()
    (message,) = smtp_sink.messages
    assert message["Content-Language"] == "de"
    assert message["Subject"] == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert message.get_content().startswith("Hallo Mia,")
    assert message["Message-ID"].endswith("@nebendesk.test>")
    with app.app_context():
        email = db.session.scalar(sa.select(OutboxEmail))
        assert (email.status, email.attempts) == (OutboxStatus.SENT, 1)


def test_a_savepoint_inside_the_transaction_neither_sends_nor_drops_the_email(app, smtp_sink):
    with app.app_context():
        queue_welcome()
        with db.session.begin_nested():  # released: not the commit
            db.session.execute(sa.text("SELECT 1"))
        try:
            with db.session.begin_nested():  # rolled back: the email is still wanted
                raise ValueError
        except ValueError:
            pass
        assert smtp_sink.messages == []
        db.session.commit()
    assert len(smtp_sink.messages) == 1


def test_rolled_back_email_never_leaves(app, smtp_sink):
    with app.app_context():
        queue_welcome()
        db.session.rollback()
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0
    assert smtp_sink.messages == []


def test_smtp_down_keeps_the_email_and_a_later_run_sends_it_once(
    app, smtp_sink, monkeypatch, travel
):
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{free_port()}")
    with app.app_context():
        queue_welcome()
        db.session.commit()  # the inline delivery fails: nothing listens there
        email = db.session.scalar(sa.select(OutboxEmail))
        assert (email.status, email.attempts) == (OutboxStatus.PENDING, 1)
        assert "ConnectionRefusedError" in email.last_error
        retry_at = email.next_attempt_at
    assert smtp_sink.messages == []

    monkeypatch.setitem(app.config, "MAIL_URL", smtp_sink.url)
    with app.app_context():
        assert deliver_pending() == 0  # not due yet
        travel(retry_at + timedelta(seconds=1))
        assert deliver_pending() == 1
        assert deliver_pending() == 0
    assert len(smtp_sink.messages) == 1


def test_gives_up_after_max_attempts(app, smtp_sink, monkeypatch, travel):
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{free_port()}")
    with app.app_context():
        queue_welcome()
        db.session.commit()
        now = utcnow()
        for hour in range(1, MAX_ATTEMPTS * 5):
            travel(now + timedelta(hours=hour * 5))
            deliver_pending()
        email = db.session.scalar(sa.select(OutboxEmail))
        assert (email.status, email.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_is_there() -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except RedisError:
        return False


@pytest.mark.skipif(not redis_is_there(), reason=f"no Redis at {REDIS_URL}")
def test_email_goes_out_through_a_real_rq_worker(database_url, smtp_sink):
    from redis import Redis
    from rq import SimpleWorker

    from marketplace import create_app
    from marketplace.jobs import queue

    redis_app = create_app(
        make_test_config(database_url, smtp_sink.url, REDIS_URL=REDIS_URL, JOBS_INLINE=False)
    )
    with redis_app.app_context():
        job_queue = queue()
        job_queue.empty()
        queue_welcome("rq@example.test")
        db.session.commit()
        assert smtp_sink.to("rq@example.test") == []  # waiting on the queue
        assert job_queue.count == 1
        SimpleWorker([job_queue], connection=Redis.from_url(REDIS_URL)).work(burst=True)
    assert len(smtp_sink.to("rq@example.test")) == 1
    with redis_app.app_context():
        db.session.execute(sa.delete(OutboxEmail))
        db.session.commit()
        db.engine.dispose()
