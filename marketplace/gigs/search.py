"""Full-text search over gig titles and descriptions, on an index.

PostgreSQL: a stored, generated ``tsvector`` column ``gigs.search_document``
(English and German stems of title and description: the listings are in both
languages, and each stems its own words) with the GIN index
``ix_gigs_fulltext``; queries go through ``websearch_to_tsquery``, which
accepts any text without raising. The column exists on PostgreSQL only and
is not part of the models (see ``db.UNMODELLED_COLUMNS``).

SQLite: an FTS5 table kept in step with ``gigs`` by triggers; the query is
reduced to plain quoted words, so FTS5 operators in user input are inert.

Both structures are created by hand in the migrations.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from marketplace.gigs.models import Gig

PG_INDEX_NAME = "ix_gigs_fulltext"
SQLITE_FTS_TABLE = "gigs_fts"

QUERY_MAX_CHARS = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def _pg_match(query: str) -> ColumnElement[bool]:
    """The document matches the query; always answered from the GIN index.

    The tsquery sits in a scalar subquery on purpose: its value is unknown
    when planning, so the planner reads the matches from the index instead
    of walking the listing in date order and testing row after row. That walk
    is fast for a common word, but a word that is common overall and rare
    under the other filters (an English word searched with ``language=de``)
    makes it read most of the table. This way the cost follows the number of
    matches, never the size of the table (see docs/PERFORMANCE.md).
    """
    return sa.text(
        "gigs.search_document @@ (SELECT websearch_to_tsquery('english'::regconfig, :fts_query)"
        " || websearch_to_tsquery('german'::regconfig, :fts_query))"
    ).bindparams(fts_query=query)


def sqlite_fts_query(query: str) -> str:
    """Every word quoted, joined by AND: no FTS5 syntax survives."""
    words = _WORD.findall(query)[:20]
    return " AND ".join(f'"{word}"' for word in words)


def _sqlite_match(query: str) -> ColumnElement[bool]:
    fts_query = sqlite_fts_query(query)
    if not fts_query:
        return sa.false()
    return Gig.id.in_(
        sa.select(sa.column("rowid"))
        .select_from(sa.table(SQLITE_FTS_TABLE))
        .where(sa.text(f"{SQLITE_FTS_TABLE} MATCH :fts_query").bindparams(fts_query=fts_query))
    )


def matches(dialect_name: str, query: str) -> ColumnElement[bool]:
    """A WHERE clause selecting gigs whose title or description match ``query``."""
    query = query[:QUERY_MAX_CHARS]
    if dialect_name == "postgresql":
        return _pg_match(query)
    return _sqlite_match(query)
