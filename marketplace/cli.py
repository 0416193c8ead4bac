"""Command-line entry points (``flask …``). Each command commits once, at its end."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.growth.cli import growth_cli
from marketplace.moderation.cli import moderation_cli
from marketplace.ratings.cli import ratings_cli
from marketplace.sandbox.cli import sandbox_cli

admin_cli = AppGroup("admin", help="Administrator accounts.")
accounts_cli = AppGroup("accounts", help="Accounts housekeeping (safe to run from cron).")
gigs_cli = AppGroup("gigs", help="Gig housekeeping (safe to run from cron).")
seed_cli = AppGroup("seed", help="Demo and benchmark data.")
onboarding_cli = AppGroup("onboarding", help="Onboarding housekeeping (safe to run from cron).")
outbox_cli = AppGroup("outbox", help="Outgoing email.")
payouts_cli = AppGroup("payouts", help="Work review and payouts (safe to run from cron).")
ledger_cli = AppGroup("ledger", help="The books.")
mailboxes_cli = AppGroup("mailboxes", help="The email work pool (safe to run from cron).")
secrets_cli = AppGroup("secrets", help="Secrets stored encrypted (SECRETS_KEY).")
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


@accounts_cli.command("purge-login-throttles")
def accounts_purge_login_throttles_command() -> None:
    """Forget failed-login counts older than a day (locked addresses stay until unlocked)."""
    from marketplace.accounts.authentication import purge_throttles

    count = purge_throttles()
    db.session.commit()
    click.echo(f"Forgot the failed logins of {count} address(es).")


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
    """Send replies to customers that are due (retries after an SMTP failure included), and
    file copies in the Sent folders of connected accounts (retries included)."""
    from marketplace.workpool.outgoing import send_due_replies
    from marketplace.workpool.sent_copies import file_sent_copies

    click.echo(f"Sent {send_due_replies(limit=10_000)} repl(y/ies).")
    click.echo(f"Filed {file_sent_copies(limit=10_000)} cop(y/ies) in Sent folders.")


@mailboxes_cli.command("purge")
def mailboxes_purge_command() -> None:
    """Purge message bodies past each mailbox's retention period (the counts stay)."""
    from marketplace.workpool.retention import purge_expired

    purged = purge_expired()
    db.session.commit()
    click.echo(f"Purged {purged} message(s).")


@mailboxes_cli.command("poll")
@click.option("--mailbox", "mailbox_id", type=int, help="Only this mailbox (its id).")
@click.option("--enqueue", is_flag=True, help="Hand each mailbox to the job queue (RQ).")
def mailboxes_poll_command(mailbox_id: int | None, enqueue: bool) -> None:
    """Fetch new mail from the mailboxes connected by IMAP (safe from cron, e.g. every
    minute: one poller per mailbox at a time, resumes where the last one stopped)."""
    import sqlalchemy as sa

    from marketplace import jobs
    from marketplace.workpool.models import MailboxConnection
    from marketplace.workpool.polling import connection_ids, poll_mailbox

    ids = connection_ids()
    if mailbox_id is not None:
        ids = list(
            db.session.scalars(
                sa.select(MailboxConnection.id).where(MailboxConnection.mailbox_id == mailbox_id)
            )
        )
    if enqueue:
        for connection_id in ids:
            jobs.enqueue(poll_mailbox, connection_id)
        click.echo(f"Queued {len(ids)} mailbox(es) for polling.")
        return
    failed = 0
    for connection_id in ids:
        try:
            result = poll_mailbox(connection_id)
        except Exception as exc:  # one mailbox's failure must not stop the others
            db.session.rollback()
            failed += 1
            click.echo(f"connection {connection_id}: failed: {exc!r}", err=True)
            continue
        line = (
            f"connection {connection_id}: {result.stored} new, "
            f"{result.duplicates} known, {result.skipped} skipped"
        )
        if result.busy:
            line = f"connection {connection_id}: busy (another poll is running)"
        elif result.problem is not None:
            failed += 1
            line += f"; problem: {result.problem}"
        click.echo(line)
    click.echo(f"Polled {len(ids)} mailbox(es).")
    if failed:
        raise SystemExit(1)


@mailboxes_cli.command("smtpd")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2525, show_default=True, type=int)
@click.option(
    "--processes",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes that parse and store the mail (one per core); 1: threads of this one.",
)
def mailboxes_smtpd_command(host: str, port: int, processes: int) -> None:
    """Receive forwarded customer mail for <token>@INBOUND_DOMAIN by SMTP (until stopped)."""
    import signal
    import threading

    from flask import current_app

    from marketplace.workpool.receiver import receiver_app, serve

    domain = current_app.config["INBOUND_DOMAIN"]
    if not domain:
        raise click.ClickException("INBOUND_DOMAIN is not set: there are no forwarding addresses.")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_args: stop.set())
    click.echo(
        f"Receiving mail for *@{domain} on {host}:{port}, stored by {processes} "
        "process(es) (Ctrl+C stops)."
    )
    serve(receiver_app(), host, port, stop, processes=processes)
    click.echo("Stopped.")


@secrets_cli.command("rotate")
def secrets_rotate_command() -> None:
    """Encrypt every stored secret again with the first key of SECRETS_KEY."""
    from marketplace.moderation import matrix_connections
    from marketplace.workpool.connections import rotate_secrets

    count = rotate_secrets() + matrix_connections.rotate_secrets()
    db.session.commit()
    click.echo(f"Re-encrypted {count} secret(s).")


def register(app: Flask) -> None:
    for group in (
        admin_cli,
        accounts_cli,
        gigs_cli,
        onboarding_cli,
        seed_cli,
        outbox_cli,
        payouts_cli,
        ledger_cli,
        mailboxes_cli,
        secrets_cli,
        standing_cli,
        messages_cli,
        moderation_cli,
        growth_cli,
        ratings_cli,
    ):
        app.cli.add_command(group)
    app.cli.add_command(worker_command)
    app.cli.add_command(sandbox_cli)
