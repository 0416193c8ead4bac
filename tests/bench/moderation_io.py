"""The community API's intake benchmark (part of ``make bench``; alone:
``python -m tests.bench.moderation_io``): 10,000 items posted by a community.

Setup: recreate the PostgreSQL database ``BENCH_IO_DATABASE_URL`` (default
``nebendesk_bench_io`` on the search bench's server), ``flask db upgrade``, a
company with a chat moderation gig whose community is connected through the
service, with a word list of 60 entries (blocked, suspect, disturbing), so every
item is matched as in production. The app runs under gunicorn (2 sync workers).

1. **Batches** (the target): ``BENCH_IO_ITEMS`` (10,000) items in batches of
   ``BENCH_IO_BATCH`` (100) through ``POST …/items/batch`` from
   ``BENCH_IO_CLIENTS`` (2) client threads. Items are German chat messages of
   20–400 characters with two context messages, 1 in 10 a report, 1 in 20 a
   question; 500 distinct authors. Reported: items/s over the whole run, and
   the latency per batch. Target: ≥ 500 items/s.
2. **Single items**: ``BENCH_IO_SINGLE`` (2,000) more items, one request each
   through ``POST …/items``, the same clients: items/s and latency per item
   (reported beside the target; a chat that posts one message at a time).
3. Checked: exactly that many rows, and the first batch sent again answers 200
   with every item "known" (nothing stored twice).

Results: ``tests/bench/results/moderation-io-<timestamp>.json`` and a table.
"""

from __future__ import annotations

import http.client
import itertools
import json
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
    Server,
    app_env,
    env_int,
    flask,
    machine_info,
    recreate_database,
    say,
    wait_for_quiet,
)
from tests.bench.workpool import busy_between, cpu_sample, make_app, percentiles

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nebendesk_bench_io"
TARGET_ITEMS_PER_S = 500.0
WORDS = {
    "blocked": ["arschloch", "wichser", "hurensohn", "fotze", "spast"],
    "suspect": [f"idiot{n}" if n else "idiot" for n in range(25)] + [f"depp{n}" for n in range(20)],
    "disturbing": ["blut", "leiche", "folter", "gewalt", "mord", "verletzt", "tot", "qual"],
}
PHRASES = [
    "Hallo zusammen, wie war euer Tag?",
    "Hat jemand den neuen Film schon gesehen?",
    "Ich finde das Spiel gestern war echt spannend.",
    "Du bist so ein Idiot, ehrlich.",
    "Kann mir jemand bei der Anmeldung helfen?",
    "Das ist doch totaler Quatsch, was du da schreibst.",
    "Guten Morgen aus Hamburg!",
    "Warum wurde mein Beitrag gelöscht?",
]


def build_items(count: int, prefix: str, rng: random.Random) -> list[dict[str, Any]]:
    items = []
    for n in range(count):
        text = " ".join(rng.choice(PHRASES) for _ in range(rng.randint(1, 10)))[:400]
        kind = "report" if n % 10 == 0 else "question" if n % 20 == 1 else "message"
        author = rng.randint(1, 500)
        item: dict[str, Any] = {
            "id": f"{prefix}-{n}",
            "kind": kind,
            "author": {"id": f"u-{author}", "name": f"Nutzer {author}", "language": "de"},
            "channel": rng.choice(["lobby", "sport", "film"]),
            "text": text,
            "context": [
                {"author": "Ben", "text": rng.choice(PHRASES), "posted_at": "2026-12-06T10:00:00Z"}
                for _ in range(2)
            ],
            "created_at": "2026-12-06T10:00:05Z",
        }
        if kind == "report":
            item |= {"reported_by": "u-9", "report_reason": "Beleidigung"}
        items.append(item)
    return items


def connect_community(url: str) -> tuple[int, str]:
    from marketplace.extensions import db
    from marketplace.gigs.models import GigKind, PayModel
    from marketplace.moderation import connections
    from marketplace.moderation.models import CommunityKind, WordEntry, WordKind
    from tests.factories import PublishedGigFactory

    app = make_app(url)
    with app.app_context():
        gig = PublishedGigFactory(
            kind=GigKind.CHAT_MODERATION, pay_model=PayModel.PER_ITEM, rate_cents=30
        )
        community, token = connections.connect(
            gig.communities[0],
            kind=CommunityKind.CHAT,
            webhook_url="",
            default_language="de",
            by=gig.company.memberships[0].user,
        )
        community.pre_moderation = True
        for kind, words in WORDS.items():
            db.session.add_all(
                WordEntry(community_id=community.id, word=word, kind=WordKind(kind))
                for word in words
            )
        db.session.commit()
        result = community.id, token
        db.engine.dispose()
    return result


