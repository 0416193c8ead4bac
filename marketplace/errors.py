"""Domain errors and their mapping to HTTP responses.

Services raise these with a message already in the user's language; views
catch the ones they can recover from (flash and re-render), and the handlers
below turn the rest into a clear page, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A business rule refused the request. ``message`` is shown to the user."""

    status_code = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    """The object is not in a state that allows the requested change."""

    status_code = 409


class NotAllowed(DomainError):
    """The user may see the object but not do this to it."""

    status_code = 403


def require_transition(
    current: StrEnum, target: StrEnum, allowed: Mapping[StrEnum, frozenset[StrEnum]]
) -> None:
    """Raise InvalidTransition unless ``current → target`` is in the table."""
    if target not in allowed.get(current, frozenset()):
        raise InvalidTransition(
            _(
                "This is not possible right now: it may have been changed in the meantime. "
                "Please reload the page."
            )
        )


def register_error_handlers(app: Flask) -> None:
    def wants_json() -> bool:
        return request.path.startswith("/api/") or (
            request.accept_mimetypes.best == "application/json"
        )

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        if wants_json():
            return {"error": error.message}, error.status_code
        return render_template(
            "errors/error.html", title=_("That did not work"), message=error.message
        ), error.status_code

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        message = _(
            "This form has expired or was not sent from this site. "
            "Please go back, reload the page and try again."
        )
        if wants_json():
            return {"error": message}, 400
        return render_template("errors/error.html", title=_("Form expired"), message=message), 400

    messages = {
        400: lambda: (_("Bad request"), _("The request could not be understood.")),
        404: lambda: (
            _("Page not found"),
            _("This page does not exist or is not available to you."),
        ),
        405: lambda: (_("Not allowed"), _("This action is not available here.")),
        413: lambda: (
            _("Too large"),
            _("What you sent is larger than we accept. Please send something smaller."),
        ),
        429: lambda: (
            _("Too many attempts"),
            _("You have tried this too often. Please wait a few minutes and try again."),
        ),
        500: lambda: (
            _("Something went wrong"),
            _("An unexpected error occurred. Nothing was changed. Please try again."),
        ),
    }

    def handle_http_error(error: HTTPException):
        code = error.code or 500
        title, message = messages.get(code, messages[400])()
        if wants_json():
            return {"error": message}, code
        return render_template("errors/error.html", title=title, message=message), code

    for code in messages:
        app.register_error_handler(code, handle_http_error)
