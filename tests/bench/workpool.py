"""The email work pool benchmark (part of ``make bench``; alone:
``python -m tests.bench.workpool``): inbound mail over HTTP, and claiming from a
queue of 100,000 conversations by 50 concurrent workers.

Setup: recreate the PostgreSQL database ``BENCH_WORKPOOL_DATABASE_URL`` (default
``nebendesk_bench_workpool`` on the search bench's server), ``flask db upgrade``
and ``flask seed demo``, which gives Shop Demo GmbH's German email gig, its
funded mailbox "Radwerk Kundenservice" (known inbound token) and seeker@demo.test
hired on it.

1. **Inbound**: ``gunicorn -w 2 -k sync`` (development settings, rate limits off,
   as ``tests/bench/run.py`` serves the app) receives ``BENCH_WP_MESSAGES``
   (10,000) distinct, pre-built customer emails on ``POST
   /api/v1/mailboxes/<id>/messages`` from ``BENCH_WP_CLIENTS`` (4) client threads
   (``http.client``; gunicorn's sync workers close the connection after every
   answer, so each request connects anew). The mix: 60 % short plain text, 25 %
   longer plain text with a quoted earlier mail, 10 % multipart/alternative
   (text + HTML), 5 % with a 20–150 KB PDF attachment; German and English; 10 %
   are replies (In-Reply-To) to an earlier mail of the run. Reported: messages
   stored per second, latency percentiles; verified: exactly that many Message
   rows with the run's Message-IDs, every answer 201.
2. **Claims**: 49 more workers are hired on the gig through the services
   (register, application + engagement as ``tests/payments/helpers.hired``,
   rules accepted), the company's balance topped up through
   ``funding.payment_succeeded``, then ``BENCH_WP_CONVERSATIONS`` (100,000)
   waiting conversations with one inbound message each are inserted in bulk
   (``INSERT … SELECT generate_series``; arrived over the last 3 days, target 24 h
   later), ``VACUUM (ANALYZE)``. ``BENCH_WP_WORKERS`` (50) workers, spread as
   threads over ``BENCH_WP_PROCESSES`` (2, one per core; more processes measured
   slower here: 5 gave ~25 % fewer claims/s) processes (each thread with its own
   app context, session and connection), each repeatedly call
   ``pool.claim_next(worker)`` + commit (timed: the claim latency), then finish
   the conversation with one conditional UPDATE (status answered, lease
   cleared, only while this worker holds it) + commit, timed separately. First
   back to back for ``BENCH_WP_CLAIM_SECONDS`` (30): the most claims per second
   the machine gives; with 50 workers and no pause the latency there is mostly
   waiting for a CPU (50 ÷ throughput). Then paced (open loop, each worker on
   its own schedule, a late claim starts at once) at each rate of
   ``BENCH_WP_PACED_RATES`` ("100,300") claims/s for ``BENCH_WP_PACED_SECONDS``
   (20): the latency at a given load. Every run has a ``BENCH_WP_WARMUP`` (5 s)
   warm-up that is not counted. Finishing this way instead of
   ``pool.answer`` keeps the measurement about claiming: an answer's reply,
   unit and ledger booking are not part of the claim path, and giving the
   conversation back (``pool.release``) would make every worker fight over the
   same first row. Verified: no conversation was handed to two workers (every
   claimed conversation is finished at once, so any repeat would be a double
   claim), every finishing UPDATE found its conversation still held by its
   worker, and the database's answered count matches.
3. **Why**: one worker alone claims 50 times on the fresh queue and 200 times after
   the runs; the statements one ``claim_next`` sends are captured in-process with
   their database time (vs. the whole call), and each is explained with
   ``EXPLAIN (ANALYZE, BUFFERS)`` inside a rolled-back transaction.

Results: ``tests/bench/results/workpool-<timestamp>.json`` and a Markdown table.
Settings (environment): BENCH_WORKPOOL_DATABASE_URL, BENCH_WP_MESSAGES,
BENCH_WP_CLIENTS, BENCH_WP_CONVERSATIONS, BENCH_WP_WORKERS, BENCH_WP_PROCESSES,
BENCH_WP_CLAIM_SECONDS, BENCH_WP_PACED_RATES, BENCH_WP_PACED_SECONDS,
BENCH_WP_WARMUP, and run.py's BENCH_MAX_BUSY /
BENCH_QUIET_WAIT. The machine's load is recorded before and during every part.
"""

from __future__ import annotations

