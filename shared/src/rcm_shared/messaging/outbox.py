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
    resolved_topic = topic or CATALOG[event.type].topic
    resolved_key = key or event.subject
    if not resolved_key:
        raise ValueError(f"event {event.type} has no key")
    return {
        "id": event.id,
        "aggregatetype": resolved_topic,
        "aggregateid": resolved_key,
        "type": event.type,
        "tenant_id": event.tenantid,
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
    # then), it wakes the relay without polling.
    await session.execute(insert(outbox), [_row(e, key, topic) for e in events])