def post_all(port: int, path: str, token: str, bodies: list[bytes], clients: int):
    """POST every body once from ``clients`` threads: seconds, latencies, answers."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client() -> None:
        while True:
            with lock:
                n = next(counter)
            if n >= len(bodies):
                return
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=bodies[n], headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
            finally:
                conn.close()
            with lock:
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1

    sample = cpu_sample()
    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return seconds, percentiles(latencies), dict(statuses), busy_between(sample, cpu_sample())


def main() -> int:
    url_text = os.environ.get("BENCH_IO_DATABASE_URL") or DEFAULT_URL
    url = make_url(url_text)
    count = env_int("BENCH_IO_ITEMS", 10_000)
    batch = env_int("BENCH_IO_BATCH", 100)
    single = env_int("BENCH_IO_SINGLE", 2_000)
    clients = env_int("BENCH_IO_CLIENTS", 2)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    env = app_env(url_text)
    say(f"recreating database {url.database}")
    recreate_database(url)
    flask(env, "db", "upgrade")
    community_id, token = connect_community(url_text)
    rng = random.Random(12)
    items = build_items(count, "b", rng)
    batches = [json.dumps({"items": items[i : i + batch]}).encode() for i in range(0, count, batch)]
    singles = [json.dumps(item).encode() for item in build_items(single, "s", rng)]
    engine = sa.create_engine(url)
    report: dict[str, Any] = {"started": stamp, "machine": machine_info(engine)}
    report["quiet"] = wait_for_quiet()
    server = Server(env, RESULTS_DIR / f"gunicorn-io-{stamp}.log")
    base = f"/api/v1/communities/{community_id}"
    try:
        say(f"posting {count:,} items in batches of {batch}")
        seconds, latency, statuses, busy = post_all(
            server.port, f"{base}/items/batch", token, batches, clients
        )
        report["batches"] = {
            "items": count, "batch": batch, "seconds": round(seconds, 2),
            "items_per_s": round(count / seconds, 1), "latency_per_batch": latency,
            "statuses": statuses, "cpu_busy_percent": busy,
        }  # fmt: skip
        say(f"posting {single:,} single items")
        seconds, latency, statuses, busy = post_all(
            server.port, f"{base}/items", token, singles, clients
        )
        report["single"] = {
            "items": single, "seconds": round(seconds, 2),
            "items_per_s": round(single / seconds, 1) if single else 0.0,
            "latency_per_item": latency, "statuses": statuses, "cpu_busy_percent": busy,
        }  # fmt: skip
        _s, _l, again, _b = post_all(server.port, f"{base}/items/batch", token, batches[:1], 1)
        report["repeat_statuses"] = again
    finally:
        server.stop()
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM moderation_items")).scalar_one()
    engine.dispose()
    report["stored"] = stored
    met = report["batches"]["items_per_s"] >= TARGET_ITEMS_PER_S
    correct = stored == count + single and again == {200: 1}
    report["verdict"] = {"target_met": met, "nothing_lost_or_doubled": correct}
    out = RESULTS_DIR / f"moderation-io-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    b, s = report["batches"], report["single"]
    print()
    print("| community API intake | items | items/s | p50 ms | p95 ms | answers |")
    print("|---|---:|---:|---:|---:|---|")
    print(
        f"| batches of {batch} | {count:,} | {b['items_per_s']} | "
        f"{b['latency_per_batch']['p50_ms']} | {b['latency_per_batch']['p95_ms']} | "
        f"{b['statuses']} |"
    )
    print(
        f"| single items | {single:,} | {s['items_per_s']} | "
        f"{s['latency_per_item']['p50_ms']} | {s['latency_per_item']['p95_ms']} | "
        f"{s['statuses']} |"
    )
    print(f"\nStored {stored:,} rows; the repeated batch answered {again}.")
    print(f"Target ≥ {TARGET_ITEMS_PER_S:.0f} items/s (batches): {'met' if met else 'NOT met'}.")
    print(f"Results: {out}")
    return 0 if met and correct else 1


if __name__ == "__main__":
    sys.exit(main())
