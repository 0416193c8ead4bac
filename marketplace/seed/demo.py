"""``flask seed demo``: demo accounts, companies, content tags, gigs, onboardings
(rules and quizzes) and applications.

Everything is made through the same services a person's clicks would call,
so the demo holds exactly what real use produces: review revisions, audit
rows, outbox emails. The run is idempotent: users are found by email,
companies by name, tags by slug and gigs by company and title before anything
is created, and only what was created in this run goes through its lifecycle
(review, decisions, reports, suspension). A gig's onboarding is set up when the
gig has none yet, and its applications are played only then: apply, acknowledge
the rules, quiz attempts answered from the attempt's own paper and key (right,
or wrong on purpose), hire, reject, withdraw. Before its first hire a company
pays for its balance by test card, and every hired worker connects Stripe, both
through Stripe's API (``marketplace.seed.money``: the emulator must be running,
as ``make run`` ensures). Then the email work pool's demo mailbox
(``marketplace.seed.workpool``) and, last, moderation work: Chat Demo UG's
communities, their items and the demo moderator's decisions
(``marketplace.seed.moderation``), and after all work the levels and the demo
seeker's offer (``marketplace.seed.growth``). Nothing here commits except the work pool's
reply sending (one commit per reply, as from cron); the CLI command commits at
the end.

Shortcuts, acceptable for demo data only: demo addresses are marked verified
at once; a gig meant to show the "expired" state has its publication moved
60+ days into the past before ``expire_gigs`` runs; and since a seeder cannot
wait between quiz attempts, a quiz is imported without a waiting time, the
applicants who retake it take their attempts, and then the company's real
waiting time is saved, which every later attempt and page (the retake time of
an applicant who failed once) shows.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from marketplace.accounts import moderation
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Company, User
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs import services as gigs
from marketplace.gigs.content import GigContent
from marketplace.gigs.models import (
    ContentTag,
    Gig,
    GigReport,
    GigRevision,
    GigStatus,
)
from marketplace.gigs.tags import create_tag
from marketplace.onboarding import applications, hiring
from marketplace.onboarding.models import Application, ApplicationStatus, QuizAttempt
from marketplace.onboarding.quiz_file import import_quiz
from marketplace.onboarding.services import QuizSettings, onboarding_for, save_rules, save_settings
from marketplace.payments import payouts
from marketplace.seed import money
from marketplace.seed.demo_data import (
    ADMIN_EMAIL,
    COMPANIES,
    DEMO_PASSWORD,
    GIGS,
    LOGINS,
    ONBOARDINGS,
    SEEKERS,
    TAGS,
    ApplicationSpec,
    CompanySpec,
    GigSpec,
    OnboardingSpec,
    Plan,
    Report,
    SeekerSpec,
    TagSpec,
)
from marketplace.seed.growth import seed_growth
from marketplace.seed.messages import seed_messages
from marketplace.seed.moderation import seed_moderation
from marketplace.seed.moderation_data import MODERATION_ONBOARDINGS, MODERATOR
from marketplace.seed.ratings import seed_ratings
from marketplace.seed.workpool import seed_workpool
from marketplace.seed.workpool_data import FUNDING_CENTS

# What the summary counts, in this order.
SUMMARY_KEYS = ("users", "companies", "tags", "gigs", "onboardings", "applications",
                "payments", "Stripe accounts", "mailboxes", "canned replies", "customer emails",
                "answers", "escalations", "approved units", "communities", "moderation items",
                "moderation decisions", "live sessions")  # fmt: skip

# --- the run ---------------------------------------------------------------------


class _Seeder:
    def __init__(self) -> None:
        self.created: Counter[str] = Counter()
        self.tags: dict[str, ContentTag] = {}
        self.companies: dict[str, Company] = {}
        self.owners: dict[str, User] = {}
        self.users: dict[str, User] = {}
        self.new_companies: set[str] = set()
        self.to_expire: list[Gig] = []
        self.notes: list[str] = []

    def run(self) -> None:
        self.admin = self._admin()
        for spec in TAGS:
            self.tags[spec.slug] = self._tag(spec)
        for spec in COMPANIES:
            self._company(spec)
        for spec in (*SEEKERS, MODERATOR):
            self.users[spec.email] = self._seeker(spec)
        for spec in GIGS:
            self._gig(spec)
        self._expire()
        for spec in (*ONBOARDINGS, *MODERATION_ONBOARDINGS):
            self._onboarding(spec)
        for spec in COMPANIES:
            if spec.suspend_reason and spec.name in self.new_companies:
                moderation.suspend_company(
                    self.companies[spec.name], reason=spec.suspend_reason, by=self.admin
                )
        db.session.flush()

    # --- accounts ----------------------------------------------------------------
    def _verified(self, user: User) -> User:
        user.email_verified_at = utcnow()
        self.created["users"] += 1
        return user

    def _admin(self) -> User:
        admin = accounts.find_user_by_email(ADMIN_EMAIL)
        if admin is None:
            admin = accounts.create_admin(
                email=ADMIN_EMAIL, password=DEMO_PASSWORD, display_name="Demo Admin"
            )
            accounts.set_locale(admin, "de")
            self._verified(admin)
        return admin

    def _company(self, spec: CompanySpec) -> None:
        company = db.session.scalar(sa.select(Company).where(Company.name == spec.name))
        if company is None:
            company, owner = accounts.register_company(
                company_name=spec.name,
                website=spec.website,
                email=spec.owner_email,
                password=DEMO_PASSWORD,
                display_name=spec.owner_name,
                locale=spec.locale,
            )
            self._verified(owner)
            accounts.update_company(
                company, name=spec.name, website=spec.website, description=spec.description
            )
            if spec.verified:
                moderation.verify_company(company, by=self.admin, reason="Demo: Impressum geprüft.")
            self.created["companies"] += 1
            self.new_companies.add(spec.name)
        owner = accounts.find_user_by_email(spec.owner_email) or company.memberships[0].user
        self.companies[spec.name] = company
        self.owners[spec.name] = owner
        self.users[owner.email] = owner

    def _seeker(self, spec: SeekerSpec) -> User:
        user = accounts.find_user_by_email(spec.email)
        if user is not None:
            return user
        user = accounts.register_seeker(
            email=spec.email,
            password=DEMO_PASSWORD,
            display_name=spec.display_name,
            date_of_birth=spec.date_of_birth,
            locale=spec.locale,
        )
        accounts.update_profile(
            user,
            display_name=spec.display_name,
            languages=list(spec.languages),
            hours_per_week=spec.hours_per_week,
            introduction=spec.introduction,
            mature_opt_in=spec.mature_opt_in,
        )
        return self._verified(user)

    def _tag(self, spec: TagSpec) -> ContentTag:
        tag = db.session.scalar(sa.select(ContentTag).where(ContentTag.slug == spec.slug))
        if tag is None:
            fields = dataclasses.asdict(spec)
            tag = create_tag(by=self.admin, **fields)
            self.created["tags"] += 1
        return tag

    # --- gigs ----------------------------------------------------------------------
    def _tag_ids(self, slugs: tuple[str, ...]) -> tuple[int, ...]:
        return tuple(self.tags[slug].id for slug in slugs)

    def _gig(self, spec: GigSpec) -> None:
        company = self.companies[spec.company]
        exists = db.session.scalar(
            sa.select(Gig.id).where(Gig.company_id == company.id, Gig.title == spec.title)
        )
        if exists is not None:
            return
        owner = self.owners[spec.company]
        content = GigContent(
            title=spec.title,
            kind=spec.kind,
            description=spec.description,
            pay_model=spec.pay_model,
            rate_cents=spec.rate_cents,
            languages=spec.languages,
            tag_ids=self._tag_ids(spec.tags),
            communities=spec.communities,
        )
        gig = gigs.create_gig(
            company,
            by=owner,
            content=content,
            hours_per_week=spec.hours_per_week,
            openings=spec.openings,
        )
        self.created["gigs"] += 1
        if spec.plan is not Plan.DRAFT:
            self._review(gig, spec, owner)

    def _edit(self, gig: Gig, spec: GigSpec, owner: User) -> GigRevision | None:
        live = GigContent.of_gig(gig)
        changed = dataclasses.replace(
            live,
            description=f"{live.description}\n\n{spec.change}",
            rate_cents=spec.change_rate_cents or live.rate_cents,
        )
        revision = gigs.update_gig(
            gig,
            by=owner,
            content=changed,
            hours_per_week=gig.hours_per_week,
            openings=gig.openings,
        )
        return revision

    def _review(self, gig: Gig, spec: GigSpec, owner: User) -> None:
        revision = gigs.submit_for_review(gig, by=owner)
        if spec.plan is Plan.WITHDRAWN:
            gigs.withdraw_from_review(gig, by=owner)
            return
        if spec.plan is Plan.IN_REVIEW:
            return
        if spec.plan in (Plan.REJECTED, Plan.RESUBMITTED):
            gigs.reject_revision(revision, by=self.admin, reason=spec.reason)
            if spec.plan is Plan.RESUBMITTED:
                self._edit(gig, spec, owner)
                gigs.submit_for_review(gig, by=owner)
            return
        admin_tags = None if spec.admin_tags is None else list(self._tag_ids(spec.admin_tags))
        gigs.approve_revision(revision, by=self.admin, tag_ids=admin_tags)
        self._after_publication(gig, spec, owner)

    def _after_publication(self, gig: Gig, spec: GigSpec, owner: User) -> None:
        if spec.plan is Plan.UPDATE_PENDING:
            self._edit(gig, spec, owner)
        elif spec.plan is Plan.UPDATE_REJECTED:
            update = self._edit(gig, spec, owner)
            assert update is not None, "the demo edit must change reviewed content"
            gigs.reject_revision(update, by=self.admin, reason=spec.reason)
        elif spec.plan is Plan.CLOSED:
            gigs.close_gig(gig, by=owner)
        elif spec.plan is Plan.EXPIRED:
            self.to_expire.append(gig)
        self._reports(gig, spec)
        if spec.plan is Plan.TAKEN_DOWN and gig.status == GigStatus.PUBLISHED:
            gigs.take_down(gig, by=self.admin, reason=spec.reason)

    def _reports(self, gig: Gig, spec: GigSpec) -> None:
        filed: list[tuple[GigReport, Report]] = [
            (gigs.report_gig(gig, by=self.users[r.reporter], reason=r.reason), r)
            for r in spec.reports
        ]
        for report, r in filed:
            if r.outcome == "dismissed":
                gigs.dismiss_report(report, by=self.admin, note=r.note)
            elif r.outcome == "actioned" and gig.status == GigStatus.PUBLISHED:
                gigs.take_down_reported(report, by=self.admin, reason=spec.reason)

    def _expire(self) -> None:
        """Move the publication of gigs meant to be expired past their lifetime, then
        let the housekeeping job expire them as it would from cron."""
        if not self.to_expire:
            return
        lifetime = timedelta(days=current_app.config["GIG_LIFETIME_DAYS"])
        for gig in self.to_expire:
            gig.published_at = utcnow() - lifetime - timedelta(days=3)
            gig.expires_at = gig.published_at + lifetime
        gigs.expire_gigs()

    # --- onboarding and applications ------------------------------------------------
    def _onboarding(self, spec: OnboardingSpec) -> None:
        company = self.companies[spec.company]
        gig = db.session.scalar(
            sa.select(Gig).where(Gig.company_id == company.id, Gig.title == spec.gig)
        )
        assert gig is not None, f"no demo gig {spec.gig!r} of {spec.company}"
        if onboarding_for(gig) is not None:
            return  # set up by an earlier run; the company may have changed it since
        owner = self.owners[spec.company]
        save_rules(gig, rules=spec.rules, by=owner)
        self.created["onboardings"] += 1
        if spec.quiz is None:
            for application in spec.applications:
                self._application(gig, application)
            return
        settings = spec.quiz["settings"]
        import_quiz(
            gig, {**spec.quiz, "settings": {**settings, "retry_delay_minutes": 0}}, by=owner
        )
        retakes = [a for a in spec.applications if len(a.wrong_answers) > 1]
        for application in retakes:
            self._application(gig, application)
        save_settings(gig, settings=QuizSettings(**settings))
        for application in spec.applications:
            if application not in retakes:
                self._application(gig, application)

    def _application(self, gig: Gig, spec: ApplicationSpec) -> None:
        seeker = self.users[spec.seeker]
        exists = db.session.scalar(
            sa.select(Application.id).where(
                Application.gig_id == gig.id, Application.seeker_id == seeker.id
            )
        )
        if exists is not None:
            return
        application = applications.apply(
            gig,
            seeker=seeker,
            note=spec.note,
            hours_per_week=spec.hours_per_week,
            languages=list(spec.languages),
            consent=applications.consent_fingerprint(gig) if gig.is_mature else None,
        )
        self.created["applications"] += 1
        onboarding = onboarding_for(gig)
        if spec.status is not ApplicationStatus.SUBMITTED and onboarding.has_rules:
            applications.acknowledge_rules(application, by=seeker, rules_hash=onboarding.rules_hash)
        for wrong in spec.wrong_answers:
            attempt = applications.start_attempt(application, by=seeker)
            applications.submit_attempt(attempt, by=seeker, answers=_answers(attempt, wrong))
        owner = self.owners[gig.company.name]
        if spec.status is ApplicationStatus.HIRED:
            self._fund(gig.company, owner)  # hiring needs money for the first work
            hiring.hire(application, by=owner)
            self._connect(seeker)
        elif spec.status is ApplicationStatus.REJECTED:
            hiring.reject(application, by=owner, reason=spec.reason)
        elif spec.status is ApplicationStatus.WITHDRAWN:
            applications.withdraw(application, by=seeker)
        assert application.status == spec.status, (
            f"{spec.seeker} on {gig.title!r} ended {application.status}, not {spec.status}"
        )

    # --- money (through Stripe's API, see marketplace.seed.money) ----------------------
    def _fund(self, company: Company, owner: User) -> None:
        if not money.has_funds(company):
            money.fund(company, by=owner, amount_cents=FUNDING_CENTS)
            self.created["payments"] += 1

    def _connect(self, worker: User) -> None:
        if payouts.connected_account_for(worker) is None:
            self.created["Stripe accounts"] += 1
        if not money.connect(worker):
            self.notes.append(
                f"  ({worker.email} could not finish Stripe onboarding here: "
                "connect on the Earnings page)"
            )

    # --- the report on the console ------------------------------------------------------
    def summary(self) -> str:
        if self.created:
            made = ", ".join(
                f"{self.created[what]} {what}" for what in SUMMARY_KEYS if self.created[what]
            )
            head = f"Demo data created: {made}."
        else:
            head = "Demo data already present: nothing new created."
        width = max(len(email) for email, _ in LOGINS)
        lines = [head, f"Demo logins (password for all: {DEMO_PASSWORD}):"]
        lines += [f"  {email.ljust(width)}  {role}" for email, role in LOGINS]
        return "\n".join(lines + self.notes)


def _answers(attempt: QuizAttempt, wrong: int) -> dict[int, list[int]]:
    """Answers to the attempt's paper: the first ``wrong`` questions answered with an
    option outside the key, every other question with exactly its key."""
    answers: dict[int, list[int]] = {}
    for number, question in enumerate(attempt.paper):
        key = attempt.key[str(question["id"])]
        if number < wrong:
            key = [next(o["id"] for o in question["options"] if o["id"] not in key)]
        answers[question["id"]] = key
    return answers


def seed_demo() -> str:
    """Create the demo data that is missing; return a summary with the demo logins.

    Flushes; the caller commits at the end. The work pool step last commits on its
    own while it sends the demo replies (see ``marketplace.seed.workpool``).
    """
    seeder = _Seeder()
    seeder.run()
    conversations = seed_messages()
    workpool = seed_workpool()  # it needs the hired seeker (and commits, see there)
    moderation = seed_moderation()  # the moderator works on Chat Demo UG's items
    ratings = seed_ratings()  # Sam's earlier work on the English gig, rated both ways
    growth = seed_growth()  # last: levels from all the work above, and an offer
    seeder.created.update(workpool.created)
    seeder.created.update(moderation.created)
    lines = [
        seeder.summary(),
        *conversations,
        *workpool.lines,
        *moderation.lines,
        *ratings,
        *growth,
    ]
    return "\n".join(lines)
