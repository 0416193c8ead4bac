"""The commands an operator runs: create an admin, expire gigs (cron), send mail."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace.accounts.models import User, UserKind
from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.gigs.models import Gig, GigStatus
from tests.factories import PublishedGigFactory, company_member


def test_admin_create(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["admin", "create", "Boss@Nebendesk.example", "--password", "correct-horse-battery"]
    )
    assert result.exit_code == 0, result.output
    assert "Created admin boss@nebendesk.example." in result.output
    with app.app_context():
        admin = db.session.scalar(sa.select(User))
        assert admin.kind == UserKind.ADMIN and admin.is_verified
    again = runner.invoke(
        args=["admin", "create", "boss@nebendesk.example", "--password", "another-long-pass"]
    )
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_admin_create_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=["admin", "create", "a@b.example", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_gigs_expire_is_safe_to_run_from_cron(app, travel, smtp_sink):
    with app.app_context():
        owner = company_member(email="owner@radhaus.example")
        gig = PublishedGigFactory(company=owner.company, created_by=owner)
        gig_id, expires_at = gig.id, gig.expires_at
    runner = app.test_cli_runner()
    assert "Expired 0 gig(s)." in runner.invoke(args=["gigs", "expire"]).output
    travel(expires_at + timedelta(hours=1))
    assert "Expired 1 gig(s)." in runner.invoke(args=["gigs", "expire"]).output
    assert "Expired 0 gig(s)." in runner.invoke(args=["gigs", "expire"]).output
    with app.app_context():
        assert db.session.get(Gig, gig_id).status == GigStatus.EXPIRED
    assert smtp_sink.last_to("owner@radhaus.example")["Subject"].startswith("Expired: ")


def test_outbox_deliver_sends_what_is_due(app, smtp_sink, monkeypatch, travel):
    from tests.mail.test_outbox import queue_welcome
    from tests.smtp_sink import free_port

    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{free_port()}")
    with app.app_context():
        queue_welcome()
        db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_URL", smtp_sink.url)
    runner = app.test_cli_runner()
    assert "Sent 0 email(s)." in runner.invoke(args=["outbox", "deliver"]).output  # not due yet
    travel(utcnow() + timedelta(hours=1))
    assert "Sent 1 email(s)." in runner.invoke(args=["outbox", "deliver"]).output
    assert len(smtp_sink.messages) == 1


def test_sandbox_wait_returns_once_the_emulator_answers(app, stripe_emulator):
    """``make run`` waits for the emulator before it seeds the demo through it."""
    from tests.smtp_sink import free_port

    runner = app.test_cli_runner()
    result = runner.invoke(args=["sandbox", "wait", "--timeout", "5"])
    assert result.exit_code == 0, result.output
    nobody = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(args=["sandbox", "wait", "--url", nobody, "--timeout", "0.3"])
    assert result.exit_code == 1
    assert f"{nobody} did not answer within 0.3 s" in result.output


def test_seed_demo_says_what_to_start_when_stripe_is_not_there(app, monkeypatch):
    from tests.smtp_sink import free_port

    monkeypatch.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setitem(app.extensions, "stripe_client", None)
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 1
    assert "could not be reached" in result.output and "make run" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
