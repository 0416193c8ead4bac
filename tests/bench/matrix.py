"""The Matrix bridge's benchmark (part of ``make bench`` as BENCH_PARTS "matrix";
alone: ``python -m tests.bench.matrix``): messages per second from a local Synapse
into moderation items.

Setup: recreate the PostgreSQL database ``BENCH_MATRIX_DATABASE_URL`` (default
``nebendesk_bench_matrix``), migrate it, start Synapse (tests/matrix_server.py,
SQLite, needs ``make synapse``), a room with the bot and ``BENCH_MATRIX_SENDERS``
(4) members, and a community connected to it through the service (word lists as
a new community gets them).

1. **Backlog**: the members post ``BENCH_MATRIX_MESSAGES`` (2,000) messages from
   one thread each while the bridge is stopped; then one bridge works through
   them (``run_once`` rounds, as ``flask moderation matrix`` does). Reported:
   items/s of the bridge, and messages/s Synapse took while posting.
2. **Live**: the bridge runs (``MATRIX_SYNC_TIMEOUT`` 5 s long polls) while the
   members post ``BENCH_MATRIX_LIVE`` (1,000) messages at ``BENCH_MATRIX_RATE``
   (50) per second; reported: the delay from Synapse's timestamp of a message to
   its item's ``received_at`` (p50/p95/max).
3. Checked: exactly one item per message.

Results: ``tests/bench/results/matrix-<timestamp>.json`` and a short table.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from tests.bench.run import RESULTS_DIR, env_int, recreate_database, say, wait_for_quiet
from tests.bench.workpool import make_app, percentiles

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/nebendesk_bench_matrix"
MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


def post_messages(members, room_id: str, count: int, rate: float | None) -> float:
    """``count`` messages spread over the members (one thread each); seconds taken."""
    per_member = [count // len(members) + (i < count % len(members)) for i in range(len(members))]
    interval = len(members) / rate if rate else 0.0
    failures: list[str] = []

    def send(member, n: int) -> None:
        started = time.monotonic()
        for i in range(n):
            if interval:
                time.sleep(max(0.0, started + i * interval - time.monotonic()))
            status, answer = member.send(room_id, f"Nachricht {i} von {member.user_id}")
            if status != 200:
                failures.append(f"{status} {answer}")

    threads = [
        threading.Thread(target=send, args=(member, n))
        for member, n in zip(members, per_member, strict=True)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"Synapse refused {len(failures)} message(s): {failures[0]}")
    return time.monotonic() - started


def item_count(db, community_id: int) -> int:
    from marketplace.moderation.item_models import ModerationItem

    count = db.session.scalar(
        sa.select(sa.func.count()).where(ModerationItem.community_id == community_id)
    )
    db.session.rollback()
    return count


def main() -> int:
    from marketplace.extensions import db
    from marketplace.moderation import matrix_connections
    from marketplace.moderation.item_models import ModerationItem
    from marketplace.moderation.matrix_bridge import Bridge
    from tests.matrix_server import Synapse, synapse_available
    from tests.moderation import moderator_helpers

    if not synapse_available():
        raise SystemExit("Synapse is not installed: make synapse")
    url = make_url(os.environ.get("BENCH_MATRIX_DATABASE_URL", DEFAULT_URL))
    messages = env_int("BENCH_MATRIX_MESSAGES", 2000)
    live = env_int("BENCH_MATRIX_LIVE", 1000)
    rate = float(env_int("BENCH_MATRIX_RATE", 50))
    senders = env_int("BENCH_MATRIX_SENDERS", 4)
    load = wait_for_quiet()
    recreate_database(url)
    app = make_app(url.render_as_string(hide_password=False))
    synapse = Synapse().start()
    try:
        with app.app_context():
            upgrade(directory=MIGRATIONS)
            admin = synapse.register("benchadmin")
            bot = synapse.register("benchbot")
            members = [synapse.register(f"member{n}") for n in range(senders)]
            room_id = admin.create_room(
                alias="bench",
                invite=(bot.user_id, *(m.user_id for m in members)),
                power={bot.user_id: 100},
            )
            for member in members:
                member.join(room_id)
            community = moderator_helpers.community(funds_cents=0)
            matrix_connections.attach_room(
                community,
                matrix_connections.MatrixSettings(synapse.url, bot.token, "#bench:localhost"),
            )
            db.session.commit()
            community_id = community.id

            say(f"matrix: posting {messages} messages from {senders} members")
            post_seconds = post_messages(members, room_id, messages, None)
            say(f"matrix: posted in {post_seconds:.1f} s; the bridge imports them")
            bridge = Bridge()
            started = time.monotonic()
            while item_count(db, community_id) < messages:
                if not bridge.run_once()["imported"] and time.monotonic() - started > 120:
                    raise SystemExit("the bridge stopped importing before all messages")
            import_seconds = time.monotonic() - started

            say(f"matrix: live, {live} messages at {rate:.0f}/s while the bridge runs")
            app.config["MATRIX_SYNC_TIMEOUT"] = 5
            stop = threading.Event()

            def run_bridge() -> None:
                with app.app_context():
                    while not stop.is_set():
                        bridge.run_once(sync_timeout_ms=5000)

            runner = threading.Thread(target=run_bridge)
            first_live = db.session.scalar(sa.select(sa.func.max(ModerationItem.id)))
            db.session.rollback()
            runner.start()
            post_messages(members, room_id, live, rate)
            deadline = time.monotonic() + 60
            while item_count(db, community_id) < messages + live and time.monotonic() < deadline:
                time.sleep(0.2)
            stop.set()
            runner.join()
            bridge.close()
            rows = db.session.execute(
                sa.select(ModerationItem.posted_at, ModerationItem.received_at).where(
                    ModerationItem.community_id == community_id, ModerationItem.id > first_live
                )
            ).all()
            delays = [(received - posted).total_seconds() for posted, received in rows]
            total = item_count(db, community_id)
            distinct = db.session.scalar(
                sa.select(sa.func.count(sa.distinct(ModerationItem.external_id))).where(
                    ModerationItem.community_id == community_id
                )
            )
            db.engine.dispose()
    finally:
        synapse.cleanup()
    report = {
        "when": datetime.now(UTC).isoformat(),
        "load": load,
        "messages": messages,
        "synapse_posts_per_s": round(messages / post_seconds, 1),
        "bridge_items_per_s": round(messages / import_seconds, 1),
        "live": {"messages": live, "rate_per_s": rate, "delay": percentiles(delays)},
        "items": total,
        "distinct_items": distinct,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"matrix-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2))
    delay = report["live"]["delay"]
    print(
        "\n| Matrix bridge | value |\n|---|---:|\n"
        f"| Synapse took messages (4 senders) | {report['synapse_posts_per_s']} /s |\n"
        f"| bridge: backlog into items | {report['bridge_items_per_s']} items/s |\n"
        f"| live at {rate:.0f}/s: post → item p50 / p95 / max | "
        f"{delay['p50_ms']:.0f} / {delay['p95_ms']:.0f} / {delay['max_ms']:.0f} ms |\n"
        f"| items / distinct / posted | {total} / {distinct} / {messages + live} |\n"
    )
    say(f"matrix: results in {path}")
    return 0 if total == distinct == messages + live else 1


if __name__ == "__main__":
    sys.exit(main())
