"""outbox NOTIFY trigger

Revision ID: 0004
Revises: 0003
"""

from rcm_shared.messaging.migration_ops import (
    create_outbox_notify_trigger_v1,
    drop_outbox_notify_trigger_v1,
)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_notify_trigger_v1()


def downgrade() -> None:
    drop_outbox_notify_trigger_v1()
