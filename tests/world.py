"""A small, complete world for authorization tests: two companies, their gigs in
several states, a seeker, an admin, a report, a tag and an invitation."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.accounts.models import Company, CompanyRole, Invitation, User
from marketplace.auth.tokens import TokenPurpose, make_token
from marketplace.extensions import db
from marketplace.gigs.models import ContentTag, Gig, GigReport, GigRevision, RevisionStatus
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
    )
