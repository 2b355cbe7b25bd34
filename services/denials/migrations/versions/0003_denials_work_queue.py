"""reference copies, claim facts, adjudications, denial work items, history, appeals

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(12, 2)


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "payer_directory",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("payer_id", sa.String(80), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("appeal_window_days", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("tenant_id", "payer_id", name="pk_payer_directory"),
    )
    op.create_table(
        "provider_directory",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("provider_id", sa.String(36), nullable=False),
        sa.Column("npi", sa.String(10), nullable=False),
        sa.Column("first_name", sa.String(60), nullable=False),
        sa.Column("last_name", sa.String(60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("tenant_id", "provider_id", name="pk_provider_directory"),
    )
    op.create_table(
        "claim_facts",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("claim_id", sa.String(36), nullable=False),
        sa.Column("patient_control_number", sa.String(38), nullable=False),
        sa.Column("clinic_id", sa.String(36), nullable=False),
        sa.Column("payer_id", sa.String(80), nullable=False),
        sa.Column("rendering_provider_id", sa.String(36), nullable=True),
        sa.Column("frequency_code", sa.String(1), nullable=False),
        sa.Column("original_claim_id", sa.String(36), nullable=True),
        sa.Column("total_charge", MONEY, nullable=False),
        sa.Column("service_date_from", sa.Date(), nullable=False),
        sa.Column("service_date_to", sa.Date(), nullable=False),
        sa.Column("diagnosis_codes", postgresql.ARRAY(sa.String(8)), nullable=False),
        sa.Column("lines", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "claim_id", name="pk_claim_facts"),
    )
    op.create_table(
        "claim_links",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("replacement_claim_id", sa.String(36), nullable=False),
        sa.Column("original_claim_id", sa.String(36), nullable=False),
        sa.Column("denial_id", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "replacement_claim_id", name="pk_claim_links"),
    )
    op.create_table(
        "adjudications",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("payment_id", sa.String(64), nullable=False),
        sa.Column("claim_key", sa.String(64), nullable=False),
        sa.Column("claim_id", sa.String(36), nullable=True),
        sa.Column("payer_id", sa.String(80), nullable=False),
        sa.Column("clinic_id", sa.String(36), nullable=True),
        sa.Column("claim_status_code", sa.String(2), nullable=False),
        sa.Column("total_charge", MONEY, nullable=False),
        sa.Column("paid_amount", MONEY, nullable=False),
        sa.Column("denied", sa.Boolean(), nullable=False),
        sa.Column("denied_amount", MONEY, nullable=False),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("carc", sa.String(8), nullable=True),
        sa.Column("remittance_date", sa.Date(), nullable=False),
        sa.Column("is_reversal", sa.Boolean(), nullable=False),
        sa.Column("reversed_payment_id", sa.String(64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "payment_id", name="pk_adjudications"),
    )
    op.create_index("ix_adjudications_tenant_date", "adjudications",
                    ["tenant_id", "remittance_date"])
    op.create_index("ix_adjudications_claim", "adjudications", ["tenant_id", "claim_key"])
    op.create_table(
        "adjudication_lines",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("payment_id", sa.String(64), nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.String(80), nullable=False),
        sa.Column("procedure_code", sa.String(8), nullable=False),
        sa.Column("modifiers", sa.String(16), nullable=False),
        sa.Column("charge", MONEY, nullable=False),
        sa.Column("paid", MONEY, nullable=False),
        sa.Column("denied", sa.Boolean(), nullable=False),
        sa.Column("denied_amount", MONEY, nullable=False),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("carc", sa.String(8), nullable=True),
        sa.Column("remittance_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "payment_id", "line_index",
                                name="pk_adjudication_lines"),
    )
    op.create_index("ix_adjudication_lines_risk", "adjudication_lines",
                    ["tenant_id", "payer_id", "procedure_code", "remittance_date"])
    op.create_table(
        "denials",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("claim_key", sa.String(64), nullable=False),
        sa.Column("claim_id", sa.String(36), nullable=True),
        sa.Column("patient_control_number", sa.String(38), nullable=False),
        sa.Column("payer_id", sa.String(80), nullable=False),
        sa.Column("payer_claim_control_number", sa.String(50), nullable=True),
        sa.Column("clinic_id", sa.String(36), nullable=True),
        sa.Column("payment_id", sa.String(64), nullable=False),
        sa.Column("claim_status_code", sa.String(2), nullable=False),
        sa.Column("total_charge", MONEY, nullable=False),
        sa.Column("paid_amount", MONEY, nullable=False),
        sa.Column("denied_amount", MONEY, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("carc", sa.String(8), nullable=True),
        sa.Column("group_code", sa.String(2), nullable=True),
        sa.Column("carcs", postgresql.ARRAY(sa.String(8)), nullable=False),
        sa.Column("remark_codes", postgresql.ARRAY(sa.String(8)), nullable=False),
        sa.Column("recommended_action", sa.String(24), nullable=False),
        sa.Column("recoverability", sa.Numeric(5, 4), nullable=False),
        sa.Column("claim_adjustments", postgresql.JSONB(), nullable=False),
        sa.Column("remittance_date", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(120), nullable=True),
        sa.Column("recovered_amount", MONEY, nullable=False),
        sa.Column("resolution_reason", sa.String(200), nullable=True),
        sa.Column("resolving_payment_id", sa.String(64), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_denials"),
        sa.UniqueConstraint("tenant_id", "claim_key", name="uq_denials_tenant_claim"),
    )
    op.create_index("ix_denials_tenant_id", "denials", ["tenant_id"])
    op.create_index("ix_denials_queue", "denials", ["tenant_id", "status", "deadline"])
    op.create_table(
        "denial_lines",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("denial_id", sa.String(36), nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(8), nullable=False),
        sa.Column("modifiers", postgresql.ARRAY(sa.String(2)), nullable=False),
        sa.Column("charge", MONEY, nullable=False),
        sa.Column("paid", MONEY, nullable=False),
        sa.Column("allowed", MONEY, nullable=True),
        sa.Column("denied_amount", MONEY, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("carc", sa.String(8), nullable=True),
        sa.Column("recommended_action", sa.String(24), nullable=False),
        sa.Column("adjustments", postgresql.JSONB(), nullable=False),
        sa.Column("remark_codes", postgresql.ARRAY(sa.String(8)), nullable=False),
        sa.PrimaryKeyConstraint("denial_id", "line_index", name="pk_denial_lines"),
    )
    op.create_table(
        "denial_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("denial_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=True),
        sa.Column("detail", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_denial_history"),
    )
    op.create_index("ix_denial_history_denial", "denial_history", ["denial_id", "id"])
    op.create_table(
        "appeals",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("denial_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_appeals"),
    )
    op.create_index("ix_appeals_denial", "appeals", ["tenant_id", "denial_id"])


def downgrade() -> None:
    for table in (
        "appeals",
        "denial_history",
        "denial_lines",
        "denials",
        "adjudication_lines",
        "adjudications",
        "claim_links",
        "claim_facts",
        "provider_directory",
        "payer_directory",
    ):
        op.drop_table(table)
