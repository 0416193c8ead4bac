"""Test-only endpoints under ``/_emulator/`` (no API key; the emulator listens on
127.0.0.1 only). They reset state, inject transfer failures, show events with
their delivery attempts, deliver or resend events on demand, sign an event for
posting it by hand, and add test funds. Bodies are JSON (or form fields).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from marketplace.sandbox.stripe_emulator import movements
from marketplace.sandbox.stripe_emulator.api import emulator
from marketplace.sandbox.stripe_emulator.store import public, random_token
from marketplace.sandbox.stripe_emulator.webhooks import event_payload, signature_header

bp = Blueprint("stripe_control", __name__, url_prefix="/_emulator")

ENDPOINTS = {
    "POST /_emulator/reset": "forget all objects, events and failures; restore the start config",
    "GET|POST /_emulator/config": "show or change webhook_url, webhook_secret, retry_schedule, "
    "deliver_in_background, public_url",
    "GET|POST|DELETE /_emulator/failures/transfers": "list, add ({code, count=1 (null: until "
    "cleared), destination?, message?, status?, type?}) or clear injected transfer failures",
    "GET /_emulator/events": "every event (oldest first, ?type=) with its delivery attempts",
    "POST /_emulator/webhooks/deliver": "attempt every pending delivery now and wait",
    "POST /_emulator/events/<id>/resend": "deliver one event again now",
    "GET /_emulator/events/<id>/signed": "the event's payload and a fresh Stripe-Signature",
    "POST /_emulator/balance": "add test funds ({amount, currency=eur}) to the available balance",
}


def _body() -> dict[str, Any]:
    return request.get_json(silent=True) or request.form.to_dict()


def _problem(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"type": "emulator_error", "message": message}}), status


@bp.get("/")
def index() -> Response:
    return jsonify({"endpoints": ENDPOINTS})


@bp.post("/reset")
def reset() -> Response:
    emulator().reset()
    return jsonify({"reset": True})


def _config_view() -> dict[str, Any]:
    config = emulator().config
    return {
        "webhook_url": config.webhook_url,
        "webhook_secret": config.webhook_secret,
        "retry_schedule": list(config.retry_schedule),
        "deliver_in_background": config.deliver_in_background,
        "public_url": config.public_url,
        "api_version": config.api_version,
    }


@bp.route("/config", methods=["GET", "POST"])
def config() -> Any:
    if request.method == "POST":
        emu = emulator()
        changes = {
            key: value
            for key, value in _body().items()
            if key
            in ("webhook_url", "webhook_secret", "retry_schedule", "deliver_in_background",
                "public_url")
        }  # fmt: skip
        if isinstance(changes.get("deliver_in_background"), str):
            changes["deliver_in_background"] = changes["deliver_in_background"] == "true"
        if isinstance(changes.get("retry_schedule"), str):
            changes["retry_schedule"] = changes["retry_schedule"].split(",")
        try:
            with emu.store.lock:
                emu.config = emu.config.copy(**changes)
        except (TypeError, ValueError) as exc:
            return _problem(400, str(exc))
    return jsonify(_config_view())


@bp.route("/failures/transfers", methods=["GET", "POST", "DELETE"])
def transfer_failures() -> Any:
    store = emulator().store
    with store.lock:
        if request.method == "DELETE":
            store.transfer_failures.clear()
        elif request.method == "POST":
            body = _body()
            if not body.get("code"):
                return _problem(400, "code is required, e.g. balance_insufficient")
            count = body.get("count", 1)
            rule = {
                "id": f"failure_{random_token(10)}",
                "code": str(body["code"]),
                "remaining": None if count is None else int(count),
                "destination": body.get("destination"),
                "message": body.get("message"),
                "status": int(body["status"]) if body.get("status") else None,
                "type": body.get("type"),
            }
            store.transfer_failures.append(rule)
            store.changed()
            return jsonify(rule), 201
        store.changed()
        return jsonify({"data": list(store.transfer_failures)})


@bp.get("/events")
def events() -> Response:
    store = emulator().store
    wanted = request.args.get("type")
    with store.lock:
        data = [
            {"event": public(event), "delivery": store.deliveries.get(event["id"])}
            for event in store.objects["event"].values()
            if wanted is None or event["type"] == wanted
        ]
    return jsonify({"data": data})


@bp.post("/webhooks/deliver")
def deliver() -> Response:
    return jsonify({"attempts": emulator().webhooks.deliver_now()})


@bp.post("/events/<event_id>/resend")
def resend(event_id: str) -> Any:
    emu = emulator()
    if emu.store.get("event", event_id) is None:
        return _problem(404, f"No such event: '{event_id}'")
    try:
        return jsonify(emu.webhooks.resend(event_id))
    except LookupError as exc:
        return _problem(409, str(exc))


@bp.get("/events/<event_id>/signed")
def signed(event_id: str) -> Any:
    emu = emulator()
    with emu.store.lock:
        event = emu.store.get("event", event_id)
        if event is None:
            return _problem(404, f"No such event: '{event_id}'")
        payload = event_payload(event)
    secret = emu.config.webhook_secret
    if not secret:
        return _problem(409, "no webhook secret is configured")
    return jsonify({"payload": payload, "stripe_signature": signature_header(payload, secret)})


@bp.post("/balance")
def add_funds() -> Any:
    store = emulator().store
    body = _body()
    try:
        amount = int(body.get("amount", 0))
    except (TypeError, ValueError):
        return _problem(400, "amount must be an integer (cents)")
    if amount <= 0:
        return _problem(400, "amount must be positive")
    currency = str(body.get("currency") or "eur").lower()
    with store.lock:
        movements.book(
            store,
            type="topup",
            amount=amount,
            currency=currency,
            source=f"tu_{random_token()}",
            description="Test funds added through the Stripe emulator",
        )
        store.changed()
        return jsonify(movements.balance_object(store))
