"""Full-text search on PostgreSQL reads a stored tsvector column.

The first index was over an expression, so every row the planner tested one
by one ran ``to_tsvector`` twice again; a stored, generated column makes each
test cheap and gives the planner word statistics for the column. SQLite's
FTS5 table is unchanged.

Revision ID: 0002_search_document
Revises: 0001_foundation
"""

from alembic import op

revision = "0002_search_document"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

DOCUMENT = (
    "to_tsvector('english'::regconfig, title || ' ' || description)"
    " || to_tsvector('german'::regconfig, title || ' ' || description)"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_gigs_fulltext")
    op.execute(
        f"ALTER TABLE gigs ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    op.execute("CREATE INDEX ix_gigs_fulltext ON gigs USING gin (search_document)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_gigs_fulltext")
    op.execute("ALTER TABLE gigs DROP COLUMN search_document")
    op.execute(f"CREATE INDEX ix_gigs_fulltext ON gigs USING gin (({DOCUMENT}))")
