"""Command-line entry points (``flask …``). Each command commits once, at its end."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.sandbox.cli import sandbox_cli

admin_cli = AppGroup("admin", help="Administrator accounts.")
gigs_cli = AppGroup("gigs", help="Gig housekeeping (safe to run from cron).")
seed_cli = AppGroup("seed", help="Demo and benchmark data.")
onboarding_cli = AppGroup("onboarding", help="Onboarding housekeeping (safe to run from cron).")
outbox_cli = AppGroup("outbox", help="Outgoing email.")
payouts_cli = AppGroup("payouts", help="Work review and payouts (safe to run from cron).")
ledger_cli = AppGroup("ledger", help="The books.")
mailboxes_cli = AppGroup("mailboxes", help="The email work pool (safe to run from cron).")
standing_cli = AppGroup("standing", help="Account standing (safe to run from cron).")
messages_cli = AppGroup("messages", help="Messages between companies and seekers (cron).")


@admin_cli.command("create")
@click.argument("email")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="NEBENDESK_ADMIN_PASSWORD",
    help="Asked for when not given (or set NEBENDESK_ADMIN_PASSWORD).",
)
@click.option("--name", default="Admin", show_default=True, help="Display name.")
def create_admin_command(email: str, password: str, name: str) -> None:
    """Create an administrator account for EMAIL."""
    from marketplace.accounts.forms import password_problem
    from marketplace.accounts.services import create_admin
    from marketplace.errors import DomainError

    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    try:
        user = create_admin(email=email, password=password, display_name=name)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Created admin {user.email}.")


@gigs_cli.command("expire")
def expire_command() -> None:
    """Expire published gigs whose time is over (GIG_LIFETIME_DAYS)."""
    from marketplace.gigs.services import expire_gigs

    count = expire_gigs()
    db.session.commit()
    click.echo(f"Expired {count} gig(s).")


@onboarding_cli.command("close-expired")
def close_expired_command() -> None:
    """Grade quiz attempts whose time ran out (as failed) and move their applications on."""
    from marketplace.onboarding.applications import close_expired_attempts

    count = close_expired_attempts()
    db.session.commit()
    click.echo(f"Closed {count} expired attempt(s).")


@standing_cli.command("end-suspensions")
def end_suspensions_command() -> None:
    """Lift suspensions whose end date has passed (a login lifts its own at once)."""
    from marketplace.accounts.moderation import end_expired_suspensions

    count = end_expired_suspensions()
    db.session.commit()
    click.echo(f"Ended {count} suspension(s).")


@messages_cli.command("notify")
def messages_notify_command() -> None:
    """Email everyone with unread messages older than MESSAGE_NOTIFY_DELAY_MINUTES: one
    email per person, never twice about the same message."""
    from marketplace.messaging.notify import send_due_notifications

    count = send_due_notifications()
    db.session.commit()
    click.echo(f"Queued {count} notification email(s).")


@seed_cli.command("demo")
def seed_demo_command() -> None:
    """Create the demo accounts, companies and gigs (idempotent)."""
    from marketplace.seed.demo import seed_demo
    from marketplace.seed.money import StripeUnavailable

    try:
        summary = seed_demo()
    except StripeUnavailable as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(summary)


@seed_cli.command("bench")
@click.option("--gigs", "gig_count", type=click.IntRange(1, 5_000_000), default=10_000)
def seed_bench_command(gig_count: int) -> None:
    """Generate GIGS published gigs (plus companies) quickly, for benchmarks."""
    from marketplace.seed.bench import seed_bench

    created = seed_bench(gig_count)
    click.echo(f"Created {created} published gigs.")


@payouts_cli.command("auto-approve")
def auto_approve_command() -> None:
    """Approve units whose review window is over; make undisputed rejections final; count
    work waiting for funds that balances now cover; expire stale unpaid card payments."""
    from marketplace.payments.funding import expire_stale_payments
    from marketplace.payments.units import (
        auto_approve_due,
        count_all_waiting,
        void_expired_rejections,
    )

    approved = auto_approve_due()
    voided = void_expired_rejections()
    counted = count_all_waiting()
    expired = expire_stale_payments()
    db.session.commit()
    click.echo(
        f"Approved {approved} unit(s); {voided} rejection(s) became final; "
        f"{counted} unit(s) waiting for funds counted; {expired} unpaid card payment(s) "
        "expired."
    )


@payouts_cli.command("run")
def payouts_run_command() -> None:
    """Pay every worker who is due (one Stripe Transfer each; crash-safe, safe to repeat),
    and finish withdrawals left pending."""
    from marketplace.payments.funding import complete_pending_withdrawals
    from marketplace.payments.payouts import run_payouts

    withdrawals = complete_pending_withdrawals()
    db.session.commit()
    if withdrawals:
        click.echo(f"Finished {withdrawals} pending withdrawal(s).")
    run = run_payouts()
    click.echo(
        f"Payout run {run.id}: {run.paid_count} paid ({run.paid_cents} cents), "
        f"{run.failed_count} failed."
    )


@ledger_cli.command("check")
@click.option("--no-stripe", is_flag=True, help="Skip comparing with Stripe's objects.")
def ledger_check_command(no_stripe: bool) -> None:
    """Prove the books: balanced, balances = entries, nothing negative, Stripe agrees."""
    from marketplace.payments.admin_queries import run_ledger_check

    result = run_ledger_check(by="flask ledger check", with_stripe=not no_stripe)
    for problem in result.problems:
        click.echo(f"DISCREPANCY: {problem}", err=True)
    if result.problems:
        raise SystemExit(1)
    if result.stripe_error:
        click.echo(result.stripe_error, err=True)
        raise SystemExit(2)
    click.echo("The ledger is consistent.")


@outbox_cli.command("deliver")
def deliver_command() -> None:
    """Send outbox email that is due (retries included)."""
    from marketplace.mail.services import deliver_outbox

    click.echo(f"Sent {deliver_outbox()} email(s).")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker for background jobs (needs REDIS_URL)."""
    from flask import current_app
    from rq import Worker

    from marketplace.jobs import queue

    if current_app.config["JOBS_INLINE"]:
        raise click.ClickException("REDIS_URL is not set: jobs run inline, no worker needed.")
    job_queue = queue()
    Worker([job_queue], connection=job_queue.connection).work(burst=burst)


@mailboxes_cli.command("send")
def mailboxes_send_command() -> None:
    """Send replies to customers that are due (retries after an SMTP failure included)."""
    from marketplace.workpool.outgoing import send_due_replies

    click.echo(f"Sent {send_due_replies(limit=10_000)} repl(y/ies).")


@mailboxes_cli.command("purge")
def mailboxes_purge_command() -> None:
    """Purge message bodies past each mailbox's retention period (the counts stay)."""
    from marketplace.workpool.retention import purge_expired

    purged = purge_expired()
    db.session.commit()
    click.echo(f"Purged {purged} message(s).")


def register(app: Flask) -> None:
    for group in (
        admin_cli,
        gigs_cli,
        onboarding_cli,
        seed_cli,
        outbox_cli,
        payouts_cli,
        ledger_cli,
        mailboxes_cli,
        standing_cli,
        messages_cli,
    ):
        app.cli.add_command(group)
    app.cli.add_command(worker_command)
    app.cli.add_command(sandbox_cli)
