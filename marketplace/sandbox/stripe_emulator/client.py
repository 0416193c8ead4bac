"""A small client for the emulator's test-only endpoints and local pages, for
tests and benchmarks (plain urllib, no proxies, no API key)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def http(
    method: str,
    url: str,
    *,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) without following redirects or raising on 4xx/5xx."""
    data, headers = None, dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with _OPENER.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class EmulatorControl:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        status, _, content = http(method, f"{self.base_url}/_emulator{path}", json_body=body)
        if status >= 400:
            raise RuntimeError(f"{method} /_emulator{path} → {status}: {content.decode()}")
        return json.loads(content)

    def reset(self) -> None:
        self._call("POST", "/reset")

    def configure(self, **settings: Any) -> dict[str, Any]:
        """webhook_url, webhook_secret, retry_schedule, deliver_in_background, public_url."""
        return self._call("POST", "/config", settings)

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        """Every event, oldest first, as ``{"event": …, "delivery": …}``."""
        query = f"?{urlencode({'type': type})}" if type else ""
        return self._call("GET", f"/events{query}")["data"]

    def deliver(self) -> list[dict[str, Any]]:
        return self._call("POST", "/webhooks/deliver")["attempts"]

    def resend(self, event_id: str) -> dict[str, Any]:
        return self._call("POST", f"/events/{event_id}/resend")

    def signed(self, event_id: str) -> tuple[str, str]:
        """(payload, Stripe-Signature header) to post an event to an app by hand."""
        data = self._call("GET", f"/events/{event_id}/signed")
        return data["payload"], data["stripe_signature"]

    def fail_transfers(
        self, code: str, *, count: int | None = 1, destination: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """Make the next ``count`` transfers (None: all, until cleared), or those to
        ``destination``, fail with Stripe error ``code``."""
        body = {"code": code, "count": count, "destination": destination, **extra}
        return self._call("POST", "/failures/transfers", body)

    def clear_failures(self) -> None:
        self._call("DELETE", "/failures/transfers")

    def add_funds(self, amount: int, currency: str = "eur") -> dict[str, Any]:
        return self._call("POST", "/balance", {"amount": amount, "currency": currency})

    # --- the local pages ---------------------------------------------------

    @staticmethod
    def press(page_url: str, action: str) -> str:
        """Open a local page and press a button (``complete``/``abandon`` on the
        onboarding page, ``authenticate``/``fail`` on the 3-D Secure page);
        returns where the page redirects to ("" when it does not)."""
        status, _, _ = http("GET", page_url)
        if status != 200:
            raise RuntimeError(f"GET {page_url} → {status}")
        status, headers, _ = http("POST", page_url, form={"action": action})
        if status >= 400:
            raise RuntimeError(f"POST {page_url} → {status}")
        return headers.get("Location", "")
