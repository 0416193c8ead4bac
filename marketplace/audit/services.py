"""Writing audit rows. Every service that carries out a person's decision calls this."""

from __future__ import annotations

from typing import Any

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db


def record(
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        reason=reason,
    )
    db.session.add(event)
    return event
