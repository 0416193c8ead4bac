"""Work units of a new kind: a team lead's review of another worker's unit

Revision ID: 0022_team_lead
Revises: 0021_live_events
Create Date: 2026-12-07 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_team_lead'
down_revision = '0021_live_events'
branch_labels = None
depends_on = None

OLD = sa.Enum('email', 'item', 'hour', name='unitkind', native_enum=False, length=13)
NEW = sa.Enum('email', 'item', 'hour', 'review', name='unitkind', native_enum=False, length=14)


def upgrade():
    with op.batch_alter_table('work_units', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=OLD, type_=NEW, existing_nullable=False)


def downgrade():
    with op.batch_alter_table('work_units', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=NEW, type_=OLD, existing_nullable=False)
