"""Browsing the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEvent
from marketplace.pagination import Page, paginate


@dataclass
class AuditFilters:
    action: str = ""
    object_type: str = ""
    object_id: int | None = None
    actor_email: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1


def audit_events(filters: AuditFilters) -> Page[AuditEvent]:
    stmt = (
        sa.select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )
    if filters.action:
        stmt = stmt.where(AuditEvent.action.startswith(filters.action.strip(), autoescape=True))
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == filters.object_id)
    if filters.actor_email:
        stmt = stmt.where(
            AuditEvent.actor_id.in_(
                sa.select(User.id).where(User.email == filters.actor_email.strip().lower())
            )
        )
    if filters.since:
        stmt = stmt.where(AuditEvent.created_at >= datetime.combine(filters.since, time(), UTC))
    if filters.until:
        end = datetime.combine(filters.until, time(), UTC) + timedelta(days=1)
        stmt = stmt.where(AuditEvent.created_at < end)
    return paginate(stmt, filters.page)
