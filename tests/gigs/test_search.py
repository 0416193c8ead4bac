"""Search runs on an index that stays in step with the gigs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from marketplace.gigs import search
from marketplace.gigs.models import Gig
from marketplace.gigs.queries import GigFilters, search_public_gigs
from tests.factories import PublishedGigFactory


def found(query: str) -> list[str]:
    return [g.title for g in search_public_gigs(AnonymousUserMixin(), GigFilters(q=query)).items]


def test_index_follows_edits_and_deletes(db):
    gig = PublishedGigFactory(title="Fahrradreparatur Anfragen", description="Speichen und Ketten")
    assert found("Speichen") == ["Fahrradreparatur Anfragen"]
    gig.description = "Bremsen und Schläuche"
    db.session.commit()
    assert found("Speichen") == []
    assert found("Bremsen") == ["Fahrradreparatur Anfragen"]
    db.session.delete(gig)
    db.session.commit()
    assert found("Bremsen") == []


def test_german_and_english_word_forms(db):
    PublishedGigFactory(title="Kundenanfragen beantworten", description="Wir suchen Moderatoren.")
    PublishedGigFactory(title="Answering emails", description="Moderating a forum.")
    assert found("answer") == ["Answering emails"]
    assert found("moderating") == ["Answering emails"]
    assert found("Kundenanfragen") == ["Kundenanfragen beantworten"]


@pytest.mark.postgres
def test_postgres_search_uses_the_gin_index(db):
    PublishedGigFactory(title="Retouren bearbeiten")
    # The search condition exactly as the listing query builds it.
    stmt = sa.select(Gig.id).where(search.matches("postgresql", "retouren versand"))
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.begin() as conn:
        # With sequential scans priced out, the planner must find the index
        # through the query's expression: proof that query and index match.
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(conn.execute(sa.text(f"EXPLAIN {compiled}")).scalars())
    assert "ix_gigs_fulltext" in plan, plan
