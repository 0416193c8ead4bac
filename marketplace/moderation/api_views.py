"""The community API: a chat's or forum's software posts items and polls decisions.

POST /api/v1/communities/<id>/items        one item (201 created, 200 known)
POST /api/v1/communities/<id>/items/batch  {"items": [...]}: all or nothing
GET  /api/v1/communities/<id>/decisions?after=<seq>&limit=<n>

Authenticated by the community's token (``Authorization: Bearer …``, compared in
constant time with its sha256); no CSRF token, no session: the token is the proof.
201 is answered only after the commit; every refusal is a 4xx with a JSON body
(``error``, and ``errors`` with field and message for invalid items) and stores
nothing. The README's "Community API" section documents it with curl.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace.extensions import csrf, db, limiter
from marketplace.moderation import connections, intake
from marketplace.moderation.models import Community
from marketplace.work import outbox
from marketplace.work.models import OutgoingEvent

bp = Blueprint("moderation_api", __name__, url_prefix="/api/v1/communities")

POLL_DEFAULT = 100
POLL_MAX = 500


class Refused(Exception):
    def __init__(self, status: int, error: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(error)
        self.status, self.error, self.errors = status, error, errors


@bp.errorhandler(Refused)
def _refused(exc: Refused):
    body: dict[str, Any] = {"error": exc.error}
    if exc.errors is not None:
        body["errors"] = exc.errors
    return body, exc.status


def _community(community_id: int) -> Community:
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    community = db.session.get(Community, community_id)
    # A wrong token and an unknown community look the same: nothing leaks.
    if (
        scheme.lower() != "bearer"
        or community is None
        or not connections.token_matches(community, token.strip())
    ):
        raise Refused(401, "Wrong or missing token for this community.")
    return community


def _json_body() -> Any:
    limit = current_app.config["MODERATION_API_MAX_BYTES"]
    request.max_content_length = limit
    try:
        raw = request.get_data(cache=False)
    except RequestEntityTooLarge:
        raw = None
    if raw is None or len(raw) > limit:
        raise Refused(413, f"The request is larger than {limit} bytes; nothing was stored.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "The body is not valid JSON; nothing was stored.") from None


def _invalid(errors: list[intake.FieldError]) -> Refused:
    return Refused(422, "The item is not valid; nothing was stored.", [e.as_json() for e in errors])


def _store(community_id: int, items: list[intake.ItemIn]) -> list[dict[str, Any]]:
    """Store and commit; the answers (read before the commit expires the rows). A
    concurrent request with the same ids (or a new author) loses the race on the
    unique keys, so it tries once more: those ids are known now."""
    for attempt in (1, 2):
        community = db.session.get(Community, community_id)
        try:
            results = [stored.as_json() for stored in intake.store_items(community, items)]
            db.session.commit()
            return results
        except intake.IntakeRefused as exc:
            db.session.rollback()
            raise _invalid(exc.errors) from None
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@bp.post("/<int:community_id>/items")
@csrf.exempt
@limiter.exempt
def receive_item(community_id: int):
    _community(community_id)
    data = _json_body()
    item = intake.validate(data)
    if isinstance(item, list):
        raise _invalid(item)
    (stored,) = _store(community_id, [item])
    return {"item": stored}, 201 if stored["status"] == "created" else 200


@bp.post("/<int:community_id>/items/batch")
@csrf.exempt
@limiter.exempt
def receive_batch(community_id: int):
    _community(community_id)
    data = _json_body()
    items = data.get("items") if isinstance(data, dict) else None
    most = current_app.config["MODERATION_BATCH_MAX"]
    if not isinstance(items, list) or not 1 <= len(items) <= most:
        raise _invalid([intake.FieldError("items", f"must be a list of 1 to {most} items")])
    try:
        valid = intake.validate_all(items)
    except intake.IntakeRefused as exc:
        raise Refused(
            422, "Some items are not valid; nothing was stored.", [e.as_json() for e in exc.errors]
        ) from None
    results = _store(community_id, valid)
    created = any(result["status"] == "created" for result in results)
    return {"items": results}, 201 if created else 200


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name)
    if value is None or value == "":
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise Refused(400, f"{name} must be a whole number from {low} to {high}.")
    return int(value)


@bp.get("/<int:community_id>/decisions")
@limiter.exempt
def decisions(community_id: int):
    community = _community(community_id)
    after = _int_arg("after", 0, 0, 2**62)
    limit = _int_arg("limit", POLL_DEFAULT, 1, POLL_MAX)
    events = db.session.scalars(
        sa.select(OutgoingEvent)
        .where(OutgoingEvent.community_id == community.id, OutgoingEvent.id > after)
        .order_by(OutgoingEvent.id)
        .limit(limit)
    ).all()
    return {
        "events": [
            {"seq": event.id, "event": json.loads(outbox.body_of(event))} for event in events
        ],
        "next_after": events[-1].id if events else after,
    }
