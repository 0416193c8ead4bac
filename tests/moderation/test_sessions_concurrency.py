"""A live session is paid exactly once, whoever ends it and however often
(PostgreSQL: the row lock of stop and the cron's SKIP LOCKED)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.moderation import sessions
from marketplace.moderation.models import Community
from marketplace.moderation.session_models import LiveSession, SessionEnd
from marketplace.onboarding import engagements
from marketplace.onboarding.models import Engagement
from marketplace.payments.checks import check_ledger
from marketplace.payments.models import WorkUnit
from tests.moderation.session_helpers import hourly_community, hourly_moderator

pytestmark = pytest.mark.postgres

RACERS = 8


def _open_session(app, *, idle: bool) -> int:
    """A session started 50 minutes ago; last active just now, or (idle) 40 minutes ago."""
    with app.app_context():
        found = hourly_community(funds_cents=10_000)
        engagement = hourly_moderator(found)
        now = utcnow()
        session = LiveSession(
            worker_id=engagement.worker_id,
            engagement_id=engagement.id,
            community_id=found.id,
            started_at=now - timedelta(minutes=50),
            last_activity_at=now - timedelta(minutes=40 if idle else 0),
        )
        db.session.add(session)
        db.session.commit()
        return session.id


def _paid_once(app, session_id: int) -> LiveSession:
    with app.app_context():
        units = db.session.scalars(sa.select(WorkUnit)).all()
        assert [u.source for u in units] == [f"live-session:{session_id}"]
        session = db.session.get(LiveSession, session_id)
        assert session.ended_at is not None and session.unit_id == units[0].id
        assert check_ledger(with_stripe=False) == []
        db.session.expunge_all()
        return session


@pytest.mark.parametrize("idle", [False, True])
def test_stop_and_cron_racing_pay_the_session_once(app, idle):
    session_id = _open_session(app, idle=idle)
    barrier = threading.Barrier(RACERS)
    errors: list[str] = []

    def race(number: int) -> None:
        barrier.wait()
        with app.app_context():
            try:
                if number % 2:
                    sessions.sweep()
                else:
                    sessions.stop(db.session.get(LiveSession, session_id))
                db.session.commit()
            except DomainError:
                db.session.rollback()  # "already ended": the expected answer to the losers
            except Exception as exc:
                db.session.rollback()
                errors.append(repr(exc))

    threads = [threading.Thread(target=race, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    session = _paid_once(app, session_id)
    if idle:  # whoever ended it, the 30 minutes beyond the limit are cut
        assert session.end_reason in (SessionEnd.IDLE, SessionEnd.STALE)
        assert session.active_seconds == 15 * 60


def test_cron_skips_a_session_being_stopped_and_stop_waits_for_the_cron(app):
    session_id = _open_session(app, idle=True)
    locked, release = threading.Event(), threading.Event()
    outcome: list[str] = []

    def cron_holding_the_row() -> None:
        with app.app_context():
            result = sessions.sweep()
            outcome.append(f"cron ended {result.ended}")
            locked.set()
            release.wait(timeout=30)
            db.session.commit()

    cron = threading.Thread(target=cron_holding_the_row)
    cron.start()
    assert locked.wait(timeout=30)

    def stop_now() -> None:
        with app.app_context():
            try:
                sessions.stop(db.session.get(LiveSession, session_id))
                db.session.commit()
                outcome.append("stopped")
            except DomainError as exc:
                db.session.rollback()
                outcome.append(exc.message)

    stopper = threading.Thread(target=stop_now)
    stopper.start()
    stopper.join(timeout=1)
    assert stopper.is_alive()  # waits for the cron's lock
    with app.app_context():  # a second cron run meanwhile skips the locked row
        assert sessions.sweep().checked == 0
        db.session.rollback()
    release.set()
    cron.join(timeout=30)
    stopper.join(timeout=30)
    assert outcome == ["cron ended 1", "This live session has already ended."]
    assert _paid_once(app, session_id).end_reason == SessionEnd.STALE


def test_two_starts_at_once_open_one_session(app):
    with app.app_context():
        found = hourly_community(funds_cents=10_000)
        worker_id, community_id = hourly_moderator(found).worker_id, found.id
    barrier = threading.Barrier(4)

    def start() -> None:
        barrier.wait()
        with app.app_context():
            try:
                sessions.start(
                    db.session.get(User, worker_id), db.session.get(Community, community_id)
                )
                db.session.commit()
            except (DomainError, sa.exc.IntegrityError):
                db.session.rollback()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LiveSession.id))) == 1


def _hourly_engagement(app) -> tuple[int, int, int, int]:
    """(worker id, community id, engagement id, company owner id)"""
    with app.app_context():
        found = hourly_community(funds_cents=10_000)
        engagement = hourly_moderator(found)
        return (
            engagement.worker_id,
            found.id,
            engagement.id,
            found.company.memberships[0].user_id,
        )


def _start_session(worker_id: int, community_id: int) -> None:
    sessions.start(
        db.session.get(User, worker_id),
        db.session.get(Community, community_id),
        now=utcnow() - timedelta(minutes=3),
    )


def _pause(engagement_id: int, owner_id: int) -> None:
    engagements.pause(
        db.session.get(Engagement, engagement_id),
        by=db.session.get(User, owner_id),
        reason="Budget review",
    )


def test_a_pause_waits_for_a_start_under_way_and_pays_its_session(app):
    worker_id, community_id, engagement_id, owner_id = _hourly_engagement(app)
    started, release = threading.Event(), threading.Event()

    def start_and_hold() -> None:
        with app.app_context():
            _start_session(worker_id, community_id)
            started.set()
            release.wait(timeout=30)
            db.session.commit()

    def pause_now() -> None:
        with app.app_context():
            _pause(engagement_id, owner_id)
            db.session.commit()

    starter = threading.Thread(target=start_and_hold)
    starter.start()
    assert started.wait(timeout=30)
    pauser = threading.Thread(target=pause_now)
    pauser.start()
    pauser.join(timeout=1)
    assert pauser.is_alive()  # waits for the start to commit
    release.set()
    starter.join(timeout=30)
    pauser.join(timeout=30)
    with app.app_context():
        session_id = db.session.scalar(sa.select(LiveSession.id))
    session = _paid_once(app, session_id)
    assert session.end_reason == SessionEnd.ENGAGEMENT and session.active_seconds >= 3 * 60


def test_a_start_waits_for_a_pause_under_way_and_is_refused(app):
    worker_id, community_id, engagement_id, owner_id = _hourly_engagement(app)
    paused, release, outcome = threading.Event(), threading.Event(), []

    def pause_and_hold() -> None:
        with app.app_context():
            _pause(engagement_id, owner_id)
            paused.set()
            release.wait(timeout=30)
            db.session.commit()

    def start_now() -> None:
        with app.app_context():
            try:
                _start_session(worker_id, community_id)
                db.session.commit()
                outcome.append("started")
            except DomainError as exc:
                db.session.rollback()
                outcome.append(exc.message)

    pauser = threading.Thread(target=pause_and_hold)
    pauser.start()
    assert paused.wait(timeout=30)
    starter = threading.Thread(target=start_now)
    starter.start()
    starter.join(timeout=1)
    assert starter.is_alive()  # waits for the pause to commit
    release.set()
    pauser.join(timeout=30)
    starter.join(timeout=30)
    assert outcome == ["You are not hired to moderate this community."]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LiveSession.id))) == 0