import http.client
import itertools
import json
import multiprocessing
import os
import random
import re
import statistics
import sys
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

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

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nebendesk_bench_workpool"
PROTECTED = {"test", "test_lead", "nebendesk_bench", "postgres", "template0", "template1"}
TARGETS = {"inbound_per_s": 200.0, "claims_per_s": 300.0, "claim_p95_ms": 50.0}
SETTINGS = {
    "messages": env_int("BENCH_WP_MESSAGES", 10_000),
    "clients": env_int("BENCH_WP_CLIENTS", 4),
    "conversations": env_int("BENCH_WP_CONVERSATIONS", 100_000),
    "workers": env_int("BENCH_WP_WORKERS", 50),
    "processes": env_int("BENCH_WP_PROCESSES", 2),
    "claim_seconds": env_int("BENCH_WP_CLAIM_SECONDS", 30),
    "paced_rates": [
        float(r) for r in (os.environ.get("BENCH_WP_PACED_RATES") or "100,300").split(",") if r
    ],
    "paced_seconds": env_int("BENCH_WP_PACED_SECONDS", 20),
    "warmup_s": env_int("BENCH_WP_WARMUP", 5),
    "gunicorn": "-w 2 -k sync",
}
INBOUND_WARMUP = 200  # messages posted before the measured ones (their own ids)


def database_url() -> str:
    explicit = os.environ.get("BENCH_WORKPOOL_DATABASE_URL")
    if explicit:
        return explicit
    shared = os.environ.get("BENCH_DATABASE_URL")
    if shared:  # the search bench's server, a database of our own beside its one
        url = make_url(shared)
        return url.set(database=f"{url.database}_workpool").render_as_string(hide_password=False)
    return DEFAULT_URL


def cpu_sample() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]


