"""The emulator's WSGI app: a small Flask app of its own, separate from
Nebendesk, serving the Stripe API (``/v1``), Stripe.js (``/v3``), the local
onboarding and 3-D Secure pages, and the test-only ``/_emulator`` endpoints.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request

from marketplace.sandbox.stripe_emulator import api, control, pages, stripe_js
from marketplace.sandbox.stripe_emulator.config import EmulatorConfig

# Importing the resource modules registers their endpoints on api.bp.
from marketplace.sandbox.stripe_emulator.resources import (  # noqa: F401
    accounts,
    balance,
    charges,
    customers,
    payment_intents,
    refunds,
    transfers,
)
from marketplace.sandbox.stripe_emulator.store import StateFile, Store
from marketplace.sandbox.stripe_emulator.webhooks import WebhookDispatcher

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, Stripe-Version",
    "Access-Control-Max-Age": "600",
}


class Emulator:
    """One emulator: its state, its webhook dispatcher, its optional state file.
    ``config`` may change at runtime (``/_emulator/config``); ``reset`` restores
    the one it started with."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.initial_config = config
        self.config = config
        self.store = Store()
        self.webhooks = WebhookDispatcher(self.store, lambda: self.config)
        self.state_file = StateFile(self.store, config.state_path) if config.state_path else None

    def start(self) -> None:
        if self.state_file:
            self.state_file.load()
            self.state_file.start()
        self.webhooks.start()

    def reset(self) -> None:
        with self.store.lock:
            self.webhooks.reset()
            self.store.reset()
            self.config = self.initial_config

    def close(self) -> None:
        self.webhooks.stop()
        if self.state_file:
            self.state_file.stop()


def _cors(response: Response) -> Response:
    # Stripe.js calls the API from the app's pages, another origin.
    if request.path.startswith(("/v1/", "/v3")):
        headers = (
            CORS_HEADERS if request.method == "OPTIONS" else {"Access-Control-Allow-Origin": "*"}
        )
        response.headers.update(headers)
    return response


def create_emulator(config: EmulatorConfig | None = None, **settings: Any) -> Flask:
    """A ready emulator app; its webhook threads (and state file) start here.
    ``settings`` are :class:`EmulatorConfig` fields, e.g.
    ``create_emulator(webhook_url=…, webhook_secret=…)``. Call
    ``app.extensions["stripe_emulator"].close()`` when done."""
    config = (config or EmulatorConfig()).copy(**settings)
    app = Flask(__name__, template_folder="templates", static_folder=None)
    emulator = Emulator(config)
    app.extensions["stripe_emulator"] = emulator
    for blueprint in (api.bp, pages.bp, control.bp, stripe_js.bp):
        app.register_blueprint(blueprint)
    app.after_request(_cors)
    emulator.start()
    return app
