"""Public listing pages, cached until something they show changes.

Readers far outnumber writers on a job board: the same search pages are asked
for again and again, while listings change a few times an hour. So the body
of a listing page is rendered once and kept (in Redis with ``REDIS_URL``,
else per process), under a key that holds the *listings version*: a number
in the database that every service changing public listing content raises in
the same transaction (``bump``). A committed change therefore makes every
cached page unreachable at once, on every host; nothing stale is ever shown,
and the time limit (``LISTING_CACHE_SECONDS``, 0 turns caching off) only
bounds memory.

What raises the version: a gig published, updated, closed, expired or taken
down; a live gig's hours or openings changed; a company renamed, verified,
suspended or reinstated; a content tag created or changed; bulk seeding.
``tests/gigs/test_listing_cache.py`` checks each of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app

from marketplace.extensions import cache, db
from marketplace.gigs.models import ListingsVersion

_BUMPED = "nebendesk_listings_version_bumped"


def current_version() -> int:
    return db.session.scalar(sa.select(ListingsVersion.version).where(ListingsVersion.id == 1)) or 0


def bump() -> None:
    """Make every cached listing page stale once this transaction commits."""
    if db.session.info.get(_BUMPED):
        return
    db.session.execute(
        sa.update(ListingsVersion)
        .where(ListingsVersion.id == 1)
        .values(version=ListingsVersion.version + 1)
    )
    db.session.info[_BUMPED] = True


def _forget_bump(session, *args) -> None:
    session.info.pop(_BUMPED, None)


sa.event.listen(sa.orm.Session, "after_commit", _forget_bump)
sa.event.listen(sa.orm.Session, "after_rollback", _forget_bump)


def cached_page(parts: tuple[object, ...], render: Callable[[], str]) -> str:
    """The rendered page body for ``parts`` (everything the body depends on
    besides listing content: locale, viewer's visibility, query string)."""
    seconds = current_app.config["LISTING_CACHE_SECONDS"]
    if not seconds:
        return render()
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"listing:{current_version()}:{digest}"
    body = cache.get(key)
    if body is None:
        body = render()
        cache.set(key, body, timeout=seconds)
    return body
