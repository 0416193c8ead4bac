"""Declarative base, column types and mixins shared by every feature's models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC. Used as a callable column default."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones and hands back
    naive values, which this type marks as UTC again.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC values")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[enum.StrEnum], **kwargs: Any) -> sa.Enum:
    """A portable string column holding a StrEnum's values (no native enum type)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=max(len(m.value) for m in enum_cls) + 8,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
        **kwargs,
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


# Database objects that live outside the models on purpose, because they
# exist on one backend only: SQLite's FTS5 search table (and its shadow
# tables), PostgreSQL's stored tsvector column and its GIN index. Their
# migrations create them by hand; Alembic's autogenerate and the
# models-vs-migrations test skip them.
UNMODELLED_TABLE_PREFIXES = ("gigs_fts",)
UNMODELLED_COLUMNS = frozenset({("gigs", "search_document")})
# Indexes on expressions, made by migrations only: the search document's, and the
# case-insensitive sender of messages (workpool/triage.repeat_count, migration 0023).
UNMODELLED_INDEXES = frozenset({"ix_gigs_fulltext", "ix_messages_mailbox_sender"})


def include_in_schema_comparison(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "table" and name and name.startswith(UNMODELLED_TABLE_PREFIXES):
        return False
    if type_ == "column" and (getattr(obj, "table", None) is not None):
        return (obj.table.name, name) not in UNMODELLED_COLUMNS
    return not (type_ == "index" and name in UNMODELLED_INDEXES)
