"""The vetting workflow: every allowed and every refused transition of a gig."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEvent
from marketplace.db import utcnow
from marketplace.errors import InvalidTransition
from marketplace.gigs import services
from marketplace.gigs.content import GigContent
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
    PublishedGigFactory,
    RejectedGigFactory,
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
