"""The payments benchmark (part of ``make bench``): a payout run for 10,000 workers
against the Stripe emulator, then ``flask ledger check`` over 1,000,000 ledger entries.

Steps:

1. recreate the PostgreSQL database ``BENCH_PAYMENTS_DATABASE_URL`` (default: the
   search bench's server with ``_payments`` appended to its database name, i.e.
   ``nebendesk_bench_payments``) and run ``flask db upgrade``;
2. ``flask seed bench --gigs 3000`` for companies (100, each with an owner) and
   gigs, then in bulk SQL: 10,000 workers, each hired on one gig (application +
   engagement) with three approved work units;
3. the Stripe emulator's state: one Express account is created and onboarded
   through the emulator's real API and onboarding page (in-process), copied for
   every other worker, and the state written to a state file in a temporary
   directory, from which ``flask sandbox stripe --state …`` then starts on a free
   port (there is no bulk endpoint; see "Payments" in docs/PERFORMANCE.md);
4. funding through the emulator's API, as Stripe would see it: one customer per
   company and card payments (PaymentIntents confirmed with
   ``pm_card_bypassPending``, at most MAX_FUNDING_CENTS each) covering the work,
   so the emulator's balance pays for the transfers with real charges;
5. the ledger in bulk SQL, as the services would have booked it: ``funding``,
   ``unit.reserve`` and ``unit.approve`` transactions (entries in account-id
   order, every transaction summing to zero); the cached balances are computed
   from the payment and unit rows, not from the entries, so ``flask ledger
   check`` really checks the seeding;
6. ``flask payouts run`` (the real CLI, in a subprocess) is timed; afterwards
   exactly one paid payout per worker, one transfer at the emulator per payout,
   no failures and no payable balance left are verified;
7. more months of work (pending, approved and voided units with their funding)
   until the ledger holds ``BENCH_LEDGER_ENTRIES`` entries, ``VACUUM (ANALYZE)``;
8. ``flask ledger check --no-stripe`` and ``flask ledger check`` (comparing
   every payment and transfer with the emulator), ``BENCH_CHECK_ROUNDS`` times
   each (median reported), then the check's statements are captured in-process,
   timed and the slowest explained with ``EXPLAIN (ANALYZE, BUFFERS)``.

Results: ``tests/bench/results/payments-<timestamp>.json`` and a Markdown table.
Settings (environment): BENCH_PAYMENTS_DATABASE_URL, BENCH_WORKERS (10000),
BENCH_LEDGER_ENTRIES (1000000), BENCH_UNITS_PER_WORKER (3), BENCH_PAYMENT_GIGS
(3000), BENCH_CHECK_ROUNDS (3), BENCH_EMULATOR ("file": ``flask sandbox stripe``
with a state file, as ``make run`` runs it; "memory": the emulator on a thread of
this process without a state file, to see what the state file costs), and run.py's
BENCH_MAX_BUSY / BENCH_QUIET_WAIT.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
import stripe
from sqlalchemy.engine import make_url

from tests.bench.run import (
    BIN,
    RESULTS_DIR,
    ROOT,
    app_env,
    env_int,
    free_port,
    machine_info,
    recreate_database,
    say,
    wait_for_quiet,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nebendesk_bench_payments"
SECRET_KEY = "sk_test_nebendesk_bench"  # any sk_test_ key works with the emulator
PUBLISHABLE_KEY = "pk_test_nebendesk_bench"
WEBHOOK_SECRET = "whsec_nebendesk_bench"
CHECK_TARGET_S = 60.0
API_THREADS = 4  # the emulator serialises handlers; a few threads hide the HTTP round trips

SETTINGS = {
    "workers": env_int("BENCH_WORKERS", 10_000),
    "ledger_entries": env_int("BENCH_LEDGER_ENTRIES", 1_000_000),
    "units_per_worker": env_int("BENCH_UNITS_PER_WORKER", 3),
    "gigs": env_int("BENCH_PAYMENT_GIGS", 3_000),
    "check_rounds": env_int("BENCH_CHECK_ROUNDS", 3),
    "emulator": os.environ.get("BENCH_EMULATOR") or "file",
}
EMULATOR_MODES = {
    "file": "`flask sandbox stripe --state FILE` (subprocess)",
    "memory": "in memory, on a thread of the bench process",
}
# Growth phases: what becomes of the units (the rest is voided after a rejection).
GROWTH_APPROVED, GROWTH_PENDING = 0.85, 0.10


def database_url() -> str:
    explicit = os.environ.get("BENCH_PAYMENTS_DATABASE_URL")
    if explicit:
        return explicit
    shared = os.environ.get("BENCH_DATABASE_URL")
    if shared:  # the search bench's server, a database of our own beside its one
        url = make_url(shared)
        return url.set(database=f"{url.database}_payments").render_as_string(hide_password=False)
    return DEFAULT_URL


# --- processes ----------------------------------------------------------------------


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_sample() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]


def busy_between(before: tuple[int, int], after: tuple[int, int]) -> float:
    total, idle = after[0] - before[0], after[1] - before[1]
    return round(100.0 * (1 - idle / max(1, total)), 1)


def run_flask(env: dict[str, str], log: Path, *args: str) -> dict[str, Any]:
    """Run ``flask ARGS`` to completion: wall seconds, its CPU seconds, exit code, output."""
    cpu0, sample0 = children_cpu_seconds(), cpu_sample()
    started = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    with log.open("a") as out:
        out.write(f"$ flask {' '.join(args)}  (exit {done.returncode}, {seconds:.2f} s)\n")
        out.write(done.stdout + done.stderr + "\n")
    return {
        "command": "flask " + " ".join(args),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(children_cpu_seconds() - cpu0, 2),
        "machine_busy_pct": busy_between(sample0, cpu_sample()),
        "exit_code": done.returncode,
        "stdout": done.stdout.strip()[-2000:],
        "stderr": done.stderr.strip()[-2000:],
    }


def flask_ok(env: dict[str, str], log: Path, *args: str) -> dict[str, Any]:
    result = run_flask(env, log, *args)
    if result["exit_code"] != 0:
        raise SystemExit(f"flask {' '.join(args)} failed ({result['exit_code']}); see {log}")
    return result


class EmulatorProcess:
    """``flask sandbox stripe`` on a free port with a state file, in its own process group."""

    def __init__(self, env: dict[str, str], state: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state = state
        self._log = log.open("a")
        self.proc = subprocess.Popen(
            [str(BIN / "flask"), "sandbox", "stripe", "--port", str(self.port), "--quiet",
             "--state", str(state), "--webhook-secret", WEBHOOK_SECRET],
            cwd=ROOT, env=env, stdout=self._log, stderr=self._log, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the Stripe emulator exited early; see {log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_emulator/", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the Stripe emulator did not answer within 60 s; see {log}")

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # it writes its state file, then exits
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def seed_demo(env: dict[str, str], name: str) -> float:
    """``flask seed demo`` (seconds) with the Stripe emulator it pays through, as
    ``make run`` does: the demo's balances are card payments at the emulator, so the
    seed refuses to run without one. The emulator stops when the seed is done."""
    RESULTS_DIR.mkdir(exist_ok=True)
    log = RESULTS_DIR / f"{name}-seed-emulator.log"
    emulator = EmulatorProcess(env, RESULTS_DIR / f"{name}-stripe-emulator.json", log)
    try:
        seed_env = {
            **env,
            "STRIPE_API_BASE": emulator.url,
            "STRIPE_JS_URL": f"{emulator.url}/v3",
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
        started = time.perf_counter()
        subprocess.run([str(BIN / "flask"), "seed", "demo"], cwd=ROOT, env=seed_env, check=True)
        return round(time.perf_counter() - started, 1)
    finally:
        emulator.stop()


class EmulatorThread:
    """The emulator on a thread of this process, in memory only (BENCH_EMULATOR=memory)."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.url = server.url

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(os.getpid())  # this process only waits while it serves

    def stop(self) -> None:
        self.server.stop()


