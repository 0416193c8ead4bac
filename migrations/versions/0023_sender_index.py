"""An index for "the customer's emails to this mailbox lately" (mail triage's
third-email rule runs it for every incoming email)

Revision ID: 0023_sender_index
Revises: 0022_team_lead
Create Date: 2026-12-07 05:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_sender_index'
down_revision = '0022_team_lead'
branch_labels = None
depends_on = None


def upgrade():
    # On an expression (case-insensitive sender), so it is not in the models; see
    # marketplace/db.py UNMODELLED_INDEXES. SQLite and PostgreSQL both index expressions.
    op.create_index(
        'ix_messages_mailbox_sender',
        'messages',
        ['mailbox_id', sa.text('lower(from_address)'), 'received_at'],
    )


def downgrade():
    op.drop_index('ix_messages_mailbox_sender', table_name='messages')
