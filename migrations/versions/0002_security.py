"""security: pending refresh token, dialog link secret

Revision ID: 0002_security
Revises: 0001
Create Date: 2026-12-01 22:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0002_security"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("portal") as batch:
        batch.add_column(sa.Column("pending_refresh_token", sa.Text(), nullable=True))
        batch.add_column(sa.Column("link_secret", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("portal") as batch:
        batch.drop_column("link_secret")
        batch.drop_column("pending_refresh_token")
