"""Full-text search over gig titles and descriptions, on an index.

PostgreSQL: an expression GIN index over English and German tsvectors (the
listings are in both languages, and each stems differently); queries go
through ``websearch_to_tsquery``, which accepts any text without raising.

SQLite: an FTS5 table kept in step with ``gigs`` by triggers; the query is
reduced to plain quoted words, so FTS5 operators in user input are inert.

Both structures are created by the migration that introduces search.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from marketplace.gigs.models import Gig

# Must stay identical to the index expression in the migration that creates
# ix_gigs_fulltext; tests/gigs/test_search.py checks the plan uses the index.
PG_DOCUMENT = (
    "(to_tsvector('english'::regconfig, {title} || ' ' || {description})"
    " || to_tsvector('german'::regconfig, {title} || ' ' || {description}))"
)
PG_INDEX_NAME = "ix_gigs_fulltext"
SQLITE_FTS_TABLE = "gigs_fts"

QUERY_MAX_CHARS = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def _pg_match(query: str) -> ColumnElement[bool]:
    """The document matches the query; always answered from the GIN index.

    The tsquery sits in a scalar subquery on purpose. The index stores no
    tsvectors, so a plan that tests rows one by one runs both ``to_tsvector``
    calls again for every row (about 0.3 ms), a cost PostgreSQL underestimates
    a hundredfold. Shown the literal tsquery, the planner trusted its word
    statistics and walked ``ix_gigs_status_published_at`` testing row after
    row: 19 s on 130,000 gigs for a word no gig contains, 1.3 s on 100,000
    for a word only English gigs contain, searched with ``language=de``.
    Hidden in the subquery, the value is unknown when planning; the planner
    assumes few matches and always reads them from the index, so the cost
    follows the number of matches, never the size of the table (see
    docs/PERFORMANCE.md).
    """
    document = PG_DOCUMENT.format(title="gigs.title", description="gigs.description")
    return sa.text(
        f"{document} @@ (SELECT websearch_to_tsquery('english'::regconfig, :fts_query)"
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