def busy_between(before: tuple[int, int], after: tuple[int, int]) -> float:
    total, idle = after[0] - before[0], after[1] - before[1]
    return round(100.0 * (1 - idle / max(1, total)), 1)


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {f"p{p}_ms": 0.0 for p in (50, 90, 95, 99)} | {"max_ms": 0.0, "mean_ms": 0.0}
    ordered = sorted(values)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    return {
        **{f"p{p}_ms": round(at(p) * 1000, 2) for p in (50, 90, 95, 99)},
        "max_ms": round(ordered[-1] * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


# --- customer mail ---------------------------------------------------------------------

FIRST = [
    "Anna",
    "Jonas",
    "Lea",
    "Paul",
    "Marie",
    "Felix",
    "Sophie",
    "Lukas",
    "Emma",
    "Noah",
    "Hannah",
    "Elias",
    "Mia",
    "Ben",
    "Laura",
    "Sean",
    "Aoife",
    "Daan",
    "Sanne",
    "Liam",
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Murphy",
    "Byrne",
    "de Jong",
    "Visser",
]
DOMAINS = ["example.com", "example.net", "example.org", "mail.example.com", "post.example.net"]
DE_TOPICS = [
    (
        "Wo bleibt meine Bestellung {order}?",
        "ich habe vor {days} Tagen bestellt (Bestellnummer {order}) und noch keine "
        "Versandbestätigung bekommen. Können Sie mir sagen, wann die Lieferung kommt?",
    ),
    (
        "Rücksendung {order}",
        "der Artikel passt leider nicht. Bitte schicken Sie mir ein Retourenlabel für "
        "Bestellung {order}; das Paket ist noch originalverpackt.",
    ),
    (
        "Falsche Größe geliefert",
        "ich habe Größe L bestellt, geliefert wurde M (Bestellnummer {order}). Kann ich "
        "umtauschen, ohne noch einmal Versand zu bezahlen?",
    ),
    (
        "Rechnung für {order}",
        "für meine Steuererklärung brauche ich eine Rechnung mit meiner Anschrift. Können Sie "
        "mir die Rechnung zu {order} als PDF schicken?",
    ),
    (
        "Akku lädt nicht",
        "der Akku meines E-Bikes lädt seit gestern nicht mehr, das Ladegerät blinkt rot. Ist "
        "das ein Garantiefall? Gekauft vor {days} Tagen, Bestellung {order}.",
    ),
    (
        "Gutschein funktioniert nicht",
        "der Code aus dem Newsletter wird im Warenkorb als ungültig angezeigt. Gilt er nicht "
        "mehr? Ich wollte eine Satteltasche und ein Schloss bestellen.",
    ),
]
EN_TOPICS = [
    ("Where is my order {order}?",
     "I ordered {days} days ago (order {order}) and the tracking has not changed since. "
     "Could you please check what is going on?"),
    ("Return for order {order}",
     "the helmet does not fit. How can I return it? It is unused and in its box."),
    ("Invoice with VAT number",
     "could you please send me an invoice for order {order} with our company's VAT ID? "
     "We need it for our bookkeeping."),
    ("Damaged on arrival",
     "the bike from order {order} arrived with a bent front wheel although the box looked "
     "fine. What do you need from me for a claim?"),
]  # fmt: skip
FILLER_DE = ("Vielen Dank im Voraus für Ihre Hilfe. Ich bin tagsüber telefonisch erreichbar, "
             "lieber ist mir aber eine Antwort per E-Mail. ")  # fmt: skip
FILLER_EN = ("Thanks in advance for your help. I can be reached by phone during the day, "
             "but I would prefer an answer by email. ")  # fmt: skip


def build_messages(count: int, *, prefix: str, to: str, rng: random.Random) -> list[bytes]:
    """``count`` distinct customer emails as raw RFC 822 bytes (see the module's docstring)."""
    now = datetime.now(UTC)
    ids: list[str] = []
    out: list[bytes] = []
    for n in range(count):
        german = rng.random() < 0.7
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        domain = rng.choice(DOMAINS)
        address = f"{name.split()[0].lower()}.{n}@{domain}"
        subject, text = rng.choice(DE_TOPICS if german else EN_TOPICS)
        values = {"order": f"RW-{rng.randint(100000, 999999)}", "days": rng.randint(2, 20)}
        greeting = "Guten Tag,\n\n" if german else "Hello,\n\n"
        body = greeting + text.format(**values) + "\n\n"
        kind = rng.random()
        if 0.60 <= kind < 0.85:  # longer, with an earlier mail quoted
            filler = FILLER_DE if german else FILLER_EN
            body += filler * rng.randint(3, 12) + "\n\n"
            body += "\n".join("> " + line for line in (filler * rng.randint(10, 40)).split(". "))
        body += f"\n\n{'Viele Grüße' if german else 'Kind regards'}\n{name}\n"
        message = EmailMessage()
        message["From"] = formataddr((name, address))
        message["To"] = to
        message["Subject"] = subject.format(**values)
        message["Date"] = format_datetime(now - timedelta(minutes=count - n))
        message_id = f"<{prefix}-{n}.{rng.getrandbits(32):08x}@{domain}>"
        message["Message-ID"] = message_id
        if n > 2000 and rng.random() < 0.10:  # a reply to a mail well before it
            earlier = ids[n - rng.randint(500, 2000)]
            message["In-Reply-To"] = earlier
            message["References"] = earlier
        message.set_content(body)
        if 0.85 <= kind < 0.95:
            paragraphs = "".join(f"<p>{line}</p>" for line in body.split("\n\n"))
            message.add_alternative(f"<html><body>{paragraphs}</body></html>", subtype="html")
        elif kind >= 0.95:
            size = rng.randint(20_000, 150_000)
            pdf = b"%PDF-1.4\n" + rng.randbytes(size) + b"\n%%EOF\n"
            message.add_attachment(
                pdf, maintype="application", subtype="pdf", filename=f"beleg-{n}.pdf"
            )
        ids.append(message_id)
        out.append(message.as_bytes(policy=SMTP))
    return out


def post_messages(
    port: int, path: str, token: str, messages: list[bytes], clients: int
) -> dict[str, Any]:
    """POST every message once from ``clients`` threads; latencies and answers."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "message/rfc822"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        seen: Counter[int] = Counter()
        while True:
            with lock:
                n = next(counter)
            if n >= len(messages):
                break
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=messages[n], headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                continue
            mine.append(time.perf_counter() - started)
            seen[response.status] += 1
            if response.will_close:
                conn.close()  # gunicorn's sync workers: the next request connects anew
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(seen)

    started = time.perf_counter()
    sample = cpu_sample()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return {
        "messages": len(messages),
        "seconds": round(seconds, 2),
        "per_s": round(len(messages) / seconds, 1),
        **percentiles(latencies),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": len(errors),
        "error_samples": errors[:5],
        "machine_busy_pct": busy_between(sample, cpu_sample()),
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


# --- the app in this process -----------------------------------------------------------


def make_app(url: str, **extra: Any):
    from marketplace import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASHING": "fast",
            "MAIL_URL": "console://",
            "JOBS_INLINE": True,
            "REDIS_URL": None,
            **extra,
        }
    )


def demo_mailbox(app) -> dict[str, Any]:
    from marketplace.extensions import db
    from marketplace.seed.workpool_data import DEMO_INBOUND_TOKEN, FROM_ADDRESS
    from marketplace.workpool.models import Mailbox

    with app.app_context():
        mailbox = db.session.scalar(sa.select(Mailbox).where(Mailbox.from_address == FROM_ADDRESS))
        if mailbox is None:
            raise SystemExit("flask seed demo made no demo mailbox")
        return {
            "id": mailbox.id,
            "gig_id": mailbox.gig_id,
            "company_id": mailbox.company_id,
            "to": formataddr((mailbox.from_name, mailbox.from_address)),
            "token": DEMO_INBOUND_TOKEN,
        }


def hire_workers(app, gig_id: int, count: int) -> list[int]:
    """The demo seeker plus ``count - 1`` new workers, all hired on the gig with its
    rules accepted; the company's balance topped up. Returns their user ids."""
    from marketplace.accounts import services as accounts
    from marketplace.db import utcnow
    from marketplace.extensions import db
    from marketplace.gigs.models import Gig
    from marketplace.onboarding.engagements import acknowledge_rules, rules_to_acknowledge
    from marketplace.onboarding.models import Application, ApplicationStatus, Engagement
    from marketplace.payments import funding
    from marketplace.seed.demo_data import SEEKER_EMAIL

    with app.app_context():
        gig = db.session.get(Gig, gig_id)
        ids = [accounts.find_user_by_email(SEEKER_EMAIL).id]
        for n in range(1, count):
            worker = accounts.register_seeker(
                email=f"bench-worker-{n}@bench.nebendesk.test",
                password="bench-password-1",
                display_name=f"Bench Worker {n}",
                date_of_birth=date(1990, 1, 1),
                locale="de",
            )
            worker.email_verified_at = utcnow()
            application = Application(
                gig_id=gig.id, seeker_id=worker.id, status=ApplicationStatus.HIRED,
                hours_per_week=10,
            )  # fmt: skip
            db.session.add(application)
            db.session.flush()
            engagement = Engagement(
                gig_id=gig.id, worker_id=worker.id, application_id=application.id,
                rate_cents=gig.rate_cents, pay_model=gig.pay_model,
                started_at=utcnow() - timedelta(days=30),
            )  # fmt: skip
            db.session.add(engagement)
            db.session.flush()
            rules = rules_to_acknowledge(engagement)
            if rules is not None:
                acknowledge_rules(engagement, by=worker, rules_hash=rules)
            ids.append(worker.id)
        owner = gig.company.memberships[0].user
        payment = funding.start_funding(
            gig.company, amount_cents=app.config["MAX_FUNDING_CENTS"], by=owner
        )
        payment.stripe_payment_intent_id = f"pi_bench_{payment.id}"
        db.session.flush()
        outcome = funding.payment_succeeded(
            {"id": payment.stripe_payment_intent_id, "amount_received": payment.amount_cents},
            event_id=f"evt_bench_{payment.id}",
        )
        assert outcome == "credited", outcome
        db.session.commit()
        return ids


def bulk_conversations(engine: sa.Engine, mailbox_id: int, count: int) -> float:
    """``count`` waiting conversations, one inbound message each, arrived over the last
    3 days (first-response target 24 h later); then VACUUM (ANALYZE)."""
    started = time.perf_counter()
    with engine.begin() as conn:
        since = conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM conversations"))
        conn.execute(sa.text("SELECT setseed(0.17)"))
        conn.execute(
            sa.text("""
                INSERT INTO conversations (mailbox_id, subject, customer_email, customer_name,
                    status, assigned_to_id, claimed_by_id, lease_expires_at, waiting_since,
                    first_response_due_at, first_responded_at, answered_at, escalated_at,
                    created_at, updated_at)
                SELECT :mailbox, (ARRAY['Wo bleibt meine Bestellung?', 'Rücksendung',
                        'Falsche Größe geliefert', 'Rechnung benötigt', 'Where is my order?',
                        'Return request'])[1 + i % 6],
                    'kunde' || i || '@bench.example.com', 'Kunde ' || i, 'waiting',
                    NULL, NULL, NULL, t.at, t.at + interval '24 hours', NULL, NULL, NULL,
                    t.at, t.at
                FROM generate_series(1, :count) AS i
                CROSS JOIN LATERAL (
                    SELECT now() - random() * interval '72 hours' + i * interval '0 s' AS at
                ) AS t
            """),
            {"mailbox": mailbox_id, "count": count},
        )
        conn.execute(
            sa.text("""
                INSERT INTO messages (conversation_id, mailbox_id, direction, message_id,
                    in_reply_to, "references", from_address, from_name, subject, sent_at,
                    received_at, body_text, was_html, size_bytes, purged_at)
                SELECT c.id, c.mailbox_id, 'inbound',
                    '<bench-queue-' || c.id || '@bench.example.com>', NULL, '',
                    c.customer_email, c.customer_name, c.subject, c.waiting_since,
                    c.waiting_since, 'Guten Tag, ich habe eine Frage zu meiner Bestellung RW-'
                    || (100000 + c.id) || '. Viele Grüße, ' || c.customer_name, false, 900, NULL
                FROM conversations c WHERE c.id > :since
            """),
            {"since": since},
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM (ANALYZE)"))
    return round(time.perf_counter() - started, 1)


# --- claiming: one process of worker threads ---------------------------------------------


Record = tuple[float, float, int | None, int, int, float, float]


def claim_process(
    url: str, worker_ids: list[int], interval: float, sync: tuple[Any, Any, Any], out: Any
) -> None:
    """One thread per worker, from the common start time to the stop time (wall clock,
    set by the parent once every process is ready). ``interval`` > 0 paces each worker
    to one claim per ``interval`` seconds (open loop: a late claim starts at once);
    0 claims back to back. Puts the records
    [(t0, claim_s, conversation_id, worker_id, finished, finish_s, late_s)] and errors."""
    from marketplace.accounts.models import User
    from marketplace.db import utcnow
    from marketplace.extensions import db
    from marketplace.workpool import pool
    from marketplace.workpool.models import Conversation, ConversationStatus

    ready, go, times = sync
    app = make_app(
        url,
        SQLALCHEMY_ENGINE_OPTIONS={
            "pool_pre_ping": True,  # as the app's default
            "pool_size": len(worker_ids),
            "max_overflow": 1,
        },
    )
    records: list[Record] = []
    errors: list[str] = []
    lock = threading.Lock()
    with app.app_context():  # connect and load the models before the clock starts
        db.session.execute(sa.text("SELECT 1"))
        db.session.remove()
    ready.put(os.getpid())
    go.wait()
    start_at, stop_at = times[0], times[1]

    def finish(conversation_id: int, worker_id: int) -> int:
        finished = db.session.execute(
            sa.update(Conversation)
            .where(
                Conversation.id == conversation_id,
                Conversation.claimed_by_id == worker_id,
                Conversation.status == ConversationStatus.WAITING,
            )
            .values(
                status=ConversationStatus.ANSWERED,
                claimed_by_id=None,
                lease_expires_at=None,
                answered_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        return finished

    def work(worker_id: int) -> None:
        mine: list[Record] = []
        due = start_at + random.Random(worker_id).uniform(0, interval)
        with app.app_context():
            worker = db.session.get(User, worker_id)
            db.session.commit()
            while True:
                time.sleep(max(0.0, due - time.time()))
                t0 = time.time()
                if t0 >= stop_at:
                    break
                late, due = max(0.0, t0 - due), due + interval
                started = time.perf_counter()
                try:
                    claim = pool.claim_next(worker)
                    conversation_id = claim.conversation.id if claim.conversation else None
                    db.session.commit()
                except Exception as exc:  # recorded; the run goes on
                    db.session.rollback()
                    errors.append(f"claim: {type(exc).__name__}: {exc}"[:300])
                    continue
                claimed = time.perf_counter()
                if conversation_id is None:
                    mine.append((t0, claimed - started, None, worker_id, 0, 0.0, late))
                    time.sleep(0.01)
                    continue
                finished = finish(conversation_id, worker_id)
                mine.append(
                    (t0, claimed - started, conversation_id, worker_id, finished,
                     time.perf_counter() - claimed, late)
                )  # fmt: skip
        with lock:
            records.extend(mine)

    threads = [threading.Thread(target=work, args=(w,)) for w in worker_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put((records, errors))


def run_claims(
    url: str, worker_ids: list[int], *, seconds: int, rate: float = 0.0
) -> dict[str, Any]:
    """All workers claim for ``warmup_s`` + ``seconds``: back to back (``rate`` 0), or
    paced so that together they try ``rate`` claims per second."""
    processes = SETTINGS["processes"]
    context = multiprocessing.get_context("spawn")
    queue, ready, go = context.Queue(), context.Queue(), context.Event()
    times = context.Array("d", 2)
    interval = len(worker_ids) / rate if rate else 0.0
    groups = [worker_ids[i::processes] for i in range(processes)]
    procs = [
        context.Process(
            target=claim_process, args=(url, group, interval, (ready, go, times), queue)
        )
        for group in groups
        if group
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=300)
    start_at = time.time() + 0.5
    measure_from = start_at + SETTINGS["warmup_s"]
    stop_at = measure_from + seconds
    times[0], times[1] = start_at, stop_at
    go.set()
    time.sleep(max(0.0, measure_from - time.time()))
    sample = cpu_sample()
    load_before = [round(x, 2) for x in os.getloadavg()]
    records: list[Record] = []
    errors: list[str] = []
    for _ in procs:
        got_records, got_errors = queue.get(timeout=seconds + 600)
        records.extend(got_records)
        errors.extend(got_errors)
    busy = busy_between(sample, cpu_sample())  # the measured window and the wind-down
    for proc in procs:
        proc.join(timeout=60)
    window = [r for r in records if measure_from <= r[0] < stop_at]
    claims = [r for r in window if r[2] is not None]
    every_claim = [r for r in records if r[2] is not None]
    repeats = {cid: n for cid, n in Counter(r[2] for r in every_claim).items() if n > 1}
    per_worker = Counter(r[3] for r in claims)
    return {
        "mode": f"paced at {rate:g} claims/s" if rate else "back to back",
        "offered_per_s": rate or None,
        "workers": len(worker_ids),
        "processes": len(procs),
        "seconds": seconds,
        "claims": len(claims),
        "claims_per_s": round(len(claims) / seconds, 1),
        "empty_claims": len(window) - len(claims),
        **percentiles([r[1] for r in claims]),
        "late": percentiles([r[6] for r in claims]) if rate else None,
        "finish": percentiles([r[5] for r in claims]),
        "claims_including_warmup": len(every_claim),
        "double_claims": len(repeats),
        "double_claim_samples": dict(list(repeats.items())[:10]),
        "finish_lost": sum(1 for r in every_claim if r[4] != 1),
        "errors": len(errors),
        "error_samples": errors[:5],
        "per_worker_claims": {
            "min": min(per_worker.values(), default=0),
            "max": max(per_worker.values(), default=0),
        },
        "machine_busy_pct": busy,
        "loadavg_before": load_before,
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "_claimed_ids": [r[2] for r in every_claim if r[4] == 1],
    }


# --- why: the claim's statements ----------------------------------------------------------


def profile_claim(url: str, worker_id: int, rounds: int = 200) -> dict[str, Any]:
    """One worker claims and finishes ``rounds`` times alone: the statements of one
    claim_next with their database time; then EXPLAIN (ANALYZE, BUFFERS) of each."""
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.workpool import pool
    from marketplace.workpool.models import Conversation, ConversationStatus

    app = make_app(url)
    statements: list[list[Any]] = []
    with app.app_context():
        engine = db.engine
        current: list[Any] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_started"] = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):
            current.append(
                (statement, parameters, time.perf_counter() - conn.info.pop("bench_started"))
            )

        worker = db.session.get(User, worker_id)
        totals: list[float] = []
        db_times: list[float] = []
        for _ in range(rounds):
            current.clear()
            sa.event.listen(engine, "before_cursor_execute", before)
            sa.event.listen(engine, "after_cursor_execute", after)
            started = time.perf_counter()
            claim = pool.claim_next(worker)
            db.session.commit()
            totals.append(time.perf_counter() - started)
            sa.event.remove(engine, "before_cursor_execute", before)
            sa.event.remove(engine, "after_cursor_execute", after)
            db_times.append(sum(s[2] for s in current))
            statements.append(list(current))
            if claim.conversation is None:
                break
            db.session.execute(
                sa.update(Conversation)
                .where(Conversation.id == claim.conversation.id)
                .values(status=ConversationStatus.ANSWERED, claimed_by_id=None,
                        lease_expires_at=None)
            )  # fmt: skip
            db.session.commit()
        last = statements[-1]
        plans = []
        with engine.connect() as conn:
            for statement, parameters, seconds in last:
                if statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                    continue
                trans = conn.begin()
                rows = conn.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
                ).all()
                trans.rollback()
                plan = "\n".join(row[0] for row in rows)
                plans.append(
                    {
                        "sql": statement,
                        "parameters": repr(parameters)[:300],
                        "ms_in_run": round(seconds * 1000, 3),
                        "plan": plan,
                    }
                )
        db.engine.dispose()
    return {
        "rounds": len(totals),
        "claim_alone": percentiles(totals),
        "db_time_ms_mean": round(statistics.fmean(db_times) * 1000, 2),
        "statements_per_claim": len(last),
        "explain": plans,
    }


# --- reporting --------------------------------------------------------------------------


def candidate_plan(profile: dict[str, Any]) -> dict[str, Any]:
    """The claim's candidate query (FOR UPDATE SKIP LOCKED): its plan, time and buffers."""
    plan = next((p["plan"] for p in profile["explain"] if "FOR UPDATE" in p["sql"]), "")
    timing = re.search(r"Execution Time: ([\d.]+) ms", plan)
    buffers = re.search(r"Buffers: shared hit=(\d+)", plan)
    return {
        "execution_ms": float(timing.group(1)) if timing else None,
        "shared_hit": int(buffers.group(1)) if buffers else None,
        "plan": plan,
    }


def verdicts(report: dict[str, Any]) -> dict[str, Any]:
    inbound, runs, queue = report["inbound"], report["claims"], report["queue"]
    saturated = runs[0]
    at_target = next((r for r in runs if r["offered_per_s"] == TARGETS["claims_per_s"]), saturated)
    return {
        "inbound_per_s": inbound["per_s"] >= TARGETS["inbound_per_s"],
        "inbound_rows": report["inbound_rows"] == inbound["messages"],
        "claims_per_s": saturated["claims_per_s"] >= TARGETS["claims_per_s"],
        # The latency target at the target rate (paced), and only if the rate was reached.
        "claim_p95_ms": at_target["p95_ms"] <= TARGETS["claim_p95_ms"]
        and at_target["claims_per_s"] >= 0.95 * TARGETS["claims_per_s"],
        "no_double_claims": all(r["double_claims"] == 0 and r["finish_lost"] == 0 for r in runs)
        and queue["distinct_claimed"] == queue["claimed_and_finished"] == queue["answered_by_runs"],
    }


def markdown(report: dict[str, Any]) -> str:
    i, v, q = report["inbound"], report["verdicts"], report["queue"]

    def met(key: str) -> str:
        return "met" if v[key] else "NOT met"

    lines = [
        "| part | rate | p50 ms | p95 ms | p99 ms | max ms | machine busy |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| inbound POST, {i['messages']:,} messages, {SETTINGS['clients']} clients | "
        f"{i['per_s']:.0f} msg/s | {i['p50_ms']:.1f} | {i['p95_ms']:.1f} | {i['p99_ms']:.1f} | "
        f"{i['max_ms']:.0f} | {i['machine_busy_pct']} % |",
    ]
    for c in report["claims"]:
        lines.append(
            f"| claim_next + commit, {c['workers']} workers, {c['mode']} | "
            f"{c['claims_per_s']:.0f} claims/s | {c['p50_ms']:.1f} | {c['p95_ms']:.1f} | "
            f"{c['p99_ms']:.1f} | {c['max_ms']:.0f} | {c['machine_busy_pct']} % |"
        )
    f = report["claims"][0]["finish"]
    lines += [
        f"| finish (one UPDATE + commit), back to back | | {f['p50_ms']:.1f} | "
        f"{f['p95_ms']:.1f} | {f['p99_ms']:.1f} | {f['max_ms']:.0f} | |",
        "",
        f"- inbound ≥ {TARGETS['inbound_per_s']:.0f}/s: {met('inbound_per_s')}; "
        f"{report['inbound_rows']:,} Message rows with the run's Message-IDs "
        f"(answers {i['statuses']}, {i['errors']} errors)",
        f"- claims ≥ {TARGETS['claims_per_s']:.0f}/s (back to back): {met('claims_per_s')}; "
        f"p95 ≤ {TARGETS['claim_p95_ms']:.0f} ms at {TARGETS['claims_per_s']:.0f} claims/s "
        f"offered: {met('claim_p95_ms')}",
        f"- double claims: none — {met('no_double_claims')} "
        f"({q['claimed_and_finished']:,} claims, {q['distinct_claimed']:,} distinct "
        f"conversations, {q['answered_by_runs']:,} answered in the database, "
        + ", ".join(
            f"{c['errors']} errors/{c['empty_claims']} empty ({c['mode']})"
            for c in report["claims"]
        )
        + ")",
        f"- queue: {q['waiting_before']:,} waiting conversations before, "
        f"{q['waiting_after']:,} after",
        f"- one worker alone: claim p50 {report['profile']['claim_alone']['p50_ms']} ms, "
        f"p95 {report['profile']['claim_alone']['p95_ms']} ms; "
        f"{report['profile']['statements_per_claim']} statements per claim, "
        f"{report['profile']['db_time_ms_mean']} ms of it in the database (mean)",
        f"- candidate query (EXPLAIN ANALYZE): {report['candidate_before']['execution_ms']} ms, "
        f"{report['candidate_before']['shared_hit']} buffers on the fresh queue; "
        f"{report['candidate_after']['execution_ms']} ms, "
        f"{report['candidate_after']['shared_hit']} buffers after the runs",
    ]
    return "\n".join(lines)


def main() -> int:
    url_text = database_url()
    url = make_url(url_text)
    if url.get_backend_name() != "postgresql":
        raise SystemExit("the work pool benchmark runs on PostgreSQL")
    if url.database in PROTECTED:
        raise SystemExit(f"refusing to recreate database {url.database!r}")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log = RESULTS_DIR / f"workpool-gunicorn-{stamp}.log"
    env = app_env(url_text)
    env.update(REDIS_URL="", MAIL_URL="console://")
    rng = random.Random(20261127)

    say(f"recreating database {url.database}")
    recreate_database(url)
    flask(env, "db", "upgrade")
    seed_seconds = seed_demo(env, "workpool")
    engine = sa.create_engine(url)
    app = make_app(url_text)
    mailbox = demo_mailbox(app)
    report: dict[str, Any] = {
        "started": stamp,
        "machine": machine_info(engine),
        "settings": {**SETTINGS, "database": url.database},
        "targets": TARGETS,
        "seed_demo_seconds": seed_seconds,
    }

    # 1. inbound over HTTP
    say(f"building {SETTINGS['messages']:,} customer emails")
    prefix = f"bench-{stamp.lower()}"
    messages = build_messages(SETTINGS["messages"], prefix=prefix, to=mailbox["to"], rng=rng)
    warmup = build_messages(INBOUND_WARMUP, prefix=f"warmup-{stamp.lower()}", to=mailbox["to"],
                            rng=rng)  # fmt: skip
    sizes = sorted(len(m) for m in messages)
    path = f"/api/v1/mailboxes/{mailbox['id']}/messages"
    server = Server(env, log)
    try:
        port = int(server.base.rsplit(":", 1)[1])
        say("warming up the inbound endpoint")
        post_messages(port, path, mailbox["token"], warmup, SETTINGS["clients"])
        load = wait_for_quiet()
        say(f"posting {len(messages):,} emails with {SETTINGS['clients']} clients")
        inbound = post_messages(port, path, mailbox["token"], messages, SETTINGS["clients"])
    finally:
        server.stop()
    inbound["load_before"] = load
    inbound["size_bytes"] = {
        "min": sizes[0], "median": sizes[len(sizes) // 2], "max": sizes[-1],
        "total_mb": round(sum(sizes) / 2**20, 1),
    }  # fmt: skip
    with engine.connect() as conn:
        report["inbound_rows"] = conn.scalar(
            sa.text("SELECT count(*) FROM messages WHERE message_id LIKE :p"),
            {"p": f"<{prefix}-%"},
        )
    report["inbound"] = inbound
    say(
        f"inbound: {inbound['per_s']} msg/s, p50 {inbound['p50_ms']} ms, p95 "
        f"{inbound['p95_ms']} ms; {report['inbound_rows']:,} rows stored"
    )

    # 2. claims
    say(f"hiring {SETTINGS['workers']} workers; inserting {SETTINGS['conversations']:,} "
        "waiting conversations")  # fmt: skip
    worker_ids = hire_workers(app, mailbox["gig_id"], SETTINGS["workers"])
    report["bulk_insert_seconds"] = bulk_conversations(
        engine, mailbox["id"], SETTINGS["conversations"]
    )
    with engine.connect() as conn:
        waiting_before = conn.scalar(
            sa.text("SELECT count(*) FROM conversations WHERE status = 'waiting'")
        )
    say("profiling one claim on the fresh queue")
    report["profile_before"] = profile_claim(url_text, worker_ids[-1], rounds=50)
    runs: list[dict[str, Any]] = []
    claimed_ids: list[int] = []
    plans = [(SETTINGS["claim_seconds"], 0.0)]
    plans += [(SETTINGS["paced_seconds"], rate) for rate in SETTINGS["paced_rates"]]
    for seconds, rate in plans:
        load = wait_for_quiet()
        mode = f"paced at {rate:g}/s" if rate else "back to back"
        say(f"{SETTINGS['workers']} workers claim {mode} for {seconds} s "
            f"(+{SETTINGS['warmup_s']} s warm-up)")  # fmt: skip
        run = run_claims(url_text, worker_ids, seconds=seconds, rate=rate)
        run["load_before"] = load
        claimed_ids += run.pop("_claimed_ids")
        say(
            f"{run['mode']}: {run['claims_per_s']} claims/s, p50 {run['p50_ms']} ms, "
            f"p95 {run['p95_ms']} ms; {run['double_claims']} double claims"
        )
        runs.append(run)
    with engine.connect() as conn:
        waiting_after = conn.scalar(
            sa.text("SELECT count(*) FROM conversations WHERE status = 'waiting'")
        )
        answered_by_runs = conn.scalar(
            sa.text(
                "SELECT count(*) FROM conversations WHERE status = 'answered' AND id = ANY(:ids)"
            ),
            {"ids": claimed_ids},
        )
        live_leases = conn.scalar(
            sa.text(
                "SELECT count(*) FROM conversations WHERE claimed_by_id IS NOT NULL"
                " AND lease_expires_at > now()"
            )
        )
    report["claims"] = runs
    report["queue"] = {
        "waiting_before": waiting_before,
        "waiting_after": waiting_after,
        "claimed_and_finished": len(claimed_ids),
        "distinct_claimed": len(set(claimed_ids)),  # every claim finished: all distinct
        "answered_by_runs": answered_by_runs,
        "live_leases_after": live_leases,
    }

    # 3. why
    say("profiling and explaining one claim")
    report["profile"] = profile_claim(url_text, worker_ids[-1])
    report["candidate_before"] = candidate_plan(report["profile_before"])
    report["candidate_after"] = candidate_plan(report["profile"])
    report["verdicts"] = verdicts(report)
    report["finished"] = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    engine.dispose()
    out = RESULTS_DIR / f"workpool-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str))

    print()
    print("EXPLAIN (ANALYZE, BUFFERS) of the claim's candidate query after the run:")
    print(report["candidate_after"]["plan"] or "(not captured)")
    m = report["machine"]
    print()
    print(
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB, "
        f"{m['postgresql'].split(' on ')[0]}; gunicorn -w 2 -k sync"
    )
    print()
    print(markdown(report))
    print()
    print(f"Results: {out.relative_to(ROOT)}")
    ok = all(report["verdicts"].values())
    print("Work pool targets met." if ok else "Some work pool targets are NOT met (see above).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
