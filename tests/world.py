"""A small, complete world for authorization tests: two companies, their gigs in
several states, a seeker, an admin, a report, a tag and an invitation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from marketplace.accounts.models import Company, CompanyRole, Invitation, User
from marketplace.auth.tokens import TokenPurpose, make_token
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import ContentTag, Gig, GigReport, GigRevision, RevisionStatus
from marketplace.messaging.models import MessageThread, Side, ThreadMessage, ThreadReport
from marketplace.onboarding.models import (
    Application,
    ApplicationStatus,
    Engagement,
    Onboarding,
    QuestionKind,
    QuizAttempt,
    QuizOption,
    QuizQuestion,
)
from marketplace.onboarding.services import rules_hash_of
from marketplace.standing.models import Appeal, Measure, MeasureKind
from tests.factories import (
    AdminFactory,
    CompanyFactory,
    DraftGigFactory,
    InReviewGigFactory,
    PublishedGigFactory,
    ReportFactory,
    TagFactory,
    UserFactory,
    company_member,
)


@dataclass
class World:
    company: Company
    owner: User
    manager: User
    other_company: Company
    other_owner: User
    seeker: User
    admin: User
    draft: Gig
    published: Gig
    in_review: Gig
    revision: GigRevision
    report: GigReport
    tag: ContentTag
    invitation: Invitation
    onboarding: Onboarding
    question: QuizQuestion
    application: Application  # the seeker's, on the published gig, one failed attempt
    attempt: QuizAttempt
    worker: User  # another seeker, hired on the published gig
    engagement: Engagement
    measure: Measure  # the seeker's suspension, over by now; not appealed
    appeal: Appeal  # the worker's, against a suspension that is over; pending
    thread: MessageThread  # the seeker's application's conversation; not reported
    reported_thread: MessageThread  # the worker's conversation; the worker reported it
    thread_report: ThreadReport

    def user_for(self, role: str) -> User | None:
        return {
            "anonymous": None,
            "seeker": self.seeker,
            "other_company": self.other_owner,
            "company": self.owner,
            "admin": self.admin,
        }[role]

    def token(self, purpose: TokenPurpose) -> str:
        if purpose == TokenPurpose.VERIFY_EMAIL:
            return make_token(purpose, {"user": self.seeker.id, "email": self.seeker.email})
        if purpose == TokenPurpose.RESET_PASSWORD:
            return make_token(
                purpose, {"user": self.seeker.id, "fp": self.seeker.password_hash[-16:]}
            )
        return make_token(
            purpose, {"invitation": self.invitation.id, "email": self.invitation.email}
        )


def build_world() -> World:
    company = CompanyFactory(name="Fahrradladen GmbH")
    owner = company_member(company, CompanyRole.OWNER, email="owner@fahrrad.test")
    manager = company_member(company, CompanyRole.MANAGER, email="manager@fahrrad.test")
    other_company = CompanyFactory(name="Other Shop AG")
    other_owner = company_member(other_company, CompanyRole.OWNER, email="owner@other.test")
    seeker = UserFactory(email="seeker@world.test")
    admin = AdminFactory(email="admin@world.test")
    draft = DraftGigFactory(company=company, created_by=owner, title="Draft: answer emails")
    published = PublishedGigFactory(company=company, created_by=owner, title="Live: answer emails")
    in_review = InReviewGigFactory(company=company, created_by=owner, title="Waiting: moderate")
    revision = (
        db.session.query(GigRevision)
        .filter_by(gig_id=in_review.id, status=RevisionStatus.PENDING)
        .one()
    )
    report = ReportFactory(gig=published, reporter=UserFactory(email="reporter@world.test"))
    tag = TagFactory(slug="complaints")
    invitation = Invitation(
        company_id=company.id,
        email="invitee@fahrrad.test",
        role=CompanyRole.MANAGER,
        invited_by_id=owner.id,
    )
    db.session.add(invitation)
    onboarding, question = _onboarding(published)
    application = Application(
        gig_id=published.id,
        seeker_id=seeker.id,
        status=ApplicationStatus.ONBOARDING,
        note="I answered shop emails for three years.",
        hours_per_week=10,
        languages=["de"],
    )
    db.session.add(application)
    db.session.flush()
    attempt = QuizAttempt(
        application_id=application.id,
        number=1,
        submitted_at=utcnow(),
        paper=[{"id": question.id, "text": question.text, "kind": "single",
                "options": [{"id": o.id, "text": o.text} for o in question.options]}],
        key={str(question.id): [question.options[0].id]},
        answers={str(question.id): [question.options[1].id]},
        pass_mark_percent=onboarding.pass_mark_percent,
        score_percent=0,
        passed=False,
        wrong_question_ids=[question.id],
    )  # fmt: skip
    worker = UserFactory(email="worker@world.test")
    hired = Application(
        gig_id=published.id,
        seeker_id=worker.id,
        status=ApplicationStatus.HIRED,
        hours_per_week=20,
        languages=["de", "en"],
    )
    db.session.add_all([attempt, hired])
    db.session.flush()
    engagement = Engagement(
        gig_id=published.id,
        worker_id=worker.id,
        application_id=hired.id,
        rate_cents=published.rate_cents,
        pay_model=published.pay_model,
    )
    db.session.add(engagement)
    measure, appeal = _standing(seeker, worker, admin)
    thread, reported_thread, thread_report = _conversations(application, hired, owner)
    db.session.commit()
    return World(
        company=company,
        owner=owner,
        manager=manager,
        other_company=other_company,
        other_owner=other_owner,
        seeker=seeker,
        admin=admin,
        draft=draft,
        published=published,
        in_review=in_review,
        revision=revision,
        report=report,
        tag=tag,
        invitation=invitation,
        onboarding=onboarding,
        question=question,
        application=application,
        attempt=attempt,
        worker=worker,
        engagement=engagement,
        measure=measure,
        appeal=appeal,
        thread=thread,
        reported_thread=reported_thread,
        thread_report=thread_report,
    )


def _conversations(
    application: Application, hired: Application, owner: User
) -> tuple[MessageThread, MessageThread, ThreadReport]:
    threads = []
    for each in (application, hired):
        thread = MessageThread(application_id=each.id)
        db.session.add(thread)
        db.session.flush()
        db.session.add_all([
            ThreadMessage(thread_id=thread.id, author_id=owner.id, side=Side.COMPANY,
                          body="Hello! Any questions about the gig?"),
            ThreadMessage(thread_id=thread.id, author_id=each.seeker_id, side=Side.SEEKER,
                          body="Yes: how many emails a day?"),
        ])  # fmt: skip
        threads.append(thread)
    report = ThreadReport(thread_id=threads[1].id, reporter_id=hired.seeker_id, reason="Rude.")
    db.session.add(report)
    db.session.flush()
    return threads[0], threads[1], report


def _standing(seeker: User, worker: User, admin: User) -> tuple[Measure, Appeal]:
    """Two suspensions that are over (so both people can log in); the worker appealed."""
    started = utcnow() - timedelta(days=30)
    ended = started + timedelta(days=7)
    measures = [
        Measure(kind=MeasureKind.SUSPENSION, user_id=person.id, reason="Rude to customers.",
                imposed_by_id=admin.id, started_at=started, ends_at=ended, lifted_at=ended)
        for person in (seeker, worker)
    ]  # fmt: skip
    db.session.add_all(measures)
    db.session.flush()
    appeal = Appeal(measure_id=measures[1].id, appellant_id=worker.id, text="It was a mix-up.")
    db.session.add(appeal)
    db.session.flush()
    return measures[0], appeal


def _onboarding(gig: Gig) -> tuple[Onboarding, QuizQuestion]:
    rules = "Be friendly. Never promise refunds."
    onboarding = Onboarding(gig_id=gig.id, rules=rules, rules_hash=rules_hash_of(rules))
    question = QuizQuestion(text="A parcel is late. What do you do?", kind=QuestionKind.SINGLE)
    question.options = [
        QuizOption(position=0, text="Look up the tracking and answer", is_correct=True),
        QuizOption(position=1, text="Promise a refund", is_correct=False),
    ]
    onboarding.questions = [question]
    db.session.add(onboarding)
    db.session.flush()
    return onboarding, question
