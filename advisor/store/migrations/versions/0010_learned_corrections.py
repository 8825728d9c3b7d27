"""learned examples: how many of a candidate's decisions were corrections (the pattern named as the
reply sent instead of another suggestion)

Revision ID: 0010_learned_corrections
Revises: 0007_learned_examples
Create Date: 2026-11-30 23:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0010_learned_corrections"
down_revision = "0007_learned_examples"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("learned_examples", schema=None) as batch_op:
        batch_op.add_column(sa.Column("corrections", sa.Integer(), nullable=False, server_default=sa.text("0")))


def downgrade() -> None:
    with op.batch_alter_table("learned_examples", schema=None) as batch_op:
        batch_op.drop_column("corrections")
