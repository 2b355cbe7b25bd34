"""Producer and consumer factories: one place for client settings."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from rcm_shared.events.envelope import CONTENT_TYPE

CONTENT_TYPE_HEADER = ("content-type", CONTENT_TYPE.encode())


def make_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    # Idempotent (implies acks=all): a retried send is written once and order per
    # partition holds, which the outbox relay's per-key ordering relies on.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        request_timeout_ms=15000,
        compression_type=None,
    )


def make_consumer(bootstrap: str, group_id: str, topics: list[str]) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        client_id=group_id,
        enable_auto_commit=False,  # offsets are committed after the database commit
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=500,
        session_timeout_ms=15000,
        heartbeat_interval_ms=3000,
        metadata_max_age_ms=5000,  # notice new topics (a fresh DLQ, a new prefix) quickly
    )
