"""Reading triage: the filters of the company's conversation list (priority, tag,
worker, overdue; all plain query parameters) and the tags of a page of rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.urls import bounded_int
from marketplace.workpool.models import Conversation, ConversationStatus, Priority
from marketplace.workpool.triage_models import MailTag, conversation_mail_tags


@dataclass
class ListFilters:
    priority: Priority | None = None
    tag: MailTag | None = None
    worker: User | None = None
    overdue: bool = False

    @property
    def active(self) -> bool:
        return bool(self.priority or self.tag or self.worker or self.overdue)


def _id(args: MultiDict, name: str) -> int | None:
    return bounded_int(args.get(name, ""))


def parse_filters(args: MultiDict, *, tags: list[MailTag], workers: list[User]) -> ListFilters:
    """The filters in the query string; values that name nothing of this company's
    (a tag of another company, a worker not hired here, garbage) are ignored."""
    raw_priority = args.get("priority", "")
    tag_id, worker_id = _id(args, "tag"), _id(args, "worker")
    return ListFilters(
        priority=Priority(raw_priority) if raw_priority in set(Priority) else None,
        tag=next((t for t in tags if t.id == tag_id), None),
        worker=next((w for w in workers if w.id == worker_id), None),
        overdue=args.get("overdue") == "1",
    )


def conditions(filters: ListFilters, now: datetime) -> tuple[sa.ColumnElement[bool], ...]:
    where: list[sa.ColumnElement[bool]] = []
    if filters.priority is not None:
        where.append(Conversation.priority == filters.priority)
    if filters.tag is not None:
        where.append(
            Conversation.id.in_(
                sa.select(conversation_mail_tags.c.conversation_id).where(
                    conversation_mail_tags.c.tag_id == filters.tag.id
                )
            )
        )
    if filters.worker is not None:
        where.append(
            sa.or_(
                Conversation.assigned_to_id == filters.worker.id,
                sa.and_(
                    Conversation.claimed_by_id == filters.worker.id,
                    Conversation.lease_expires_at > now,
                ),
            )
        )
    if filters.overdue:
        where.append(Conversation.status == ConversationStatus.WAITING)
        where.append(Conversation.first_response_due_at <= now)
    return tuple(where)


def tags_by_conversation(conversation_ids: list[int]) -> dict[int, list[MailTag]]:
    found: dict[int, list[MailTag]] = defaultdict(list)
    if not conversation_ids:
        return found
    rows = db.session.execute(
        sa.select(conversation_mail_tags.c.conversation_id, MailTag)
        .join(MailTag, MailTag.id == conversation_mail_tags.c.tag_id)
        .where(conversation_mail_tags.c.conversation_id.in_(conversation_ids))
        .order_by(sa.func.lower(MailTag.name))
    ).all()
    for conversation_id, tag in rows:
        found[conversation_id].append(tag)
    return found
