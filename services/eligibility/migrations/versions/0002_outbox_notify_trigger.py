"""outbox NOTIFY trigger

Revision ID: 0002
Revises: 0001
"""

from rcm_shared.messaging.migration_ops import (
    create_outbox_notify_trigger_v1,
    drop_outbox_notify_trigger_v1,
)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_notify_trigger_v1()


def downgrade() -> None:
    drop_outbox_notify_trigger_v1()
