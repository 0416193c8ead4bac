"""A company restricts a gig to a level (applications below are refused with the
reason; other gigs are unaffected) and pays a level more (the engagement starts at
that rate and with its first terms version)."""

from __future__ import annotations

import pytest

from marketplace.db import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.growth import gig_levels, terms
from marketplace.growth.gig_levels import LevelSettings
from marketplace.growth.models import GigLevelSettings, Level, WorkerLevel, WorkKind
from marketplace.onboarding import applications, hiring
from marketplace.onboarding.models import Application, ApplicationStatus
from tests.factories import PublishedGigFactory, UserFactory, company_member
from tests.payments.helpers import funded


def _level(user, level: Level, kind: WorkKind = WorkKind.EMAIL) -> None:
    today = utcnow().date()
    db.session.add(
        WorkerLevel(
            worker_id=user.id, kind=kind, level=level, computed_on=today, reached_on=today,
            facts={},
        )
    )  # fmt: skip
    db.session.flush()


def test_company_restricts_a_gig_on_its_settings_page(app, client, login_as):
    with app.app_context():
        owner = company_member()
        gig = PublishedGigFactory(company=owner.company, created_by=owner, rate_cents=80)
        gig_id = gig.id
        login_as(owner)
    page = client.get(f"/company/gigs/{gig_id}/levels").get_data(as_text=True)
    assert "Who may apply" in page
    response = client.post(
        f"/company/gigs/{gig_id}/levels",
        data={"min_level": "experienced", "experienced_rate": "0,95", "top_rate": ""},
        follow_redirects=True,
    )
    assert "The level settings are saved" in response.get_data(as_text=True)
    response = client.post(
        f"/company/gigs/{gig_id}/levels",
        data={"min_level": "new", "experienced_rate": "0,50", "top_rate": ""},
        follow_redirects=True,
    )  # below the gig's rate: refused, nothing changed
    assert "must be higher than the gig" in response.get_data(as_text=True)
    with app.app_context():
        settings = db.session.get(GigLevelSettings, gig_id)
        assert (settings.min_level, settings.experienced_rate_cents) == (Level.EXPERIENCED, 95)


def test_applications_below_the_level_are_refused_with_the_reason(app):
    with app.test_request_context():
        owner = company_member()
        restricted = PublishedGigFactory(company=owner.company, created_by=owner)
        open_gig = PublishedGigFactory(company=owner.company, created_by=owner)
        gig_levels.save(
            restricted,
            LevelSettings(Level.EXPERIENCED, experienced_rate_cents=None, top_rate_cents=None),
            by=owner,
        )
        newcomer, experienced = UserFactory(), UserFactory()
        _level(experienced, Level.EXPERIENCED)
        _level(newcomer, Level.TOP, WorkKind.MODERATION)  # another kind does not count
        with pytest.raises(DomainError) as refused:
            applications.apply(
                restricted, seeker=newcomer, note="", hours_per_week=10, languages=["de"]
            )
        assert refused.value.message == (
            "This gig is open to workers with the level Experienced or higher in Answering "
            "emails; your level there is New. “My levels” shows what is missing for the next one."
        )
        # A gig without settings is open to every level.
        applications.apply(open_gig, seeker=newcomer, note="", hours_per_week=10, languages=["de"])
        applications.apply(
            restricted, seeker=experienced, note="", hours_per_week=10, languages=["de"]
        )
        db.session.rollback()


def test_hire_gives_the_rate_of_the_workers_level(app):
    with app.test_request_context():
        owner = company_member()
        gig = PublishedGigFactory(company=owner.company, created_by=owner, rate_cents=80)
        gig_levels.save(
            gig, LevelSettings(Level.NEW, experienced_rate_cents=95, top_rate_cents=120), by=owner
        )
        funded(owner.company, 5_000)
        rates = {}
        for level in (Level.NEW, Level.EXPERIENCED, Level.TOP):
            worker = UserFactory()
            _level(worker, level)
            application = Application(
                gig_id=gig.id, seeker_id=worker.id, status=ApplicationStatus.PASSED,
                hours_per_week=12,
            )  # fmt: skip
            db.session.add(application)
            db.session.flush()
            engagement = hiring.hire(application, by=owner)
            rates[level] = engagement.rate_cents
            first = terms.versions(engagement)
            assert [(v.version, v.rate_cents, v.weekly_hours) for v in first] == [
                (1, engagement.rate_cents, 12)
            ]
        assert rates == {Level.NEW: 80, Level.EXPERIENCED: 95, Level.TOP: 120}
        db.session.rollback()


def test_the_apply_page_says_the_level_before_the_seeker_writes(app, client, login_as):
    with app.app_context():
        owner = company_member()
        gig = PublishedGigFactory(company=owner.company, created_by=owner)
        gig_levels.save(gig, LevelSettings(Level.TOP, None, None), by=owner)
        seeker = UserFactory()
        db.session.commit()
        gig_id = gig.id
        login_as(seeker)
    page = client.get(f"/gigs/{gig_id}/apply").get_data(as_text=True)
    assert "open to workers with the level Top or higher in Answering emails" in page
    response = client.post(
        f"/gigs/{gig_id}/apply",
        data={"hours_per_week": "10", "languages": ["de"], "note": "Hallo"},
        follow_redirects=True,
    )
    assert "your level there is New" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Application).count() == 0
