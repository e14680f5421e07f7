"""search indexes: an organisation's claims in update order

searchClaims sorts by UpdateDate unless told otherwise. Without planner statistics (SQLite keeps
none until ANALYZE runs) the search read every claim of the organisation and sorted them: 0.2 s
at a million claims. (service, organisation, updated_at) serves it in index order on both
databases and replaces the plain index on updated_at.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for side in ("cr", "comp"):
        op.create_index(f"ix_claims_updated_{side}", "claims",
                        ["service", f"{side}_org_id", "updated_at"])
    op.drop_index("ix_claims_updated", table_name="claims")


def downgrade() -> None:
    op.create_index("ix_claims_updated", "claims", ["updated_at"])
    for side in ("cr", "comp"):
        op.drop_index(f"ix_claims_updated_{side}", table_name="claims")
