"""outbox payload as json

Revision ID: 0006
Revises: 0005
"""

from rcm_shared.messaging.migration_ops import (
    outbox_payload_as_json_v1,
    outbox_payload_as_jsonb_v1,
)

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    outbox_payload_as_json_v1()


def downgrade() -> None:
    outbox_payload_as_jsonb_v1()
