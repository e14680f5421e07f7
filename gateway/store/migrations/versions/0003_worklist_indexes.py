"""worklist indexes: open claims of an organisation in deadline order

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_OPEN = sa.text("NOT ended AND NOT gdpr_deleted")


def upgrade() -> None:
    for side in ("cr", "comp"):
        op.create_index(f"ix_claims_worklist_{side}", "claims",
                        ["service", f"{side}_org_id", "deadline_date", "application_id"],
                        postgresql_where=_OPEN)


def downgrade() -> None:
    for side in ("cr", "comp"):
        op.drop_index(f"ix_claims_worklist_{side}", table_name="claims")
