"""The live view benchmark (part of ``make bench`` as "live"; alone:
``python -m tests.bench.live_view``): chat messages from the community API
through to open live views.

Setup: recreate the PostgreSQL database ``BENCH_LIVE_DATABASE_URL`` (default
``nebendesk_bench_live``), ``flask db upgrade``, a chat community connected
through the service and one hired moderator. The app runs under gunicorn with
2 gthread workers (40 threads each), with Redis (``BENCH_LIVE_REDIS_URL``,
default ``redis://127.0.0.1:6379/14``) for the wake-ups, or PostgreSQL NOTIFY
when Redis cannot be reached. ``BENCH_LIVE_WATCHERS`` (20) live views are
opened by the moderator, each an SSE connection read by its own thread.

1. **Paced** (the target): ``BENCH_LIVE_RATE`` (50) messages per second for
   ``BENCH_LIVE_SECONDS`` (20) seconds, one message per request through
   ``POST …/items`` (as the sandbox community posts), each sent on its schedule
   by one of 12 client threads. Reported: the delay from the start of the post
   to its arrival in each live view (p50, p95, max over every message × view),
   and the same counted from the API's answer (0 when the view had it first).
   Target: p95 ≤ 1 s (from the start of the post).
2. **Flat out**: ``BENCH_LIVE_BURST`` (2,000) messages in batches of 50 from 2
   client threads, as fast as the API takes them: messages per second from the
   first post until every view has every message.

Results: ``tests/bench/results/live-view-<timestamp>.json`` and a table.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import threading
import time
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
    wait_for_quiet,
)
from tests.bench.workpool import busy_between, cpu_sample, make_app, percentiles
from tests.moderation.live_helpers import LiveServer, Watcher, request, session_cookie

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nebendesk_bench_live"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
SECRET_KEY = "bench-live-secret-key"
TARGET_P95_S = 1.0
CLIENTS = 12


def _community_and_moderator(url: str) -> tuple[int, str, int]:
    """A chat community connected through the service (its default word lists)
    and one hired moderator: (community id, API token, moderator's user id)."""
    from marketplace.extensions import db
    from marketplace.gigs.models import GigKind, PayModel
    from marketplace.moderation import connections
    from marketplace.moderation.models import CommunityKind
    from tests.factories import PublishedGigFactory
    from tests.moderation.moderator_helpers import hire

    app = make_app(url, SECRET_KEY=SECRET_KEY)
    with app.app_context():
        gig = PublishedGigFactory(
            kind=GigKind.CHAT_MODERATION, pay_model=PayModel.PER_ITEM, rate_cents=30
        )
        community, token = connections.connect(
            gig.communities[0], kind=CommunityKind.CHAT, webhook_url="",
            default_language="de", by=gig.company.memberships[0].user,
        )  # fmt: skip
        db.session.commit()
        result = community.id, token, hire(community).worker_id
        db.engine.dispose()
    return result


def _redis_url() -> str:
    url = os.environ.get("BENCH_LIVE_REDIS_URL") or DEFAULT_REDIS
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # then the PostgreSQL NOTIFY path is measured
        return ""
    return url


def _item(n: int, prefix: str) -> dict[str, Any]:
    return {
        "id": f"{prefix}-{n}",
        "kind": "message",
        "author": {"id": f"u-{n % 50}", "name": f"Nutzer {n % 50}", "language": "de"},
        "channel": "lobby",
        "text": f"{prefix} Nachricht {n}: Hallo zusammen, wie geht es euch heute Abend?",
    }


def _post(base: str, path: str, token: str, body: Any) -> int:
    return request("POST", base + path, body, {"Authorization": f"Bearer {token}"})[0]


def _paced(base: str, path: str, token: str, rate: int, seconds: int) -> dict[str, float]:
    """Post rate × seconds messages on schedule; returns text → moment the post started."""
    total = rate * seconds
    counter = itertools.count()
    lock = threading.Lock()
    started: dict[str, float] = {}
    answered: dict[str, float] = {}
    statuses: dict[int, int] = {}
    begin = time.monotonic() + 0.5

    def client() -> None:
        while True:
            with lock:
                n = next(counter)
            if n >= total:
                return
            due = begin + n / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            item = _item(n, "takt")
            moment = time.monotonic()
            status = _post(base, path, token, item)
            with lock:
                started[item["text"]] = moment
                answered[item["text"]] = time.monotonic()
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    started["__statuses__"] = statuses  # type: ignore[assignment]
    started["__seconds__"] = time.monotonic() - begin
    started["__answered__"] = answered  # type: ignore[assignment]
    return started


def _arrivals(watchers: list[Watcher], prefix: str) -> list[dict[str, float]]:
    return [
        {data["text"]: at for at, data in list(w.received) if prefix in data.get("text", "")}
        for w in watchers
    ]


def _wait_for(watchers: list[Watcher], prefix: str, count: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(len(seen) >= count for seen in _arrivals(watchers, prefix)):
            return time.monotonic()
        time.sleep(0.1)
    return time.monotonic()


def main() -> int:
    url_text = os.environ.get("BENCH_LIVE_DATABASE_URL") or DEFAULT_URL
    url = make_url(url_text)
    watchers_n = env_int("BENCH_LIVE_WATCHERS", 20)
    rate = env_int("BENCH_LIVE_RATE", 50)
    seconds = env_int("BENCH_LIVE_SECONDS", 20)
    burst = env_int("BENCH_LIVE_BURST", 2000)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    env = app_env(url_text)
    say(f"recreating database {url.database}")
    recreate_database(url)
    flask(env, "db", "upgrade")
    community_id, token, worker_id = _community_and_moderator(url_text)
    cookie = session_cookie(make_app(url_text, SECRET_KEY=SECRET_KEY), worker_id)
    redis_url = _redis_url()
    engine = sa.create_engine(url)
    report: dict[str, Any] = {
        "started": stamp,
        "machine": machine_info(engine),
        "settings": {"watchers": watchers_n, "rate": rate, "seconds": seconds, "burst": burst,
                     "wake_up": "redis" if redis_url else "postgresql notify",
                     "server": "gunicorn -w 2 -k gthread --threads 40"},
    }  # fmt: skip
    report["quiet"] = wait_for_quiet()
    log_dir = RESULTS_DIR / f"live-view-{stamp}"
    log_dir.mkdir(exist_ok=True)
    server = LiveServer(
        {**env, "SECRET_KEY": SECRET_KEY, "REDIS_URL": redis_url, "JOBS_INLINE": "1",
         "LIVE_STREAM_SECONDS": "3600"},
        log_dir,
    )  # fmt: skip
    path = f"/api/v1/communities/{community_id}/items"
    stream = f"{server.base}/work/moderation/live/{community_id}/stream"
    watchers = [Watcher(f"{stream}?view={n}", cookie) for n in range(watchers_n)]
    try:
        for watcher in watchers:
            watcher.start()
        for watcher in watchers:
            if not watcher.connected.wait(60):
                raise SystemExit(f"a live view did not connect: {watcher.statuses}")
        say(f"{watchers_n} live views open; posting {rate} messages/s for {seconds} s")
        sample = cpu_sample()
        started = _paced(server.base, path, token, rate, seconds)
        statuses = started.pop("__statuses__")
        post_seconds = started.pop("__seconds__")
        answered = started.pop("__answered__")
        _wait_for(watchers, "takt", len(started), 30)
        busy = busy_between(sample, cpu_sample())
        delays, after_answer, missing = [], [], 0
        for seen in _arrivals(watchers, "takt"):
            for text, moment in started.items():
                if text in seen:
                    delays.append(seen[text] - moment)
                    after_answer.append(max(0.0, seen[text] - answered[text]))
                else:
                    missing += 1
        report["paced"] = {
            "messages": len(started), "post_seconds": round(post_seconds, 2),
            "messages_per_s": round(len(started) / post_seconds, 1), "statuses": statuses,
            "delay": percentiles(delays), "missing": missing, "cpu_busy_percent": busy,
            "delay_after_api_answer": percentiles(after_answer),
        }  # fmt: skip

        say(f"posting {burst} messages in batches of 50, flat out")
        batches = [[_item(n, "schub") for n in range(i, min(i + 50, burst))]
                   for i in range(0, burst, 50)]  # fmt: skip
        counter = itertools.count()
        first = time.monotonic()

        def client() -> None:
            while (n := next(counter)) < len(batches):
                _post(server.base, path + "/batch", token, {"items": batches[n]})

        threads = [threading.Thread(target=client) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        posted = time.monotonic()
        done = _wait_for(watchers, "schub", burst, 120)
        received = sum(len(seen) for seen in _arrivals(watchers, "schub"))
        report["burst"] = {
            "messages": burst, "post_seconds": round(posted - first, 2),
            "all_seen_seconds": round(done - first, 2),
            "messages_per_s_to_every_view": round(burst / (done - first), 1),
            "deliveries_per_s": round(received / (done - first), 1),
            "complete": received == burst * watchers_n,
        }  # fmt: skip
    finally:
        for watcher in watchers:
            watcher.stop()
        server.stop()
        engine.dispose()
    met = (
        report["paced"]["delay"]["p95_ms"] <= TARGET_P95_S * 1000 and not report["paced"]["missing"]
    )
    report["verdict"] = {"p95_target_met": met}
    out = RESULTS_DIR / f"live-view-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    p, b = report["paced"], report["burst"]
    print()
    print(f"| live view ({watchers_n} views, {report['settings']['wake_up']}) | messages | "
          "messages/s | p50 delay | p95 delay | max delay |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| paced, one per request | {p['messages']} | {p['messages_per_s']} | "
        f"{p['delay']['p50_ms']} ms | {p['delay']['p95_ms']} ms | {p['delay']['max_ms']} ms |"
    )
    print(
        f"| flat out, batches of 50 | {b['messages']} | {b['messages_per_s_to_every_view']} "
        f"(to every view) | | | |"
    )
    a = p["delay_after_api_answer"]
    print(
        f"| paced, counted from the API's answer | | | {a['p50_ms']} ms | {a['p95_ms']} ms | "
        f"{a['max_ms']} ms |"
    )
    print(f"\nMissing deliveries: {p['missing']}; burst complete: {b['complete']}.")
    print(f"Target p95 ≤ {TARGET_P95_S:.0f} s at {rate}/s: {'met' if met else 'NOT met'}.")
    print(f"Results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
