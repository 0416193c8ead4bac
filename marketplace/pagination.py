"""Offset pagination for admin lists and other bounded reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import request

from marketplace.extensions import db
from marketplace.urls import bounded_int

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def page_arg(name: str = "page") -> int:
    """The page number asked for in the query string: 1 when missing, not a number or
    out of range (a huge one would overflow the database's OFFSET)."""
    return bounded_int(request.args.get(name), 1) or 1


def paginate(stmt: sa.Select[Any], page: int, per_page: int = 50) -> Page[Any]:
    page = max(1, page)
    rows = list(db.session.scalars(stmt.limit(per_page + 1).offset((page - 1) * per_page)))
    return Page(items=rows[:per_page], page=page, has_next=len(rows) > per_page)
