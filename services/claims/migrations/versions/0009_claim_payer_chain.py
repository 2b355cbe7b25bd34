"""the claim's place in the order of payment, and its chain of payers

A secondary (tertiary) claim is a claim of its own, made from the prior payer's claim
when that payer's 835 leaves a balance. `prior_claim_id` points back along the chain and
`next_claim_id` forward; the forward link is also what keeps a second 835 for the same
claim from billing the next payer twice.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "claims",
        sa.Column("payer_responsibility", sa.String(1), nullable=False, server_default="P"),
    )
    op.add_column("claims", sa.Column("prior_claim_id", sa.String(36), nullable=True))
    op.add_column("claims", sa.Column("next_claim_id", sa.String(36), nullable=True))


def downgrade() -> None:
    op.drop_column("claims", "next_claim_id")
    op.drop_column("claims", "prior_claim_id")
    op.drop_column("claims", "payer_responsibility")
