"""Applications and their onboarding: apply (with consent for mature content),
read and acknowledge the rules, take the quiz, withdraw. The company's
decisions are in hiring.py. Every transition is checked against
APPLICATION_TRANSITIONS.

The quiz's time limit is enforced here, on the server: answers that arrive
after the deadline (plus ``SUBMIT_GRACE`` for the network) are not accepted;
the attempt counts as failed, graded as it stood at the deadline, with no
answers. An attempt left open is closed the same way the next time anyone
looks at the application. The waiting time before the next attempt runs from
the moment an attempt ended.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.accounts.services import notify_company_members
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition, NotAllowed, require_transition
from marketplace.extensions import db
from marketplace.gigs.models import Gig, GigStatus
from marketplace.growth import gig_levels
from marketplace.mail.services import queue_email
from marketplace.onboarding import grading
from marketplace.onboarding.models import (
    APPLICATION_TRANSITIONS,
    Application,
    ApplicationStatus,
    Onboarding,
    QuizAttempt,
    RulesAcknowledgment,
)
from marketplace.onboarding.services import onboarding_for, paper_for
from marketplace.urls import absolute_url

SUBMIT_GRACE = timedelta(seconds=30)
NOTE_MAX = 2000


def set_status(application: Application, target: ApplicationStatus) -> None:
    require_transition(application.status, target, APPLICATION_TRANSITIONS)
    application.status = target


def tell_seeker(application: Application, template: str, **context: Any) -> None:
    seeker = application.seeker
    queue_email(
        to=seeker.email,
        template=f"applications/{template}",
        locale=seeker.locale,
        user=seeker,
        gig=application.gig,
        link=absolute_url("applications.detail", application_id=application.id),
        **context,
    )


# --- applying -------------------------------------------------------------------


def consent_snapshot(gig: Gig) -> dict[str, Any]:
    """What a seeker confirms for a gig with mature content: its exact tags and communities."""
    return {
        "tags": [
            {
                "slug": tag.slug,
                "name_en": tag.name_en,
                "name_de": tag.name_de,
                "is_mature": tag.is_mature,
            }
            for tag in gig.tags
        ],
        "communities": [
            {"name": c.name, "audience": c.audience, "description": c.description}
            for c in gig.communities
        ],
    }


def consent_fingerprint(gig: Gig) -> str:
    """A hash of the consent snapshot: the form carries it, so what the seeker
    saw is exactly what is recorded (a listing changed meanwhile is refused)."""
    canonical = json.dumps(consent_snapshot(gig), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _has_steps(onboarding: Onboarding | None) -> bool:
    return onboarding is not None and (onboarding.has_rules or onboarding.has_quiz)


def apply(
    gig: Gig,
    *,
    seeker: User,
    note: str,
    hours_per_week: int,
    languages: list[str],
    consent: str | None = None,
) -> Application:
    """Apply to ``gig``. ``consent`` is the fingerprint of the consent step the
    seeker confirmed; gigs with mature content need it."""
    if gig.status != GigStatus.PUBLISHED or not gig.is_public:
        raise InvalidTransition(_("This gig is not open for applications."))
    if not seeker.is_verified:
        raise DomainError(_("Please confirm your email address before you apply."))
    if len(note.strip()) > NOTE_MAX:
        raise DomainError(_("Please keep your note to at most %(max)d characters.", max=NOTE_MAX))
    gig_levels.require_level(gig, seeker)  # a gig restricted to a level refuses those below
    application = Application(
        gig_id=gig.id,
        seeker_id=seeker.id,
        note=note.strip(),
        hours_per_week=hours_per_week,
        languages=sorted(set(languages)),
    )
    if gig.is_mature:
        if not seeker.sees_mature_content:
            raise NotAllowed(_("Only adults who chose to see mature content can apply here."))
        if consent != consent_fingerprint(gig):
            raise DomainError(
                _(
                    "The listing changed while you were reading it. "
                    "Please check and confirm it again."
                )
            )
        application.consent = consent_snapshot(gig)
        application.consented_at = utcnow()
    if not _has_steps(onboarding_for(gig)):
        application.status = ApplicationStatus.PASSED  # nothing to do: straight to review
    try:
        with db.session.begin_nested():
            db.session.add(application)
    except IntegrityError:
        # One application per seeker and gig: the database has the last word,
        # also when two submissions race.
        raise DomainError(_("You have already applied to this gig.")) from None
    tell_seeker(application, "received")
    notify_company_members(
        gig.company,
        "applications/new_applicant",
        gig=gig,
        applicant=seeker,
        link=absolute_url("hiring.applicant", application_id=application.id),
    )
    return application


def withdraw(application: Application, *, by: User) -> None:
    db.session.refresh(application, with_for_update=True)  # a hire may be under way
    set_status(application, ApplicationStatus.WITHDRAWN)


# --- the rules --------------------------------------------------------------------


def has_acknowledged(user: User, gig: Gig, rules_hash: str) -> bool:
    return (
        db.session.scalar(
            sa.select(RulesAcknowledgment.id).where(
                RulesAcknowledgment.user_id == user.id,
                RulesAcknowledgment.gig_id == gig.id,
                RulesAcknowledgment.rules_hash == rules_hash,
            )
        )
        is not None
    )


def record_acknowledgment(user: User, gig: Gig, *, rules_hash: str) -> None:
    """Record that ``user`` accepted exactly this version of the gig's rules."""
    onboarding = onboarding_for(gig)
    if onboarding is None or not onboarding.has_rules:
        raise InvalidTransition(_("This gig has no rules to acknowledge."))
    if rules_hash != onboarding.rules_hash:
        raise DomainError(
            _("The rules were changed while you were reading them. Please read the new version.")
        )
    if not has_acknowledged(user, gig, rules_hash):
        db.session.add(RulesAcknowledgment(user_id=user.id, gig_id=gig.id, rules_hash=rules_hash))
        db.session.flush()


