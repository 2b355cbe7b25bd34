"""clinic directory, outbox, inbox

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from rcm_shared.messaging.migration_ops import (
    create_messaging_tables_v1,
    drop_messaging_tables_v1,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables_v1()
    op.create_table(
        "clinic_directory",
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("clinic_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("npi", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "clinic_id", name="pk_clinic_directory"),
    )
    op.create_index("ix_clinic_directory_tenant_id", "clinic_directory", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("clinic_directory")
    drop_messaging_tables_v1()
