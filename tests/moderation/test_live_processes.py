"""The live view across processes: gunicorn with two threaded workers on
PostgreSQL and Redis. A message posted through the community API reaches an
open live view served by the other worker process within 2 s — nothing is
handed over in one process's memory."""

from __future__ import annotations

import os
import time

import pytest
import redis

from marketplace.extensions import db
from tests.moderation import io_helpers as io
from tests.moderation import moderator_helpers as mh
from tests.moderation.live_helpers import LiveServer, Watcher, post_item, session_cookie

pytestmark = pytest.mark.postgres

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WATCHERS = 4
ROUNDS = 12


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {REDIS_URL}")


@pytest.fixture
def server(app, database_url, tmp_path):
    _redis_or_skip()
    live = LiveServer(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "JOBS_INLINE": "1",
            "SECRET_KEY": app.config["SECRET_KEY"],
            "PASSWORD_HASHING": "fast",
            "MAIL_URL": "console://",
            "RATELIMIT_ENABLED": "0",
            "NEBENDESK_ENV": "development",
            "LIVE_STREAM_SECONDS": "4",  # streams end and reconnect (resuming) during the test
        },
        tmp_path,
    )
    yield live
    live.stop()


def test_a_message_reaches_a_live_view_in_another_worker_process_within_2_s(app, server):
    with app.app_context():
        found, token = io.connected()
        worker_id = mh.hire(found).worker_id
        community_id = found.id
        db.session.commit()
    cookie = session_cookie(app, worker_id)
    url = f"{server.base}/work/moderation/live/{community_id}/stream"
    until = time.monotonic() + 120
    watchers = [
        Watcher(f"{url}?watcher={n}", cookie, reconnect_until=until) for n in range(WATCHERS)
    ]
    for watcher in watchers:
        watcher.start()
    for watcher in watchers:
        assert watcher.connected.wait(30), f"stream answered {watcher.statuses}"
    time.sleep(0.3)  # every stream is past its first look and waiting for a wake-up
    crossed = []
    try:
        for round_ in range(ROUNDS):
            text = f"Hallo aus Runde {round_}"
            posted = time.monotonic()
            assert post_item(server.base, community_id, token, io.item(text=text)) == 201
            deadline = posted + 2.0
            while time.monotonic() < deadline and not all(w.arrival_of(text) for w in watchers):
                time.sleep(0.02)
            arrivals = [w.arrival_of(text) for w in watchers]
            assert all(arrivals), f"round {round_}: not every live view got the message in 2 s"
            assert max(arrivals) - posted <= 2.0
            crossed.append(round_)
    finally:
        for watcher in watchers:
            watcher.stop()
    # Which worker took the POSTs and which held the streams (a stream's access log
    # line is written when it ends, after LIVE_STREAM_SECONDS).
    time.sleep(5)
    post_pids = set(server.pids_of("/items"))
    stream_pids = set(server.pids_of("/stream?watcher="))
    print("posts by", sorted(post_pids), "streams by", sorted(stream_pids))
    # Every view got every message: a stream in one process and a post in the other
    # mean a message crossed from one worker process to another.
    assert any(s != p for s in stream_pids for p in post_pids), "one process served everything"
