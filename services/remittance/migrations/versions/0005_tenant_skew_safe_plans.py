"""835 matching planned for the biggest tenant, not the average one

Each 835 looks its claims up by (tenant, patient control numbers) in claim_refs, and its
payments by (tenant, control number) in claim_payments, through generic plans made once
for any tenant. rcm_shared.db.migrations.plan_for_big_tenants explains why the planner
must not believe a tenant is a handful of rows (the claims service measured 1 ms per
lookup for its biggest tenant when it did).

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from rcm_shared.db.migrations import plan_for_average_tenants, plan_for_big_tenants

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SKEWED = ("claim_refs", "claim_payments")


def upgrade() -> None:
    plan_for_big_tenants(op.execute, SKEWED)


def downgrade() -> None:
    plan_for_average_tenants(op.execute, SKEWED)
