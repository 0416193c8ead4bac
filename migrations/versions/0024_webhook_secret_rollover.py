"""A community's previous webhook signing secret, which keeps signing for a while
after a new one is made

Revision ID: 0024_webhook_secret_rollover
Revises: 0023_sender_index
Create Date: 2026-12-07 07:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from marketplace.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0024_webhook_secret_rollover'
down_revision = '0023_sender_index'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_webhook_secret', sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column('previous_webhook_secret_until', UTCDateTime(), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('previous_webhook_secret_until')
        batch_op.drop_column('previous_webhook_secret')
