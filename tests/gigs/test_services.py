"""The vetting workflow: every allowed and every refused transition of a gig."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEvent
from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition
from marketplace.gigs import services
from marketplace.gigs.content import Community, GigContent
from marketplace.gigs.models import (
    GIG_TRANSITIONS,
    Gig,
    GigKind,
    GigRevision,
    GigStatus,
    PayModel,
    RevisionStatus,
)
from tests.factories import (
    AdminFactory,
    ClosedGigFactory,
    DraftGigFactory,
    ExpiredGigFactory,
    InReviewGigFactory,
    MatureTagFactory,
    PublishedGigFactory,
    RejectedGigFactory,
    TagFactory,
    UnverifiedSeekerFactory,
    company_member,
)

FACTORY_FOR_STATUS = {
    GigStatus.DRAFT: DraftGigFactory,
    GigStatus.IN_REVIEW: InReviewGigFactory,
    GigStatus.PUBLISHED: PublishedGigFactory,
    GigStatus.REJECTED: RejectedGigFactory,
    GigStatus.CLOSED: ClosedGigFactory,
    GigStatus.EXPIRED: ExpiredGigFactory,
}


def content(**changes) -> GigContent:
    base = dict(
        title="Kundenanfragen per E-Mail beantworten",
        kind=GigKind.EMAIL_SUPPORT,
        description="Fragen zu **Lieferung** und Rücksendung beantworten.",
        pay_model=PayModel.PER_EMAIL,
        rate_cents=80,
        languages=("de",),
        tag_ids=(),
        communities=(),
    )
    base.update(changes)
    return GigContent(**base)


def audit_actions(db) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


# --- the table itself ---------------------------------------------------------


def _latest_revision(gig: Gig, db) -> GigRevision:
    """The revision an admin would act on: the pending one, else the newest
    (decided or withdrawn) one, else a withdrawn one as a stale page would hold."""
    revision = db.session.scalar(
        sa.select(GigRevision).where(GigRevision.gig_id == gig.id).order_by(GigRevision.id.desc())
    )
    if revision is None:
        revision = GigRevision(
            gig_id=gig.id,
            status=RevisionStatus.WITHDRAWN,
            content=GigContent.of_gig(gig).to_json(),
            submitted_by_id=gig.created_by_id,
        )
        db.session.add(revision)
        db.session.flush()
    return revision


def _submit(gig, admin, db):
    services.submit_for_review(gig, by=gig.created_by)


def _approve(gig, admin, db):
    services.approve_revision(_latest_revision(gig, db), by=admin)


def _reject(gig, admin, db):
    services.reject_revision(_latest_revision(gig, db), by=admin, reason="Too vague")


def _withdraw(gig, admin, db):
    services.withdraw_from_review(gig, by=gig.created_by)


def _close(gig, admin, db):
    services.close_gig(gig, by=gig.created_by)


def _take_down(gig, admin, db):
    services.take_down(gig, by=admin, reason="Misleading pay")


# operation → (service call, the statuses it may start from, the status it leads to)
OPERATIONS = {
    "submit": (_submit, {GigStatus.DRAFT, GigStatus.REJECTED}, GigStatus.IN_REVIEW),
    "approve": (_approve, {GigStatus.IN_REVIEW}, GigStatus.PUBLISHED),
    "reject": (_reject, {GigStatus.IN_REVIEW}, GigStatus.REJECTED),
    "withdraw": (_withdraw, {GigStatus.IN_REVIEW}, GigStatus.DRAFT),
    "close": (_close, {GigStatus.PUBLISHED}, GigStatus.CLOSED),
    "take_down": (_take_down, {GigStatus.PUBLISHED}, GigStatus.REJECTED),
}

ALLOWED = [(name, source) for name, (_f, sources, _t) in OPERATIONS.items() for source in sources]
REFUSED = [
    (name, source)
    for name, (_f, sources, _t) in OPERATIONS.items()
    for source in GigStatus
    if source not in sources
]


def test_operations_cover_the_transition_table_exactly():
    covered = {(source, OPERATIONS[name][2]) for name, source in ALLOWED}
    covered.add((GigStatus.PUBLISHED, GigStatus.EXPIRED))  # by expire_gigs, tested below
    table = {(a, b) for a, targets in GIG_TRANSITIONS.items() for b in targets}
    assert covered == table


@pytest.mark.parametrize(("operation", "source"), ALLOWED, ids=str)
def test_allowed_transition(db, operation, source):
    gig = FACTORY_FOR_STATUS[source]()
    move, _sources, target = OPERATIONS[operation]
    move(gig, AdminFactory(), db)
    db.session.commit()
    assert db.session.get(Gig, gig.id).status == target


@pytest.mark.parametrize(("operation", "source"), REFUSED, ids=str)
def test_refused_transition_changes_nothing(db, operation, source):
    gig = FACTORY_FOR_STATUS[source]()
    revisions_before = db.session.scalar(
        sa.select(sa.func.count()).select_from(GigRevision).where(GigRevision.gig_id == gig.id)
    )
    move, _sources, _target = OPERATIONS[operation]
    with pytest.raises(InvalidTransition):
        move(gig, AdminFactory(), db)
    db.session.rollback()
    assert db.session.get(Gig, gig.id).status == source
    assert audit_actions(db) == []
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(GigRevision).where(GigRevision.gig_id == gig.id)
        )
        == revisions_before
    )


def test_published_gig_expires_after_its_date(db, travel):
    gig = PublishedGigFactory()
    travel(gig.expires_at - timedelta(minutes=1))
    assert services.expire_gigs() == 0
    travel(gig.expires_at + timedelta(minutes=1))
    assert services.expire_gigs() == 1
    db.session.commit()
    assert db.session.get(Gig, gig.id).status == GigStatus.EXPIRED
    assert services.expire_gigs() == 0  # running it again changes nothing


@pytest.mark.parametrize("source", [s for s in GigStatus if s != GigStatus.PUBLISHED])
def test_only_published_gigs_expire(db, source):
    gig = FACTORY_FOR_STATUS[source](expires_at=utcnow() - timedelta(days=1))
    assert services.expire_gigs() == 0
    db.session.commit()
    assert db.session.get(Gig, gig.id).status == source


# --- editing a live listing -------------------------------------------------


def _edit(gig, **changes):
    live = GigContent.of_gig(gig)
    return services.update_gig(
        gig,
        by=gig.created_by,
        content=GigContent(**{**live.__dict__, **changes}),
        hours_per_week=gig.hours_per_week,
        openings=gig.openings,
    )


def test_a_second_edit_replaces_the_pending_one(db):
    gig = PublishedGigFactory(title="Live")
    first = _edit(gig, title="First try")
    second = _edit(gig, title="Second try")
    db.session.commit()
    assert first.status == RevisionStatus.SUPERSEDED
    assert second.status == RevisionStatus.PENDING
    assert services.pending_revision(gig).content["title"] == "Second try"
    assert db.session.get(Gig, gig.id).title == "Live"


def test_reverting_an_edit_withdraws_the_pending_revision(db):
    gig = PublishedGigFactory(title="Live")
    pending = _edit(gig, title="Changed")
    assert _edit(gig) is None  # back to exactly the live content
    assert pending.status == RevisionStatus.WITHDRAWN
    assert services.pending_revision(gig) is None


def test_rejected_update_keeps_the_live_listing(db):
    gig = PublishedGigFactory(title="Live", rate_cents=80)
    revision = _edit(gig, rate_cents=5)
    services.reject_revision(revision, by=AdminFactory(), reason="Below minimum wage")
    db.session.commit()
    gig = db.session.get(Gig, gig.id)
    assert (gig.status, gig.rate_cents, gig.rejection_reason) == (GigStatus.PUBLISHED, 80, None)


def test_closing_withdraws_a_pending_update(db):
    gig = PublishedGigFactory()
    revision = _edit(gig, title="Changed meanwhile")
    services.close_gig(gig, by=gig.created_by)
    assert revision.status == RevisionStatus.WITHDRAWN
    with pytest.raises(InvalidTransition):
        services.approve_revision(revision, by=AdminFactory())


def test_edit_while_in_review_restarts_the_review(db):
    gig = InReviewGigFactory(title="Waiting")
    old = services.pending_revision(gig)
    new = _edit(gig, title="Improved while waiting")
    assert old.status == RevisionStatus.SUPERSEDED
    assert new.content["title"] == "Improved while waiting"
    assert gig.title == "Improved while waiting"


@pytest.mark.parametrize("factory", [ClosedGigFactory, ExpiredGigFactory])
def test_ended_gigs_cannot_be_edited(db, factory):
    gig = factory()
    with pytest.raises(InvalidTransition):
        _edit(gig, title="Revived")


# --- content rules ------------------------------------------------------------


def test_moderation_gig_needs_its_communities(db):
    owner = company_member()
    with pytest.raises(DomainError, match="community or chat"):
        services.create_gig(
            owner.company,
            by=owner,
            content=content(kind=GigKind.CHAT_MODERATION),
            hours_per_week=5,
            openings=1,
        )
    gig = services.create_gig(
        owner.company,
        by=owner,
        content=content(
            kind=GigKind.CHAT_MODERATION,
            communities=(Community("Telegram group", "Customers", "Product questions"),),
        ),
        hours_per_week=5,
        openings=1,
    )
    assert [c.name for c in gig.communities] == ["Telegram group"]


def test_inactive_or_unknown_tags_are_refused(db):
    owner = company_member()
    retired = TagFactory(is_active=False)
    for tag_ids in ((retired.id,), (424242,)):
        with pytest.raises(DomainError, match="content tags from the list"):
            services.create_gig(
                owner.company,
                by=owner,
                content=content(tag_ids=tag_ids),
                hours_per_week=5,
                openings=1,
            )


def test_mature_flag_follows_the_tags(db):
    owner = company_member()
    adult = MatureTagFactory()
    gig = services.create_gig(
        owner.company, by=owner, content=content(tag_ids=(adult.id,)), hours_per_week=5, openings=1
    )
    assert gig.is_mature


def test_submitting_needs_a_verified_email(db):
    owner = company_member(email_verified_at=None)
    gig = DraftGigFactory(company=owner.company, created_by=owner)
    with pytest.raises(DomainError, match="confirm your email"):
        services.submit_for_review(gig, by=owner)
    assert gig.status == GigStatus.DRAFT


def test_approval_and_rejection_are_audited(db):
    admin = AdminFactory()
    approved = InReviewGigFactory()
    rejected = InReviewGigFactory()
    services.approve_revision(services.pending_revision(approved), by=admin, note="Nice")
    services.reject_revision(services.pending_revision(rejected), by=admin, reason="Vague")
    db.session.commit()
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.object_id, e.actor_id) for e in events] == [
        ("gig.approve", approved.id, admin.id),
        ("gig.reject", rejected.id, admin.id),
    ]
    assert events[1].before == {"status": "in_review"}
    assert events[1].after["status"] == "rejected"
    assert events[1].reason == "Vague"


def test_report_rules(db):
    gig = PublishedGigFactory()
    reporter = UnverifiedSeekerFactory()
    services.report_gig(gig, by=reporter, reason="Scam")
    with pytest.raises(DomainError, match="already reported"):
        services.report_gig(gig, by=reporter, reason="Scam again")
    with pytest.raises(DomainError, match="what is wrong"):
        services.report_gig(gig, by=UnverifiedSeekerFactory(), reason="   ")
    with pytest.raises(InvalidTransition):
        services.report_gig(DraftGigFactory(), by=reporter, reason="Draft?")
