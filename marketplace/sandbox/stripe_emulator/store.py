"""The emulator's state: every Stripe object by kind, idempotency records,
events and their webhook deliveries, account-link and 3-D Secure tokens, the
platform balance, and injected failures.

Everything lives in memory behind one re-entrant lock (the API serialises its
handlers on it, which keeps every multi-object change atomic, as Stripe's are).
With a state file the whole state is written as JSON shortly after each change
(coalesced by a background thread, so a burst of 10,000 transfers does not
rewrite the file 10,000 times) and loaded at start, so ``make run`` survives
restarts.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PREFIXES = {
    "customer": "cus",
    "payment_method": "pm",
    "payment_intent": "pi",
    "charge": "ch",
    "refund": "re",
    "account": "acct",
    "transfer": "tr",
    "event": "evt",
    "balance_transaction": "txn",
}
KIND_BY_PREFIX = {prefix: kind for kind, prefix in PREFIXES.items()}
_ALPHABET = string.ascii_letters + string.digits
STATE_VERSION = 1
# Stripe keeps idempotency keys for at least 24 hours.
IDEMPOTENCY_TTL_SECONDS = 24 * 3600


def random_token(length: int = 24) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def now() -> int:
    return int(time.time())


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy for the wire: top-level keys starting with "_" (the emulator's own
    bookkeeping, e.g. a test card's number) never leave the process."""
    return {key: copy.deepcopy(value) for key, value in obj.items() if not key.startswith("_")}


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._event_listeners: list[Callable[[dict[str, Any]], None]] = []
        self._change_listeners: list[Callable[[], None]] = []
        self._pruned_at = 0
        self.reset()

    # --- whole state -------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.objects: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in PREFIXES}
            self.idempotency: dict[str, dict[str, Any]] = {}
            self.account_links: dict[str, dict[str, Any]] = {}
            self.three_d_secure: dict[str, dict[str, Any]] = {}
            self.deliveries: dict[str, dict[str, Any]] = {}
            self.transfer_failures: list[dict[str, Any]] = []
            # Available platform balance per currency, kept in step with every
            # charge, refund, transfer and test top-up (see balance.py).
            self.balance: dict[str, int] = {}
            self.changed()

    def dump(self) -> str:
        """The whole state as JSON (serialised under the lock: a consistent copy)."""
        with self.lock:
            return json.dumps(
                {
                    "version": STATE_VERSION,
                    "objects": self.objects,
                    "idempotency": {
                        key: record
                        for key, record in self.idempotency.items()
                        if not record.get("in_flight")
                    },
                    "account_links": self.account_links,
                    "three_d_secure": self.three_d_secure,
                    "deliveries": self.deliveries,
                    "transfer_failures": self.transfer_failures,
                    "balance": self.balance,
                }
            )

    def restore(self, state: dict[str, Any]) -> None:
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported emulator state version {state.get('version')!r}")
        with self.lock:
            self.reset()
            for kind, objects in state["objects"].items():
                self.objects.setdefault(kind, {}).update(objects)
            self.idempotency = state["idempotency"]
            self.account_links = state["account_links"]
            self.three_d_secure = state["three_d_secure"]
            self.deliveries = state["deliveries"]
            self.transfer_failures = state["transfer_failures"]
            self.balance = state["balance"]

    def on_change(self, listener: Callable[[], None]) -> None:
        self._change_listeners.append(listener)

    def on_event(self, listener: Callable[[dict[str, Any]], None]) -> None:
        self._event_listeners.append(listener)

    def changed(self) -> None:
        for listener in self._change_listeners:
            listener()

    # --- objects -----------------------------------------------------------

    def new_id(self, kind: str) -> str:
        return f"{PREFIXES[kind]}_{random_token()}"

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects[obj["object"]][obj["id"]] = obj
        return obj

    def get(self, kind: str, object_id: object) -> dict[str, Any] | None:
        if not isinstance(object_id, str):
            return None
        return self.objects[kind].get(object_id)

    def find(self, object_id: str) -> dict[str, Any] | None:
        """Any object by id, its kind read from the prefix (for ``expand``)."""
        kind = KIND_BY_PREFIX.get(object_id.split("_", 1)[0])
        return self.objects[kind].get(object_id) if kind else None

    def newest_first(self, kind: str) -> Iterable[dict[str, Any]]:
        # Insertion order is creation order; Stripe lists newest first.
        return reversed(self.objects[kind].values())

    # --- events ------------------------------------------------------------

    def emit(
        self,
        event_type: str,
        obj: dict[str, Any],
        *,
        request: dict[str, Any] | None = None,
        previous_attributes: dict[str, Any] | None = None,
        api_version: str | None = None,
    ) -> dict[str, Any]:
        """Record an event carrying a snapshot of ``obj`` and hand it to the
        webhook dispatcher."""
        data: dict[str, Any] = {"object": public(obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = previous_attributes
        event = self.add(
            {
                "id": self.new_id("event"),
                "object": "event",
                "api_version": api_version,
                "created": now(),
                "data": data,
                "livemode": False,
                "pending_webhooks": 0,
                "request": request or {"id": None, "idempotency_key": None},
                "type": event_type,
            }
        )
        for listener in self._event_listeners:
            listener(event)
        return event

    # --- idempotency -------------------------------------------------------

    def prune_idempotency(self) -> None:
        """Forget keys older than Stripe keeps them; at most once a minute, as it
        scans every record."""
        if now() - self._pruned_at < 60:
            return
        self._pruned_at = now()
        cutoff = now() - IDEMPOTENCY_TTL_SECONDS
        stale = [
            key
            for key, record in self.idempotency.items()
            if not record.get("in_flight") and record["created"] < cutoff
        ]
        for key in stale:
            del self.idempotency[key]


class StateFile:
    """Writes the store to ``path`` shortly after each change, atomically
    (temporary file + rename), from a background thread."""

    DELAY_SECONDS = 0.2

    def __init__(self, store: Store, path: str | os.PathLike[str]) -> None:
        self.store = store
        self.path = Path(path)
        self._dirty = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="stripe-emulator-state", daemon=True)

    def load(self) -> bool:
        if not self.path.exists():
            return False
        self.store.restore(json.loads(self.path.read_text(encoding="utf-8")))
        return True

    def start(self) -> None:
        self.store.on_change(self._dirty.set)
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._dirty.set()
        self._thread.join(timeout=5)
        self.write()

    def write(self) -> None:
        state = self.store.dump()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(self.path.suffix + ".tmp")
        temporary.write_text(state, encoding="utf-8")
        os.replace(temporary, self.path)

    def _run(self) -> None:
        last_write_seconds = 0.0
        while not self._stopping:
            self._dirty.wait()
            if self._stopping:
                return
            # Coalesce a burst of changes into one write. A big state takes long to
            # dump (under the store's lock), so wait longer the longer the last write
            # took: the API spends at most about a fifth of its time waiting for it.
            time.sleep(max(self.DELAY_SECONDS, 4 * last_write_seconds))
            self._dirty.clear()
            started = time.monotonic()
            try:
                self.write()
                last_write_seconds = time.monotonic() - started
            except OSError:
                log.exception("could not write the Stripe emulator state to %s", self.path)
