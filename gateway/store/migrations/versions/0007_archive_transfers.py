"""archive and transfers: when a claim moved to the archive, and the bulk transfers and
reassignments each claim went through (the Data document's TransfersList)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "claim_transfers",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("claim_id", _ID, sa.ForeignKey("claims.id"), nullable=False, index=True),
        sa.Column("transfer_id", sa.String(36), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),  # CR | COMP
        sa.Column("from_organisation_id", sa.String(20), nullable=False),
        sa.Column("to_organisation_id", sa.String(20), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(50), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("claim_transfers")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("archived_at")
