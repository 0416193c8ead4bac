"""``flask seed demo``: demo accounts, companies, content tags and gigs.

Everything is made through the same services a person's clicks would call,
so the demo holds exactly what real use produces: review revisions, audit
rows, outbox emails. The run is idempotent: users are found by email,
companies by name, tags by slug and gigs by company and title before anything
is created, and only what was created in this run goes through its lifecycle
(review, decisions, reports, suspension). Nothing here commits; the CLI
command commits once at the end.

Two shortcuts, acceptable for demo data only: demo addresses are marked
verified at once, and a gig meant to show the "expired" state has its
publication moved 60+ days into the past before ``expire_gigs`` runs.
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
from marketplace.seed.demo_data import (
    ADMIN_EMAIL,
    COMPANIES,
    DEMO_PASSWORD,
    GIGS,
    LOGINS,
    SEEKERS,
    TAGS,
    CompanySpec,
    GigSpec,
    Plan,
    Report,
    SeekerSpec,
    TagSpec,
)

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

    def run(self) -> None:
        self.admin = self._admin()
        for spec in TAGS:
            self.tags[spec.slug] = self._tag(spec)
        for spec in COMPANIES:
            self._company(spec)
        for spec in SEEKERS:
            self.users[spec.email] = self._seeker(spec)
        for spec in GIGS:
            self._gig(spec)
        self._expire()
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

    # --- the report on the console ------------------------------------------------------
    def summary(self) -> str:
        if self.created:
            made = ", ".join(
                f"{self.created[what]} {what}"
                for what in ("users", "companies", "tags", "gigs")
                if self.created[what]
            )
            head = f"Demo data created: {made}."
        else:
            head = "Demo data already present: nothing new created."
        width = max(len(email) for email, _ in LOGINS)
        lines = [head, f"Demo logins (password for all: {DEMO_PASSWORD}):"]
        lines += [f"  {email.ljust(width)}  {role}" for email, role in LOGINS]
        return "\n".join(lines)


def seed_demo() -> str:
    """Create the demo data that is missing; return a summary with the demo logins.

    Flushes but does not commit: the caller commits once.
    """
    seeder = _Seeder()
    seeder.run()
    return seeder.summary()