def acknowledge_rules(application: Application, *, by: User, rules_hash: str) -> None:
    if not application.is_open or application.status == ApplicationStatus.PASSED:
        raise InvalidTransition(_("This application has no open onboarding step."))
    record_acknowledgment(by, application.gig, rules_hash=rules_hash)
    if application.status == ApplicationStatus.SUBMITTED:
        set_status(application, ApplicationStatus.ONBOARDING)
    onboarding = onboarding_for(application.gig)
    if onboarding is not None and not onboarding.has_quiz:
        _pass(application)


def rules_pending(application: Application) -> bool:
    onboarding = onboarding_for(application.gig)
    return (
        onboarding is not None
        and onboarding.has_rules
        and not has_acknowledged(application.seeker, application.gig, onboarding.rules_hash)
    )


# --- the quiz -----------------------------------------------------------------------


def open_attempt(application: Application) -> QuizAttempt | None:
    """The attempt under way, if any (an expired one included, until it is closed)."""
    return next((a for a in application.attempts if not a.is_finished), None)


def is_expired(attempt: QuizAttempt) -> bool:
    """The time ran out and no answers arrived: the attempt counts as failed."""
    return (
        not attempt.is_finished
        and attempt.deadline_at is not None
        and utcnow() > attempt.deadline_at + SUBMIT_GRACE
    )


def seconds_left(attempt: QuizAttempt) -> int | None:
    """Whole seconds until the attempt's deadline (0 once it passed; None: no limit).

    The page counts down from this; the server still refuses late answers."""
    if attempt.deadline_at is None:
        return None
    return max(0, int((attempt.deadline_at - utcnow()).total_seconds()))


def _ended_at(attempt: QuizAttempt) -> datetime | None:
    if attempt.is_finished:
        return attempt.submitted_at
    return attempt.deadline_at if is_expired(attempt) else None


def next_attempt_at(application: Application, onboarding: Onboarding) -> datetime | None:
    """When the next attempt may start (None: now, if any are left)."""
    ended = [when for when in map(_ended_at, application.attempts) if when is not None]
    if not ended:
        return None
    opens = max(ended) + timedelta(minutes=onboarding.retry_delay_minutes)
    return opens if opens > utcnow() else None


def attempts_left(application: Application, onboarding: Onboarding) -> int:
    return max(0, onboarding.max_attempts - len(application.attempts))


def start_attempt(
    application: Application, *, by: User, rng: random.Random | None = None
) -> QuizAttempt:
    close_expired_attempt(application)
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.ONBOARDING):
        raise InvalidTransition(_("This application has no quiz to take right now."))
    onboarding = onboarding_for(application.gig)
    if onboarding is None or not onboarding.has_quiz:
        raise InvalidTransition(_("This gig has no quiz."))
    if rules_pending(application):
        raise DomainError(_("Please read and acknowledge the rules first."))
    current = open_attempt(application)
    if current is not None:
        return current
    if attempts_left(application, onboarding) == 0:
        raise InvalidTransition(_("You have used all your attempts."))
    opens = next_attempt_at(application, onboarding)
    if opens is not None:
        raise DomainError(
            _("Your next attempt opens on %(when)s.", when=format_datetime(opens, "short"))
        )
    paper, key = paper_for(onboarding, rng or random.SystemRandom())
    now = utcnow()
    limit = onboarding.time_limit_minutes
    attempt = QuizAttempt(
        application_id=application.id,
        number=len(application.attempts) + 1,
        started_at=now,
        deadline_at=now + timedelta(minutes=limit) if limit else None,
        paper=paper,
        key=key,
        pass_mark_percent=onboarding.pass_mark_percent,
    )
    try:
        with db.session.begin_nested():
            application.attempts.append(attempt)
    except IntegrityError:
        # Two starts at the same moment: the attempt number is unique per
        # application, so only one of them gets it and the limit holds.
        raise DomainError(_("This attempt has already been started.")) from None
    if application.status == ApplicationStatus.SUBMITTED:
        set_status(application, ApplicationStatus.ONBOARDING)
    return attempt


