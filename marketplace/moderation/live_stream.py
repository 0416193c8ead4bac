"""The live view's event stream, shared by every process and host: writing it.

Writers (intake, the decision service, the team's posts) call
``append_live_event`` in their own transaction: the row in ``live_events``
commits or rolls back with what it reports. After the commit a wake-up goes
out: a Redis PUBLISH on ``nebendesk:live:<community id>`` when ``REDIS_URL``
is set, else on PostgreSQL a ``NOTIFY`` written in the same transaction
(PostgreSQL delivers it at the commit). Readers (moderation/live_hub.py) wait
for the wake-up and read the rows after the last id they sent; without Redis
and PostgreSQL (SQLite, ``make run``) they look every ``LIVE_POLL_SECONDS``.
Nothing a reader needs lives in another process's memory.

Ids from a sequence may commit out of order on PostgreSQL (a transaction that
took id 9 commits after the one that took id 10); a reader therefore looks a
few seconds back below its cursor and skips ids it has sent already (a late
commit exactly while a browser reconnects can still be missed).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.extensions import db
from marketplace.moderation.item_models import Decision, ModerationItem
from marketplace.moderation.live_models import LiveEvent, LiveEventKind
from marketplace.moderation.models import Community, CommunityKind

log = logging.getLogger(__name__)

_WAKE = "nebendesk_live_wake"
REDIS_PREFIX = "nebendesk:live:"
FETCH_LIMIT = 500
LOOKBACK = timedelta(seconds=10)  # out-of-order commits are looked for this far back
LOOKBACK_IDS = 1000
SENT_KEPT = 5000


def is_live(community: Community) -> bool:
    return community.kind == CommunityKind.CHAT


def pg_channel(community_id: int) -> str:
    return f"nebendesk_live_{community_id}"


# --- writing ----------------------------------------------------------------------------------


def append_live_event(
    community: Community, kind: LiveEventKind, payload: dict[str, Any], *, channel: str = ""
) -> LiveEvent:
    """Add an event to the community's live stream in the current transaction; the
    watchers are woken once it commits."""
    row = LiveEvent(
        community_id=community.id,
        channel=channel[:200],
        kind=kind,
        payload=payload,
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    if current_app.config.get("REDIS_URL"):
        db.session.info.setdefault(_WAKE, set()).add(community.id)
    elif db.session.get_bind().dialect.name == "postgresql":
        # Transactional: PostgreSQL sends it at the commit, drops it at a rollback.
        db.session.execute(sa.select(sa.func.pg_notify(pg_channel(community.id), "")))
    return row


def message_payload(item: ModerationItem) -> dict[str, Any]:
    author = item.author
    return {
        "item_id": item.id,
        "kind": item.kind.value,
        "channel": item.channel,
        "author_id": author.id,
        "author": author.display_name or author.external_id,
        "text": item.text,
        "word_hits": [hit.get("word", "") for hit in item.word_hits if hit.get("word")],
        "held": item.held,
        "posted_at": (item.posted_at or item.received_at).isoformat(),
    }


def items_stored(community: Community, items: list[ModerationItem]) -> None:
    """Intake stored new items: chat messages go to the live stream."""
    if not is_live(community):
        return
    for item in items:
        if item.is_control:
            continue
        append_live_event(
            community, LiveEventKind.MESSAGE, message_payload(item), channel=item.channel
        )


def decision_made(decision: Decision) -> None:
    """A decision on a chat item: every watcher of the channel sees it at once."""
    item = decision.item
    if item is None or item.is_control or not is_live(decision.community):
        return
    append_live_event(
        decision.community,
        LiveEventKind.DECISION,
        {
            "decision_id": decision.id,
            "item_id": item.id,
            "action": decision.action.value,
            "status": decision.status.value,
            "decided_by_id": decision.decided_by_id,
        },
        channel=item.channel,
    )


def _publish(session: Session) -> None:
    if session.in_nested_transaction():
        return
    communities = session.info.pop(_WAKE, None)
    if not communities:
        return
    try:
        client = _redis(current_app.config["REDIS_URL"])
        for community_id in communities:
            client.publish(f"{REDIS_PREFIX}{community_id}", "1")
    except Exception:  # the readers' next look finds the rows anyway
        log.warning("live view wake-up not published", exc_info=True)


def _forget(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_WAKE, None)


if not event.contains(Session, "after_commit", _publish):
    event.listen(Session, "after_commit", _publish)
    event.listen(Session, "after_rollback", _forget)


_clients: dict[str, Any] = {}
_clients_lock = threading.Lock()


def _redis(url: str):
    """One client (and connection pool) per URL and process."""
    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            from redis import Redis

            client = _clients[url] = Redis.from_url(url)
        return client


# --- reading ----------------------------------------------------------------------------------


def last_event_id_of(community_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(LiveEvent.id), 0)).where(
            LiveEvent.community_id == community_id
        )
    )


def last_event_id(community: Community) -> int:
    return last_event_id_of(community.id)


class Cursor:
    """Where one reader is: the highest id sent and the ids sent lately."""

    def __init__(self, after: int) -> None:
        self.start = self.after = after
        self.sent: deque[int] = deque(maxlen=SENT_KEPT)
        self._sent_set: set[int] = set()

    def fetch(self, community_id: int, channel: str = "") -> list[LiveEvent]:
        """The events not sent yet: after the cursor, and (from the second look on)
        ids below it that committed late — never anything before the start, which
        the client had already."""
        now = utcnow()
        newer = LiveEvent.id > self.after
        floor = max(self.start, self.after - LOOKBACK_IDS)
        if self.after > floor:
            newer = sa.or_(
                newer,
                sa.and_(LiveEvent.id > floor, LiveEvent.created_at >= now - LOOKBACK),
            )
        query = (
            sa.select(LiveEvent)
            .where(LiveEvent.community_id == community_id, newer)
            .order_by(LiveEvent.id)
            .limit(FETCH_LIMIT)
        )
        if channel:
            query = query.where(LiveEvent.channel == channel)
        return [row for row in db.session.scalars(query) if self.mark_sent(row.id)]

    def mark_sent(self, event_id: int) -> bool:
        """Note an id as sent; False if it was sent already."""
        if event_id in self._sent_set:
            return False
        if len(self.sent) == self.sent.maxlen:
            self._sent_set.discard(self.sent[0])
        self.sent.append(event_id)
        self._sent_set.add(event_id)
        self.after = max(self.after, event_id)
        return True


def events_after(community_id: int, after: int, channel: str = "") -> list[LiveEvent]:
    """The events a reader that saw ``after`` has not seen (one look)."""
    return Cursor(after).fetch(community_id, channel)


def as_sse(row: LiveEvent) -> str:
    data = {
        "id": row.id,
        "kind": row.kind.value,
        "channel": row.channel,
        "at": row.created_at.isoformat(),
        **row.payload,
    }
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"id: {row.id}\nevent: {row.kind.value}\ndata: {body}\n\n"


# --- housekeeping -----------------------------------------------------------------------------


def purge_old(now: datetime | None = None) -> int:
    """Delete events older than LIVE_EVENTS_KEEP_HOURS (cron); returns how many."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=current_app.config["LIVE_EVENTS_KEEP_HOURS"])
    return db.session.execute(
        sa.delete(LiveEvent)
        .where(LiveEvent.created_at < cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount
