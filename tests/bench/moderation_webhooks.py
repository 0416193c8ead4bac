"""Decision → webhook delivered (part of ``make bench`` as BENCH_PARTS "webhooks";
alone: ``python -m tests.bench.moderation_webhooks``): how long a community waits
for a moderator's decision while ``BENCH_HOOK_WORKERS`` (50) moderators take and
decide items back to back on PostgreSQL.

Setup as the moderation queue bench (tests/bench/moderation.py): a recreated
database, a funded per-item community, hired moderators, ``BENCH_HOOK_ITEMS``
(20,000) waiting items; the community's webhook URL points at a real HTTP
receiver in this process (``ThreadingHTTPServer``) that notes when each event
arrives. Production-like delivery: ``REDIS_URL`` is set, decisions enqueue the
delivery job after their commit, and ``BENCH_HOOK_RQ_WORKERS`` (2) ``flask
worker`` processes send them (work/delivery.py). Each moderator thread calls
``queue.claim_next`` then ``decisions.decide`` (approve three times in four,
remove under rule 1 otherwise: statement, evidence, unit and ledger booking) and
commits; the latency of a decision is its arrival at the receiver minus the
moment its commit returned.

Target (issue 12): p95 ≤ 2 s from decision to delivered webhook, every event
delivered exactly once (by event id). Results:
``tests/bench/results/moderation-webhooks-<timestamp>.json``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.bench.moderation import PROTECTED, bulk_items
from tests.bench.run import BIN, RESULTS_DIR, ROOT, app_env, env_int, flask, recreate_database, say
from tests.bench.workpool import busy_between, cpu_sample, make_app, percentiles

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nebendesk_bench_webhooks"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
TARGET_P95_S = 2.0
SETTINGS = {
    "items": env_int("BENCH_HOOK_ITEMS", 20_000),
    "workers": env_int("BENCH_HOOK_WORKERS", 50),
    "processes": env_int("BENCH_HOOK_PROCESSES", 2),
    "rq_workers": env_int("BENCH_HOOK_RQ_WORKERS", 2),
    "seconds": env_int("BENCH_HOOK_SECONDS", 10),
}


class Receiver(BaseHTTPRequestHandler):
    arrivals: dict[str, list[tuple[int, float]]] = {}
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        arrived = time.time()
        event = json.loads(body)
        with self.lock:
            self.arrivals.setdefault(event["id"], []).append(
                (event["data"]["decision"]["id"], arrived)
            )
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def decide_process(url: str, worker_ids: list[int], stop_at: float, out: Any) -> None:
    """One thread per moderator: claim, decide, commit, until ``stop_at``."""
    from marketplace.accounts.models import User
    from marketplace.extensions import db
    from marketplace.moderation import decisions, queue
    from marketplace.moderation.item_models import DecisionAction
    from marketplace.moderation.models import NetiquetteRule

    app = make_app(
        url,
        JOBS_INLINE=False,
        REDIS_URL=REDIS_URL,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": len(worker_ids), "max_overflow": 2},
    )
    committed: list[tuple[int, float]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def work(worker_id: int) -> None:
        mine: list[tuple[int, float]] = []
        with app.app_context():
            worker = db.session.get(User, worker_id)
            rule_id = db.session.scalar(sa.select(NetiquetteRule.id).order_by(NetiquetteRule.id))
            n = 0
            while time.time() < stop_at:
                try:
                    claim = queue.claim_next(worker)
                    if claim.item is None:
                        db.session.commit()
                        time.sleep(0.05)
                        continue
                    n += 1
                    remove = n % 4 == 0
                    decision = decisions.decide(
                        claim.item,
                        moderator=worker,
                        action=DecisionAction.REMOVE if remove else DecisionAction.APPROVE,
                        rule_id=rule_id if remove else None,
                    )
                    decision_id = decision.id
                    db.session.commit()
                    mine.append((decision_id, time.time()))
                except Exception as exc:  # recorded; the run goes on
                    db.session.rollback()
                    errors.append(f"{type(exc).__name__}: {exc}"[:300])
        with lock:
            committed.extend(mine)

    threads = [threading.Thread(target=work, args=(w,)) for w in worker_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put((committed, errors))


def main() -> int:
    url_text = os.environ.get("BENCH_WEBHOOKS_DATABASE_URL") or DEFAULT_URL
    url = make_url(url_text)
    if url.database in PROTECTED:
        raise SystemExit(f"refusing to recreate database {url.database!r}")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    env = app_env(url_text)
    env.update(REDIS_URL=REDIS_URL, MAIL_URL="console://", JOBS_INLINE="0")
    say(f"recreating database {url.database}")
    recreate_database(url)
    flask(env, "db", "upgrade")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{server.server_address[1]}/hook"

    from marketplace.extensions import db
    from tests.moderation import moderator_helpers as mh

    app = make_app(url_text)
    with app.app_context():
        community = mh.community(rate_cents=30, funds_cents=1_000_000)
        community.webhook_url = hook_url
        worker_ids = [mh.hire(community).worker_id for _ in range(SETTINGS["workers"])]
        author = mh.author(community, "bench-author")
        db.session.commit()
        community_id, author_id = community.id, author.id
    engine = sa.create_engine(url)
    bulk_items(engine, community_id, author_id, SETTINGS["items"])
    rq = [
        subprocess.Popen(
            [str(BIN / "flask"), "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(SETTINGS["rq_workers"])
    ]
    try:
        time.sleep(3)  # the workers connect
        say(f"{SETTINGS['workers']} moderators decide for {SETTINGS['seconds']} s")
        stop_at = time.time() + SETTINGS["seconds"]
        context = multiprocessing.get_context("spawn")
        out = context.Queue()
        groups = [worker_ids[i :: SETTINGS["processes"]] for i in range(SETTINGS["processes"])]
        procs = [
            context.Process(target=decide_process, args=(url_text, g, stop_at, out)) for g in groups
        ]
        sample = cpu_sample()
        for proc in procs:
            proc.start()
        committed: list[tuple[int, float]] = []
        errors: list[str] = []
        for _ in procs:
            got, errs = out.get(timeout=SETTINGS["seconds"] + 600)
            committed.extend(got)
            errors.extend(errs)
        for proc in procs:
            proc.join(timeout=60)
        deadline = time.time() + 60  # let the last deliveries arrive
        while time.time() < deadline:
            with Receiver.lock:
                if len(Receiver.arrivals) >= len(committed):
                    break
            time.sleep(0.2)
        busy = busy_between(sample, cpu_sample())
    finally:
        for proc in rq:
            proc.terminate()
        server.shutdown()
    arrived_at = {d: t for hits in Receiver.arrivals.values() for d, t in hits[:1]}
    latencies = [arrived_at[d] - t for d, t in committed if d in arrived_at]
    duplicates = sum(1 for hits in Receiver.arrivals.values() if len(hits) > 1)
    stats = percentiles(latencies)
    report = {
        "started": stamp,
        "settings": SETTINGS,
        "decisions": len(committed),
        "decisions_per_s": round(len(committed) / SETTINGS["seconds"], 1),
        "delivered": len(arrived_at),
        "duplicate_deliveries": duplicates,
        "latency": stats,
        "errors": len(errors),
        "error_samples": errors[:5],
        "machine_busy_pct": busy,
        "met": {
            "p95_le_2s": stats.get("p95_ms", 1e9) <= TARGET_P95_S * 1000,
            "all_delivered_once": len(arrived_at) == len(committed) and duplicates == 0,
        },
    }
    path = RESULTS_DIR / f"moderation-webhooks-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(
        f"| decision → webhook | {SETTINGS['workers']} moderators | "
        f"{report['decisions_per_s']} decisions/s | delivered {len(arrived_at)}/{len(committed)} | "
        f"p50 {stats.get('p50_ms')} ms | p95 {stats.get('p95_ms')} ms | "
        f"duplicates {duplicates} | errors {len(errors)} | busy {busy} % |"
    )
    print(f"Results: {path}")
    return 0 if all(report["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