def stripe_client(base: str) -> stripe.StripeClient:
    # As marketplace/payments/gateway.py builds it.
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": base}, max_network_retries=2)


# --- seeding: people and work ------------------------------------------------------

OWNERS = """
    SELECT company_id, min(user_id) AS owner_id FROM memberships
    WHERE role = 'owner' GROUP BY company_id
"""


def seed_workers(engine: sa.Engine, count: int, run: str, now: datetime) -> list[tuple[int, str]]:
    """Workers, each hired on one published gig (application + engagement); [(id, email)]."""
    with engine.begin() as conn:
        password_hash = conn.scalar(sa.text("SELECT password_hash FROM users LIMIT 1"))
        conn.execute(
            sa.text("""
                INSERT INTO users (email, password_hash, display_name, kind, date_of_birth,
                    locale, email_verified_at, mature_opt_in_at, languages, hours_per_week,
                    introduction, suspended_at, suspended_reason, failed_logins, locked_until,
                    auth_version, last_login_at, created_at, updated_at)
                SELECT 'worker' || i || '.' || :run || '@bench.nebendesk.test', :hash,
                    'Bench Worker ' || i, 'seeker', DATE '1975-01-01' + (i * 37) % 12000,
                    CASE WHEN i % 3 = 0 THEN 'en' ELSE 'de' END,
                    :now - interval '200 days', NULL, CAST('["de", "en"]' AS json),
                    5 + i % 30, '', NULL, NULL, 0, NULL, 1, NULL,
                    :now - interval '200 days', :now - interval '200 days'
                FROM generate_series(1, :count) AS i
            """),
            {"run": run, "hash": password_hash, "now": now, "count": count},
        )
        pattern = f"worker%.{run}@bench.nebendesk.test"
        # Each worker is hired on one gig, spread over all gigs (and so all companies).
        conn.execute(
            sa.text(f"""
                INSERT INTO applications (gig_id, seeker_id, status, note, hours_per_week,
                    languages, consent, consented_at, best_score_percent, decided_by_id,
                    decided_at, decision_reason, created_at, updated_at)
                WITH g AS (
                    SELECT id, company_id, row_number() OVER (ORDER BY id) - 1 AS n
                    FROM gigs WHERE status = 'published'
                ), w AS (
                    SELECT id, (row_number() OVER (ORDER BY id) * 7919) % (SELECT count(*) FROM g)
                        AS n
                    FROM users WHERE email LIKE :pattern
                )
                SELECT g.id, w.id, 'hired', '', 10, CAST('["de"]' AS json), NULL, NULL, NULL,
                    o.owner_id, :now - interval '150 days', NULL,
                    :now - interval '160 days', :now - interval '150 days'
                FROM w JOIN g ON g.n = w.n
                JOIN ({OWNERS}) AS o ON o.company_id = g.company_id
            """),
            {"now": now, "pattern": pattern},
        )
        conn.execute(
            sa.text("""
                INSERT INTO engagements (gig_id, worker_id, application_id, rate_cents, currency,
                    pay_model, status, started_at, ended_at, status_reason, created_at,
                    updated_at)
                SELECT a.gig_id, a.seeker_id, a.id, g.rate_cents, 'EUR', g.pay_model, 'active',
                    a.decided_at, NULL, NULL, a.decided_at, a.decided_at
                FROM applications a JOIN gigs g ON g.id = a.gig_id
                JOIN users u ON u.id = a.seeker_id
                WHERE a.status = 'hired' AND u.email LIKE :pattern
            """),
            {"pattern": pattern},
        )
        rows = conn.execute(
            sa.text("SELECT id, email FROM users WHERE email LIKE :pattern ORDER BY id"),
            {"pattern": pattern},
        ).all()
    return [(row.id, row.email) for row in rows]


