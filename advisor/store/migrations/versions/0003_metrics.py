"""metrics: per-suggestion outcome roll-up, its cursor, and indexes for the coverage report

Revision ID: 0003_metrics
Revises: 0001
Create Date: 2026-11-25 11:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0003_metrics"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_outcomes",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("recommendation_id", sa.String(length=36), nullable=False),
        sa.Column("agent_id", sa.String(length=128), nullable=False),
        sa.Column("team_id", sa.String(length=128), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("pattern_id", sa.String(length=128), nullable=False),
        sa.Column("pattern_version", sa.Integer(), nullable=False),
        sa.Column("intent", sa.String(length=128), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shown_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decision_event_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("reported_ttd_ms", sa.Integer(), nullable=True),
        sa.Column("ttd_ms", sa.Integer(), nullable=True),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("ttd_bucket", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "recommendation_id", name=op.f("pk_metric_outcomes")),
    )
    with op.batch_alter_table("metric_outcomes", schema=None) as batch_op:
        batch_op.create_index("ix_metric_outcomes_tenant_shown", ["tenant_id", "shown_at"], unique=False)
        batch_op.create_index(
            "ix_metric_outcomes_tenant_pattern", ["tenant_id", "pattern_id", "pattern_version"], unique=False
        )
        batch_op.create_index(
            "ix_metric_outcomes_tenant_team_agent", ["tenant_id", "team_id", "agent_id"], unique=False
        )
        batch_op.create_index(
            "ix_metric_outcomes_tenant_decision",
            [
                "tenant_id", "decision", "team_id", "agent_id", "channel", "intent", "pattern_id",
                "pattern_version", "shown_at", "day", "week", "ttd_ms", "ttd_bucket", "decided_at",
                "decision_event_id", "recommendation_id",
            ],
            unique=False,
        )
    # coverage groups requests by interaction and joins each to its top suggestion
    with op.batch_alter_table("recommendation_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_requests_tenant_interaction", ["tenant_id", "interaction_id", "created_at"], unique=False
        )
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recommendations_request_rank", ["request_id", "rank", "intent"], unique=False
        )
    op.create_table(
        "metric_cursors",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_metric_cursors")),
    )

    for name, keys in (
        ("metric_daily_agent", [("agent_id", 128), ("channel", 16)]),
        ("metric_daily_pattern", [("pattern_id", 128), ("pattern_version", None), ("intent", 128)]),
    ):
        key_columns = [
            sa.Column(col, sa.Integer() if size is None else sa.String(length=size), nullable=False)
            for col, size in keys
        ]
        op.create_table(
            name,
            sa.Column("tenant_id", sa.String(length=64), nullable=False),
            sa.Column("day", sa.String(length=10), nullable=False),
            sa.Column("team_id", sa.String(length=128), nullable=False),
            *key_columns,
            sa.Column("decision", sa.String(length=16), nullable=False),
            sa.Column("reason", sa.String(length=32), nullable=False),
            sa.Column("week", sa.String(length=10), nullable=False),
            sa.Column("n", sa.Integer(), nullable=False),
            sa.Column("similarity_sum", sa.Float(), nullable=False),
            sa.Column("similarity_n", sa.Integer(), nullable=False),
            sa.Column("ttd_sum", sa.Float(), nullable=False),
            sa.Column("ttd_n", sa.Integer(), nullable=False),
            *[sa.Column(f"d{i:02d}", sa.Integer(), nullable=False) for i in range(40)],
            sa.PrimaryKeyConstraint(
                "tenant_id",
                "day",
                "team_id",
                *[c for c, _ in keys],
                "decision",
                "reason",
                name=op.f(f"pk_{name}"),
            ),
        )


def downgrade() -> None:
    with op.batch_alter_table("recommendation_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_tenant_interaction")
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendations_request_rank")
    op.drop_table("metric_daily_pattern")
    op.drop_table("metric_daily_agent")
    op.drop_table("metric_cursors")
    with op.batch_alter_table("metric_outcomes", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_outcomes_tenant_decision")
        batch_op.drop_index("ix_metric_outcomes_tenant_team_agent")
        batch_op.drop_index("ix_metric_outcomes_tenant_pattern")
        batch_op.drop_index("ix_metric_outcomes_tenant_shown")
    op.drop_table("metric_outcomes")
