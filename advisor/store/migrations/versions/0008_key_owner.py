"""api keys: the person who owns each key and who created it (four eyes bound to a person)

Keys that name an agent are owned by that agent; an older key that names nobody is owned by itself
(``key-<first 8 of its id>``, the actor it already had), so audit history keeps its meaning. Who created
a key is read back from its ``key.create`` audit entry where there is one.

Revision ID: 0008_key_owner
Revises: 0001
Create Date: 2026-11-30 02:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0008_key_owner"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("created_by", sa.String(length=160), nullable=True))
    op.execute("UPDATE api_keys SET owner = COALESCE(agent_id, 'key-' || substr(id, 1, 8))")
    op.execute(
        "UPDATE api_keys SET created_by = (SELECT a.actor FROM audit_log a WHERE a.action = 'key.create'"
        " AND a.subject_id = api_keys.id ORDER BY a.id LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("created_by")
        batch_op.drop_column("owner")
