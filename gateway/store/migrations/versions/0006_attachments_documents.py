"""attachments and printable documents: their bytes in the database beside the claim, and the
claim's counts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "claim_attachments",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("guid", sa.String(36), nullable=False, unique=True),
        sa.Column("claim_id", _ID, sa.ForeignKey("claims.id"), nullable=False, index=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(50), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Files are mostly compressed already (PDF, JPEG, DOCX): stored as they are, PostgreSQL
        # reads any part of one (getAttachment sends it in parts) without reading it all.
        op.execute("ALTER TABLE claim_attachments ALTER COLUMN content SET STORAGE EXTERNAL")
    op.create_table(
        "printable_documents",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("guid", sa.String(36), nullable=False, unique=True),
        sa.Column("claim_id", _ID, sa.ForeignKey("claims.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("content_sha256", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("claim_id", "kind", "number", name="uq_printable_documents_event"),
    )
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("attachments_count", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("attachments_bytes", sa.BigInteger(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("documents_count", sa.Integer(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("documents_count")
        batch.drop_column("attachments_bytes")
        batch.drop_column("attachments_count")
    op.drop_table("printable_documents")
    op.drop_table("claim_attachments")
