"""Quiz questions that must be answered correctly

Revision ID: 0012_must_pass_questions
Revises: 0011_mailbox_connections
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_must_pass_questions'
down_revision = '0011_mailbox_connections'
branch_labels = None
depends_on = None


def upgrade():
    # Existing questions are ordinary ones; attempts already taken keep their papers
    # (without the flag), so their grades stay as they were.
    with op.batch_alter_table('quiz_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_pass', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('quiz_questions', schema=None) as batch_op:
        batch_op.drop_column('must_pass')
