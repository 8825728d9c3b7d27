"""written replies: what agents wrote themselves on escalated requests (proposed new patterns)

Revision ID: 0011_written_replies
Revises: 0001
Create Date: 2026-12-01 01:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0011_written_replies"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "written_replies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("client_event_id", sa.String(length=128), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("interaction_id", sa.String(length=128), nullable=False),
        sa.Column("agent_id", sa.String(length=128), nullable=False),
        sa.Column("team_id", sa.String(length=128), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_written_replies_tenant_id_tenants")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["recommendation_requests.id"],
            name=op.f("fk_written_replies_request_id_recommendation_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_written_replies")),
        sa.UniqueConstraint("tenant_id", "client_event_id", name="uq_written_replies_tenant_client_event"),
    )
    op.create_index("ix_written_replies_tenant_received", "written_replies", ["tenant_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_written_replies_tenant_received", table_name="written_replies")
    op.drop_table("written_replies")