def seed_units(
    conn: sa.Connection,
    *,
    tag: str,
    per_worker: int,
    approved: float,
    pending: float,
    days: tuple[int, int],
    fee_percent: int,
    now: datetime,
) -> None:
    """``per_worker`` work units on every engagement, priced as units.record_units prices
    them. ``approved`` / ``pending``: shares (the rest is rejected and voided); decided
    units were created ``days`` (from, to) ago, pending ones in the last two days."""
    conn.execute(
        sa.text(f"""
            INSERT INTO work_units (engagement_id, company_id, worker_id, gig_id, kind,
                quantity, rate_cents, amount_cents, fee_cents, currency, work_date, note,
                source, recorded_by_id, status, review_due_at, decided_at, decided_by_id,
                auto_approved, rejection_reason, dispute_note, disputed_at, dispute_decision,
                created_at, updated_at)
            WITH drawn AS (
                SELECT e.id AS engagement_id, e.worker_id, e.gig_id, e.rate_cents,
                    e.pay_model, g.company_id, o.owner_id, s.k,
                    random() AS r_quantity, random() AS r_status, random() AS r_time
                FROM engagements e JOIN gigs g ON g.id = e.gig_id
                JOIN ({OWNERS}) AS o ON o.company_id = g.company_id
                CROSS JOIN generate_series(1, :per_worker) AS s(k)
                WHERE e.status = 'active'
            ), shaped AS (
                SELECT drawn.*,
                    CASE pay_model WHEN 'per_email' THEN 'email' WHEN 'per_item' THEN 'item'
                                   ELSE 'hour' END AS kind,
                    CAST(CASE pay_model
                        WHEN 'per_email' THEN 2 + floor(r_quantity * 39)
                        WHEN 'per_item' THEN 10 + floor(r_quantity * 191)
                        ELSE (1 + floor(r_quantity * 16)) * 0.5 END AS numeric(10, 2))
                        AS quantity,
                    CASE WHEN r_status < :approved THEN 'approved'
                         WHEN r_status < :approved + :pending THEN 'pending'
                         ELSE 'voided' END AS status,
                    CASE WHEN r_status < :approved OR r_status >= :approved + :pending
                         THEN :now - make_interval(days => :day_from)
                              + (r_time * (:day_from - :day_to)) * interval '1 day'
                         ELSE :now - r_time * interval '2 days' END AS created
                FROM drawn
            ), priced AS (
                SELECT shaped.*, CAST(round(rate_cents * quantity) AS integer) AS amount
                FROM shaped
            )
            SELECT engagement_id, company_id, worker_id, gig_id, kind, quantity, rate_cents,
                amount, CAST(round(amount * :fee_percent / 100.0) AS integer), 'EUR',
                CAST(created AS date), '', 'bench:' || :tag || ':' || engagement_id || ':' || k,
                owner_id, status, created + interval '72 hours',
                CASE WHEN status = 'pending' THEN NULL ELSE created + interval '1 day' END,
                CASE WHEN status = 'pending' THEN NULL ELSE owner_id END,
                false,
                CASE WHEN status = 'voided' THEN 'Bench: not done as agreed.' END,
                NULL, NULL, NULL, created,
                CASE WHEN status = 'voided' THEN created + interval '15 days'
                     WHEN status = 'approved' THEN created + interval '1 day'
                     ELSE created END
            FROM priced
            ORDER BY priced.created
        """),
        {
            "tag": tag,
            "per_worker": per_worker,
            "approved": approved,
            "pending": pending,
            "day_from": days[0],
            "day_to": days[1],
            "fee_percent": fee_percent,
            "now": now,
        },
    )


# --- seeding: the emulator ------------------------------------------------------------


def onboard_accounts(app: Any, workers: list[tuple[int, str]]) -> list[str]:
    """Onboarded Express accounts for ``workers`` in the emulator ``app``; their ids.

    The first account is made through the emulator's own API and onboarding page
    (through its test client); the others are copies of it with their own id,
    email and metadata, added to its store. (10,000 accounts through HTTP would
    take minutes: create, account link, the page twice, and with a state file
    every request rewrites it.)
    """
    http = app.test_client()
    auth = {"Authorization": f"Bearer {SECRET_KEY}"}

    def api(route: str, data: dict[str, str]) -> dict[str, Any]:
        response = http.post(route, data=data, headers=auth)
        if response.status_code != 200:
            raise SystemExit(f"emulator {route}: {response.status_code} {response.text}")
        return response.get_json()

    first_id, first_email = workers[0]
    created = api("/v1/accounts", {
        "type": "express", "country": "DE", "email": first_email,
        "capabilities[transfers][requested]": "true", "metadata[user_id]": str(first_id),
    })  # fmt: skip
    link = api("/v1/account_links", {
        "account": created["id"], "type": "account_onboarding",
        "refresh_url": "http://127.0.0.1:5000/earnings/connect/refresh",
        "return_url": "http://127.0.0.1:5000/earnings/connect/return",
    })  # fmt: skip
    page = urlsplit(link["url"]).path
    http.get(page)
    http.post(page, data={"action": "complete"})
    store = app.extensions["stripe_emulator"].store
    template = store.get("account", created["id"])
    if not (template["payouts_enabled"] and template["capabilities"]["transfers"] == "active"):
        raise SystemExit(f"onboarding in the emulator did not enable payouts: {template}")
    ids = [created["id"]]
    with store.lock:
        for user_id, email in workers[1:]:
            account = copy.deepcopy(template)
            account_id = store.new_id("account")
            account.update(id=account_id, email=email, metadata={"user_id": str(user_id)})
            account["external_accounts"]["url"] = f"/v1/accounts/{account_id}/external_accounts"
            store.add(account)
            ids.append(account_id)
    return ids


def start_emulator(
    mode: str, env: dict[str, str], workers: list[tuple[int, str]], temp: Path, log: Path
) -> tuple[EmulatorProcess | EmulatorThread, list[str]]:
    """The emulator with an onboarded account per worker, and the accounts' ids.

    ``file`` (the default): ``flask sandbox stripe --state FILE`` in a subprocess,
    as ``make run`` runs it; the accounts are written to FILE in the emulator's
    own format first. ``memory``: the emulator on a thread of this process
    without a state file (for comparison: the state file's cost).
    """
    from marketplace.sandbox.stripe_emulator import EmulatorServer, create_emulator
    from marketplace.sandbox.stripe_emulator.store import StateFile

    if mode == "memory":
        server = EmulatorServer(port=0, quiet=True, webhook_secret=WEBHOOK_SECRET)
        ids = onboard_accounts(server.app, workers)
        return EmulatorThread(server.start()), ids
    if mode != "file":
        raise SystemExit(f"BENCH_EMULATOR must be 'file' or 'memory', not {mode!r}")
    app = create_emulator()
    try:
        ids = onboard_accounts(app, workers)
        state = temp / "stripe-emulator.json"
        StateFile(app.extensions["stripe_emulator"].store, state).write()
    finally:
        app.extensions["stripe_emulator"].close()
    return EmulatorProcess(env, state, log), ids


