"""The team lead: a worker whose current terms give the team-lead role on a gig
reviews the other workers' pending units of that gig on the one review page, with
the company's own approve/reject, and is paid once per reviewed unit at the terms'
rate; their own units, other gigs' units and everyone without the role get 404,
and access ends with the terms that gave it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.growth import offers
from marketplace.growth.models import OfferKind
from marketplace.growth.offers import OfferTerms
from marketplace.onboarding.models import Engagement
from marketplace.payments.models import UnitKind, UnitStatus, WorkUnit
from tests.payments.pay_world import PayWorld, build, part, text

REVIEW_RATE = 15  # + 2 fee (15 %, rounded half up)


def _lead_engagement(world: PayWorld) -> Engagement:
    return db.session.scalar(
        sa.select(Engagement).where(
            Engagement.worker_id == world.other_worker_id,
            Engagement.gig_id == world.email_gig_id,
        )
    )


def _offer(world: PayWorld, terms: OfferTerms) -> None:
    engagement = _lead_engagement(world)
    offer = offers.make_offer(engagement, terms, by=db.session.get(User, world.owner_id))
    offers.accept(offer, by=engagement.worker)
    db.session.commit()


@pytest.fixture
def world(app, login_as) -> PayWorld:
    """The other worker of the email gig accepted a team-lead offer and is logged in."""
    with app.app_context():
        found = build()
        _offer(found, OfferTerms(OfferKind.TEAM_LEAD, review_rate_cents=REVIEW_RATE))
        login_as(db.session.get(User, found.other_worker_id))
        return found


def shown_units(response) -> set[int]:
    return {int(i) for i in re.findall(r'<tr id="unit-(\d+)"', response.get_data(as_text=True))}


def review_units(source: str) -> list[WorkUnit]:
    return list(db.session.scalars(sa.select(WorkUnit).where(WorkUnit.source == source)))


def test_the_team_lead_sees_the_other_workers_work_of_the_gig_only(app, client, world):
    page = client.get(f"/work/gigs/{world.email_gig_id}/review")
    assert page.status_code == 200
    # The other worker's answer, escalation and hand-logged emails; not the lead's own
    # answer, not the moderated item or the hours (other gigs).
    assert shown_units(page) == {world.answer, world.escalation, world.manual}
    assert "Waiting for review (3)" in text(page)
    assert "Worker pay" not in text(page)  # the company's money is not shown


def test_the_team_lead_approves_and_is_paid_once(app, client, world):
    url = f"/work/gigs/{world.email_gig_id}/review/units/{world.answer}/approve"
    done = client.post(url, follow_redirects=True)
    assert "Approved: 1 email by" in text(done)
    assert "€0.15 per reviewed unit" in text(done)
    assert world.answer not in shown_units(done)
    again = client.post(url, follow_redirects=True)
    assert again.status_code == 200 and "already been decided" in text(again)
    earnings = text(client.get("/earnings"))
    assert "1 review" in earnings and "€0.15" in earnings
    with app.app_context():
        unit = db.session.get(WorkUnit, world.answer)
        assert unit.status == UnitStatus.APPROVED and unit.decided_by_id == world.other_worker_id
        audit = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.object_type == "unit", AuditEvent.object_id == unit.id
            )
        )
        assert audit.action == "unit.approve" and audit.actor_id == world.other_worker_id
        [paid] = review_units(f"review:{unit.id}")
        assert (paid.worker_id, paid.kind, paid.amount_cents, paid.fee_cents) == (
            world.other_worker_id, UnitKind.REVIEW, REVIEW_RATE, 2,
        )  # fmt: skip
        assert paid.status == UnitStatus.PENDING and paid.gig_id == world.email_gig_id


def test_the_company_sees_and_decides_the_team_leads_review(app, client, login_as, world):
    client.post(f"/work/gigs/{world.email_gig_id}/review/units/{world.answer}/approve")
    with app.app_context():
        [paid] = review_units(f"review:{world.answer}")
        paid_id = paid.id
        name = db.session.get(User, world.worker_id).display_name
        lead = db.session.get(User, world.other_worker_id).display_name
        login_as(db.session.get(User, world.owner_id))
    page = client.get("/company/review?kind=review")
    assert shown_units(page) == {paid_id}
    assert "1 review" in text(page) and "€0.15 per reviewed unit" in text(page)
    assert f"Reviewed: 1 email by {name} · Approved" in text(page)
    history = client.get("/company/review?tab=history")
    assert f"by {lead}" in part(history, f'id="unit-{world.answer}"')
    client.post(f"/company/review/units/{paid_id}/approve")
    with app.app_context():
        assert db.session.get(WorkUnit, paid_id).status == UnitStatus.APPROVED


def test_the_team_lead_rejects_with_a_reason_and_is_paid(app, client, world):
    url = f"/work/gigs/{world.email_gig_id}/review/units/{world.manual}/reject"
    done = client.post(url, data={"reason": "Keine Notizen angehängt."}, follow_redirects=True)
    assert "Rejected: 2 emails by" in text(done)
    with app.app_context():
        unit = db.session.get(WorkUnit, world.manual)
        assert unit.status == UnitStatus.REJECTED and unit.decided_by_id == world.other_worker_id
        assert unit.rejection_reason == "Keine Notizen angehängt."
        assert len(review_units(f"review:{world.manual}")) == 1


def test_own_units_and_other_gigs_units_are_404(app, client, world):
    gig = world.email_gig_id
    for unit in (world.other, world.item, world.hours):  # own; other gigs
        for action in ("approve", "reject"):
            answer = client.post(
                f"/work/gigs/{gig}/review/units/{unit}/{action}", data={"reason": "x"}
            )
            assert answer.status_code == 404
    assert client.get(f"/work/gigs/{world.item_gig_id}/review").status_code == 404
    url = f"/work/gigs/{world.item_gig_id}/review/units/{world.item}/approve"
    assert client.post(url).status_code == 404
    with app.app_context():
        assert db.session.get(WorkUnit, world.other).status == UnitStatus.PENDING
        assert db.session.get(WorkUnit, world.item).status == UnitStatus.PENDING
        assert not review_units(f"review:{world.other}")


def test_a_worker_without_the_role_gets_404(app, client, login_as, world):
    with app.app_context():
        login_as(db.session.get(User, world.worker_id))
    assert client.get(f"/work/gigs/{world.email_gig_id}/review").status_code == 404
    url = f"/work/gigs/{world.email_gig_id}/review/units/{world.other}/approve"
    assert client.post(url).status_code == 404
    assert "/work/gigs/" not in client.get("/account/levels").get_data(as_text=True)


def test_access_ends_when_the_terms_change(app, client, world):
    menu = client.get("/account/levels").get_data(as_text=True)
    assert f'href="/work/gigs/{world.email_gig_id}/review"' in menu
    with app.app_context():
        _offer(
            world,
            OfferTerms(OfferKind.FULL_TIME, message="Join us", terms_text="40 h a week"),
        )
    assert client.get(f"/work/gigs/{world.email_gig_id}/review").status_code == 404
    url = f"/work/gigs/{world.email_gig_id}/review/units/{world.answer}/approve"
    assert client.post(url).status_code == 404
    assert "/work/gigs/" not in client.get("/account/levels").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(WorkUnit, world.answer).status == UnitStatus.PENDING


def test_the_service_refuses_review_units_too(app, world):
    """The company keeps the last word on team leads' reviews: lead_reviews refuses a
    review unit itself, not only the view's policy (a second lead's review, say)."""
    from decimal import Decimal

    from marketplace.errors import InvalidTransition
    from marketplace.payments import lead_reviews, units

    with app.app_context():
        worker = db.session.get(User, world.worker_id)
        engagement = db.session.scalar(
            sa.select(Engagement).where(
                Engagement.worker_id == world.worker_id,
                Engagement.gig_id == world.email_gig_id,
            )
        )
        review = units.record_units(
            engagement,
            kind=UnitKind.REVIEW,
            quantity=Decimal(1),
            source="review:another-lead",
            work_date=engagement.created_at.date(),
            by=worker,
            rate_cents=REVIEW_RATE,
        )
        lead = _lead_engagement(world)
        with pytest.raises(InvalidTransition):
            lead_reviews.approve(review, lead=lead, by=lead.worker)
        assert review.status == UnitStatus.PENDING
