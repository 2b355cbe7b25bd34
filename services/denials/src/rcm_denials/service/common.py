from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_shared.events.catalog import EventPayload, new_event, unchecked_event
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.ids import uuid4_strings
from rcm_shared.messaging import outbox

SOURCE = "/rcm/denials"


def now() -> datetime:
    return datetime.now(UTC)


def events_for(
    tenant_id: str, payloads: Sequence[EventPayload], cause: CloudEvent | None = None
) -> list[CloudEvent]:
    return [
        new_event(
            p,
            tenant_id=tenant_id,
            source=SOURCE,
            correlation_id=cause.correlationid if cause else None,
            causation_id=cause.id if cause else None,
        )
        for p in payloads
    ]


def events_from_data(
    model: type[EventPayload], items: Sequence[tuple[str, dict[str, Any], CloudEvent]]
) -> list[CloudEvent]:
    """Envelopes for (tenant, payload data, causing event) triples whose data is already the
    JSON form of a `model` payload, built by our own code from our own rows (a consumer
    batch opens hundreds of work items). A test checks each builder against its model."""
    at = now()
    return [
        unchecked_event(
            model, data, event_id=event_id, tenant_id=tenant_id, source=SOURCE, time=at, cause=cause
        )
        for (tenant_id, data, cause), event_id in zip(items, uuid4_strings(len(items)), strict=True)
    ]


async def publish(
    session: AsyncSession, tenant_id: str, payload: EventPayload, cause: CloudEvent | None = None
) -> None:
    await outbox.add_all(session, events_for(tenant_id, [payload], cause))