def save_connected_accounts(
    engine: sa.Engine, workers: list[tuple[int, str]], account_ids: list[str], now: datetime
) -> None:
    rows = [
        {"user_id": user_id, "stripe_account_id": account_id, "details_submitted": True,
         "payouts_enabled": True, "transfers_active": True, "created_at": now, "updated_at": now}
        for (user_id, _email), account_id in zip(workers, account_ids, strict=True)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            sa.text("""
                INSERT INTO connected_accounts (user_id, stripe_account_id, details_submitted,
                    payouts_enabled, transfers_active, created_at, updated_at)
                VALUES (:user_id, :stripe_account_id, :details_submitted, :payouts_enabled,
                    :transfers_active, :created_at, :updated_at)
            """),
            rows,
        )


def ensure_customers(engine: sa.Engine, client: stripe.StripeClient) -> None:
    """One Stripe customer per company, as funding._customer_id makes them."""
    with engine.connect() as conn:
        missing = conn.execute(
            sa.text(f"""
                SELECT c.id, c.name, u.email FROM companies c
                JOIN ({OWNERS}) AS o ON o.company_id = c.id JOIN users u ON u.id = o.owner_id
                WHERE NOT EXISTS (SELECT 1 FROM stripe_customers s WHERE s.company_id = c.id)
            """)
        ).all()

    def create(row: Any) -> dict[str, Any]:
        customer = client.v1.customers.create(
            params={"email": row.email, "name": row.name,
                    "metadata": {"company_id": str(row.id)}},
            options={"idempotency_key": f"customer-company-{row.id}"},
        )  # fmt: skip
        return {"company_id": row.id, "stripe_customer_id": customer.id}

    with ThreadPoolExecutor(API_THREADS) as pool:
        rows = list(pool.map(create, missing))
    if rows:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO stripe_customers (company_id, stripe_customer_id)"
                    " VALUES (:company_id, :stripe_customer_id)"
                ),
                rows,
            )


def fund(
    engine: sa.Engine,
    client: stripe.StripeClient,
    *,
    since_unit: int,
    max_payment: int,
    min_payment: int,
    paid_at: datetime,
) -> int:
    """Card payments covering every company's units after ``since_unit`` (all of them
    reserved money once), each a PaymentIntent confirmed at the emulator; how many."""
    from marketplace.payments.models import Payment

    with engine.begin() as conn:
        needs = conn.execute(
            sa.text(f"""
                SELECT u.company_id, o.owner_id, c.stripe_customer_id,
                       sum(u.amount_cents + u.fee_cents) AS need
                FROM work_units u JOIN ({OWNERS}) AS o ON o.company_id = u.company_id
                JOIN stripe_customers c ON c.company_id = u.company_id
                WHERE u.id > :since GROUP BY u.company_id, o.owner_id, c.stripe_customer_id
            """),
            {"since": since_unit},
        ).all()
        planned = []
        for row in needs:
            count = max(1, math.ceil(row.need / max_payment))
            amount = max(min_payment, math.ceil(row.need / count))
            planned += [
                {"company_id": row.company_id, "created_by_id": row.owner_id,
                 "amount_cents": amount, "customer": row.stripe_customer_id, "at": paid_at}
                for _ in range(count)
            ]  # fmt: skip
        table = Payment.__table__
        ids = conn.scalars(
            sa.insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [
                {"company_id": plan["company_id"], "created_by_id": plan["created_by_id"],
                 "amount_cents": plan["amount_cents"], "currency": "EUR", "status": "created",
                 "refunded_cents": 0, "created_at": plan["at"], "updated_at": plan["at"]}
                for plan in planned
            ],
        ).all()  # fmt: skip

    def pay(item: tuple[int, dict[str, Any]]) -> dict[str, Any]:
        payment_id, plan = item
        intent = client.v1.payment_intents.create(
            params={
                "amount": plan["amount_cents"], "currency": "eur", "customer": plan["customer"],
                "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
                "description": "Nebendesk balance", "metadata": {"payment_id": str(payment_id)},
                "payment_method": "pm_card_bypassPending", "confirm": True,
            },
            options={"idempotency_key": f"payment-{payment_id}"},
        )  # fmt: skip
        if intent.status != "succeeded" or intent.amount_received != plan["amount_cents"]:
            raise SystemExit(f"payment intent {intent.id} did not succeed: {intent.status}")
        return {"id": payment_id, "pi": intent.id, "secret": intent.client_secret}

    with ThreadPoolExecutor(API_THREADS) as pool:
        paid = list(pool.map(pay, zip(ids, planned, strict=True)))
    with engine.begin() as conn:
        conn.execute(
            sa.text("""
                UPDATE payments SET status = 'succeeded', stripe_payment_intent_id = :pi,
                    client_secret = :secret, succeeded_at = created_at
                WHERE id = :id
            """),
            paid,
        )
    return len(paid)


def event_ids(client: stripe.StripeClient) -> dict[str, str]:
    """PaymentIntent id → id of its payment_intent.succeeded event (the funding's key)."""
    events = client.v1.events.list(params={"type": "payment_intent.succeeded", "limit": 100})
    return {event.data.object["id"]: event.id for event in events.auto_paging_iter()}


# --- seeding: the ledger ---------------------------------------------------------------

