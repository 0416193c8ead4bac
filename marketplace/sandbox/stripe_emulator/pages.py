"""The two local pages that stand in for Stripe-hosted ones: Connect onboarding
(opened through an account link) and the 3-D Secure challenge (opened through a
PaymentIntent's ``next_action.redirect_to_url``). Plain HTML forms, so a test
can press their buttons with any HTTP client.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, render_template, request

from marketplace.sandbox.stripe_emulator import charging, movements
from marketplace.sandbox.stripe_emulator.api import emulator
from marketplace.sandbox.stripe_emulator.resources.accounts import complete_onboarding
from marketplace.sandbox.stripe_emulator.store import now

bp = Blueprint("stripe_pages", __name__)


def _emit(event_type: str, obj: dict[str, Any], previous_attributes: Any = None) -> Any:
    # Events caused by a person on a page carry no API request, as on Stripe.
    emu = emulator()
    return emu.store.emit(
        event_type,
        obj,
        previous_attributes=previous_attributes,
        api_version=emu.config.api_version,
    )


def _gone(message: str) -> tuple[str, int]:
    return render_template("stripe_emulator/message.html", title="Link not valid",
                           message=message), 404  # fmt: skip


@bp.route("/setup/e/<account_id>/<token>", methods=["GET", "POST"])
def onboarding(account_id: str, token: str) -> Any:
    store = emulator().store
    with store.lock:
        link = store.account_links.get(token)
        account = store.get("account", account_id)
        if link is None or account is None or link["account"] != account_id:
            return _gone("This onboarding link does not exist.")
        if request.method == "GET":
            # Account links are single-use and short-lived: a reload or a late
            # visit goes to refresh_url, where the app makes a new link.
            if link["used"] or link["expires_at"] < now():
                return redirect(link["refresh_url"], 303)
            link["used"] = True
            store.changed()
            return render_template("stripe_emulator/onboarding.html", account=account)
        if link.get("finished"):
            return redirect(link["refresh_url"], 303)
        link["finished"] = True
        if request.form.get("action") == "complete":
            complete_onboarding(store, _emit, account)
            store.changed()
            return redirect(link["return_url"], 303)
        store.changed()
        return redirect(link["refresh_url"], 303)


@bp.route("/3ds/<token>", methods=["GET", "POST"])
def three_d_secure(token: str) -> Any:
    store = emulator().store
    with store.lock:
        challenge = store.three_d_secure.get(token)
        intent = store.get("payment_intent", challenge["payment_intent"]) if challenge else None
        method = store.get("payment_method", challenge["payment_method"]) if challenge else None
        if not (challenge and intent and method) or intent["status"] != "requires_action":
            return _gone("This authentication is no longer pending.")
        if request.method == "GET":
            return render_template(
                "stripe_emulator/three_d_secure.html",
                amount=movements.money(intent["amount"], intent["currency"]),
                card=method["card"],
                intent=intent,
            )
        del store.three_d_secure[token]
        authenticated = request.form.get("action") == "authenticate"
        if authenticated:
            charging.succeed(store, _emit, intent, method, authenticated=True)
        else:
            charging.fail_authentication(store, _emit, intent, method)
        store.changed()
        if challenge["return_url"]:
            return _return_to(challenge["return_url"], intent, authenticated)
        return render_template(
            "stripe_emulator/message.html",
            title="Authentication complete" if authenticated else "Authentication failed",
            message="You can close this window and return to the shop.",
            finished=True,
        )


def _return_to(url: str, intent: dict[str, Any], authenticated: bool) -> Response:
    # The query Stripe appends when it sends the customer back.
    query = urlencode(
        {
            "payment_intent": intent["id"],
            "payment_intent_client_secret": intent["client_secret"],
            "redirect_status": "succeeded" if authenticated else "failed",
        }
    )
    return redirect(f"{url}{'&' if '?' in url else '?'}{query}", 303)
