"""The moderation queue benchmark (part of ``make bench`` as BENCH_PARTS
"moderation"; alone: ``python -m tests.bench.moderation``): "Next item" with 50
concurrent moderators over 100,000 waiting items on PostgreSQL.

Setup: recreate the PostgreSQL database ``BENCH_MODERATION_DATABASE_URL``
(default ``nebendesk_bench_moderation``), ``flask db upgrade``, then a funded
company with a per-item chat moderation gig, one connected community (rules,
ladder, word list) and ``BENCH_MOD_WORKERS`` (50) moderators hired with consent
(tests/moderation/moderator_helpers.py), and ``BENCH_MOD_ITEMS`` (100,000)
waiting items inserted in bulk (``INSERT … SELECT generate_series``; one in ten
urgent, arrived over the last day), ``VACUUM (ANALYZE)``.

Claims reuse the email pool bench's harness (tests/bench/workpool.py: app
settings, percentiles, CPU sampling): the moderators, spread as threads over
``BENCH_MOD_PROCESSES`` (2) processes, each repeatedly call
``queue.claim_next(moderator)`` + commit (timed: the claim latency), then finish
the item with one conditional UPDATE (decided, only while this moderator holds
it) + commit — the claim path alone, as the email bench measures it; deciding
(decisions.decide with its unit and ledger booking) is proven exactly-once by
tests/moderation/test_concurrency.py. Back to back for ``BENCH_MOD_SECONDS``
(10, short by default) after a ``BENCH_MOD_WARMUP`` (3 s) warm-up. Reported:
claims/s and latency percentiles; verified: no item handed to two moderators,
every finishing UPDATE found its item still held.

Targets (issue 12): ≥ 300 claims/s, p95 ≤ 50 ms, zero double claims.
Results: ``tests/bench/results/moderation-<timestamp>.json``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.bench.run import (
    RESULTS_DIR,
    app_env,
    env_int,
    flask,
    machine_info,
    recreate_database,
    say,
)
from tests.bench.workpool import busy_between, cpu_sample, make_app, percentiles

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nebendesk_bench_moderation"
PROTECTED = {"test", "test_lead", "nebendesk_bench", "postgres", "template0", "template1"}
TARGETS = {"claims_per_s": 300.0, "claim_p95_ms": 50.0}
SETTINGS = {
    "items": env_int("BENCH_MOD_ITEMS", 100_000),
    "workers": env_int("BENCH_MOD_WORKERS", 50),
    "processes": env_int("BENCH_MOD_PROCESSES", 2),
    "seconds": env_int("BENCH_MOD_SECONDS", 10),
    "warmup_s": env_int("BENCH_MOD_WARMUP", 3),
}

Record = tuple[float, float, int | None, int, int]  # t0, claim_s, item id, worker, finished


def database_url() -> str:
    return os.environ.get("BENCH_MODERATION_DATABASE_URL") or DEFAULT_URL


def setup(app, workers: int) -> dict[str, Any]:
    """The community and its hired moderators (committed); returns their ids."""
    from marketplace.extensions import db
    from tests.moderation import moderator_helpers as mh

    with app.app_context():
        community = mh.community(rate_cents=30, funds_cents=50_000)
        ids = [mh.hire(community).worker_id for _ in range(workers)]
        author = mh.author(community, "bench-author")
        db.session.commit()
        return {"community_id": community.id, "author_id": author.id, "worker_ids": ids}


def bulk_items(engine: sa.Engine, community_id: int, author_id: int, count: int) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                """
                INSERT INTO moderation_items (community_id, external_id, kind, author_id,
                    channel, thread, text, image_urls, context, reported_by, report_reason,
                    received_at, status, tier, word_hits, held, disturbing)
                SELECT :community, 'bench-' || n, 'message', :author, 'lobby', '',
                    'Nachricht ' || n, '[]', '[]', '', '',
                    now() - (n || ' seconds')::interval * 0.8, 'waiting',
                    CASE WHEN n % 10 = 0 THEN 0 ELSE 1 END, '[]', false, false
                FROM generate_series(1, :count) AS n
                """
            ),
            {"community": community_id, "author": author_id, "count": count},
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM (ANALYZE) moderation_items"))
    return round(time.perf_counter() - started, 1)


def claim_process(url: str, worker_ids: list[int], sync: tuple[Any, Any, Any], out: Any) -> None:
    """One thread per moderator, claiming back to back from the start to the stop time."""
    from marketplace.accounts.models import User
    from marketplace.db import utcnow
    from marketplace.extensions import db
    from marketplace.moderation import queue
    from marketplace.moderation.item_models import ItemStatus, ModerationItem

    ready, go, times = sync
    app = make_app(
        url,
        SQLALCHEMY_ENGINE_OPTIONS={
            "pool_pre_ping": True,
            "pool_size": len(worker_ids),
            "max_overflow": 1,
        },
    )
    records: list[Record] = []
    errors: list[str] = []
    lock = threading.Lock()
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        db.session.remove()
    ready.put(os.getpid())
    go.wait()
    start_at, stop_at = times[0], times[1]

    def finish(item_id: int, worker_id: int) -> int:
        finished = db.session.execute(
            sa.update(ModerationItem)
            .where(
                ModerationItem.id == item_id,
                ModerationItem.claimed_by_id == worker_id,
                ModerationItem.status == ItemStatus.WAITING,
            )
            .values(
                status=ItemStatus.DECIDED,
                claimed_by_id=None,
                lease_expires_at=None,
                decided_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        return finished

    def work(worker_id: int) -> None:
        mine: list[Record] = []
        time.sleep(max(0.0, start_at - time.time()))
        with app.app_context():
            worker = db.session.get(User, worker_id)
            db.session.commit()
            while (t0 := time.time()) < stop_at:
                started = time.perf_counter()
                try:
                    claim = queue.claim_next(worker)
                    item_id = claim.item.id if claim.item else None
                    db.session.commit()
                except Exception as exc:  # recorded; the run goes on
                    db.session.rollback()
                    errors.append(f"claim: {type(exc).__name__}: {exc}"[:300])
                    continue
                claim_s = time.perf_counter() - started
                if item_id is None:
                    mine.append((t0, claim_s, None, worker_id, 0))
                    time.sleep(0.01)
                    continue
                mine.append((t0, claim_s, item_id, worker_id, finish(item_id, worker_id)))
        with lock:
            records.extend(mine)

    threads = [threading.Thread(target=work, args=(w,)) for w in worker_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put((records, errors))


def run_claims(url: str, worker_ids: list[int]) -> dict[str, Any]:
    seconds, processes = SETTINGS["seconds"], SETTINGS["processes"]
    context = multiprocessing.get_context("spawn")
    out, ready, go = context.Queue(), context.Queue(), context.Event()
    times = context.Array("d", 2)
    groups = [worker_ids[i::processes] for i in range(processes)]
    procs = [
        context.Process(target=claim_process, args=(url, group, (ready, go, times), out))
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
    records: list[Record] = []
    errors: list[str] = []
    for _ in procs:
        got_records, got_errors = out.get(timeout=seconds + 600)
        records.extend(got_records)
        errors.extend(got_errors)
    busy = busy_between(sample, cpu_sample())
    for proc in procs:
        proc.join(timeout=60)
    window = [r for r in records if measure_from <= r[0] < stop_at]
    claims = [r for r in window if r[2] is not None]
    every_claim = [r for r in records if r[2] is not None]
    repeats = {iid: n for iid, n in Counter(r[2] for r in every_claim).items() if n > 1}
    return {
        "workers": len(worker_ids),
        "processes": len(procs),
        "seconds": seconds,
        "claims": len(claims),
        "claims_per_s": round(len(claims) / seconds, 1),
        "empty_claims": len(window) - len(claims),
        **percentiles([r[1] for r in claims]),
        "claims_including_warmup": len(every_claim),
        "double_claims": len(repeats),
        "finish_lost": sum(1 for r in every_claim if r[4] != 1),
        "errors": len(errors),
        "error_samples": errors[:5],
        "machine_busy_pct": busy,
    }


def main() -> int:
    url_text = database_url()
    url = make_url(url_text)
    if url.get_backend_name() != "postgresql":
        raise SystemExit("the moderation benchmark runs on PostgreSQL")
    if url.database in PROTECTED:
        raise SystemExit(f"refusing to recreate database {url.database!r}")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    env = app_env(url_text)
    env.update(REDIS_URL="", MAIL_URL="console://")
    random.seed(20261206)
    say(f"recreating database {url.database}")
    recreate_database(url)
    flask(env, "db", "upgrade")
    engine = sa.create_engine(url)
    app = make_app(url_text)
    say(f"hiring {SETTINGS['workers']} moderators; inserting {SETTINGS['items']:,} items")
    world = setup(app, SETTINGS["workers"])
    bulk_seconds = bulk_items(engine, world["community_id"], world["author_id"], SETTINGS["items"])
    say(f"{SETTINGS['workers']} moderators claim for {SETTINGS['seconds']} s")
    claims = run_claims(url_text, world["worker_ids"])
    with engine.connect() as conn:
        decided = conn.scalar(
            sa.text("SELECT count(*) FROM moderation_items WHERE status = 'decided'")
        )
    engine.dispose()
    met = {
        "claims_per_s": claims["claims_per_s"] >= TARGETS["claims_per_s"],
        "claim_p95_ms": claims["p95_ms"] <= TARGETS["claim_p95_ms"],
        "no_double_claims": claims["double_claims"] == 0 and claims["finish_lost"] == 0,
    }
    report = {
        "started": stamp,
        "machine": machine_info(sa.create_engine(url)),
        "settings": {**SETTINGS, "database": url.database},
        "targets": TARGETS,
        "bulk_insert_seconds": bulk_seconds,
        "claims": claims,
        "decided_rows": decided,
        "met": met,
    }
    path = RESULTS_DIR / f"moderation-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(
        f'\n| moderation "Next item" | {claims["workers"]} moderators | '
        f"{claims['claims_per_s']} claims/s | p50 {claims['p50_ms']} ms | "
        f"p95 {claims['p95_ms']} ms | double claims {claims['double_claims']} | "
        f"errors {claims['errors']} |\nResults: {path}"
    )
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
