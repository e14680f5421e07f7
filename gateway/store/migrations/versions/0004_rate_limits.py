"""rate limits: sliding-window counters shared by every gateway process (PostgreSQL)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limits',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('window_index', sa.BigInteger(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('previous_hits', sa.Integer(), nullable=False),
    sa.Column('stale_after', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index(op.f('ix_rate_limits_stale_after'), 'rate_limits', ['stale_after'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_rate_limits_stale_after'), table_name='rate_limits')
    op.drop_table('rate_limits')
