"""Serves the Stripe.js stand-in (static/stripe-v3.js) at ``/v3``, with the
emulator's own address filled in so the script calls back to where it came from."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, request

from marketplace.sandbox.stripe_emulator.api import emulator

bp = Blueprint("stripe_js", __name__)

SCRIPT = Path(__file__).with_name("static") / "stripe-v3.js"
PLACEHOLDER = "__STRIPE_EMULATOR_API_BASE__"


@cache
def _source() -> str:
    return SCRIPT.read_text(encoding="utf-8")


@bp.get("/v3")
@bp.get("/v3/")
def stripe_js() -> Response:
    base = (emulator().config.public_url or request.host_url).rstrip("/")
    response = Response(
        _source().replace(PLACEHOLDER, json.dumps(base)),
        mimetype="application/javascript",
    )
    response.headers["Cache-Control"] = "no-cache"
    return response
