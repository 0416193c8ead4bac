"""POST /api/v1/mailboxes/<id>/messages: a raw RFC 822 email, as any mail server or
inbound-mail service forwards it. Authenticated by the mailbox's secret token
(``Authorization: Bearer …``; no CSRF token: the secret is the proof). Answers
201 only after the message is stored, 200 for an email stored before (same
Message-ID), and a 4xx with a JSON ``error`` for everything it refuses; a
refused request stores nothing."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace.errors import DomainError
from marketplace.extensions import csrf, db, limiter
from marketplace.workpool import inbound
from marketplace.workpool.models import Mailbox

bp = Blueprint("workpool_api", __name__, url_prefix="/api/v1")


def _error(message: str, status: int):
    return {"error": message}, status


@bp.post("/mailboxes/<int:mailbox_id>/messages")
@csrf.exempt
@limiter.exempt
def receive_message(mailbox_id: int):
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    mailbox = db.session.get(Mailbox, mailbox_id)
    # A wrong token and an unknown mailbox look the same: nothing leaks.
    if scheme.lower() != "bearer" or mailbox is None or not inbound.token_matches(mailbox, token):
        return _error(_("Wrong or missing token for this mailbox."), 401)
    limit = current_app.config["INBOUND_MAX_BYTES"]
    request.max_content_length = limit
    try:
        raw = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return _too_large(limit)
    if len(raw) > limit:
        return _too_large(limit)
    if not raw.strip():
        return _error(_("The request body is empty; send the raw email (RFC 822)."), 400)
    try:
        message, created = inbound.store(mailbox, raw)
    except DomainError as exc:
        db.session.rollback()
        return _error(exc.message, 422)
    except DBAPIError:  # the database refused a value: nothing is stored
        db.session.rollback()
        return _error(inbound.unsaveable_reason(), 422)
    db.session.commit()
    body = {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "message_id": message.message_id,
        "duplicate": not created,
    }
    return body, 201 if created else 200


def _too_large(limit: int):
    return _error(
        _("The email is larger than %(mb)d MB; it was not stored.", mb=limit // (1024 * 1024)),
        413,
    )
