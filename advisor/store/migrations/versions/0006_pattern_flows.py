"""patterns: a version's place in flows (name + step) and the CRM facts it collects, as JSON lists

Revision ID: 0006_pattern_flows
Revises: 0001
Create Date: 2026-11-29 22:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0006_pattern_flows"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pattern_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flows", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column("collects", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("pattern_versions", schema=None) as batch_op:
        batch_op.drop_column("collects")
        batch_op.drop_column("flows")
