"""retention: an identifier counter that never goes back, and the indexes the retention run and
the notification purge read by

Revision ID: 0009_retention
Revises: 0008_operator
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

revision = '0009_retention'
down_revision = '0008_operator'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite gives out claim ids from this row (never the highest id plus one, which a purge of
    # the newest claim would hand out again); PostgreSQL keeps its sequence, which never goes back.
    op.create_table(
        "id_counters",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.execute(
        "INSERT INTO id_counters (name, value) SELECT 'claims', COALESCE(MAX(id), 0) FROM claims"
    )
    with op.batch_alter_table("claims") as batch:
        batch.create_index("ix_claims_end_date", ["end_date"], unique=False)
        batch.create_index("ix_claims_archived", ["archived_at"], unique=False)
    with op.batch_alter_table("notifications") as batch:
        batch.create_index("ix_notifications_application", ["application_id"], unique=False)
        batch.create_index("ix_notifications_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_created")
        batch.drop_index("ix_notifications_application")
    with op.batch_alter_table("claims") as batch:
        batch.drop_index("ix_claims_archived")
        batch.drop_index("ix_claims_end_date")
    op.drop_table("id_counters")
