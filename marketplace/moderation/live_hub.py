"""Reading the live stream: one reader per process and community, fanning out
to that process's open live views.

A *hub* (one thread per community with open views in this process) waits for
the wake-up — a Redis message on ``nebendesk:live:<id>`` when ``REDIS_URL`` is
set, else PostgreSQL ``LISTEN``, else (SQLite) a look every
``LIVE_POLL_SECONDS`` — reads the new rows of ``live_events`` once
(live_stream.Cursor) and hands them to every view's queue. So twenty
moderators watching one chat cost one query per wake-up and process, not
twenty. The hub only relays what the shared table holds: a view in another
process or on another host has its own hub and reads the same rows; nothing
lives only in this process's memory. The hub ends when its last view closes.

A view (``stream``) subscribes first, then reads from the table what came after
the client's Last-Event-ID itself, then takes the hub's batches, skipping ids it
sent already: nothing committed after the subscription can slip by.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator

from flask import Flask, current_app

from marketplace.extensions import db
from marketplace.moderation.live_stream import (
    REDIS_PREFIX,
    Cursor,
    _redis,
    as_sse,
    last_event_id_of,
    pg_channel,
)

HEARTBEAT_SECONDS = 15.0
WAKE_TIMEOUT_SECONDS = 5.0  # with a wake-up channel, still look now and then
READY_SECONDS = 10.0

Batch = list[tuple[int, str, str]]  # (event id, channel, SSE text)


class _Waiter:
    """Blocks until the community's next wake-up or a timeout."""

    timeout: float = WAKE_TIMEOUT_SECONDS

    def wait(self) -> None:
        time.sleep(self.timeout)

    def close(self) -> None:
        pass


class _RedisWaiter(_Waiter):
    def __init__(self, url: str, community_id: int) -> None:
        self.pubsub = _redis(url).pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(f"{REDIS_PREFIX}{community_id}")

    def wait(self) -> None:
        if self.pubsub.get_message(timeout=self.timeout) is not None:
            # Several commits at once are one look at the table.
            while self.pubsub.get_message(timeout=0.0) is not None:
                pass

    def close(self) -> None:
        self.pubsub.close()


class _PostgresWaiter(_Waiter):
    def __init__(self, url: str, community_id: int) -> None:
        import psycopg

        self.connection = psycopg.connect(url, autocommit=True)
        self.connection.execute(f'LISTEN "{pg_channel(community_id)}"')

    def wait(self) -> None:
        for _notice in self.connection.notifies(timeout=self.timeout, stop_after=1):
            break

    def close(self) -> None:
        self.connection.close()


def _waiter(community_id: int) -> _Waiter:
    config = current_app.config
    if config.get("REDIS_URL"):
        return _RedisWaiter(config["REDIS_URL"], community_id)
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return _PostgresWaiter(plain, community_id)
    waiter = _Waiter()
    waiter.timeout = float(config["LIVE_POLL_SECONDS"])
    return waiter


class _Hub:
    def __init__(self, app: Flask, community_id: int) -> None:
        self.app = app
        self.community_id = community_id
        self.lock = threading.Lock()
        self.views: set[queue.SimpleQueue[Batch]] = set()
        self.running = False
        self.ready = threading.Event()

    def subscribe(self) -> queue.SimpleQueue[Batch]:
        """A queue of this community's new events; returns once the hub listens."""
        view: queue.SimpleQueue[Batch] = queue.SimpleQueue()
        with self.lock:
            self.views.add(view)
            if not self.running:
                self.running = True
                self.ready = threading.Event()
                threading.Thread(
                    target=self._run, args=(self.ready,), name="live-hub", daemon=True
                ).start()
            ready = self.ready
        ready.wait(READY_SECONDS)
        return view

    def unsubscribe(self, view: queue.SimpleQueue[Batch]) -> None:
        with self.lock:
            self.views.discard(view)

    def _run(self, ready: threading.Event) -> None:
        with self.app.app_context():
            waiter = None
            try:
                waiter = _waiter(self.community_id)
                cursor = Cursor(last_event_id_of(self.community_id))
                db.session.remove()
                ready.set()
                while True:
                    rows = cursor.fetch(self.community_id)
                    if not rows and last_event_id_of(self.community_id) < cursor.after:
                        # The table went back (emptied, restored): read it from the start.
                        cursor = Cursor(0)
                        rows = cursor.fetch(self.community_id)
                    batch = [(row.id, row.channel, as_sse(row)) for row in rows]
                    db.session.remove()
                    with self.lock:
                        if not self.views:
                            self.running = False
                            return
                        views = list(self.views)
                    if batch:
                        for view in views:
                            view.put(batch)
                    waiter.wait()
            finally:
                with self.lock:
                    self.running = False
                ready.set()
                db.session.remove()
                if waiter is not None:
                    waiter.close()


_hubs: dict[tuple[int, int], _Hub] = {}
_hubs_lock = threading.Lock()


def _hub(community_id: int) -> _Hub:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    key = (id(app), community_id)
    with _hubs_lock:
        hub = _hubs.get(key)
        if hub is None:
            hub = _hubs[key] = _Hub(app, community_id)
        return hub


def stream(community_id: int, *, after: int, channel: str = "") -> Iterator[str]:
    """Server-sent events for one live view: every event after ``after``, then each
    new one as it commits, for ``LIVE_STREAM_SECONDS`` (the browser reconnects
    with Last-Event-ID and goes on where it stopped)."""
    ends = time.monotonic() + current_app.config["LIVE_STREAM_SECONDS"]
    hub = _hub(community_id)
    view = hub.subscribe()  # listening before the first look: nothing slips by
    cursor = Cursor(after)
    try:
        yield "retry: 1000\n\n"
        rows = cursor.fetch(community_id, channel)
        db.session.remove()  # no connection held while waiting
        if rows:
            yield "".join(as_sse(row) for row in rows)
        while True:
            left = ends - time.monotonic()
            if left <= 0:
                return
            try:
                batch = view.get(timeout=min(left, HEARTBEAT_SECONDS))
            except queue.Empty:
                if time.monotonic() < ends:
                    yield ": keep-alive\n\n"
                continue
            fresh = [
                text
                for event_id, event_channel, text in batch
                if event_id > cursor.start
                and (not channel or event_channel == channel)
                and cursor.mark_sent(event_id)
            ]
            if fresh:
                yield "".join(fresh)
    finally:
        hub.unsubscribe(view)
