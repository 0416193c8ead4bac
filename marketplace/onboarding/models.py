"""Onboarding (rules and quiz) of a gig, applications, quiz attempts and engagements."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import TimestampMixin, enum_column, utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig, PayModel


class QuestionKind(StrEnum):
    SINGLE = "single"  # exactly one option is correct
    MULTIPLE = "multiple"  # one or more options are correct; all must be chosen


class Onboarding(TimestampMixin, db.Model):
    """A gig's induction: the company's rules and an optional quiz."""

    __tablename__ = "onboardings"
    __table_args__ = (
        sa.CheckConstraint("pass_mark_percent BETWEEN 0 AND 100", name="pass_mark_range"),
        sa.CheckConstraint("max_attempts >= 1", name="attempts_positive"),
        sa.CheckConstraint("retry_delay_minutes >= 0", name="retry_delay_not_negative"),
        sa.CheckConstraint(
            "time_limit_minutes IS NULL OR time_limit_minutes > 0", name="time_limit_positive"
        ),
        sa.CheckConstraint(
            "questions_per_attempt IS NULL OR questions_per_attempt > 0",
            name="questions_per_attempt_positive",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gig_id: Mapped[int] = mapped_column(sa.ForeignKey("gigs.id", ondelete="CASCADE"), unique=True)
    rules: Mapped[str] = mapped_column(sa.Text, default="")
    # sha256 of the rules text; what an acknowledgment records ("" = no rules).
    rules_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    rules_changed_at: Mapped[datetime | None]
    pass_mark_percent: Mapped[int] = mapped_column(default=80)
    time_limit_minutes: Mapped[int | None] = mapped_column(default=20)
    max_attempts: Mapped[int] = mapped_column(default=3)
    retry_delay_minutes: Mapped[int] = mapped_column(default=60)
    # Draw this many questions at random from the pool (None: all of them).
    questions_per_attempt: Mapped[int | None]
    shuffle_options: Mapped[bool] = mapped_column(default=True)

    gig: Mapped[Gig] = relationship()
    questions: Mapped[list[QuizQuestion]] = relationship(
        back_populates="onboarding", cascade="all, delete-orphan", order_by="QuizQuestion.position"
    )

    @property
    def has_rules(self) -> bool:
        return bool(self.rules_hash)

    @property
    def has_quiz(self) -> bool:
        return bool(self.questions)


class QuizQuestion(db.Model):
    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(
        sa.ForeignKey("onboardings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind))
    # A wrong answer to this question fails the attempt, whatever the score.
    must_pass: Mapped[bool] = mapped_column(default=False)

    onboarding: Mapped[Onboarding] = relationship(back_populates="questions")
    options: Mapped[list[QuizOption]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="QuizOption.position"
    )


class QuizOption(db.Model):
    __tablename__ = "quiz_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("quiz_questions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.Text)
    is_correct: Mapped[bool] = mapped_column(default=False)

    question: Mapped[QuizQuestion] = relationship(back_populates="options")


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"  # applied; onboarding not started
    ONBOARDING = "onboarding"  # reading the rules or taking the quiz
    PASSED = "passed"  # onboarding done: ready for the company's review
    HIRED = "hired"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    FAILED_OUT = "failed_out"  # used every quiz attempt without passing


APPLICATION_TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    ApplicationStatus.SUBMITTED: frozenset(
        {
            ApplicationStatus.ONBOARDING,
            ApplicationStatus.PASSED,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        }
    ),
    ApplicationStatus.ONBOARDING: frozenset(
        {
            ApplicationStatus.PASSED,
            ApplicationStatus.FAILED_OUT,
            ApplicationStatus.REJECTED,
            ApplicationStatus.WITHDRAWN,
        }
    ),
    ApplicationStatus.PASSED: frozenset(
        {ApplicationStatus.HIRED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN}
    ),
    ApplicationStatus.HIRED: frozenset(),
    ApplicationStatus.REJECTED: frozenset(),
    ApplicationStatus.WITHDRAWN: frozenset(),
    ApplicationStatus.FAILED_OUT: frozenset(),
}

OPEN_APPLICATION_STATUSES = frozenset(
    {ApplicationStatus.SUBMITTED, ApplicationStatus.ONBOARDING, ApplicationStatus.PASSED}
)


class Application(TimestampMixin, db.Model):
    """A seeker's application to a gig. One per seeker and gig, by constraint."""

    __tablename__ = "applications"
    __table_args__ = (
        sa.UniqueConstraint("gig_id", "seeker_id"),
        sa.Index("ix_applications_gig_id_status", "gig_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gig_id: Mapped[int] = mapped_column(sa.ForeignKey("gigs.id", ondelete="CASCADE"))
    seeker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus), default=ApplicationStatus.SUBMITTED
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    hours_per_week: Mapped[int]
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # For gigs with mature content: exactly what the seeker confirmed, and when.
    consent: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    consented_at: Mapped[datetime | None]
    best_score_percent: Mapped[int | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)

    gig: Mapped[Gig] = relationship()
    seeker: Mapped[User] = relationship(foreign_keys=[seeker_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    attempts: Mapped[list[QuizAttempt]] = relationship(
        back_populates="application", order_by="QuizAttempt.number"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATUSES


class RulesAcknowledgment(db.Model):
    """A person read and accepted one exact version of a gig's rules."""

    __tablename__ = "rules_acknowledgments"
    __table_args__ = (sa.UniqueConstraint("user_id", "gig_id", "rules_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    gig_id: Mapped[int] = mapped_column(sa.ForeignKey("gigs.id", ondelete="CASCADE"))
    rules_hash: Mapped[str] = mapped_column(sa.String(64))
    acknowledged_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuizAttempt(db.Model):
    """One sitting of the quiz.

    ``paper`` is what the seeker is shown (questions and options in the drawn
    order, without the answer key); ``key`` is the answer key of exactly those
    questions, kept on the server. Both are snapshots, so editing the quiz
    never changes an attempt under way or a grade given.
    """

    __tablename__ = "quiz_attempts"
    __table_args__ = (sa.UniqueConstraint("application_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    # True when the time ran out before the answers arrived.
    timed_out: Mapped[bool] = mapped_column(default=False)
    paper: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    key: Mapped[dict[str, list[int]]] = mapped_column(sa.JSON)
    answers: Mapped[dict[str, list[int]] | None] = mapped_column(sa.JSON)
    pass_mark_percent: Mapped[int]
    score_percent: Mapped[int | None]
    passed: Mapped[bool | None]
    wrong_question_ids: Mapped[list[int] | None] = mapped_column(sa.JSON)

    application: Mapped[Application] = relationship(back_populates="attempts")

    @property
    def is_finished(self) -> bool:
        return self.submitted_at is not None

    @property
    def must_pass_ids(self) -> set[int]:
        """The questions of this paper that must be answered correctly."""
        return {q["id"] for q in self.paper if q.get("must_pass")}

    @property
    def failed_must_pass(self) -> bool:
        """A must-pass question was answered wrong (so the attempt failed)."""
        return bool(self.must_pass_ids & set(self.wrong_question_ids or ()))


class EngagementStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


ENGAGEMENT_TRANSITIONS: dict[EngagementStatus, frozenset[EngagementStatus]] = {
    EngagementStatus.ACTIVE: frozenset({EngagementStatus.PAUSED, EngagementStatus.ENDED}),
    EngagementStatus.PAUSED: frozenset({EngagementStatus.ACTIVE, EngagementStatus.ENDED}),
    EngagementStatus.ENDED: frozenset(),
}


class Engagement(TimestampMixin, db.Model):
    """A hired worker on a gig, at the rate agreed when they were hired."""

    __tablename__ = "engagements"
    __table_args__ = (
        sa.Index("ix_engagements_gig_id_status", "gig_id", "status"),
        sa.CheckConstraint("rate_cents > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    gig_id: Mapped[int] = mapped_column(sa.ForeignKey("gigs.id"))
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), unique=True)
    rate_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    pay_model: Mapped[PayModel] = mapped_column(enum_column(PayModel))
    status: Mapped[EngagementStatus] = mapped_column(
        enum_column(EngagementStatus), default=EngagementStatus.ACTIVE
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(sa.Text)

    gig: Mapped[Gig] = relationship()
    worker: Mapped[User] = relationship()
    application: Mapped[Application] = relationship()
