"""factory_boy factories: one per state where states matter.

Rows are committed, because the test client's requests use their own
database session. Passwords are all "demo-password-1" (hashed once).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import factory
from factory.alchemy import SQLAlchemyModelFactory

from marketplace.accounts.models import Company, CompanyRole, Membership, User, UserKind
from marketplace.auth.passwords import hash_password
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.content import GigContent
from marketplace.gigs.models import (
    ContentTag,
    Gig,
    GigCommunity,
    GigKind,
    GigLanguage,
    GigReport,
    GigRevision,
    GigStatus,
    PayModel,
    RevisionStatus,
)
from marketplace.onboarding.models import (
    Application,
    Onboarding,
    QuestionKind,
    QuizOption,
    QuizQuestion,
)
from marketplace.onboarding.services import rules_hash_of

PASSWORD = "demo-password-1"


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(Base):
    """A verified adult job seeker who has not opted in to mature content."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"seeker{n}@example.test")
    display_name = factory.Sequence(lambda n: f"Seeker {n}")
    password_hash = factory.LazyFunction(password_hash)
    kind = UserKind.SEEKER
    date_of_birth = date(1990, 5, 17)
    email_verified_at = factory.LazyFunction(utcnow)
    languages = factory.LazyFunction(lambda: ["de", "en"])
    introduction = ""
    locale = "en"


class MatureSeekerFactory(UserFactory):
    mature_opt_in_at = factory.LazyFunction(utcnow)


class MinorSeekerFactory(UserFactory):
    date_of_birth = factory.LazyFunction(lambda: utcnow().date() - timedelta(days=365 * 17))


class UnverifiedSeekerFactory(UserFactory):
    email_verified_at = None


class AdminFactory(UserFactory):
    email = factory.Sequence(lambda n: f"admin{n}@example.test")
    display_name = factory.Sequence(lambda n: f"Admin {n}")
    kind = UserKind.ADMIN
    date_of_birth = None


class CompanyFactory(Base):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Shop {n} GmbH")
    website = "https://shop.example"
    description = "We sell things."
    verified_at = factory.LazyFunction(utcnow)


_member_numbers = iter(range(1, 10**9))


def company_member(
    company: Company | None = None, role: CompanyRole = CompanyRole.OWNER, **fields
) -> User:
    """A company account (owner unless told otherwise) of ``company`` (a new one if None)."""
    company = company or CompanyFactory()
    number = next(_member_numbers)
    fields.setdefault("email", f"member{number}@company.test")
    fields.setdefault("display_name", f"Member {number}")
    user = UserFactory(kind=UserKind.COMPANY, date_of_birth=None, **fields)
    db.session.add(Membership(company_id=company.id, user_id=user.id, role=role))
    db.session.commit()
    return user


class TagFactory(Base):
    class Meta:
        model = ContentTag

    slug = factory.Sequence(lambda n: f"tag-{n}")
    name_en = factory.Sequence(lambda n: f"Tag {n}")
    name_de = factory.Sequence(lambda n: f"Schlagwort {n}")
    description_en = "What it means"
    description_de = "Was es bedeutet"
    is_mature = False
    is_active = True


class MatureTagFactory(TagFactory):
    slug = factory.Sequence(lambda n: f"adult-chat-{n}")
    name_en = "Adult chat"
    name_de = "Erwachsenen-Chat"
    is_mature = True


class DraftGigFactory(Base):
    """A draft email-support gig in German and English."""

    class Meta:
        model = Gig

    company = factory.SubFactory(CompanyFactory)
    created_by = factory.LazyAttribute(
        lambda o: (
            o.company.memberships[0].user if o.company.memberships else company_member(o.company)
        )
    )
    status = GigStatus.DRAFT
    title = factory.Sequence(lambda n: f"Answer customer emails for an online shop #{n}")
    kind = GigKind.EMAIL_SUPPORT
    description = "Answer questions about deliveries and returns. Friendly tone."
    pay_model = PayModel.PER_EMAIL
    rate_cents = 80
    hours_per_week = 10
    openings = 3

    @factory.post_generation
    def languages(obj, create, extracted, **kwargs):
        for code in extracted or ["de", "en"]:
            obj.language_rows.append(GigLanguage(code=code))

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if extracted:
            obj.tags = list(extracted)
            obj.is_mature = any(tag.is_mature for tag in extracted)

    @factory.post_generation
    def communities(obj, create, extracted, **kwargs):
        if obj.kind != GigKind.EMAIL_SUPPORT and not extracted:
            extracted = [("Main chat", "Adults 18+", "Evening chat of the community")]
        for position, (name, audience, description) in enumerate(extracted or []):
            obj.communities.append(
                GigCommunity(
                    position=position, name=name, audience=audience, description=description
                )
            )

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            db.session.commit()
            cls._add_revision(instance)

    @classmethod
    def _add_revision(cls, gig: Gig) -> None:
        """States that went through review carry the revision that got them there."""


