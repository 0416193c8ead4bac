"""The admin's work: vetting queue, decisions with emails and audit rows, tags,
suspensions, reports and the audit log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Company, User
from marketplace.audit.models import AuditEvent
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig, GigReport, GigRevision, GigStatus, ReportStatus
from tests.conftest import start_login
from tests.factories import (
    AdminFactory,
    InReviewGigFactory,
    MatureTagFactory,
    PublishedGigFactory,
    ReportFactory,
    TagFactory,
    UserFactory,
    company_member,
)


@pytest.fixture
def admin(app, login_as):
    with app.app_context():
        user = AdminFactory(email="vera@nebendesk.example")
        login_as(user)
        return user.id


def pending_revision_id(gig_id: int) -> int:
    return db.session.scalar(
        sa.select(GigRevision.id).where(
            GigRevision.gig_id == gig_id, GigRevision.status == "pending"
        )
    )


def audit(app) -> list[tuple[str, str, int, dict | None, dict | None, str | None]]:
    with app.app_context():
        return [
            (e.action, e.object_type, e.object_id, e.before, e.after, e.reason)
            for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
        ]


def test_vetting_queue_is_oldest_first(app, client, admin):
    with app.app_context():
        now = utcnow()
        InReviewGigFactory(title="Submitted second", submitted_at=now - timedelta(hours=1))
        InReviewGigFactory(title="Submitted first", submitted_at=now - timedelta(hours=5))
        InReviewGigFactory(title="Submitted last", submitted_at=now)
    html = client.get("/admin/vetting").get_data(as_text=True)
    order = re.findall(r"Submitted (first|second|last)", html)
    assert order == ["first", "second", "last"]


def test_approve_with_corrected_tags_publishes_and_tells_the_company(app, client, admin, smtp_sink):
    with app.app_context():
        owner = company_member(email="owner@radhaus.example")
        wrong = TagFactory(slug="complaints")
        right = MatureTagFactory(slug="adult-chat")
        gig = InReviewGigFactory(company=owner.company, created_by=owner, tags=[wrong])
        gig_id, revision_id = gig.id, pending_revision_id(gig.id)
        wrong_id, right_id = wrong.id, right.id

    page = client.get(f"/admin/vetting/{revision_id}").get_data(as_text=True)
    assert "As the public will see it" in page

    response = client.post(
        f"/admin/vetting/{revision_id}/approve", data={"tags": [str(right_id)], "note": ""}
    )
    assert response.headers["Location"] == "/admin/vetting"
    with app.app_context():
        gig = db.session.get(Gig, gig_id)
        assert gig.status == GigStatus.PUBLISHED
        assert [t.slug for t in gig.tags] == ["adult-chat"]
        assert gig.is_mature
        assert gig.expires_at - gig.published_at == timedelta(days=60)
    mail = smtp_sink.last_to("owner@radhaus.example")
    assert mail["Subject"].startswith("Approved: ")
    actions = [(a, b, c) for a, b, c, *_ in audit(app)]
    assert ("gig.correct_tags", "gig", gig_id) in actions
    assert ("gig.approve", "gig", gig_id) in actions
    correction = next(e for e in audit(app) if e[0] == "gig.correct_tags")
    assert correction[3] == {"tag_ids": [wrong_id]} and correction[4] == {"tag_ids": [right_id]}


def test_reject_needs_a_reason_and_emails_it(app, client, admin, smtp_sink):
    with app.app_context():
        owner = company_member(email="owner@radhaus.example")
        gig = InReviewGigFactory(company=owner.company, created_by=owner)
        gig_id, revision_id = gig.id, pending_revision_id(gig.id)

    html = client.post(
        f"/admin/vetting/{revision_id}/reject", data={"reason": "  "}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Please give a reason." in html
    with app.app_context():
        assert db.session.get(Gig, gig_id).status == GigStatus.IN_REVIEW
    assert smtp_sink.messages == []

    client.post(
        f"/admin/vetting/{revision_id}/reject",
        data={"reason": "Please state the pay per email clearly."},
    )
    with app.app_context():
        gig = db.session.get(Gig, gig_id)
        assert gig.status == GigStatus.REJECTED
        assert gig.rejection_reason == "Please state the pay per email clearly."
    mail = smtp_sink.last_to("owner@radhaus.example")
    assert "Please state the pay per email clearly." in mail.get_content()
    assert audit(app)[-1][0] == "gig.reject"


def test_deciding_twice_is_refused(app, client, admin):
    with app.app_context():
        gig = InReviewGigFactory()
        revision_id = pending_revision_id(gig.id)
    client.post(f"/admin/vetting/{revision_id}/approve", data={})
    html = client.post(
        f"/admin/vetting/{revision_id}/reject", data={"reason": "late"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "This is not possible right now" in html
    assert [a for a, *_ in audit(app)] == ["gig.approve"]


def test_approving_an_update_changes_the_live_listing(app, client, admin):
    from marketplace.gigs import services
    from marketplace.gigs.content import GigContent

    with app.app_context():
        gig = PublishedGigFactory(title="Old title")
        content = GigContent.of_gig(gig)
        revision = services.update_gig(
            gig,
            by=gig.created_by,
            content=GigContent(**{**content.__dict__, "title": "New title"}),
            hours_per_week=gig.hours_per_week,
            openings=gig.openings,
        )
        db.session.commit()
        gig_id, revision_id = gig.id, revision.id
    page = client.get(f"/admin/vetting/{revision_id}").get_data(as_text=True)
    assert "This changes a live listing. Changed: title." in page
    assert "Old title" in client.get(f"/gigs/{gig_id}").get_data(as_text=True)
    client.post(f"/admin/vetting/{revision_id}/approve", data={})
    assert "New title" in client.get(f"/gigs/{gig_id}").get_data(as_text=True)


def test_suspended_company_disappears_from_the_public(app, client, admin):
    with app.app_context():
        gig = PublishedGigFactory(title="Soon gone")
        gig_id, company_id = gig.id, gig.company_id
    assert "Soon gone" in client.get("/gigs").get_data(as_text=True)
    html = client.post(
        f"/admin/companies/{company_id}/suspend", data={"reason": ""}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Please give a reason." in html
    client.post(f"/admin/companies/{company_id}/suspend", data={"reason": "Fake job offers"})
    client.post("/logout")
    assert "Soon gone" not in client.get("/gigs").get_data(as_text=True)
    assert client.get(f"/gigs/{gig_id}").status_code == 404
    assert client.get(f"/companies/{company_id}").status_code == 404
    assert audit(app)[-1][:3] == ("company.suspend", "company", company_id)
    assert audit(app)[-1][5] == "Fake job offers"


def test_verify_company(app, client, admin):
    with app.app_context():
        company_id = company_member().company.id
        db.session.get(Company, company_id).verified_at = None
        db.session.commit()
    client.post(f"/admin/companies/{company_id}/verify", data={"note": "Checked Handelsregister"})
    with app.app_context():
        assert db.session.get(Company, company_id).is_verified
    assert audit(app)[-1][0] == "company.verify"


def test_suspend_user_ends_their_sessions(app, client, admin):
    from flask.testing import FlaskClient  # noqa: F401 - second browser below

    with app.app_context():
        seeker = UserFactory(email="mia@example.test")
        seeker_id = seeker.id
        seeker_session_id = start_login(app, seeker)
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"] = seeker_session_id
    assert other.get("/profile").status_code == 200
    client.post(f"/admin/users/{seeker_id}/suspend", data={"reason": "Spam reports"})
    assert other.get("/profile").status_code == 302
    with app.app_context():
        assert db.session.get(User, seeker_id).suspended_reason == "Spam reports"


def test_admin_cannot_suspend_themselves(app, client, admin):
    html = client.post(
        f"/admin/users/{admin}/suspend", data={"reason": "oops"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "You cannot suspend your own account." in html


def test_tags_are_managed_and_a_mature_tag_hides_its_gigs(app, client, admin):
    client.post(
        "/admin/tags/new",
        data={
            "slug": "gambling",
            "name_en": "Gambling",
            "name_de": "Glücksspiel",
            "description_en": "Casino and betting talk",
            "description_de": "Casino- und Wettthemen",
            "is_active": "y",
        },
    )
    html = client.post(
        "/admin/tags/new", data={"slug": "Bad Slug!", "name_en": "x", "name_de": "y"}
    ).get_data(as_text=True)
    assert "lowercase letters, digits and dashes" in html
    with app.app_context():
        from marketplace.gigs.models import ContentTag

        tag = db.session.scalar(sa.select(ContentTag).where(ContentTag.slug == "gambling"))
        gig = PublishedGigFactory(title="Poker forum moderation", tags=[tag])
        tag_id = tag.id
        assert not gig.is_mature
    client.post(
        f"/admin/tags/{tag_id}/edit",
        data={
            "slug": "gambling",
            "name_en": "Gambling",
            "name_de": "Glücksspiel",
            "is_mature": "y",
            "is_active": "y",
        },
    )
    client.post("/logout")
    assert "Poker forum moderation" not in client.get("/gigs").get_data(as_text=True)
    assert [a for a, *_ in audit(app)] == ["tag.create", "tag.update"]


def test_report_dismissed_or_listing_taken_down(app, client, admin, smtp_sink):
    with app.app_context():
        owner = company_member(email="owner@radhaus.example")
        gig = PublishedGigFactory(company=owner.company, created_by=owner, title="Shady gig")
        first = ReportFactory(gig=gig, reason="Looks like a scam")
        second = ReportFactory(gig=gig, reason="Asks for an upfront fee")
        other = ReportFactory(reason="Just don't like it")
        gig_id, first_id, second_id, other_id = gig.id, first.id, second.id, other.id
    html = client.get("/admin/reports").get_data(as_text=True)
    assert "Looks like a scam" in html and "Asks for an upfront fee" in html

    client.post(f"/admin/reports/{other_id}/dismiss", data={"note": "Not a rule violation"})
    client.post(f"/admin/reports/{first_id}/take-down", data={"reason": "Upfront fees are banned"})
    with app.app_context():
        assert db.session.get(Gig, gig_id).status == GigStatus.REJECTED
        statuses = {r.id: r.status for r in db.session.scalars(sa.select(GigReport))}
        assert statuses == {
            first_id: ReportStatus.ACTIONED,
            second_id: ReportStatus.ACTIONED,
            other_id: ReportStatus.DISMISSED,
        }
    assert "Upfront fees are banned" in smtp_sink.last_to("owner@radhaus.example").get_content()
    client.post("/logout")
    assert client.get(f"/gigs/{gig_id}").status_code == 404


def test_audit_log_can_be_filtered(app, client, admin):
    with app.app_context():
        c1 = company_member().company.id
        c2 = company_member().company.id
        for cid in (c1, c2):
            db.session.get(Company, cid).verified_at = None
        db.session.commit()
    client.post(f"/admin/companies/{c1}/verify", data={})
    client.post(f"/admin/companies/{c2}/suspend", data={"reason": "Reason two"})
    html = client.get("/admin/audit?action=company.suspend").get_data(as_text=True)
    assert "Reason two" in html and "company.verify" not in html
    html = client.get(f"/admin/audit?object_type=company&object_id={c1}").get_data(as_text=True)
    assert "company.verify" in html and "company.suspend" not in html
    html = client.get("/admin/audit?actor=vera@nebendesk.example").get_data(as_text=True)
    assert "company.verify" in html and "company.suspend" in html
    html = client.get("/admin/audit?actor=nobody@example.test").get_data(as_text=True)
    assert "No entries match." in html
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    html = client.get(f"/admin/audit?since={tomorrow}").get_data(as_text=True)
    assert "No entries match." in html
    assert client.get("/admin/audit?since=not-a-date").status_code == 200
