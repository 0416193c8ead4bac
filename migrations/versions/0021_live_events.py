"""The live view's event log (chat messages, decisions, team posts)

Revision ID: 0021_live_events
Revises: 0020_ratings
Create Date: 2026-12-07 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import marketplace.db


# revision identifiers, used by Alembic.
revision = '0021_live_events'
down_revision = '0020_ratings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('live_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('message', 'decision', 'team_post', name='liveeventkind', native_enum=False, length=17), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_live_events_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_events'))
    )
    with op.batch_alter_table('live_events', schema=None) as batch_op:
        batch_op.create_index('ix_live_events_community_id_id', ['community_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_events_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('live_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_events_created_at'))
        batch_op.drop_index('ix_live_events_community_id_id')

    op.drop_table('live_events')
