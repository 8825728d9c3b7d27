"""feedback events: the pattern an agent sent instead of a rejected suggestion (a correction), and a
suggestion's events indexed by action (replaces the index on the suggestion alone)

Revision ID: 0009_feedback_correction
Revises: 0001
Create Date: 2026-11-30 19:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0009_feedback_correction"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("used_pattern_id", sa.String(length=128), nullable=True))
        batch_op.create_index("ix_feedback_recommendation_action", ["recommendation_id", "action"], unique=False)
        batch_op.drop_index("ix_feedback_events_recommendation_id")


def downgrade() -> None:
    with op.batch_alter_table("feedback_events", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_events_recommendation_id", ["recommendation_id"], unique=False)
        batch_op.drop_index("ix_feedback_recommendation_action")
        batch_op.drop_column("used_pattern_id")
