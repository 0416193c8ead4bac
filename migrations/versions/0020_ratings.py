"""Ratings both ways: one per side per engagement, hidden until published, one answer

Revision ID: 0020_ratings
Revises: 0019_matrix_bridge
Create Date: 2026-12-07 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import marketplace.db


# revision identifiers, used by Alembic.
revision = '0020_ratings'
down_revision = '0019_matrix_bridge'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.Enum('worker', 'company', name='ratingside', native_enum=False, length=15), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('stars_1', sa.Integer(), nullable=False),
    sa.Column('stars_2', sa.Integer(), nullable=False),
    sa.Column('stars_3', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('publish_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notified_at', marketplace.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', marketplace.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('stars_1 BETWEEN 1 AND 5', name=op.f('ck_ratings_stars_1_range')),
    sa.CheckConstraint('stars_2 BETWEEN 1 AND 5', name=op.f('ck_ratings_stars_2_range')),
    sa.CheckConstraint('stars_3 BETWEEN 1 AND 5', name=op.f('ck_ratings_stars_3_range')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_ratings_answered_by_id_users')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_ratings_author_id_users')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_ratings_company_id_companies')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_ratings_engagement_id_engagements')),
    sa.ForeignKeyConstraint(['worker_id'], ['users.id'], name=op.f('fk_ratings_worker_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('engagement_id', 'side', name=op.f('uq_ratings_engagement_id_side'))
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ratings_company_id_side_publish_at', ['company_id', 'side', 'publish_at'], unique=False)
        batch_op.create_index('ix_ratings_notified_at_publish_at', ['notified_at', 'publish_at'], unique=False)
        batch_op.create_index('ix_ratings_worker_id_side_publish_at', ['worker_id', 'side', 'publish_at'], unique=False)


def downgrade():
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_worker_id_side_publish_at')
        batch_op.drop_index('ix_ratings_notified_at_publish_at')
        batch_op.drop_index('ix_ratings_company_id_side_publish_at')

    op.drop_table('ratings')
