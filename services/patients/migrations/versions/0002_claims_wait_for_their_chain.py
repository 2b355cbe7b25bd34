"""a claim can wait, unlinked, for the claim it follows

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "visit_claims",
        sa.Column("linked", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.create_index(
        "ix_visit_claims_unlinked",
        "visit_claims",
        ["tenant_id", "visit_id"],
        postgresql_where=sa.text("NOT linked"),
    )


def downgrade() -> None:
    op.drop_index("ix_visit_claims_unlinked", table_name="visit_claims")
    op.drop_column("visit_claims", "linked")
