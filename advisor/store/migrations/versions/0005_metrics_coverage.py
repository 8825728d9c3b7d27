"""metrics: per-interaction coverage roll-up, its daily cube and a time cursor

Revision ID: 0005_metrics_coverage
Revises: 0003_metrics
Create Date: 2026-11-25 14:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0005_metrics_coverage"
down_revision = "0003_metrics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("metric_cursors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "metric_interactions",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("interaction_id", sa.String(length=128), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_request_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("team_id", sa.String(length=128), nullable=False),
        sa.Column("agent_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("covered", sa.Integer(), nullable=False),
        sa.Column("intent", sa.String(length=128), nullable=False),
        sa.Column("covered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("covered_request_id", sa.String(length=36), nullable=True),
        sa.Column("covered_intent", sa.String(length=128), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_request_id", sa.String(length=36), nullable=True),
        sa.Column("escalated_intent", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "interaction_id", name=op.f("pk_metric_interactions")),
    )
    with op.batch_alter_table("metric_interactions", schema=None) as batch_op:
        batch_op.create_index("ix_metric_interactions_tenant_first", ["tenant_id", "first_at"], unique=False)
        batch_op.create_index(
            "ix_metric_interactions_tenant_agent", ["tenant_id", "agent_id", "first_at"], unique=False
        )
    op.create_table(
        "metric_daily_coverage",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("team_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("intent", sa.String(length=128), nullable=False),
        sa.Column("covered", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "day", "team_id", "channel", "intent", "covered", name=op.f("pk_metric_daily_coverage")
        ),
    )
    with op.batch_alter_table("recommendation_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_tenant_interaction")  # the report now reads the roll-up
        batch_op.create_index("ix_requests_created", ["created_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recommendation_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_created")
        batch_op.create_index(
            "ix_requests_tenant_interaction", ["tenant_id", "interaction_id", "created_at"], unique=False
        )
    op.drop_table("metric_daily_coverage")
    with op.batch_alter_table("metric_interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_interactions_tenant_agent")
        batch_op.drop_index("ix_metric_interactions_tenant_first")
    op.drop_table("metric_interactions")
    with op.batch_alter_table("metric_cursors", schema=None) as batch_op:
        batch_op.drop_column("last_at")
