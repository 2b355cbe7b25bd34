"""claim status inquiries (276/277) and the follow-up items they open

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "payers",
        sa.Column("claim_status_after_days", sa.Integer(), nullable=False, server_default="30"),
    )
    op.add_column("claims", sa.Column("last_status_outcome", sa.String(24), nullable=True))
    op.add_column("claims", sa.Column("last_status_code", sa.String(12), nullable=True))
    op.add_column(
        "claims", sa.Column("last_status_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "claim_status_checks",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("claim_id", sa.String(36), nullable=False),
        sa.Column("trace", sa.String(50), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(24), nullable=True),
        sa.Column("category", sa.String(4), nullable=True),
        sa.Column("status_code", sa.String(8), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("x276", sa.Text(), nullable=False),
        sa.Column("x277", sa.Text(), nullable=True),
    )
    op.create_index("ix_claim_status_checks_claim_id", "claim_status_checks", ["claim_id"])
    op.create_index("ix_claim_status_checks_tenant_id", "claim_status_checks", ["tenant_id"])
    op.create_table(
        "follow_ups",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("claim_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", postgresql.JSONB(), nullable=False, server_default="{}"),
    )
    op.create_index("ix_follow_ups_tenant_id", "follow_ups", ["tenant_id"])
    op.create_index(
        "uq_follow_ups_open",
        "follow_ups",
        ["tenant_id", "claim_id", "reason"],
        unique=True,
        postgresql_where=sa.text("resolved_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("follow_ups")
    op.drop_table("claim_status_checks")
    op.drop_column("claims", "last_status_at")
    op.drop_column("claims", "last_status_code")
    op.drop_column("claims", "last_status_outcome")
    op.drop_column("payers", "claim_status_after_days")
