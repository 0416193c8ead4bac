"""The request pipeline every ``/v1`` endpoint runs through, in Stripe's order:
authenticate the key → decode the form → refuse unknown or missing parameters
→ honour ``Idempotency-Key`` → run the handler under the store lock → apply
``expand`` → answer JSON with Stripe's headers.

Resource modules declare endpoints with ``@endpoint(method, rule, ParamsClassName)``;
a handler receives a :class:`Call` and returns the response object or raises
:class:`StripeError`.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, g, request

from marketplace.sandbox.stripe_emulator import params as p
from marketplace.sandbox.stripe_emulator.errors import (
    StripeError,
    api_error,
    authentication_error,
    invalid_request,
    validation_error,
)
from marketplace.sandbox.stripe_emulator.store import Store, now, public, random_token

if TYPE_CHECKING:
    from marketplace.sandbox.stripe_emulator.app import Emulator
    from marketplace.sandbox.stripe_emulator.config import EmulatorConfig

log = logging.getLogger(__name__)

bp = Blueprint("stripe_api", __name__, url_prefix="/v1")

MAX_EXPAND_DEPTH = 4
IDEMPOTENCY_MISMATCH = (
    "Keys for idempotent requests can only be used with the same parameters they were "
    "first used with. Try using a key other than '{key}' if you meant to execute a "
    "different request."
)
IDEMPOTENCY_IN_USE = (
    "There is currently another in-progress request using this Idempotent Key (probably "
    "because of a network failure or a timeout). Please try again later."
)
NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)
PUBLISHABLE_KEY_REFUSED = (
    "This API call cannot be made with a publishable API key. Please use a secret API key. "
    "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."
)


def emulator() -> Emulator:
    return current_app.extensions["stripe_emulator"]


@dataclass
class Call:
    """One API request as a handler sees it."""

    store: Store
    config: EmulatorConfig
    params: dict[str, Any]
    publishable: bool
    request_id: str
    idempotency_key: str | None
    base_url: str  # where browsers reach the emulator's pages

    def emit(
        self,
        event_type: str,
        obj: dict[str, Any],
        previous_attributes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return self.store.emit(
            event_type,
            obj,
            request={"id": self.request_id, "idempotency_key": self.idempotency_key},
            previous_attributes=previous_attributes,
            api_version=self.config.api_version,
        )


@dataclass(frozen=True)
class Endpoint:
    handler: Callable[..., dict[str, Any]]
    method: str
    params_class: str
    publishable: bool
    extra: frozenset[str]


def endpoint(
    method: str,
    rule: str,
    params_class: str,
    *,
    publishable: bool = False,
    extra: tuple[str, ...] = (),
) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    """Register a handler. ``publishable``: Stripe.js may call it with a pk_test_
    key; ``extra``: parameters Stripe.js sends that the server-side params class
    does not list (``client_secret`` on confirm)."""

    p.allowed_parameters(params_class)  # fail at import if stripe has no such class

    def decorator(handler: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        spec = Endpoint(handler, method, params_class, publishable, frozenset(extra))

        def view(**url_values: str) -> Response:
            return dispatch(spec, url_values)

        bp.add_url_rule(rule, endpoint=handler.__name__, view_func=view, methods=[method])
        return handler

    return decorator


@bp.route("/<path:unknown>", methods=["GET", "POST", "DELETE"])
def unrecognized(unknown: str) -> Response:
    message = (
        f"Unrecognized request URL ({request.method}: {request.path}). Please see "
        "https://stripe.com/docs or we can help at https://support.stripe.com/."
    )
    return respond(404, {"error": {"type": "invalid_request_error", "message": message}})


# --- pipeline --------------------------------------------------------------


def dispatch(spec: Endpoint, url_values: dict[str, str]) -> Response:
    emu = emulator()
    # One id per request: the Request-Id header and the ``request.id`` of its events.
    g.request_id = f"req_{random_token(14)}"
    try:
        api_key, publishable = authenticate(spec)
        params = parameters(spec)
    except StripeError as exc:
        return respond(exc.status, exc.body())
    key = request.headers.get("Idempotency-Key") if spec.method == "POST" else None
    execute = partial(run, spec, emu, params, publishable, url_values, key)
    if not key:
        status, body, _ = execute()
        return respond(status, body)
    return idempotent(emu.store, api_key, key, params, execute)


def parameters(spec: Endpoint) -> dict[str, Any]:
    if request.headers.get("Stripe-Account"):
        raise invalid_request(
            "The Stripe emulator does not support acting on connected accounts "
            "(Stripe-Account header).",
            saved=False,
        )
    pairs = list((request.args if spec.method == "GET" else request.form).items(multi=True))
    params = p.decode_form(pairs)
    p.check_parameters(spec.params_class, params, spec.extra)
    return params


def idempotent(
    store: Store,
    api_key: str,
    key: str,
    params: dict[str, Any],
    execute: Callable[[], tuple[int, dict[str, Any], bool]],
) -> Response:
    """Run ``execute`` once per (API key, Idempotency-Key); replay its stored
    answer for the same request, refuse the key for a different one."""
    if len(key) > 255:
        error = validation_error(
            "Idempotency keys can be at most 255 characters long.", param="Idempotency-Key"
        )
        return respond(error.status, error.body())
    scope = f"{api_key}\n{key}"
    fingerprint = json.dumps([request.method, request.path, params], sort_keys=True)
    with store.lock:
        record = store.idempotency.get(scope)
        if record is None:
            store.idempotency[scope] = {"in_flight": True}
        elif record.get("in_flight"):
            error = StripeError(
                409, IDEMPOTENCY_IN_USE, type="idempotency_error", code="idempotency_key_in_use"
            )
            return respond(error.status, error.body(), idempotency_key=key)
        elif record["fingerprint"] != fingerprint:
            error = StripeError(400, IDEMPOTENCY_MISMATCH.format(key=key), type="idempotency_error")
            return respond(error.status, error.body(), idempotency_key=key)
        else:
            return respond(record["status"], record["body"], idempotency_key=key, replayed=True)

    status, body, saved = execute()
    with store.lock:
        if saved:
            store.idempotency[scope] = {
                "fingerprint": fingerprint,
                "status": status,
                "body": body,
                "created": now(),
            }
            store.prune_idempotency()
        else:
            store.idempotency.pop(scope, None)
        store.changed()
    return respond(status, body, idempotency_key=key)


def authenticate(spec: Endpoint) -> tuple[str, bool]:
    """(api key, is it publishable). Bearer auth as the client sends it; Basic
    auth (``curl -u sk_test_…:``) as Stripe also accepts it."""
    header = request.headers.get("Authorization", "")
    key = ""
    if header.startswith("Bearer "):
        key = header[len("Bearer ") :].strip()
    elif header.startswith("Basic "):
        try:
            key = base64.b64decode(header[len("Basic ") :]).decode().split(":", 1)[0]
        except (binascii.Error, UnicodeDecodeError):
            key = ""
    if not key:
        raise authentication_error(NO_KEY)
    if key.startswith("sk_test_") and len(key) > len("sk_test_"):
        return key, False
    if key.startswith("pk_test_") and len(key) > len("pk_test_"):
        if spec.publishable:
            return key, True
        raise authentication_error(PUBLISHABLE_KEY_REFUSED)
    redacted = key[:8] + "*" * max(len(key) - 12, 0) + key[-4:] if len(key) > 12 else key
    raise authentication_error(f"Invalid API Key provided: {redacted}")


def run(
    spec: Endpoint,
    emu: Emulator,
    params: dict[str, Any],
    publishable: bool,
    url_values: dict[str, str],
    idempotency_key: str | None,
) -> tuple[int, dict[str, Any], bool]:
    """Run the handler atomically; returns (status, body, saved for idempotency)."""
    call = Call(
        store=emu.store,
        config=emu.config,
        params=params,
        publishable=publishable,
        request_id=g.request_id,
        idempotency_key=idempotency_key,
        base_url=(emu.config.public_url or request.host_url).rstrip("/"),
    )
    with emu.store.lock:
        try:
            body = spec.handler(call, **url_values)
            expand(emu.store, body, p.expand_list(params))
            return 200, body, True
        except StripeError as exc:
            return exc.status, exc.body(), exc.saved
        except Exception:
            # Stripe stores 500s for idempotency too; the traceback is for us.
            log.exception("Stripe emulator handler %s failed", spec.handler.__name__)
            error = api_error()
            return error.status, error.body(), True
        finally:
            if spec.method == "POST":
                emu.store.changed()


def respond(
    status: int,
    body: dict[str, Any],
    *,
    idempotency_key: str | None = None,
    replayed: bool = False,
) -> Response:
    response = Response(
        json.dumps(body, indent=2) + "\n", status=status, mimetype="application/json"
    )
    response.headers["Request-Id"] = g.get("request_id") or f"req_{random_token(14)}"
    response.headers["Stripe-Version"] = request.headers.get(
        "Stripe-Version", emulator().config.api_version
    )
    if idempotency_key:
        response.headers["Idempotency-Key"] = idempotency_key
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


# --- expand ----------------------------------------------------------------


def expand(store: Store, body: dict[str, Any], paths: list[str]) -> None:
    """Replace ids by the objects they name, e.g. ``expand[]=latest_charge`` or
    ``expand[]=data.latest_charge`` on a list."""
    for path in paths:
        parts = path.split(".")
        if len(parts) > MAX_EXPAND_DEPTH:
            raise invalid_request(
                f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property.",
                param="expand",
                saved=False,
            )
        _expand(store, body, parts, path)


def _expand(store: Store, node: Any, parts: list[str], path: str) -> None:
    key, rest = parts[0], parts[1:]
    if isinstance(node, dict) and node.get("object") == "list" and key == "data" and rest:
        for item in node["data"]:
            _expand(store, item, rest, path)
        return
    if not isinstance(node, dict) or key not in node:
        raise _not_expandable(path)
    value = node[key]
    if isinstance(value, str):
        target = store.find(value)
        if target is None:
            raise _not_expandable(path)
        node[key] = value = public(target)
    elif value is not None and not isinstance(value, dict):
        raise _not_expandable(path)
    if rest and value is not None:
        _expand(store, value, rest, path)


def _not_expandable(path: str) -> StripeError:
    return invalid_request(f"This property cannot be expanded ({path}).", param="expand")