def _revision(gig: Gig, status: RevisionStatus, *, reason: str | None = None) -> GigRevision:
    revision = GigRevision(
        gig_id=gig.id,
        status=status,
        content=GigContent.of_gig(gig).to_json(),
        submitted_by_id=gig.created_by_id,
        submitted_at=gig.submitted_at or utcnow(),
        decided_at=None if status == RevisionStatus.PENDING else utcnow(),
        decision_reason=reason,
    )
    db.session.add(revision)
    db.session.commit()
    return revision


class InReviewGigFactory(DraftGigFactory):
    status = GigStatus.IN_REVIEW
    submitted_at = factory.LazyFunction(utcnow)

    @classmethod
    def _add_revision(cls, gig: Gig) -> None:
        _revision(gig, RevisionStatus.PENDING)


class PublishedGigFactory(DraftGigFactory):
    status = GigStatus.PUBLISHED
    submitted_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=1))
    published_at = factory.LazyFunction(utcnow)
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=60))

    @classmethod
    def _add_revision(cls, gig: Gig) -> None:
        _revision(gig, RevisionStatus.APPROVED)


class RejectedGigFactory(DraftGigFactory):
    status = GigStatus.REJECTED
    submitted_at = factory.LazyFunction(utcnow)
    rejection_reason = "Please describe the work in more detail."

    @classmethod
    def _add_revision(cls, gig: Gig) -> None:
        _revision(gig, RevisionStatus.REJECTED, reason=gig.rejection_reason)


class ClosedGigFactory(PublishedGigFactory):
    status = GigStatus.CLOSED
    closed_at = factory.LazyFunction(utcnow)


class ExpiredGigFactory(PublishedGigFactory):
    status = GigStatus.EXPIRED
    published_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=61))
    expires_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=1))


class ReportFactory(Base):
    class Meta:
        model = GigReport

    gig = factory.SubFactory(PublishedGigFactory)
    reporter = factory.SubFactory(UserFactory)
    reason = "The pay looks misleading."


# --- onboarding ---------------------------------------------------------------

DEFAULT_QUESTIONS = (
    ("A parcel is late. What do you do first?", "single",
     (("Look up the tracking number", True), ("Promise a refund", False),
      ("Ignore the email", False))),
    ("Which belong in every answer?", "multiple",
     (("A greeting", True), ("The customer's order number", True), ("Your private phone", False))),
    ("A customer insults you. You…", "single",
     (("stay polite and escalate", True), ("insult them back", False))),
)  # fmt: skip


def make_onboarding(gig: Gig, *, rules: str = "Be kind. Never promise refunds.",
                    questions=DEFAULT_QUESTIONS, **settings):  # fmt: skip
    """An onboarding for ``gig`` with these rules, questions and settings (committed)."""
    onboarding = Onboarding(gig_id=gig.id, rules=rules, rules_hash=rules_hash_of(rules))
    db.session.add(onboarding)
    db.session.flush()
    # Set after the insert: the ORM would replace an explicit None (no time
    # limit) by the column's default on insert.
    defaults = {"time_limit_minutes": 20, "max_attempts": 3, "retry_delay_minutes": 60,
                "pass_mark_percent": 60}  # fmt: skip
    for name, value in {**defaults, **settings}.items():
        setattr(onboarding, name, value)
    for position, (text, kind, options) in enumerate(questions):
        question = QuizQuestion(position=position, text=text, kind=QuestionKind(kind))
        question.options = [
            QuizOption(position=i, text=option_text, is_correct=correct)
            for i, (option_text, correct) in enumerate(options)
        ]
        onboarding.questions.append(question)
    db.session.commit()
    return onboarding


class ApplicationFactory(Base):
    """A submitted application of a verified adult seeker to a published gig."""

    class Meta:
        model = Application

    gig = factory.SubFactory(PublishedGigFactory)
    seeker = factory.SubFactory(UserFactory)
    note = "Three years of customer service at an online shop."
    hours_per_week = 10
    languages = factory.LazyFunction(lambda: ["de", "en"])
