"""operator upkeep: when an account was disabled (security.md 2.1: deleted 12 months later if no
claim refers to it), and the accounts deleted so far, so that the journal's user ids keep their
organisation for the audit reports (security.md 6.1: entries are kept 7 years)

Revision ID: 0008_operator
Revises: 0007
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

revision = '0008_operator'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "former_users",
        sa.Column("user_id", sa.String(50), primary_key=True),
        sa.Column("organisation_id", sa.String(20), nullable=False, index=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("former_users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
