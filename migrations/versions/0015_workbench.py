"""The worker's workbench: a mailbox's time zone, the From name of a reply, the name a
worker signs replies with

Revision ID: 0015_workbench
Revises: 0014_messages
Create Date: 2026-12-07 03:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import marketplace.db


# revision identifiers, used by Alembic.
revision = '0015_workbench'
down_revision = '0014_messages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mailboxes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False, server_default='Europe/Berlin'))
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_name', sa.String(length=200), nullable=False, server_default=''))
    op.create_table('worker_reply_names',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('first', 'full', 'chosen', name='replynamemode', native_enum=False, length=14), nullable=False),
    sa.Column('chosen_name', sa.String(length=80), nullable=False),
    sa.Column('created_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', marketplace.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_worker_reply_names_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_reply_names')),
    sa.UniqueConstraint('user_id', name=op.f('uq_worker_reply_names_user_id'))
    )


def downgrade():
    op.drop_table('worker_reply_names')
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.drop_column('from_name')
    with op.batch_alter_table('mailboxes', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
