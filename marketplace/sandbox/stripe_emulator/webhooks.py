"""Signed webhook delivery with retries, as Stripe does it.

Every event is POSTed as JSON to the configured URL with
``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<payload>">`` — exactly
what ``stripe.Webhook.construct_event`` verifies. Delivery runs on background
worker threads; a non-2xx answer (redirects included: Stripe does not follow
them) or a connection error is retried after each delay of the retry schedule,
then the delivery is marked failed. Each attempt is signed afresh, so a retry
carries a current timestamp, as Stripe's do.

With ``deliver_in_background`` off, events wait for ``deliver_now()`` (the
``POST /_emulator/webhooks/deliver`` endpoint), which keeps tests deterministic.
"""

from __future__ import annotations

import heapq
import hmac
import http.client
import itertools
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from marketplace.sandbox.stripe_emulator.config import EmulatorConfig
from marketplace.sandbox.stripe_emulator.store import Store, public

log = logging.getLogger(__name__)

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def signature_header(payload: str, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.{payload}".encode(), sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def event_payload(event: dict[str, Any]) -> str:
    # Stripe sends pretty-printed JSON; the signature covers these exact bytes.
    return json.dumps(public(event), indent=2)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 3xx surfaces as HTTPError, i.e. a failed attempt


# No proxies: webhook targets are local, and an http_proxy variable must not reroute them.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def post(url: str, payload: str, signature: str, timeout: float) -> tuple[int | None, str | None]:
    """POST one event; returns (HTTP status or None, error text or None)."""
    if not url.startswith(("http://", "https://")):
        return None, f"not an http(s) URL: {url}"
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=payload.encode("utf-8"),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Stripe-Signature": signature,
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        return None, str(getattr(exc, "reason", exc))


@dataclass
class _Job:
    event_id: str
    url: str
    secret: str
    payload: str


class WebhookDispatcher:
    def __init__(self, store: Store, settings: Callable[[], EmulatorConfig]) -> None:
        self.store = store
        self.settings = settings
        self._cond = threading.Condition(store.lock)
        # (due on the monotonic clock, sequence, event id): unaffected by tests
        # that travel in wall-clock time. ``_scheduled`` holds each event's live
        # entry; older entries for it are stale and skipped.
        self._queue: list[tuple[float, int, str]] = []
        self._scheduled: dict[str, int] = {}
        self._sequence = itertools.count()
        self._busy: set[str] = set()
        self._stopping = False
        self._threads: list[threading.Thread] = []
        store.on_event(self._on_event)

    # --- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        with self._cond:
            for event_id, record in self.store.deliveries.items():  # restored from a state file
                if record["state"] == "pending":
                    self._schedule(event_id, 0.0)
        for number in range(max(1, self.settings().delivery_workers)):
            thread = threading.Thread(
                target=self._work, name=f"stripe-emulator-webhooks-{number}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=self.settings().delivery_timeout + 1)

    def reset(self) -> None:
        """Forget queued deliveries (the store is being reset)."""
        with self._cond:
            self._queue.clear()
            self._scheduled.clear()

    # --- scheduling (callers hold the store lock) --------------------------

    def _on_event(self, event: dict[str, Any]) -> None:
        config = self.settings()
        if not config.webhook_url:
            return
        self.store.deliveries[event["id"]] = {
            "url": config.webhook_url,
            "state": "pending",
            "attempts": [],
            "next_attempt_at": time.time() if config.deliver_in_background else None,
        }
        event["pending_webhooks"] = 1
        if config.deliver_in_background:
            self._schedule(event["id"], 0.0)

    def _schedule(self, event_id: str, delay: float) -> None:
        self.store.deliveries[event_id]["next_attempt_at"] = time.time() + delay
        sequence = next(self._sequence)
        self._scheduled[event_id] = sequence
        heapq.heappush(self._queue, (time.monotonic() + delay, sequence, event_id))
        self._cond.notify()

    def _prepare(self, event_id: str) -> _Job:
        self._busy.add(event_id)
        self._scheduled.pop(event_id, None)
        record = self.store.deliveries[event_id]
        event = self.store.objects["event"][event_id]
        return _Job(
            event_id, record["url"], self.settings().webhook_secret or "", event_payload(event)
        )

    def _take_due(self) -> _Job | None:
        while self._queue and self._queue[0][0] <= time.monotonic():
            _, sequence, event_id = heapq.heappop(self._queue)
            record = self.store.deliveries.get(event_id)
            # Entries go stale when a delivery was reset, resent or delivered now.
            if (
                record
                and record["state"] == "pending"
                and self._scheduled.get(event_id) == sequence
                and event_id not in self._busy
            ):
                return self._prepare(event_id)
        return None

    # --- attempts ----------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._cond:
                job = self._take_due()
                while job is None and not self._stopping:
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._cond.wait(timeout)
                    job = self._take_due()
                if self._stopping:
                    if job:
                        self._busy.discard(job.event_id)
                    return
            self._attempt(job)

    def _attempt(self, job: _Job, *, retry: bool = True) -> dict[str, Any]:
        config = self.settings()
        started, clock = time.time(), time.monotonic()
        status, error = post(
            job.url, job.payload, signature_header(job.payload, job.secret), config.delivery_timeout
        )
        attempt = {
            "attempted_at": int(started),
            "url": job.url,
            "status": status,
            "error": error,
            "duration_ms": int((time.monotonic() - clock) * 1000),
        }
        with self._cond:
            self._busy.discard(job.event_id)
            record = self.store.deliveries.get(job.event_id)
            if record is not None:  # None: the store was reset meanwhile
                self._record(job.event_id, record, attempt, config, retry=retry)
            self._cond.notify_all()
        return {"event": job.event_id, **attempt}

    def _record(
        self,
        event_id: str,
        record: dict[str, Any],
        attempt: dict[str, Any],
        config: EmulatorConfig,
        *,
        retry: bool,
    ) -> None:
        record["attempts"].append(attempt)
        event = self.store.objects["event"].get(event_id)
        status = attempt["status"]
        if status is not None and 200 <= status < 300:
            record.update(state="succeeded", next_attempt_at=None)
            if event:
                event["pending_webhooks"] = 0
        elif not retry or len(record["attempts"]) >= config.max_attempts:
            record.update(state="failed", next_attempt_at=None)
            log.warning("webhook %s failed after %d attempts", event_id, len(record["attempts"]))
        elif config.deliver_in_background:
            delay = config.retry_schedule[len(record["attempts"]) - 1]
            self._schedule(event_id, delay)
        else:
            record["next_attempt_at"] = None  # waits for the next deliver_now()
        self.store.changed()

    # --- on demand (the /_emulator endpoints) ------------------------------

    def deliver_now(self) -> list[dict[str, Any]]:
        """Attempt every pending delivery once, right now, in event order, and
        wait for attempts already running on the worker threads."""
        with self._cond:
            jobs = [
                self._prepare(event_id)
                for event_id, record in self.store.deliveries.items()
                if record["state"] == "pending" and event_id not in self._busy
            ]
        results = [self._attempt(job) for job in jobs]
        deadline = time.monotonic() + self.settings().delivery_timeout + 1
        with self._cond:
            while self._busy and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
        return results

    def resend(self, event_id: str) -> dict[str, Any]:
        """Deliver one event again now, whatever its delivery state."""
        config = self.settings()
        with self._cond:
            if not config.webhook_url:
                raise LookupError("no webhook URL is configured")
            record = self.store.deliveries.setdefault(
                event_id, {"url": config.webhook_url, "attempts": []}
            )
            record.update(url=config.webhook_url, state="pending", next_attempt_at=None)
            job = self._prepare(event_id)
        # A resend is one extra attempt, not a new retry series.
        return self._attempt(job, retry=False)
