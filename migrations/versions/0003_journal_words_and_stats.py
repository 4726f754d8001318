"""journal: decisions as phrases, facts for the stats page

Revision ID: 0003
Revises: 0002_security
Create Date: 2026-12-01 22:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002_security'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('journal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_data', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('error_data', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('channel_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entity_kind', sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column('notified', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(sa.Column('took_ms', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('journal', schema=None) as batch_op:
        for name in ('took_ms', 'notified', 'entity_kind', 'channel_id', 'error_data',
                     'decision_data'):
            batch_op.drop_column(name)
