"""Offers change an engagement only when accepted; accepted terms apply from that day
on (earlier work keeps the old rate); expired offers cannot be accepted; both sides
are emailed in their own language."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.db import utcnow
from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.growth import offers, terms
from marketplace.growth.models import EngagementTerms, Offer, OfferKind, OfferStatus, TermsRole
from marketplace.growth.offers import OfferTerms
from marketplace.onboarding.models import Engagement
from marketplace.payments import units
from marketplace.payments.models import UnitKind
from tests.payments.helpers import funded, hired


def _record(engagement, day, source):
    return units.record_units(
        engagement, kind=UnitKind.EMAIL, quantity=Decimal(1), source=source,
        work_date=day, by=engagement.worker,
    )  # fmt: skip


def _setup(app, *, worker_locale="en", owner_locale="de"):
    with app.app_context():
        engagement = hired(rate_cents=80)
        engagement.worker.locale = worker_locale
        owner = engagement.gig.company.memberships[0].user
        owner.locale = owner_locale
        funded(engagement.gig.company, 10_000)
        db.session.commit()
        return engagement.id, engagement.worker, owner, engagement.worker.email, owner.email


def test_more_hours_offer_changes_nothing_until_the_worker_accepts(
    app, client, login_as, smtp_sink
):
    engagement_id, worker, owner, worker_email, owner_email = _setup(app)
    login_as(owner)
    page = client.get(f"/company/engagements/{engagement_id}/offers").get_data(as_text=True)
    assert "10" in page  # the weekly hours of the hiring
    response = client.post(
        f"/company/engagements/{engagement_id}/offers",
        data={"kind": "more_hours", "weekly_hours": "25", "message": "Du machst das prima."},
        follow_redirects=True,
    )
    assert "Das Angebot ist verschickt." in response.get_data(as_text=True)
    mail = smtp_sink.last_to(worker_email)  # in the worker's language (English)
    assert mail["Subject"].startswith("An offer from ")
    assert "Weekly hours: 25" in mail.get_content()
    with app.app_context():
        engagement = db.session.get(Engagement, engagement_id)
        assert terms.current(engagement).weekly_hours == 10  # nothing changed yet
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EngagementTerms)) == 0
        offer_id = db.session.scalar(sa.select(Offer.id))

    client.post("/logout")
    login_as(worker)
    page = client.get("/account/offers").get_data(as_text=True)
    assert "More weekly hours" in page and "25 instead of 10" in page
    page = client.post(f"/account/offers/{offer_id}/accept", follow_redirects=True)
    assert "Offer accepted." in page.get_data(as_text=True)
    with app.app_context():
        engagement = db.session.get(Engagement, engagement_id)
        versions = terms.versions(engagement)
        assert [(v.version, v.weekly_hours, v.rate_cents) for v in versions] == [
            (1, 10, 80),
            (2, 25, 80),
        ]
        assert versions[1].valid_from == utcnow().date()
    mail = smtp_sink.last_to(owner_email)  # in the owner's language (German)
    assert "angenommen" in mail["Subject"]
    # Answered once: a second answer is refused.
    page = client.post(f"/account/offers/{offer_id}/decline", follow_redirects=True)
    assert "Offer declined" not in page.get_data(as_text=True)


def test_declined_offer_leaves_the_terms(db):
    engagement = hired(rate_cents=80)
    owner = engagement.gig.company.memberships[0].user
    offer = offers.make_offer(
        engagement, OfferTerms(OfferKind.HIGHER_RATE, rate_cents=95), by=owner
    )
    offers.decline(offer, by=engagement.worker)
    db.session.commit()
    assert offer.status == OfferStatus.DECLINED
    assert engagement.rate_cents == 80 and terms.versions(engagement) == []


def test_a_higher_rate_applies_to_work_from_the_day_of_acceptance_on(db, travel):
    travel("2026-05-10 09:00")
    engagement = hired(rate_cents=80)  # hired 60 days ago
    funded(engagement.gig.company, 10_000)
    owner = engagement.gig.company.memberships[0].user
    offer = offers.make_offer(
        engagement, OfferTerms(OfferKind.HIGHER_RATE, rate_cents=95), by=owner
    )
    travel("2026-05-12 09:00")
    offers.accept(offer, by=engagement.worker)
    db.session.commit()
    assert engagement.rate_cents == 95
    day = utcnow().date()
    before = _record(engagement, day - timedelta(days=3), "t:before")
    eve = _record(engagement, day - timedelta(days=1), "t:eve")
    same_day = _record(engagement, day, "t:day")
    assert (before.rate_cents, eve.rate_cents, same_day.rate_cents) == (80, 80, 95)
    assert (before.amount_cents, same_day.amount_cents) == (80, 95)
    # An override (an escalation's rate) still wins.
    escalation = units.record_units(
        engagement, kind=UnitKind.EMAIL, quantity=Decimal(1), source="t:esc",
        work_date=day, by=engagement.worker, rate_cents=40,
    )  # fmt: skip
    assert escalation.rate_cents == 40


def test_expired_offers_cannot_be_accepted(db, travel):
    travel("2026-05-01 09:00")
    engagement = hired(rate_cents=80)
    owner = engagement.gig.company.memberships[0].user
    offer = offers.make_offer(
        engagement, OfferTerms(OfferKind.MORE_HOURS, weekly_hours=20), by=owner
    )
    db.session.commit()
    travel("2026-05-15 09:01")  # 14 days and a minute later
    assert not offer.is_open and offer.shown_status == OfferStatus.EXPIRED
    with pytest.raises(InvalidTransition):
        offers.accept(offer, by=engagement.worker)
    db.session.rollback()
    assert offers.expire_due() == 1
    db.session.commit()
    assert offer.status == OfferStatus.EXPIRED and terms.versions(engagement) == []
    # The company may make a new one now.
    offers.make_offer(engagement, OfferTerms(OfferKind.MORE_HOURS, weekly_hours=20), by=owner)


def test_offers_are_checked(db):
    engagement = hired(rate_cents=80)
    owner = engagement.gig.company.memberships[0].user
    with pytest.raises(DomainError):  # not more than now
        offers.make_offer(engagement, OfferTerms(OfferKind.MORE_HOURS, weekly_hours=10), by=owner)
    with pytest.raises(DomainError):  # not higher
        offers.make_offer(engagement, OfferTerms(OfferKind.HIGHER_RATE, rate_cents=80), by=owner)
    with pytest.raises(DomainError):  # full time needs its terms
        offers.make_offer(engagement, OfferTerms(OfferKind.FULL_TIME, message="Hi"), by=owner)
    offers.make_offer(engagement, OfferTerms(OfferKind.MORE_HOURS, weekly_hours=12), by=owner)
    with pytest.raises(DomainError):  # one waiting offer at a time
        offers.make_offer(engagement, OfferTerms(OfferKind.HIGHER_RATE, rate_cents=90), by=owner)


def test_team_lead_and_full_time_are_recorded_with_the_terms(db):
    engagement = hired(rate_cents=80)
    owner = engagement.gig.company.memberships[0].user
    lead = offers.make_offer(
        engagement, OfferTerms(OfferKind.TEAM_LEAD, review_rate_cents=15), by=owner
    )
    offers.accept(lead, by=engagement.worker)
    full = offers.make_offer(
        engagement,
        OfferTerms(OfferKind.FULL_TIME, message="Join us", terms_text="42.000 € a year, 40 h"),
        by=owner,
    )
    offers.accept(full, by=engagement.worker)
    db.session.commit()
    latest = terms.current(engagement)
    assert (latest.version, latest.role, latest.review_rate_cents) == (3, TermsRole.FULL_TIME, 15)
    assert latest.terms_text == "42.000 € a year, 40 h" and latest.rate_cents == 80
    assert terms.versions(engagement)[1].role == TermsRole.TEAM_LEAD
