"""Limits that must hold when people act at the same moment (PostgreSQL: row
locks and unique constraints; SQLite would serialise everything anyway)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.onboarding import applications, hiring
from marketplace.onboarding.models import (
    Application,
    ApplicationStatus,
    Engagement,
    QuizAttempt,
)
from tests.factories import ApplicationFactory, PublishedGigFactory, company_member, make_onboarding
from tests.payments.helpers import funded

pytestmark = pytest.mark.postgres

PARALLEL = 6


def race(app, work) -> list[str]:
    """Run ``work(index)`` in PARALLEL threads at once, each in its own app
    context and transaction; return what each thread ended with."""
    barrier = threading.Barrier(PARALLEL)
    outcomes: list[str] = [""] * PARALLEL

    def run(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                work(index)
                db.session.commit()
                outcomes[index] = "ok"
            except DomainError as exc:
                db.session.rollback()
                outcomes[index] = exc.message
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_parallel_starts_never_exceed_the_attempt_limit(app):
    with app.app_context():
        gig = PublishedGigFactory()
        make_onboarding(gig, rules="", max_attempts=2, retry_delay_minutes=0)
        application_id = ApplicationFactory(gig=gig, status=ApplicationStatus.ONBOARDING).id

    def start(_index: int) -> None:
        application = db.session.get(Application, application_id)
        attempt = applications.start_attempt(application, by=application.seeker)
        applications.submit_attempt(attempt, by=application.seeker, answers={})

    outcomes = race(app, start)
    with app.app_context():
        numbers = db.session.scalars(
            sa.select(QuizAttempt.number).where(QuizAttempt.application_id == application_id)
        ).all()
        # Whoever came second at the same moment was refused; the numbers
        # have no gaps and never pass the limit.
        assert 1 <= len(numbers) <= 2
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert outcomes.count("ok") == len(numbers)
    assert all(o in ("ok", "This attempt has already been started.") or "all your attempts" in o
               or "already submitted" in o for o in outcomes)  # fmt: skip


def test_parallel_hires_never_exceed_the_openings(app):
    with app.app_context():
        owner = company_member()
        gig = PublishedGigFactory(company=owner.company, created_by=owner, openings=2)
        funded(owner.company, 100_000)
        ids = [
            ApplicationFactory(gig=gig, status=ApplicationStatus.PASSED).id for _ in range(PARALLEL)
        ]
        owner_id, gig_id = owner.id, gig.id

    def hire(index: int) -> None:
        from marketplace.accounts.models import User

        hiring.hire(db.session.get(Application, ids[index]), by=db.session.get(User, owner_id))

    outcomes = race(app, hire)
    with app.app_context():
        hired = db.session.scalar(
            sa.select(sa.func.count()).select_from(Engagement).where(Engagement.gig_id == gig_id)
        )
        assert hired == 2
    assert outcomes.count("ok") == 2
    assert sum("openings of this gig are filled" in o for o in outcomes) == PARALLEL - 2


def test_hire_and_reject_at_the_same_moment_leave_a_consistent_application(app):
    with app.app_context():
        owner = company_member()
        gig = PublishedGigFactory(company=owner.company, created_by=owner, openings=5)
        funded(owner.company, 100_000)
        application_id = ApplicationFactory(gig=gig, status=ApplicationStatus.PASSED).id
        owner_id = owner.id

    def decide(index: int) -> None:
        from marketplace.accounts.models import User

        application = db.session.get(Application, application_id)
        manager = db.session.get(User, owner_id)
        if index % 2:
            hiring.hire(application, by=manager)
        else:
            hiring.reject(application, by=manager, reason="Changed our mind")

    outcomes = race(app, decide)
    with app.app_context():
        application = db.session.get(Application, application_id)
        engagements = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Engagement)
            .where(Engagement.application_id == application_id)
        )
        assert (application.status, engagements) in (
            (ApplicationStatus.HIRED, 1),
            (ApplicationStatus.REJECTED, 0),
        )
    assert outcomes.count("ok") == 1
