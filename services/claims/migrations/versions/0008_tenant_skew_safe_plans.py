"""intake lookups planned for the biggest tenant, not the average one

Every intake reads claims by (tenant, control numbers) and (tenant, patient keys). With
generic plans (rcm_shared.db), PostgreSQL plans those reads once for an average tenant:
with many small tenants in the statistics, "tenant_id = $1" looked like a handful of
rows, so it scanned the tenant's part of an index and filtered the keys afterwards. For a
tenant with 50,000 claims that was a millisecond of PostgreSQL per claim taken in
(measured: 0.2 -> 1.0 ms per single POST after the test suite's 300 tenants were analyzed).

- Planner statistics say a tenant holds a tenth of each intake table (n_distinct = 10 on
  tenant_id), so a lookup by its own keys always wins over a scan of the tenant.
- The patient lookup gets an index that leads with the tenant, like every other one.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

from rcm_shared.db.migrations import plan_for_average_tenants, plan_for_big_tenants

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# tables read by tenant plus a selective key on the intake path
SKEWED = ("claims", "claim_lines", "coverages")


def upgrade() -> None:
    op.create_index("ix_claims_tenant_patient", "claims", ["tenant_id", "patient_key"])
    op.drop_index("ix_claims_patient_key", table_name="claims")
    plan_for_big_tenants(op.execute, SKEWED)


def downgrade() -> None:
    plan_for_average_tenants(op.execute, SKEWED)
    op.create_index("ix_claims_patient_key", "claims", ["patient_key"])
    op.drop_index("ix_claims_tenant_patient", table_name="claims")