ENTRIES = """
    INSERT INTO ledger_entries (transaction_id, account_id, amount_cents)
    SELECT transaction_id, account_id, amount FROM (
        SELECT t.id AS transaction_id, clearing.id AS account_id, -p.amount_cents AS amount
        FROM ledger_transactions t JOIN payments p ON p.id = t.reference_id
        CROSS JOIN (SELECT id FROM ledger_accounts
                    WHERE kind = 'stripe_clearing' AND owner_id = 0) AS clearing
        WHERE t.id > :since AND t.kind = 'funding'
      UNION ALL
        SELECT t.id, a.id, p.amount_cents
        FROM ledger_transactions t JOIN payments p ON p.id = t.reference_id
        JOIN ledger_accounts a ON a.kind = 'company_available' AND a.owner_id = p.company_id
        WHERE t.id > :since AND t.kind = 'funding'
      UNION ALL
        SELECT t.id, a.id, -(u.amount_cents + u.fee_cents)
        FROM ledger_transactions t JOIN work_units u ON u.id = t.reference_id
        JOIN ledger_accounts a ON a.kind = 'company_available' AND a.owner_id = u.company_id
        WHERE t.id > :since AND t.kind = 'unit.reserve'
      UNION ALL
        SELECT t.id, a.id, u.amount_cents + u.fee_cents
        FROM ledger_transactions t JOIN work_units u ON u.id = t.reference_id
        JOIN ledger_accounts a ON a.kind = 'company_reserved' AND a.owner_id = u.company_id
        WHERE t.id > :since AND t.kind = 'unit.reserve'
      UNION ALL
        SELECT t.id, a.id, -(u.amount_cents + u.fee_cents)
        FROM ledger_transactions t JOIN work_units u ON u.id = t.reference_id
        JOIN ledger_accounts a ON a.kind = 'company_reserved' AND a.owner_id = u.company_id
        WHERE t.id > :since AND t.kind IN ('unit.approve', 'unit.void')
      UNION ALL
        SELECT t.id, a.id, u.amount_cents
        FROM ledger_transactions t JOIN work_units u ON u.id = t.reference_id
        JOIN ledger_accounts a ON a.kind = 'worker_payable' AND a.owner_id = u.worker_id
        WHERE t.id > :since AND t.kind = 'unit.approve' AND u.amount_cents <> 0
      UNION ALL
        SELECT t.id, fees.id, u.fee_cents
        FROM ledger_transactions t JOIN work_units u ON u.id = t.reference_id
        CROSS JOIN (SELECT id FROM ledger_accounts
                    WHERE kind = 'platform_fees' AND owner_id = 0) AS fees
        WHERE t.id > :since AND t.kind = 'unit.approve' AND u.fee_cents <> 0
      UNION ALL
        SELECT t.id, a.id, u.amount_cents + u.fee_cents
        FROM ledger_transactions t JOIN work_units u ON u.id = t.reference_id
        JOIN ledger_accounts a ON a.kind = 'company_available' AND a.owner_id = u.company_id
        WHERE t.id > :since AND t.kind = 'unit.void'
    ) AS moves
    ORDER BY transaction_id, account_id
"""

# What every account's balance must change by, computed from the payment and unit
# rows alone (not from the entries), so that `flask ledger check` tests the seeding.
BALANCE_CHANGES = """
    UPDATE ledger_accounts a SET balance_cents = a.balance_cents + d.delta
    FROM (
        SELECT account_id, sum(delta) AS delta FROM (
            SELECT a.id AS account_id, -p.amount_cents AS delta
            FROM payments p JOIN ledger_accounts a ON a.kind = 'stripe_clearing'
            WHERE p.id > :since_payment AND p.status = 'succeeded'
          UNION ALL
            SELECT a.id, p.amount_cents
            FROM payments p JOIN ledger_accounts a
              ON a.kind = 'company_available' AND a.owner_id = p.company_id
            WHERE p.id > :since_payment AND p.status = 'succeeded'
          UNION ALL
            SELECT a.id, -(u.amount_cents + u.fee_cents)
            FROM work_units u JOIN ledger_accounts a
              ON a.kind = 'company_available' AND a.owner_id = u.company_id
            WHERE u.id > :since_unit AND u.status IN ('approved', 'pending')
          UNION ALL
            SELECT a.id, u.amount_cents + u.fee_cents
            FROM work_units u JOIN ledger_accounts a
              ON a.kind = 'company_reserved' AND a.owner_id = u.company_id
            WHERE u.id > :since_unit AND u.status = 'pending'
          UNION ALL
            SELECT a.id, u.amount_cents
            FROM work_units u JOIN ledger_accounts a
              ON a.kind = 'worker_payable' AND a.owner_id = u.worker_id
            WHERE u.id > :since_unit AND u.status = 'approved'
          UNION ALL
            SELECT a.id, u.fee_cents
            FROM work_units u JOIN ledger_accounts a ON a.kind = 'platform_fees'
            WHERE u.id > :since_unit AND u.status = 'approved'
        ) AS changes GROUP BY account_id
    ) AS d
    WHERE a.id = d.account_id
"""


def book(
    engine: sa.Engine,
    *,
    since_unit: int,
    since_payment: int,
    event_by_intent: dict[str, str],
) -> None:
    """Book the payments and units after the given ids as the services would have."""
    with engine.begin() as conn:
        conn.execute(
            sa.text("""
                INSERT INTO ledger_accounts (kind, owner_id, currency, balance_cents)
                SELECT kind, owner_id, 'EUR', 0 FROM (
                    SELECT 'stripe_clearing' AS kind, 0 AS owner_id
                    UNION ALL SELECT 'platform_fees', 0
                    UNION ALL SELECT k.kind, c.id FROM companies c
                        CROSS JOIN (VALUES ('company_available'), ('company_reserved')) AS k(kind)
                    UNION ALL SELECT 'worker_payable', e.worker_id FROM engagements e
                ) AS wanted
                ORDER BY kind, owner_id
                ON CONFLICT (kind, owner_id) DO NOTHING
            """)
        )
        since_transaction = conn.scalar(
            sa.text("SELECT coalesce(max(id), 0) FROM ledger_transactions")
        )
        conn.execute(
            sa.text("""
                CREATE TEMPORARY TABLE bench_funding_events (
                    payment_intent text PRIMARY KEY, event_id text) ON COMMIT DROP
            """)
        )
        if event_by_intent:
            conn.execute(
                sa.text("INSERT INTO bench_funding_events VALUES (:pi, :event)"),
                [{"pi": pi, "event": event} for pi, event in event_by_intent.items()],
            )
        # Transactions in the order they happened, as the services would have added them.
        conn.execute(
            sa.text("""
                INSERT INTO ledger_transactions (created_at, kind, reference_type, reference_id,
                    stripe_event_id, memo)
                SELECT at, kind, reference_type, reference_id, event_id, '' FROM (
                    SELECT p.succeeded_at AS at, 'funding' AS kind, 'payment' AS reference_type,
                        p.id AS reference_id, f.event_id
                    FROM payments p
                    LEFT JOIN bench_funding_events f
                      ON f.payment_intent = p.stripe_payment_intent_id
                    WHERE p.id > :since_payment AND p.status = 'succeeded'
                  UNION ALL
                    SELECT created_at, 'unit.reserve', 'unit', id, NULL FROM work_units
                    WHERE id > :since_unit
                  UNION ALL
                    SELECT decided_at, 'unit.approve', 'unit', id, NULL FROM work_units
                    WHERE id > :since_unit AND status = 'approved'
                  UNION ALL
                    SELECT decided_at + interval '14 days', 'unit.void', 'unit', id, NULL
                    FROM work_units WHERE id > :since_unit AND status = 'voided'
                ) AS happened
                ORDER BY at, kind DESC, reference_id
            """),
            {"since_payment": since_payment, "since_unit": since_unit},
        )
        conn.execute(sa.text(ENTRIES), {"since": since_transaction})
        conn.execute(
            sa.text(BALANCE_CHANGES), {"since_payment": since_payment, "since_unit": since_unit}
        )


