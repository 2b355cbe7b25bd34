"""outbox payload as json

Revision ID: 0004
Revises: 0003
"""

from rcm_shared.messaging.migration_ops import (
    outbox_payload_as_json_v1,
    outbox_payload_as_jsonb_v1,
)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    outbox_payload_as_json_v1()


def downgrade() -> None:
    outbox_payload_as_jsonb_v1()
