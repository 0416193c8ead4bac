"""Fixtures for testing the Stripe emulator itself: a real ``stripe`` client
pointed at it (secret and publishable key) and a local webhook receiver."""

from __future__ import annotations

import threading
import time
import typing
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe
from stripe._list_object import ListObject
from stripe._stripe_object import StripeObject, UntypedStripeObject

from marketplace.sandbox.stripe_emulator import EmulatorServer
from tests.conftest import PUBLISHABLE_KEY, SECRET_KEY, WAIT_SECONDS, WEBHOOK_SECRET

# The emulator fixtures (one server per session, emptied per test) live in
# tests/conftest.py, shared with the app's tests.


@pytest.fixture
def stripe_client(stripe_emulator: EmulatorServer) -> stripe.StripeClient:
    return stripe.StripeClient(
        SECRET_KEY, base_addresses={"api": stripe_emulator.url}, max_network_retries=0
    )


@pytest.fixture
def browser_client(stripe_emulator: EmulatorServer) -> stripe.StripeClient:
    """Calls made with the publishable key, as Stripe.js makes them."""
    return stripe.StripeClient(
        PUBLISHABLE_KEY, base_addresses={"api": stripe_emulator.url}, max_network_retries=0
    )


class WebhookReceiver:
    """A local HTTP endpoint that keeps every delivery and answers with the
    next status from ``statuses`` (200 once they run out)."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[bytes, str]] = []
        self.statuses: list[int] = []
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver._cond:
                    receiver.deliveries.append((body, self.headers.get("Stripe-Signature", "")))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver._cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/stripe/webhook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def wait_for(self, count: int, timeout: float = WAIT_SECONDS) -> list[tuple[bytes, str]]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.deliveries) >= count, timeout):
                raise AssertionError(f"expected {count} deliveries, got {len(self.deliveries)}")
            return list(self.deliveries)

    def events(self, secret: str = WEBHOOK_SECRET) -> list[stripe.Event]:
        """Every delivery, verified exactly as the app verifies webhooks."""
        with self._cond:
            return [
                stripe.Webhook.construct_event(body, signature, secret)
                for body, signature in self.deliveries
            ]


@pytest.fixture
def webhook_receiver(stripe_emulator: EmulatorServer) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    stripe_emulator.control.configure(webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET)
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def wait_until(predicate: typing.Callable[[], Any], timeout: float = WAIT_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


# --- object shapes ---------------------------------------------------------


def _fields(cls: type) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        fields.update(getattr(klass, "__annotations__", {}))
    return fields


def _nested(annotation: Any) -> list[type]:
    """The StripeObject classes an annotation may hold (through Optional, List, …)."""
    if isinstance(annotation, type):
        if issubclass(annotation, StripeObject) and not issubclass(
            annotation, (ListObject, UntypedStripeObject)
        ):
            return [annotation]
        return []
    return [cls for arg in typing.get_args(annotation) for cls in _nested(arg)]


def assert_stripe_shape(value: Any, cls: type, path: str = "") -> None:
    """Every field the emulator returns exists on the stripe package's class for
    that object (recursively), so the emulator cannot invent fields."""
    if isinstance(value, StripeObject):
        value = value.to_dict()
    fields = _fields(cls)
    for key, item in value.items():
        assert key in fields, f"{path}{key} is not a field of {cls.__qualname__}"
        nested = _nested(fields[key])
        if len(nested) != 1:
            continue
        for element in item if isinstance(item, list) else [item]:
            if isinstance(element, dict):
                assert_stripe_shape(element, nested[0], f"{path}{key}.")