def last_ids(engine: sa.Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM work_units")),
            conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM payments")),
        )


def vacuum_analyze(engine: sa.Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM (ANALYZE)"))


def counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            for table in ("users", "work_units", "payments", "ledger_accounts",
                          "ledger_transactions", "ledger_entries", "payouts", "outbox_emails")
        }  # fmt: skip


def ledger_table_sizes(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {
            name: conn.scalar(sa.text("SELECT pg_size_pretty(pg_total_relation_size(:t))"),
                              {"t": name})
            for name in ("ledger_entries", "ledger_transactions", "ledger_accounts")
        }  # fmt: skip


# --- the payout run ---------------------------------------------------------------------


def payout_run(
    env: dict[str, str], log: Path, emulator: EmulatorProcess | EmulatorThread, engine: sa.Engine
) -> dict[str, Any]:
    load = wait_for_quiet()
    emulator_cpu0 = emulator.cpu_seconds()
    say("flask payouts run")
    result = flask_ok(env, log, "payouts", "run")
    result["emulator_cpu_seconds"] = round(emulator.cpu_seconds() - emulator_cpu0, 2)
    if isinstance(emulator, EmulatorProcess):  # it rewrites this file after every change
        result["emulator_state_mb"] = round(emulator.state.stat().st_size / 1e6, 1)
    result["load_before"] = load
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    match = re.search(
        r"Payout run (\d+): (\d+) paid \((\d+) cents\), (\d+) failed", result["stdout"]
    )
    if not match:
        raise SystemExit(f"could not read the payout run's output: {result['stdout']!r}")
    run_id = int(match.group(1))
    with engine.connect() as conn:
        inside = conn.scalar(
            sa.text(
                "SELECT extract(epoch FROM finished_at - started_at) FROM payout_runs"
                " WHERE id = :id"
            ),
            {"id": run_id},
        )
    paid = int(match.group(2))
    result.update(
        run_id=run_id,
        paid=paid,
        paid_cents=int(match.group(3)),
        failed=int(match.group(4)),
        run_seconds=round(float(inside), 2),
        transfers_per_s=round(paid / float(inside), 1),
        transfers_per_s_wall=round(paid / result["seconds"], 1),
    )
    return result


def verify_payouts(
    engine: sa.Engine, client: stripe.StripeClient, workers: int, expected_cents: int
) -> dict[str, Any]:
    """Exactly one paid payout per worker, one transfer per payout, nothing left payable."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("""
                SELECT count(*) FILTER (WHERE status = 'paid') AS paid,
                       count(*) FILTER (WHERE status <> 'paid') AS not_paid,
                       count(DISTINCT worker_id) AS workers,
                       count(DISTINCT stripe_transfer_id) AS transfer_ids,
                       coalesce(sum(amount_cents) FILTER (WHERE status = 'paid'), 0) AS cents
                FROM payouts
            """)
        ).one()
        payable_left = conn.scalar(
            sa.text(
                "SELECT count(*) FROM ledger_accounts"
                " WHERE kind IN ('worker_payable', 'worker_in_transit') AND balance_cents <> 0"
            )
        )
    transfers = [t for t in client.v1.transfers.list(params={"limit": 100}).auto_paging_iter()]
    payout_ids = [t.metadata["payout_id"] for t in transfers]
    facts = {
        "paid_payouts": row.paid,
        "other_payouts": row.not_paid,
        "workers_paid": row.workers,
        "distinct_transfer_ids": row.transfer_ids,
        "paid_cents": int(row.cents),
        "expected_cents": expected_cents,
        "emulator_transfers": len(transfers),
        "emulator_distinct_payout_ids": len(set(payout_ids)),
        "emulator_transfer_cents": sum(t.amount for t in transfers),
        "accounts_with_payable_or_in_transit_left": payable_left,
    }
    problems = []
    if not (row.paid == row.workers == row.transfer_ids == workers) or row.not_paid:
        problems.append(f"expected exactly {workers} paid payouts, one per worker: {facts}")
    if not (len(transfers) == len(set(payout_ids)) == workers):
        problems.append(f"expected {workers} transfers at the emulator, one per payout: {facts}")
    if not (row.cents == facts["emulator_transfer_cents"] == expected_cents):
        problems.append(f"amounts differ: {facts}")
    if payable_left:
        problems.append(f"{payable_left} worker accounts still hold money")
    facts["duplicates"] = (row.paid - row.workers) + (len(transfers) - len(set(payout_ids)))
    facts["ok"] = not problems
    facts["problems"] = problems
    return facts


# --- the ledger check ---------------------------------------------------------------


def ledger_checks(
    env: dict[str, str], log: Path, emulator: EmulatorProcess | EmulatorThread
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    startup = [run_flask(env, log, "ledger", "--help")["seconds"] for _ in range(2)]
    results["cli_startup_seconds"] = min(startup)
    for name, args in (("no_stripe", ("ledger", "check", "--no-stripe")),
                       ("with_stripe", ("ledger", "check"))):  # fmt: skip
        rounds = []
        for number in range(1, SETTINGS["check_rounds"] + 1):
            load = wait_for_quiet()
            emulator_cpu0 = emulator.cpu_seconds()
            result = run_flask(env, log, *args)
            result["emulator_cpu_seconds"] = round(emulator.cpu_seconds() - emulator_cpu0, 2)
            result["load_before"] = load
            result["consistent"] = (
                result["exit_code"] == 0 and "The ledger is consistent." in result["stdout"]
            )
            say(
                f"flask {' '.join(args)} round {number}: {result['seconds']} s, exit "
                f"{result['exit_code']} (others used {load['busy_before_pct']}% CPU before; "
                f"load {load['loadavg']})"
            )
            rounds.append(result)
        median = statistics.median(r["seconds"] for r in rounds)
        results[name] = {
            "median_seconds": round(median, 2),
            "consistent": all(r["consistent"] for r in rounds),
            "target_met": median < CHECK_TARGET_S and all(r["consistent"] for r in rounds),
            "rounds": rounds,
        }
    return results


def profile_check(url: str, env: dict[str, str]) -> list[dict[str, Any]]:
    """Time every statement of ``check_ledger(with_stripe=False)`` in-process and
    EXPLAIN (ANALYZE, BUFFERS) the three slowest."""
    os.environ.update({k: v for k, v in env.items() if k.startswith(("STRIPE_", "NEBENDESK"))})
    os.environ.update(DATABASE_URL=url, RATELIMIT_ENABLED="0")
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.payments import checks

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    statements: list[dict[str, Any]] = []
    with app.app_context():
        engine = db.engine

        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_started"] = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):
            seconds = time.perf_counter() - conn.info.pop("bench_started")
            statements.append({"sql": statement, "parameters": parameters, "seconds": seconds})

        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        started = time.perf_counter()
        problems = checks.check_ledger(with_stripe=False)
        total = time.perf_counter() - started
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
        db.session.rollback()
        slowest = sorted(statements, key=lambda s: s["seconds"], reverse=True)
        with engine.connect() as conn:
            for item in slowest[:3]:
                rows = conn.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + item["sql"], item["parameters"]
                ).all()
                item["plan"] = "\n".join(row[0] for row in rows)
        db.session.remove()
        db.engine.dispose()
    for item in statements:
        item["seconds"] = round(item["seconds"], 3)
        item["parameters"] = repr(item["parameters"])
    return [{"in_process_seconds": round(total, 2), "problems": problems}, *slowest]


# --- report -----------------------------------------------------------------------------


def markdown(report: dict[str, Any]) -> str:
    run, checks_ = report["payout_run"], report["ledger_check"]
    seed = report["seed_seconds"]
    size = report["counts_final"]
    verdict = "met" if checks_["no_stripe"]["target_met"] else "NOT met"
    verdict_stripe = "met" if checks_["with_stripe"]["target_met"] else "NOT met"
    lines = [
        "| measurement | result |",
        "|---|---:|",
        f"| workers with approved earnings and payouts enabled | {report['workers']:,} |",
        f"| Stripe emulator | {EMULATOR_MODES[SETTINGS['emulator']]} |",
        f"| `flask payouts run`: wall time (incl. app start) | {run['seconds']:.1f} s |",
        f"| payout run itself (payout_runs.started_at → finished_at) | "
        f"{run['run_seconds']:.1f} s |",
        f"| transfers per second (run / wall) | {run['transfers_per_s']:.1f} / "
        f"{run['transfers_per_s_wall']:.1f} |",
        f"| CPU: app process / emulator / whole machine busy | {run['cpu_seconds']:.0f} s / "
        f"{run['emulator_cpu_seconds']:.0f} s / {run['machine_busy_pct']:.0f} % |",
        f"| paid payouts / emulator transfers / duplicates | "
        f"{report['verification']['paid_payouts']:,} / "
        f"{report['verification']['emulator_transfers']:,} / "
        f"{report['verification']['duplicates']} |",
        f"| ledger entries / transactions / accounts | {size['ledger_entries']:,} / "
        f"{size['ledger_transactions']:,} / {size['ledger_accounts']:,} |",
        f"| `flask ledger check --no-stripe` (median of {SETTINGS['check_rounds']}) | "
        f"{checks_['no_stripe']['median_seconds']:.1f} s — < {CHECK_TARGET_S:.0f} s {verdict} |",
        f"| `flask ledger check` with the emulator (median of {SETTINGS['check_rounds']}) | "
        f"{checks_['with_stripe']['median_seconds']:.1f} s — < {CHECK_TARGET_S:.0f} s "
        f"{verdict_stripe} |",
        f"| of which app start (`flask ledger --help`) | {checks_['cli_startup_seconds']:.1f} s |",
        f"| seeding: workers+units / emulator accounts / funding / ledger / growth to "
        f"{size['ledger_entries'] / 1e6:.1f} M | {seed['workers_units']:.0f} s / "
        f"{seed['emulator_accounts']:.0f} s / {seed['funding']:.0f} s / {seed['ledger']:.0f} s / "
        f"{seed['growth']:.0f} s |",
    ]
    return "\n".join(lines)


def main() -> int:
    url_text = database_url()
    url = make_url(url_text)
    if url.get_backend_name() != "postgresql":
        raise SystemExit("the payments benchmark runs on PostgreSQL (BENCH_PAYMENTS_DATABASE_URL)")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log = RESULTS_DIR / f"payments-{stamp}.log"
    workers_wanted = SETTINGS["workers"]
    now = datetime.now(UTC)
    run = stamp.lower()  # in the workers' emails and the units' sources

    from marketplace.config import load_config

    config = load_config()
    fee_percent = config["PLATFORM_FEE_PERCENT"]
    env = app_env(url_text)
    env.update(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_PUBLISHABLE_KEY=PUBLISHABLE_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        REDIS_URL="",  # jobs (the payout emails) run inline, as without Redis in development
    )
    seed: dict[str, float] = {}
    emulator: EmulatorProcess | EmulatorThread | None = None
    say(f"recreating database {url.database}")
    recreate_database(url)
    flask_ok(env, log, "db", "upgrade")
    engine = sa.create_engine(url)
    report: dict[str, Any] = {
        "started": stamp,
        "machine": machine_info(engine),
        "settings": {**SETTINGS, "database": url.database, "fee_percent": fee_percent,
                     "min_payout_cents": config["MIN_PAYOUT_CENTS"],
                     "max_payment_cents": config["MAX_FUNDING_CENTS"],
                     "jobs": "inline (no Redis); MAIL_URL console://"},
        "workers": workers_wanted,
        "target_check_seconds": CHECK_TARGET_S,
    }  # fmt: skip
    temp = Path(tempfile.mkdtemp(prefix="nebendesk-bench-stripe-"))
    try:
        say(f"seeding {SETTINGS['gigs']:,} gigs with their companies")
        seed["gigs"] = flask_ok(env, log, "seed", "bench", "--gigs", str(SETTINGS["gigs"]))[
            "seconds"
        ]
        say(f"seeding {workers_wanted:,} hired workers with approved work")
        started = time.perf_counter()
        workers = seed_workers(engine, workers_wanted, run, now)
        with engine.begin() as conn:
            conn.execute(sa.text("SELECT setseed(0.42)"))
            seed_units(
                conn, tag=f"{run}:0", per_worker=SETTINGS["units_per_worker"], approved=1.0,
                pending=0.0, days=(30, 3), fee_percent=fee_percent, now=now,
            )  # fmt: skip
        seed["workers_units"] = round(time.perf_counter() - started, 1)

        say(f"creating {len(workers):,} onboarded Express accounts in the emulator's state")
        started = time.perf_counter()
        emulator, account_ids = start_emulator(SETTINGS["emulator"], env, workers, temp, log)
        save_connected_accounts(engine, workers, account_ids, now)
        env.update(STRIPE_API_BASE=emulator.url, STRIPE_JS_URL=f"{emulator.url}/v3")
        client = stripe_client(emulator.url)
        seed["emulator_accounts"] = round(time.perf_counter() - started, 1)

        say("funding the companies through the emulator (card payments)")
        started = time.perf_counter()
        ensure_customers(engine, client)
        payments = fund(
            engine, client, since_unit=0, max_payment=config["MAX_FUNDING_CENTS"],
            min_payment=config["MIN_FUNDING_CENTS"], paid_at=now - timedelta(days=31),
        )  # fmt: skip
        seed["funding"] = round(time.perf_counter() - started, 1)
        say(f"{payments} payments; booking the ledger")
        started = time.perf_counter()
        book(engine, since_unit=0, since_payment=0, event_by_intent=event_ids(client))
        vacuum_analyze(engine)
        seed["ledger"] = round(time.perf_counter() - started, 1)
        with engine.connect() as conn:
            payable = conn.execute(
                sa.text(
                    "SELECT count(*), coalesce(sum(balance_cents), 0) FROM ledger_accounts"
                    " WHERE kind = 'worker_payable' AND balance_cents >= :min"
                ),
                {"min": config["MIN_PAYOUT_CENTS"]},
            ).one()
        balance = client.v1.balance.retrieve()
        available = next(b.amount for b in balance.available if b.currency == "eur")
        report["before_payouts"] = {
            "counts": counts(engine),
            "payable_workers": int(payable[0]),
            "payable_cents": int(payable[1]),
            "emulator_available_cents": available,
        }
        if payable[0] != workers_wanted or available < payable[1]:
            raise SystemExit(f"seeding went wrong: {report['before_payouts']}")
        sanity = flask_ok(env, log, "ledger", "check")
        say(f"ledger before the run: {sanity['stdout']} ({sanity['seconds']} s)")

        report["payout_run"] = payout_run(env, log, emulator, engine)
        pr = report["payout_run"]
        say(
            f"payout run: {pr['paid']:,} paid, {pr['failed']} failed in {pr['run_seconds']} s "
            f"({pr['transfers_per_s']} transfers/s; {pr['seconds']} s wall with app start)"
        )
        report["verification"] = verify_payouts(engine, client, workers_wanted, int(payable[1]))
        if not report["verification"]["ok"]:
            say("VERIFICATION FAILED: " + "; ".join(report["verification"]["problems"]))

        say(f"growing the ledger to {SETTINGS['ledger_entries']:,} entries")
        started = time.perf_counter()
        month = 0
        while (entries := counts(engine)["ledger_entries"]) < SETTINGS["ledger_entries"]:
            month += 1
            per_unit = (
                5 * GROWTH_APPROVED
                + 2 * GROWTH_PENDING
                + 4 * (1 - GROWTH_APPROVED - GROWTH_PENDING)
            )
            per_worker = min(6, max(1, math.ceil(
                (SETTINGS["ledger_entries"] - entries) / (per_unit * len(workers)))))  # fmt: skip
            since_unit, since_payment = last_ids(engine)
            with engine.begin() as conn:
                seed_units(
                    conn, tag=f"{run}:{month}", per_worker=per_worker, approved=GROWTH_APPROVED,
                    pending=GROWTH_PENDING, days=(400 - 30 * month, 380 - 30 * month),
                    fee_percent=fee_percent, now=now,
                )  # fmt: skip
            fund(
                engine, client, since_unit=since_unit, max_payment=config["MAX_FUNDING_CENTS"],
                min_payment=config["MIN_FUNDING_CENTS"],
                paid_at=now - timedelta(days=401 - 30 * month),
            )  # fmt: skip
            book(
                engine, since_unit=since_unit, since_payment=since_payment,
                event_by_intent=event_ids(client),
            )  # fmt: skip
            say(f"  {counts(engine)['ledger_entries']:,} entries")
        vacuum_analyze(engine)
        seed["growth"] = round(time.perf_counter() - started, 1)
        report["counts_final"] = counts(engine)
        report["table_sizes"] = ledger_table_sizes(engine)

        report["ledger_check"] = ledger_checks(env, log, emulator)
        say("profiling the check's statements in-process")
        report["ledger_check"]["profile"] = profile_check(url_text, env)
    finally:
        if emulator is not None:
            emulator.stop()
        engine.dispose()
        shutil.rmtree(temp, ignore_errors=True)
    report["seed_seconds"] = seed
    report["finished"] = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS_DIR / f"payments-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str))

    profile = report["ledger_check"]["profile"]
    print()
    print(
        f"The check in-process: {profile[0]['in_process_seconds']} s; its slowest statement "
        f"({profile[1]['seconds']} s):"
    )
    print(profile[1].get("plan", ""))
    print()
    m = report["machine"]
    print(
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB, "
        f"{m['postgresql'].split(' on ')[0]}; payout run: others used "
        f"{report['payout_run']['load_before']['busy_before_pct']}% CPU before, load "
        f"{report['payout_run']['load_before']['loadavg']}"
    )
    print()
    print(markdown(report))
    print()
    print(f"Results: {out.relative_to(ROOT)}; commands' output: {log.relative_to(ROOT)}")
    ok = report["verification"]["ok"] and all(
        report["ledger_check"][name]["consistent"] for name in ("no_stripe", "with_stripe")
    )
    if not ok:
        print("Payments bench FAILED: see the verification and the check's output above.")
        return 1
    met = all(report["ledger_check"][name]["target_met"] for name in ("no_stripe", "with_stripe"))
    print("Payments targets met." if met else "The ledger check target is NOT met (see above).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
