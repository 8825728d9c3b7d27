"""learned examples: the masked customer text of a served request, candidates and the agents behind them

Revision ID: 0007_learned_examples
Revises: 0001
Create Date: 2026-12-02 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0007_learned_examples"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recommendation_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic_text", sa.Text(), nullable=True))

    op.create_table(
        "learned_examples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("pattern_id", sa.String(length=128), nullable=False),
        sa.Column("pattern_version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decisions", sa.Integer(), nullable=False),
        sa.Column("agents", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=128), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_learned_examples_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "pattern_id", "pattern_version"],
            ["pattern_versions.tenant_id", "pattern_versions.pattern_id", "pattern_versions.version"],
            name="fk_learned_examples_pattern_version",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_examples")),
        sa.UniqueConstraint(
            "tenant_id", "pattern_id", "text_key", name="uq_learned_examples_tenant_pattern_text"
        ),
    )
    with op.batch_alter_table("learned_examples", schema=None) as batch_op:
        batch_op.create_index("ix_learned_examples_tenant_status", ["tenant_id", "status", "id"], unique=False)

    op.create_table(
        "learned_example_agents",
        sa.Column("example_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["example_id"],
            ["learned_examples.id"],
            name=op.f("fk_learned_example_agents_example_id_learned_examples"),
        ),
        sa.PrimaryKeyConstraint("example_id", "agent_id", name=op.f("pk_learned_example_agents")),
    )


def downgrade() -> None:
    op.drop_table("learned_example_agents")
    with op.batch_alter_table("learned_examples", schema=None) as batch_op:
        batch_op.drop_index("ix_learned_examples_tenant_status")
    op.drop_table("learned_examples")
    with op.batch_alter_table("recommendation_requests", schema=None) as batch_op:
        batch_op.drop_column("topic_text")
