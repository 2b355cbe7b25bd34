"""Migration steps for the messaging tables, frozen per version: a service's migration
calls the version it was written against, so later changes add a new function."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def create_messaging_tables_v1() -> None:
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("id", postgresql.UUID(as_uuid=False), nullable=False),
        sa.Column("aggregatetype", sa.String(64), nullable=False),
        sa.Column("aggregateid", sa.String(128), nullable=False),
        sa.Column("type", sa.String(128), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("id", name="uq_outbox_id"),
    )
    op.create_index(
        "ix_outbox_unsent", "outbox", ["seq"], postgresql_where=sa.text("sent_at IS NULL")
    )
    op.create_table(
        "inbox",
        sa.Column("consumer_group", sa.String(200), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("consumer_group", "event_id", name="pk_inbox"),
    )


def drop_messaging_tables_v1() -> None:
    op.drop_table("inbox")
    op.drop_index("ix_outbox_unsent", table_name="outbox")
    op.drop_table("outbox")


def create_outbox_notify_trigger_v1() -> None:
    """NOTIFY the relay from the database itself, once per INSERT statement: one round
    trip less on every write that stages events."""
    op.execute(
        "CREATE OR REPLACE FUNCTION rcm_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_notify('rcm_outbox', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION rcm_outbox_notify()"
    )


def drop_outbox_notify_trigger_v1() -> None:
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    op.execute("DROP FUNCTION IF EXISTS rcm_outbox_notify()")


def outbox_payload_as_json_v1() -> None:
    """json, not jsonb: the relay only ever reads a payload whole, and jsonb parses every
    event into binary form on insert, the largest cost of a bulk COPY into the outbox."""
    op.execute("ALTER TABLE outbox ALTER COLUMN payload TYPE json USING payload::json")


def outbox_payload_as_jsonb_v1() -> None:
    op.execute("ALTER TABLE outbox ALTER COLUMN payload TYPE jsonb USING payload::jsonb")
