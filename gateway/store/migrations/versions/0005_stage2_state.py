"""stage 2 state: what the interim, settlement, additional-damages and court packs decide, and
the lifecycle row each journaled step took

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_CLAIM_COLUMNS = (
    ("interim_value", sa.Numeric(12, 2)),
    ("interim_extended", sa.Boolean()),
    ("isp_sent_date", sa.Date()),
    ("interim_response_date", sa.Date()),
    ("interim_offered", sa.Numeric(12, 2)),
    ("partial_payment_accepted", sa.Boolean()),
    ("partial_decision_date", sa.Date()),
    ("stage21_paid", sa.Boolean()),
    ("interim_rejection_comment", sa.String(500)),
    ("s2sp_sent_date", sa.Date()),
    ("offer_late", sa.Boolean()),
    ("settlement_decision", sa.String(5)),
    ("payment_deadline", sa.Date()),
    ("child_at_stage2_request", sa.Boolean()),
    ("child_at_stage2_agreement", sa.Boolean()),
    ("child_at_stage2_agreement_ad", sa.Boolean()),
    ("extension_date", sa.Date()),
    ("extension_reason", sa.String(2)),
    ("additional_damages", sa.Boolean()),
    ("ad_sent_date", sa.Date()),
    ("cpp_sent_date", sa.Date()),
    ("acknowledged_date", sa.Date()),
)


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        for name, kind in _CLAIM_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("journal") as batch:
        batch.add_column(sa.Column("transition", sa.String(length=4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("journal") as batch:
        batch.drop_column("transition")
    with op.batch_alter_table("claims") as batch:
        for name, _kind in reversed(_CLAIM_COLUMNS):
            batch.drop_column(name)
