"""indexes intake no longer pays for

Claims, lines and history are written for every claim taken in. The tenant-only indexes
are covered by composite indexes that lead with the tenant; payer_id alone and the old
line-duplicate index are used by no query (duplicates are found through patient_key).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DROPPED = (
    ("ix_claims_tenant_id", "claims", ["tenant_id"]),
    ("ix_claims_payer_id", "claims", ["payer_id"]),
    ("ix_claim_lines_tenant_id", "claim_lines", ["tenant_id"]),
    ("ix_claim_lines_duplicate", "claim_lines", ["tenant_id", "procedure_code", "service_date"]),
    ("ix_claim_history_tenant_id", "claim_history", ["tenant_id"]),
)


def upgrade() -> None:
    for name, table, _ in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in DROPPED:
        op.create_index(name, table, columns)
