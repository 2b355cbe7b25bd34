"""Producer side of the transactional outbox: the business write and its events commit
together, or neither does. The relay publishes what was committed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_shared.events.catalog import CATALOG
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.messaging.tables import outbox

NOTIFY_CHANNEL = "rcm_outbox"


def _row(event: CloudEvent, key: str | None, topic: str | None) -> dict[str, object]:
    event_id, resolved_topic, resolved_key, event_type, tenant_id = _row_keys(event, key, topic)
    return {
        "id": event_id,
        "aggregatetype": resolved_topic,
        "aggregateid": resolved_key,
        "type": event_type,
        "tenant_id": tenant_id,
        "payload": event.model_dump(mode="json", exclude_none=True),
    }


async def add(
    session: AsyncSession, event: CloudEvent, key: str | None = None, topic: str | None = None
) -> None:
    """Stage `event` in the caller's transaction. Key defaults to the event's subject,
    topic to the one its catalog entry names."""
    await add_all(session, [event], key=key, topic=topic)


async def add_all(
    session: AsyncSession,
    events: Sequence[CloudEvent],
    key: str | None = None,
    topic: str | None = None,
) -> None:
    if not events:
        return
    # The table's statement trigger NOTIFYs NOTIFY_CHANNEL; delivered at commit (and only
    # then), it wakes the relay without polling. COPY fires it too.
    if len(events) >= COPY_FROM:
        await _copy(session, events, key, topic)
        return
    await session.execute(insert(outbox), [_row(e, key, topic) for e in events])


# From this many events on, COPY beats a multi-row INSERT (it costs one more round trip
# but no statement text, no parameter binding, and the payload is serialised once, in Rust).
COPY_FROM = 64
_COPY_COLUMNS = ("id", "aggregatetype", "aggregateid", "type", "tenant_id", "payload")


async def _copy(
    session: AsyncSession, events: Sequence[CloudEvent], key: str | None, topic: str | None
) -> None:
    records = []
    for event in events:
        row = _row_keys(event, key, topic)
        records.append((*row, event.model_dump_json(exclude_none=True)))
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        outbox.name, records=records, columns=_COPY_COLUMNS
    )


def _row_keys(
    event: CloudEvent, key: str | None, topic: str | None
) -> tuple[str, str, str, str, str]:
    resolved_topic = topic or CATALOG[event.type].topic
    resolved_key = key or event.subject
    if not resolved_key:
        raise ValueError(f"event {event.type} has no key")
    return event.id, resolved_topic, resolved_key, event.type, event.tenantid
