"""Applications through onboarding to hiring: every allowed and refused
transition, the quiz's rules in time, and the company's decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition, NotAllowed
from marketplace.onboarding import applications, engagements, hiring
from marketplace.onboarding.models import (
    APPLICATION_TRANSITIONS,
    Application,
    ApplicationStatus,
    Engagement,
    EngagementStatus,
    QuizAttempt,
    RulesAcknowledgment,
)
from tests.factories import (
    MatureSeekerFactory,
    MatureTagFactory,
    PublishedGigFactory,
    UnverifiedSeekerFactory,
    UserFactory,
    company_member,
    make_onboarding,
)
from tests.payments.helpers import funded

HIRING_FUNDS = 100_000  # 1.000 €: any gig's first work


def right_answers(attempt: QuizAttempt) -> dict[int, list[int]]:
    return {int(qid): options for qid, options in attempt.key.items()}


def wrong_answers(attempt: QuizAttempt) -> dict[int, list[int]]:
    answers = {}
    for question in attempt.paper:
        correct = set(attempt.key[str(question["id"])])
        answers[question["id"]] = [o["id"] for o in question["options"] if o["id"] not in correct][
            :1
        ]
    return answers


def apply_to(gig, seeker=None, **kwargs) -> Application:
    seeker = seeker or UserFactory()
    return applications.apply(
        gig, seeker=seeker, note="Hello", hours_per_week=10, languages=["de"], **kwargs
    )


def application_in(status: ApplicationStatus, db) -> Application:
    """An application brought into ``status`` the way a person would."""
    gig = PublishedGigFactory(openings=5)
    onboarding = make_onboarding(gig, max_attempts=1)
    application = apply_to(gig)
    if status == ApplicationStatus.SUBMITTED:
        return application
    applications.acknowledge_rules(
        application, by=application.seeker, rules_hash=onboarding.rules_hash
    )
    if status == ApplicationStatus.ONBOARDING:
        return application
    attempt = applications.start_attempt(application, by=application.seeker)
    if status == ApplicationStatus.FAILED_OUT:
        applications.submit_attempt(attempt, by=application.seeker, answers=wrong_answers(attempt))
        return application
    applications.submit_attempt(attempt, by=application.seeker, answers=right_answers(attempt))
    if status == ApplicationStatus.PASSED:
        return application
    owner = gig.company.memberships[0].user
    if status == ApplicationStatus.HIRED:
        funded(gig.company, HIRING_FUNDS, commit=False)  # the first work is paid for
        hiring.hire(application, by=owner)
    elif status == ApplicationStatus.REJECTED:
        hiring.reject(application, by=owner, reason="Not a fit")
    elif status == ApplicationStatus.WITHDRAWN:
        applications.withdraw(application, by=application.seeker)
    return application


# --- the state machine ---------------------------------------------------------


def _ack(app):
    o = applications.onboarding_for(app.gig)
    applications.acknowledge_rules(app, by=app.seeker, rules_hash=o.rules_hash)


def _start(app):
    applications.start_attempt(app, by=app.seeker)


def _pass(app):
    attempt = applications.start_attempt(app, by=app.seeker)
    applications.submit_attempt(attempt, by=app.seeker, answers=right_answers(attempt))


def _fail_last(app):
    attempt = applications.start_attempt(app, by=app.seeker)
    applications.submit_attempt(attempt, by=app.seeker, answers=wrong_answers(attempt))


def _hire(app):
    funded(app.gig.company, HIRING_FUNDS, commit=False)
    hiring.hire(app, by=app.gig.company.memberships[0].user)


def _reject(app):
    hiring.reject(app, by=app.gig.company.memberships[0].user, reason="Not a fit")


def _withdraw(app):
    applications.withdraw(app, by=app.seeker)


S = ApplicationStatus
OPERATIONS = {
    "acknowledge rules": (_ack, {S.SUBMITTED: S.ONBOARDING, S.ONBOARDING: S.ONBOARDING}),
    "start quiz": (_start, {S.SUBMITTED: S.ONBOARDING, S.ONBOARDING: S.ONBOARDING}),
    "pass quiz": (_pass, {S.ONBOARDING: S.PASSED}),
    "fail last attempt": (_fail_last, {S.ONBOARDING: S.FAILED_OUT}),
    "hire": (_hire, {S.PASSED: S.HIRED}),
    "reject": (_reject, {S.SUBMITTED: S.REJECTED, S.ONBOARDING: S.REJECTED, S.PASSED: S.REJECTED}),
    "withdraw": (
        _withdraw,
        {S.SUBMITTED: S.WITHDRAWN, S.ONBOARDING: S.WITHDRAWN, S.PASSED: S.WITHDRAWN},
    ),
}
ALLOWED = [(name, source) for name, (_f, moves) in OPERATIONS.items() for source in moves]
REFUSED = [(name, s) for name, (_f, moves) in OPERATIONS.items() for s in S if s not in moves]


def test_operations_cover_the_transition_table():
    covered = {
        (source, target)
        for _name, (_f, moves) in OPERATIONS.items()
        for source, target in moves.items()
        if source != target
    }
    covered.add((S.SUBMITTED, S.PASSED))  # applying to a gig without onboarding, tested below
    table = {(a, b) for a, targets in APPLICATION_TRANSITIONS.items() for b in targets}
    assert covered == table


@pytest.mark.parametrize(("operation", "source"), ALLOWED, ids=str)
def test_allowed_transition(db, operation, source):
    application = application_in(source, db)
    move, moves = OPERATIONS[operation]
    if operation in ("start quiz", "pass quiz", "fail last attempt") and source == S.SUBMITTED:
        _ack(application)
    move(application)
    db.session.commit()
    assert db.session.get(Application, application.id).status == moves[source]


@pytest.mark.parametrize(("operation", "source"), REFUSED, ids=str)
def test_refused_transition_changes_nothing(db, operation, source):
    application = application_in(source, db)
    db.session.commit()
    move, _moves = OPERATIONS[operation]
    with pytest.raises(DomainError):
        move(application)
    db.session.rollback()
    assert db.session.get(Application, application.id).status == source


def test_a_gig_without_onboarding_goes_straight_to_review(db):
    assert apply_to(PublishedGigFactory()).status == S.PASSED


# --- applying -----------------------------------------------------------------------


def test_one_application_per_seeker_and_gig(db):
    gig, seeker = PublishedGigFactory(), UserFactory()
    apply_to(gig, seeker)
    db.session.commit()
    with pytest.raises(DomainError, match="already applied"):
        apply_to(gig, seeker)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1


def test_the_database_refuses_a_second_application_too(db):
    gig, seeker = PublishedGigFactory(), UserFactory()
    db.session.add_all(
        [Application(gig_id=gig.id, seeker_id=seeker.id, hours_per_week=5) for _ in range(2)]
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_unverified_seekers_and_closed_gigs_are_refused(db):
    with pytest.raises(DomainError, match="confirm your email"):
        apply_to(PublishedGigFactory(), UnverifiedSeekerFactory())
    from tests.factories import ClosedGigFactory

    with pytest.raises(InvalidTransition):
        apply_to(ClosedGigFactory())


def test_mature_gig_needs_an_opted_in_adult_and_records_the_consent(db):
    gig = PublishedGigFactory(tags=[MatureTagFactory(name_en="Adult chat")])
    with pytest.raises(NotAllowed):
        apply_to(gig, UserFactory(), consent=applications.consent_fingerprint(gig))
    with pytest.raises(DomainError, match="listing changed"):
        apply_to(gig, MatureSeekerFactory(), consent="something else")
    application = apply_to(
        gig, MatureSeekerFactory(), consent=applications.consent_fingerprint(gig)
    )
    assert application.consented_at is not None
    assert [t["name_en"] for t in application.consent["tags"]] == ["Adult chat"]
    assert application.consent["communities"] == []


def test_applying_emails_the_seeker_and_the_company(app, smtp_sink, db):
    owner = company_member(email="owner@radhaus.example")
    gig = PublishedGigFactory(company=owner.company, created_by=owner)
    apply_to(gig, UserFactory(email="lena@example.test"))
    db.session.commit()
    assert smtp_sink.last_to("lena@example.test")["Subject"].startswith("Application received")
    assert smtp_sink.last_to("owner@radhaus.example")["Subject"].startswith("New application")


# --- rules -------------------------------------------------------------------------


def test_rules_acknowledgment_records_the_exact_version(db):
    gig = PublishedGigFactory()
    onboarding = make_onboarding(gig, rules="Version one")
    application = apply_to(gig)
    with pytest.raises(DomainError, match="changed while you were reading"):
        applications.acknowledge_rules(application, by=application.seeker, rules_hash="0" * 64)
    applications.acknowledge_rules(
        application, by=application.seeker, rules_hash=onboarding.rules_hash
    )
    db.session.commit()
    ack = db.session.scalar(sa.select(RulesAcknowledgment))
    assert ack.rules_hash == onboarding.rules_hash and ack.acknowledged_at is not None


def test_quiz_waits_for_the_rules(db):
    gig = PublishedGigFactory()
    make_onboarding(gig)
    application = apply_to(gig)
    with pytest.raises(DomainError, match="rules first"):
        applications.start_attempt(application, by=application.seeker)


def test_hired_worker_must_accept_changed_rules(db):
    application = application_in(S.HIRED, db)
    engagement = db.session.scalar(sa.select(Engagement))
    assert engagements.rules_to_acknowledge(engagement) is None
    onboarding = applications.onboarding_for(application.gig)
    onboarding.rules = "New version: weekends included"
    onboarding.rules_hash = "f" * 64
    db.session.commit()
    assert engagements.rules_to_acknowledge(engagement) == "f" * 64
    engagements.acknowledge_rules(engagement, by=application.seeker, rules_hash="f" * 64)
    assert engagements.rules_to_acknowledge(engagement) is None


# --- the quiz in time ---------------------------------------------------------------------


def _onboarded(db, **settings) -> Application:
    gig = PublishedGigFactory()
    onboarding = make_onboarding(gig, **settings)
    application = apply_to(gig)
    applications.acknowledge_rules(
        application, by=application.seeker, rules_hash=onboarding.rules_hash
    )
    db.session.commit()
    return application


def test_retry_opens_after_the_waiting_time(db, travel, smtp_sink):
    application = _onboarded(db, retry_delay_minutes=60, max_attempts=2)
    start = utcnow()
    travel(start)
    attempt = applications.start_attempt(application, by=application.seeker)
    applications.submit_attempt(attempt, by=application.seeker, answers=wrong_answers(attempt))
    db.session.commit()
    assert "You can try again from" in smtp_sink.last_to(application.seeker.email).get_content()
    travel(start + timedelta(minutes=59))
    with pytest.raises(DomainError, match="next attempt opens"):
        applications.start_attempt(application, by=application.seeker)
    travel(start + timedelta(minutes=61))
    second = applications.start_attempt(application, by=application.seeker)
    applications.submit_attempt(second, by=application.seeker, answers=right_answers(second))
    db.session.commit()
    assert application.status == S.PASSED
    assert application.best_score_percent == 100


def test_answers_after_the_time_limit_are_refused_and_count_as_failed(db, travel):
    application = _onboarded(db, time_limit_minutes=10)
    start = utcnow()
    travel(start)
    attempt = applications.start_attempt(application, by=application.seeker)
    travel(start + timedelta(minutes=10, seconds=20))  # within the grace for the network
    applications.submit_attempt(attempt, by=application.seeker, answers=right_answers(attempt))
    assert attempt.passed

    other = _onboarded(db, time_limit_minutes=10)
    travel(start)
    late = applications.start_attempt(other, by=other.seeker)
    travel(start + timedelta(minutes=11))
    applications.submit_attempt(late, by=other.seeker, answers=right_answers(late))
    assert late.timed_out and not late.passed and late.score_percent == 0
    assert late.submitted_at == late.deadline_at


def test_an_abandoned_attempt_is_closed_by_the_cron_command(db, travel):
    application = _onboarded(db, time_limit_minutes=5, max_attempts=1)
    start = utcnow()
    travel(start)
    applications.start_attempt(application, by=application.seeker)
    db.session.commit()
    assert applications.close_expired_attempts() == 0
    travel(start + timedelta(minutes=6))
    assert applications.close_expired_attempts() == 1
    db.session.commit()
    assert application.status == S.FAILED_OUT
    assert applications.close_expired_attempts() == 0


def test_no_more_attempts_than_allowed(db, travel):
    application = _onboarded(db, max_attempts=2, retry_delay_minutes=0)
    for _ in range(2):
        attempt = applications.start_attempt(application, by=application.seeker)
        applications.submit_attempt(attempt, by=application.seeker, answers=wrong_answers(attempt))
    db.session.commit()
    assert application.status == S.FAILED_OUT
    with pytest.raises(InvalidTransition):
        applications.start_attempt(application, by=application.seeker)


def test_submitting_twice_or_foreign_answers_change_nothing(db):
    application = _onboarded(db)
    attempt = applications.start_attempt(application, by=application.seeker)
    with pytest.raises(DomainError, match="not part of this attempt"):
        applications.submit_attempt(attempt, by=application.seeker, answers={999999: [1]})
    question = attempt.paper[0]
    with pytest.raises(DomainError, match="not part of this question"):
        applications.submit_attempt(
            attempt, by=application.seeker, answers={question["id"]: [999999]}
        )
    single = next(q for q in attempt.paper if q["kind"] == "single")
    with pytest.raises(DomainError, match="only one answer"):
        applications.submit_attempt(
            attempt,
            by=application.seeker,
            answers={single["id"]: [o["id"] for o in single["options"]]},
        )
    assert not attempt.is_finished
    applications.submit_attempt(attempt, by=application.seeker, answers=right_answers(attempt))
    with pytest.raises(DomainError, match="already submitted"):
        applications.submit_attempt(attempt, by=application.seeker, answers={})
    assert attempt.passed


def test_the_answer_key_is_a_snapshot(db):
    application = _onboarded(db)
    attempt = applications.start_attempt(application, by=application.seeker)
    onboarding = applications.onboarding_for(application.gig)
    for question in onboarding.questions:  # the company flips every answer meanwhile
        for option in question.options:
            option.is_correct = not option.is_correct
    db.session.flush()
    applications.submit_attempt(attempt, by=application.seeker, answers=right_answers(attempt))
    assert attempt.passed


# --- the company's decisions and engagements -------------------------------------------


def test_hire_creates_an_engagement_at_todays_rate_within_the_openings(db, smtp_sink):
    gig = PublishedGigFactory(openings=1, rate_cents=95)
    owner = gig.company.memberships[0].user
    funded(gig.company, HIRING_FUNDS, commit=False)
    first, second = apply_to(gig), apply_to(gig)
    engagement = hiring.hire(first, by=owner)
    assert (engagement.rate_cents, engagement.status) == (95, EngagementStatus.ACTIVE)
    gig.rate_cents = 120  # later changes do not touch the agreed rate
    with pytest.raises(DomainError, match="openings of this gig are filled"):
        hiring.hire(second, by=owner)
    engagements.end(engagement, by=owner, reason="Season is over")
    hiring.hire(second, by=owner)
    db.session.commit()
    assert engagement.rate_cents == 95
    assert "Season is over" in smtp_sink.last_to(first.seeker.email).get_content()


def test_reject_needs_a_reason_and_tells_the_applicant(db, smtp_sink):
    application = apply_to(PublishedGigFactory())
    owner = application.gig.company.memberships[0].user
    with pytest.raises(DomainError, match="tell the applicant why"):
        hiring.reject(application, by=owner, reason="  ")
    hiring.reject(application, by=owner, reason="We need Turkish speakers.")
    db.session.commit()
    assert "We need Turkish speakers." in smtp_sink.last_to(application.seeker.email).get_content()


@pytest.mark.parametrize(
    ("source", "action", "target"),
    [
        (EngagementStatus.ACTIVE, "pause", EngagementStatus.PAUSED),
        (EngagementStatus.ACTIVE, "end", EngagementStatus.ENDED),
        (EngagementStatus.PAUSED, "resume", EngagementStatus.ACTIVE),
        (EngagementStatus.PAUSED, "end", EngagementStatus.ENDED),
    ],
)
def test_engagement_transitions(db, source, action, target):
    application = application_in(S.HIRED, db)
    engagement = db.session.scalar(sa.select(Engagement))
    engagement.status = source
    owner = application.gig.company.memberships[0].user
    kwargs = {} if action == "resume" else {"reason": "Because"}
    getattr(engagements, action)(engagement, by=owner, **kwargs)
    assert engagement.status == target


@pytest.mark.parametrize(
    ("source", "action"),
    [
        (EngagementStatus.ACTIVE, "resume"),
        (EngagementStatus.PAUSED, "pause"),
        (EngagementStatus.ENDED, "pause"),
        (EngagementStatus.ENDED, "resume"),
        (EngagementStatus.ENDED, "end"),
    ],
)
def test_refused_engagement_transitions(db, source, action):
    application = application_in(S.HIRED, db)
    engagement = db.session.scalar(sa.select(Engagement))
    engagement.status = source
    owner = application.gig.company.memberships[0].user
    kwargs = {} if action == "resume" else {"reason": "Because"}
    with pytest.raises(InvalidTransition):
        getattr(engagements, action)(engagement, by=owner, **kwargs)
    assert engagement.status == source


def test_pause_and_end_need_a_reason(db):
    application = application_in(S.HIRED, db)
    engagement = db.session.scalar(sa.select(Engagement))
    owner = application.gig.company.memberships[0].user
    for action in (engagements.pause, engagements.end):
        with pytest.raises(DomainError, match="reason"):
            action(engagement, by=owner, reason="")
