"""The outbox and inbox tables every service has in its own database.

Outbox columns follow Debezium's outbox-router names (id, aggregatetype, aggregateid, type,
payload) so change-data-capture can replace the relay without a schema change.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSON, UUID

from rcm_shared.db import new_metadata

messaging_metadata = new_metadata()

outbox = Table(
    "outbox",
    messaging_metadata,
    Column("seq", BigInteger, Identity(always=True), primary_key=True),  # publish order
    Column("id", UUID(as_uuid=False), nullable=False, unique=True),  # the CloudEvent id
    Column("aggregatetype", String(64), nullable=False),  # the topic (unprefixed)
    Column("aggregateid", String(128), nullable=False),  # the Kafka key
    Column("type", String(128), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    # the whole CloudEvent; json (stored as sent), not jsonb: only ever read whole
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
)
Index("ix_outbox_unsent", outbox.c.seq, postgresql_where=outbox.c.sent_at.is_(None))

inbox = Table(
    "inbox",
    messaging_metadata,
    Column("consumer_group", String(200), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(128), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
