"""Paid hourly live sessions of moderators

Revision ID: 0018_live_sessions
Revises: 0017_levels_offers
Create Date: 2026-12-07 03:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import marketplace.db


# revision identifiers, used by Alembic.
revision = '0018_live_sessions'
down_revision = '0017_levels_offers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('live_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('started_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_activity_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', marketplace.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.Enum('stopped', 'idle', 'funds', 'stale', name='sessionend', native_enum=False, length=15), nullable=True),
    sa.Column('active_seconds', sa.Integer(), nullable=False),
    sa.Column('cut_seconds', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_live_sessions_community_id_communities')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_live_sessions_engagement_id_engagements')),
    sa.ForeignKeyConstraint(['unit_id'], ['work_units.id'], name=op.f('fk_live_sessions_unit_id_work_units')),
    sa.ForeignKeyConstraint(['worker_id'], ['users.id'], name=op.f('fk_live_sessions_worker_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_sessions'))
    )
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_sessions_engagement_id'), ['engagement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_sessions_ended_at'), ['ended_at'], unique=False)
        batch_op.create_index('ix_live_sessions_community_id_started_at', ['community_id', 'started_at'], unique=False)
        batch_op.create_index('uq_live_sessions_worker_open', ['worker_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))


def downgrade():
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.drop_index('uq_live_sessions_worker_open', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index('ix_live_sessions_community_id_started_at')
        batch_op.drop_index(batch_op.f('ix_live_sessions_ended_at'))
        batch_op.drop_index(batch_op.f('ix_live_sessions_engagement_id'))

    op.drop_table('live_sessions')
