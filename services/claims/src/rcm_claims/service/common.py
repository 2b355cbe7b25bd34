from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_shared.events.catalog import EventPayload, new_event
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.messaging import outbox

SOURCE = "/rcm/claims"


async def publish(
    session: AsyncSession, tenant_id: str, payload: EventPayload, cause: CloudEvent | None = None
) -> None:
    event = new_event(
        payload,
        tenant_id=tenant_id,
        source=SOURCE,
        correlation_id=cause.correlationid if cause else None,
        causation_id=cause.id if cause else None,
    )
    await outbox.add(session, event)
