"""Stripe's error responses: ``{"error": {type, code, param, message, …}}`` with
Stripe's HTTP status codes, so the official client raises the same exception
classes it raises against api.stripe.com (400/404 → InvalidRequestError or
IdempotencyError, 401 → AuthenticationError, 402 → CardError, 5xx → APIError).
"""

from __future__ import annotations

from typing import Any


class StripeError(Exception):
    """An API error. ``saved`` says whether Stripe would store it for an
    idempotency key: Stripe saves the result of every request that started
    executing (card declines and refused transfers included) but not requests
    that failed validation before that."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        saved: bool = True,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.saved = saved
        self.extra = extra

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def invalid_request(message: str, **kwargs: Any) -> StripeError:
    return StripeError(kwargs.pop("status", 400), message, **kwargs)


def validation_error(message: str, *, param: str, code: str | None = None) -> StripeError:
    """A malformed parameter: refused before execution, so never stored for replay."""
    return StripeError(400, message, code=code, param=param, saved=False)


def parameter_unknown(name: str) -> StripeError:
    return StripeError(
        400,
        f"Received unknown parameter: {name}",
        code="parameter_unknown",
        param=name,
        saved=False,
    )


def parameter_missing(name: str) -> StripeError:
    return StripeError(
        400,
        f"Missing required param: {name}.",
        code="parameter_missing",
        param=name,
        saved=False,
    )


def not_emulated(name: str, where: str) -> StripeError:
    """A parameter Stripe accepts but the emulator does not implement. Refusing it
    loudly beats ignoring it: silently dropped options would make the app behave
    differently against real Stripe without anyone noticing."""
    return StripeError(
        400,
        f"The Stripe emulator does not implement the parameter '{name}' on {where} "
        "(see docs/STRIPE_EMULATOR.md).",
        code="parameter_unknown",
        param=name,
        saved=False,
    )


def resource_missing(noun: str, object_id: str, *, param: str = "id") -> StripeError:
    """An id in the URL that does not exist: 404, like Stripe."""
    return StripeError(404, f"No such {noun}: '{object_id}'", code="resource_missing", param=param)


def missing_reference(noun: str, object_id: str, *, param: str) -> StripeError:
    """An id passed as a parameter that does not exist: Stripe answers 400 here."""
    return StripeError(400, f"No such {noun}: '{object_id}'", code="resource_missing", param=param)


def authentication_error(message: str) -> StripeError:
    return StripeError(401, message, saved=False)


def card_error(
    message: str,
    *,
    code: str,
    decline_code: str | None = None,
    param: str | None = None,
    **extra: Any,
) -> StripeError:
    if decline_code:
        extra["decline_code"] = decline_code
    return StripeError(402, message, type="card_error", code=code, param=param, **extra)


def unexpected_state(message: str) -> StripeError:
    return StripeError(400, message, code="payment_intent_unexpected_state")


def api_error(message: str = "An unexpected error occurred in the Stripe emulator.") -> StripeError:
    return StripeError(500, message, type="api_error")