def _checked_answers(attempt: QuizAttempt, answers: dict[int, list[int]]) -> dict[int, set[int]]:
    """The answers, if every one belongs to this attempt's paper; else DomainError."""
    questions = {q["id"]: q for q in attempt.paper}
    checked: dict[int, set[int]] = {}
    for question_id, option_ids in answers.items():
        question = questions.get(question_id)
        if question is None:
            raise DomainError(_("An answer was for a question that is not part of this attempt."))
        valid = {option["id"] for option in question["options"]}
        chosen = set(option_ids)
        if not chosen <= valid:
            raise DomainError(_("An answer was for an option that is not part of this question."))
        if question["kind"] == "single" and len(chosen) > 1:
            raise DomainError(_("Please choose only one answer for single-choice questions."))
        checked[question_id] = chosen
    return checked


def _claim_submission(attempt: QuizAttempt, when: datetime) -> None:
    """Mark the attempt submitted, exactly once, also against a parallel submit."""
    claimed = db.session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=when)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise DomainError(_("This attempt was already submitted."))
    attempt.submitted_at = when


def submit_attempt(attempt: QuizAttempt, *, by: User, answers: dict[int, list[int]]) -> QuizAttempt:
    if attempt.is_finished:
        raise DomainError(_("This attempt was already submitted."))
    if attempt.application.status not in (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.ONBOARDING,
    ):
        raise InvalidTransition(_("This application is closed."))
    checked = _checked_answers(attempt, answers)
    now = utcnow()
    if attempt.deadline_at is not None and now > attempt.deadline_at + SUBMIT_GRACE:
        _finish(attempt, {}, when=attempt.deadline_at, timed_out=True)
    else:
        _finish(attempt, checked, when=now, timed_out=False)
    return attempt


def close_expired_attempt(application: Application) -> None:
    """Grade an attempt whose time ran out without answers (as failed)."""
    attempt = open_attempt(application)
    if attempt is not None and is_expired(attempt):
        _finish(attempt, {}, when=attempt.deadline_at, timed_out=True)


def close_expired_attempts() -> int:
    """Close every expired attempt (``flask onboarding close-expired``, safe from cron).

    Pages show an expired attempt as failed at once; this makes it so in the
    database, moves the application on and sends the emails, also when the
    seeker never comes back.
    """
    cutoff = utcnow() - SUBMIT_GRACE
    attempts = db.session.scalars(
        sa.select(QuizAttempt)
        .where(QuizAttempt.submitted_at.is_(None), QuizAttempt.deadline_at < cutoff)
        .order_by(QuizAttempt.id)
        .with_for_update(skip_locked=True)
    ).all()
    for attempt in attempts:
        _finish(attempt, {}, when=attempt.deadline_at, timed_out=True)
    return len(attempts)


def _finish(
    attempt: QuizAttempt, answers: dict[int, set[int]], *, when: datetime, timed_out: bool
) -> None:
    _claim_submission(attempt, when)
    keys = [
        grading.QuestionKey(
            id=q["id"],
            correct=frozenset(attempt.key[str(q["id"])]),
            must_pass=bool(q.get("must_pass")),
        )
        for q in attempt.paper
    ]
    result = grading.grade(keys, answers, attempt.pass_mark_percent)
    attempt.timed_out = timed_out
    attempt.answers = {str(qid): sorted(chosen) for qid, chosen in answers.items()}
    attempt.score_percent = result.score_percent
    attempt.passed = result.passed
    attempt.wrong_question_ids = list(result.wrong_question_ids)
    application = attempt.application
    if (
        application.best_score_percent is None
        or result.score_percent > application.best_score_percent
    ):
        application.best_score_percent = result.score_percent
    if application.status != ApplicationStatus.ONBOARDING:
        return  # withdrawn or decided meanwhile: the grade is kept, nothing moves
    onboarding = onboarding_for(application.gig)
    if result.passed:
        tell_seeker(application, "quiz_passed", attempt=attempt)
        _pass(application)
    elif onboarding is None or attempts_left(application, onboarding) == 0:
        set_status(application, ApplicationStatus.FAILED_OUT)
        tell_seeker(application, "quiz_failed", attempt=attempt, retake_at=None)
    else:
        retake_at = when + timedelta(minutes=onboarding.retry_delay_minutes)
        tell_seeker(application, "quiz_failed", attempt=attempt, retake_at=retake_at)


def _pass(application: Application) -> None:
    set_status(application, ApplicationStatus.PASSED)
    notify_company_members(
        application.gig.company,
        "applications/ready_for_review",
        gig=application.gig,
        applicant=application.seeker,
        link=absolute_url("hiring.applicant", application_id=application.id),
    )
