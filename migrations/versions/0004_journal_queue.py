"""journal as a durable per-portal queue: schedule, leases, lanes, webhook watch

Revision ID: 0004_journal_queue
Revises: 0003
Create Date: 2026-12-01 22:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0004_journal_queue'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('journal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('lease_owner', sa.String(length=96), nullable=False, server_default='')
        )
        batch_op.create_index('ix_journal_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_journal_portal_status', ['portal_id', 'status'], unique=False)
    op.execute("UPDATE journal SET status = 'queued' WHERE status = 'received'")
    op.create_table('lane',
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=96), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('portal_id')
    )
    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('webhook_checked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('webhook_note', sa.Text(), nullable=False, server_default='')
        )


def downgrade():
    with op.batch_alter_table('connection', schema=None) as batch_op:
        batch_op.drop_column('webhook_note')
        batch_op.drop_column('webhook_checked_at')
    op.drop_table('lane')
    with op.batch_alter_table('journal', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_portal_status')
        batch_op.drop_index('ix_journal_due')
        batch_op.drop_column('lease_owner')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('next_attempt_at')
