"""The mailbox-connection benchmark (part of ``make bench``; alone:
``python -m tests.bench.mailboxes``): fetching 10,000 emails from a company's IMAP
account, and taking 10,000 forwarded emails in by SMTP.

Setup: recreate the PostgreSQL database ``BENCH_MAILBOXES_DATABASE_URL`` (default
``nebendesk_bench_mailboxes`` on the search bench's server), ``flask db upgrade``,
``flask seed demo`` (Shop Demo GmbH's mailbox "Radwerk Kundenservice"). The emails
are the work pool benchmark's mix (tests/bench/workpool.py ``build_messages``:
60 % short, 25 % long with a quote, 10 % text + HTML, 5 % with a 20–150 KB PDF;
10 % replies to earlier ones).

1. **IMAP poll**: Debian's Dovecot (tests/imap_server.py) on 127.0.0.1 with one
   account whose INBOX holds ``BENCH_MB_MESSAGES`` (10,000) emails, written into
   its maildir beforehand; one untimed SELECT + FETCH of every size lets Dovecot
   build its index first (as a mailbox in use has one). The demo mailbox is
   connected through the service (both servers tested; a local aiosmtpd stands in
   for the SMTP side), then ``polling.poll_mailbox`` runs once, in this process,
   with the default batch size (100): fetch, parse, store with de-duplication,
   commit per batch, mark as read. Reported: emails stored per second (the whole
   poll); verified: that many rows with the run's Message-IDs, every email in the
   account marked read, and a second poll storing nothing.
2. **SMTP receiver**: ``flask mailboxes smtpd --processes 2`` (``BENCH_MB_SMTP_PROCESSES``
   store processes) as its own process (as deployed), ``BENCH_MB_SMTP_CLIENTS`` (4) client threads
   send ``BENCH_MB_MESSAGES`` other emails to the mailbox's forwarding address with
   smtplib, each connection carrying ``BENCH_MB_PER_CONNECTION`` (50) emails before
   it reconnects (mail servers reuse connections, for a while). 200 warm-up emails first. Reported:
   emails accepted per second, latency per email (MAIL FROM to the 250 after
   DATA, which comes only after the commit); verified: that many rows stored.
3. **Reference**: ``BENCH_MB_REFERENCE`` (2,000) emails of the same mix posted to the
   HTTP endpoint (gunicorn -w 2, the same clients) right after, so the figures can
   be read against what the machine gives at that moment (other work on the two
   cores lowers every figure; the CPU share in use is recorded with each part).

Results: ``tests/bench/results/mailboxes-<timestamp>.json`` and a Markdown table.
Settings: BENCH_MAILBOXES_DATABASE_URL, BENCH_MB_MESSAGES, BENCH_MB_SMTP_CLIENTS,
BENCH_MB_PER_CONNECTION, BENCH_MB_SMTP_PROCESSES, BENCH_MB_REFERENCE, and run.py's
BENCH_MAX_BUSY / BENCH_QUIET_WAIT.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.bench.mail_clients import (
    fill_maildir,
    index_mailbox,
    send_all,
    start_receiver,
    stop_receiver,
    unseen,
)
from tests.bench.payments import seed_demo
from tests.bench.run import (
    RESULTS_DIR,
    ROOT,
    Server,
    app_env,
    env_int,
    flask,
    machine_info,
    recreate_database,
    say,
    wait_for_quiet,
)
from tests.bench.workpool import (
    PROTECTED,
    build_messages,
    busy_between,
    cpu_sample,
    demo_mailbox,
    make_app,
    post_messages,
)
from tests.imap_server import Dovecot
from tests.smtp_sink import SMTPSink, free_port

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nebendesk_bench_mailboxes"
TARGETS = {"imap_per_s": 200.0, "smtp_per_s": 200.0}
SETTINGS = {
    "messages": env_int("BENCH_MB_MESSAGES", 10_000),
    "smtp_clients": env_int("BENCH_MB_SMTP_CLIENTS", 4),
    "per_connection": env_int("BENCH_MB_PER_CONNECTION", 50),
    "smtp_processes": env_int("BENCH_MB_SMTP_PROCESSES", 2),
    "reference_messages": env_int("BENCH_MB_REFERENCE", 2_000),
}
SMTP_WARMUP = 200
SMTP_LOGIN = ("service@shop.demo.test", "bench-smtp-password")


def database_url() -> str:
    explicit = os.environ.get("BENCH_MAILBOXES_DATABASE_URL")
    if explicit:
        return explicit
    shared = os.environ.get("BENCH_DATABASE_URL")
    if shared:
        url = make_url(shared)
        return url.set(database=f"{url.database}_mailboxes").render_as_string(hide_password=False)
    return DEFAULT_URL


def count_rows(engine: sa.Engine, prefix: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(
            sa.text("SELECT count(*) FROM messages WHERE message_id LIKE :p"),
            {"p": f"<{prefix}-%"},
        )


# --- 1. IMAP ---------------------------------------------------------------------------


def run_imap(
    app, engine: sa.Engine, mailbox: dict[str, Any], stamp: str, rng: random.Random
) -> dict[str, Any]:
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.workpool import connections
    from marketplace.workpool.models import AfterFetch, Mailbox, Security
    from marketplace.workpool.polling import poll_mailbox

    prefix = f"imap-{stamp.lower()}"
    messages = build_messages(SETTINGS["messages"], prefix=prefix, to=mailbox["to"], rng=rng)
    server = Dovecot(accounts=1)
    username, password = server.account(1)
    smtp = SMTPSink(login=SMTP_LOGIN)
    server.start()
    smtp.start()
    try:
        say(f"writing {len(messages):,} emails into the IMAP account's maildir")
        write_s = fill_maildir(server, username, messages)
        index_s = index_mailbox(server, username, password)
        with app.app_context():
            box = db.session.get(Mailbox, mailbox["id"])
            owner = db.session.scalar(sa.select(User).where(User.email == "owner@shop.demo.test"))
            settings = connections.ConnectionSettings(
                imap_host="127.0.0.1",
                imap_port=server.port,
                imap_security=Security.NONE,
                imap_username=username,
                imap_password=password,
                imap_folder="INBOX",
                after_fetch=AfterFetch.SEEN,
                move_to_folder="",
                smtp_host="127.0.0.1",
                smtp_port=smtp.port,
                smtp_security=Security.NONE,
                smtp_username=SMTP_LOGIN[0],
                smtp_password=SMTP_LOGIN[1],
                file_in_sent=False,
                sent_folder="",
                fetch_existing=True,
            )
            connection = connections.save_connection(box, settings, by=owner)
            db.session.commit()
            connection_id = connection.id
        load = wait_for_quiet()
        say(f"polling {len(messages):,} emails by IMAP")
        sample = cpu_sample()
        with app.app_context():
            started = time.perf_counter()
            result = poll_mailbox(connection_id)
            seconds = time.perf_counter() - started
            again = poll_mailbox(connection_id)
        busy = busy_between(sample, cpu_sample())
        stored = count_rows(engine, prefix)
        left_unread = unseen(server, username, password)
    finally:
        smtp.stop()
        server.cleanup()
    sizes = sorted(len(m) for m in messages)
    return {
        "messages": len(messages),
        "maildir_write_seconds": write_s,
        "dovecot_index_seconds": index_s,
        "seconds": round(seconds, 2),
        "per_s": round(result.stored / seconds, 1),
        "stored": result.stored,
        "duplicates": result.duplicates,
        "skipped": result.skipped,
        "problem": str(result.problem) if result.problem else None,
        "rows_with_run_ids": stored,
        "unread_left_in_account": left_unread,
        "second_poll_stored": again.stored,
        "size_mb": round(sum(sizes) / 2**20, 1),
        "load_before": load,
        "machine_busy_pct": busy,
    }


# --- 2. SMTP receiver ---------------------------------------------------------------------


def _clients() -> dict[str, int]:
    return {"clients": SETTINGS["smtp_clients"], "per_connection": SETTINGS["per_connection"]}


def run_smtp(
    app,
    env: dict[str, str],
    engine: sa.Engine,
    mailbox: dict[str, Any],
    stamp: str,
    rng: random.Random,
    log: Path,
) -> dict[str, Any]:
    from marketplace.extensions import db
    from marketplace.workpool.connections import forwarding_address
    from marketplace.workpool.models import Mailbox

    with app.app_context():
        address = forwarding_address(db.session.get(Mailbox, mailbox["id"]))
    prefix = f"smtp-{stamp.lower()}"
    messages = build_messages(SETTINGS["messages"], prefix=prefix, to=address, rng=rng)
    warmup = build_messages(SMTP_WARMUP, prefix=f"smtpwarm-{stamp.lower()}", to=address, rng=rng)
    port = free_port()
    proc = start_receiver(env, port, log, SETTINGS["smtp_processes"])
    try:
        send_all(port, address, warmup, **_clients())
        load = wait_for_quiet()
        say(f"sending {len(messages):,} emails to {address} by SMTP")
        result = send_all(port, address, messages, **_clients())
    finally:
        stop_receiver(proc)
    result["load_before"] = load
    result["rows_with_run_ids"] = count_rows(engine, prefix)
    return result


# --- reference: the HTTP endpoint at the same moment ----------------------------------------


def run_reference(
    env: dict[str, str],
    engine: sa.Engine,
    mailbox: dict[str, Any],
    stamp: str,
    rng: random.Random,
    log: Path,
) -> dict[str, Any]:
    """The inbound HTTP endpoint (gunicorn -w 2, as tests/bench/workpool.py measures it)
    with the same mix, right after: what this machine gives now, to read the figures by."""
    prefix = f"http-{stamp.lower()}"
    messages = build_messages(
        SETTINGS["reference_messages"], prefix=prefix, to=mailbox["to"], rng=rng
    )
    server = Server(env, log)
    try:
        port = int(server.base.rsplit(":", 1)[1])
        path = f"/api/v1/mailboxes/{mailbox['id']}/messages"
        load = wait_for_quiet()
        say(f"posting {len(messages):,} emails over HTTP for reference")
        result = post_messages(port, path, mailbox["token"], messages, SETTINGS["smtp_clients"])
    finally:
        server.stop()
    result["load_before"] = load
    result["rows_with_run_ids"] = count_rows(engine, prefix)
    return result


# --- report --------------------------------------------------------------------------------


def markdown(report: dict[str, Any]) -> str:
    imap, smtp = report["imap"], report["smtp"]
    lines = [
        "| part | emails | seconds | emails/s | p50 ms | p95 ms | p99 ms | CPU busy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| IMAP poll (one poll, batches of 100) | {imap['stored']:,} | {imap['seconds']} | "
        f"**{imap['per_s']}** | – | – | – | {imap['machine_busy_pct']} % |",
        f"| SMTP receiver ({SETTINGS['smtp_processes']} store processes, "
        f"{SETTINGS['smtp_clients']} clients) | {smtp['messages']:,} | "
        f"{smtp['seconds']} | **{smtp['per_s']}** | {smtp['p50_ms']} | {smtp['p95_ms']} | "
        f"{smtp['p99_ms']} | {smtp['machine_busy_pct']} % |",
    ]
    http = report.get("reference")
    if http:
        lines.append(
            f"| reference: HTTP endpoint (gunicorn -w 2, {SETTINGS['smtp_clients']} clients) | "
            f"{http['messages']:,} | {http['seconds']} | {http['per_s']} | {http['p50_ms']} | "
            f"{http['p95_ms']} | {http['p99_ms']} | {http['machine_busy_pct']} % |"
        )
    lines.append("")
    for name, key in (("IMAP poll", "imap_per_s"), ("SMTP receiver", "smtp_per_s")):
        part = imap if key == "imap_per_s" else smtp
        met = part["per_s"] >= TARGETS[key]
        lines.append(
            f"- {name} ≥ {TARGETS[key]:.0f} emails/s: {part['per_s']}/s — "
            f"{'met' if met else 'NOT met'}"
        )
    lines.append(
        f"- checks: IMAP {imap['rows_with_run_ids']:,} rows stored, "
        f"{imap['unread_left_in_account']} left unread, second poll stored "
        f"{imap['second_poll_stored']}; SMTP {smtp['rows_with_run_ids']:,} rows stored, "
        f"{smtp['errors']} errors"
    )
    return "\n".join(lines)


def main() -> int:
    url_text = database_url()
    url = make_url(url_text)
    if url.get_backend_name() != "postgresql":
        raise SystemExit("the mailbox benchmark runs on PostgreSQL")
    if url.database in PROTECTED | {"nebendesk_bench_workpool"}:
        raise SystemExit(f"refusing to recreate database {url.database!r}")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    env = app_env(url_text)
    env.update(REDIS_URL="", MAIL_URL="console://", INBOUND_DOMAIN="inbound.nebendesk.test")
    rng = random.Random(20261206)
    say(f"recreating database {url.database}")
    recreate_database(url)
    flask(env, "db", "upgrade")
    seed_seconds = seed_demo(env, "mailboxes")
    engine = sa.create_engine(url)
    app = make_app(url_text, INBOUND_DOMAIN="inbound.nebendesk.test")
    mailbox = demo_mailbox(app)
    report: dict[str, Any] = {
        "started": stamp,
        "machine": machine_info(engine),
        "settings": {**SETTINGS, "database": url.database},
        "targets": TARGETS,
        "seed_demo_seconds": seed_seconds,
    }
    report["imap"] = run_imap(app, engine, mailbox, stamp, rng)
    say(f"IMAP: {report['imap']['per_s']} emails/s")
    log = RESULTS_DIR / f"mailboxes-smtpd-{stamp}.log"
    report["smtp"] = run_smtp(app, env, engine, mailbox, stamp, rng, log)
    say(f"SMTP: {report['smtp']['per_s']} emails/s")
    if SETTINGS["reference_messages"]:
        gunicorn_log = RESULTS_DIR / f"mailboxes-gunicorn-{stamp}.log"
        report["reference"] = run_reference(env, engine, mailbox, stamp, rng, gunicorn_log)
        say(f"HTTP reference: {report['reference']['per_s']} emails/s")
    report["finished"] = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    engine.dispose()
    out = RESULTS_DIR / f"mailboxes-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print()
    print(markdown(report))
    print()
    print(f"Results: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
