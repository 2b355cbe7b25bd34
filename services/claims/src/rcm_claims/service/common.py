from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_shared.events.catalog import EventPayload, new_event
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.messaging import outbox

SOURCE = "/rcm/claims"


def events_of(
    tenant_id: str, payloads: Sequence[EventPayload], cause: CloudEvent | None = None
) -> list[CloudEvent]:
    """The envelopes of `payloads`, for a repository that writes them to the outbox itself
    (claim intake stages its events in the same statement as the claims)."""
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


async def publish_all(
    session: AsyncSession,
    tenant_id: str,
    payloads: Sequence[EventPayload],
    cause: CloudEvent | None = None,
) -> None:
    """Many events, one insert and one NOTIFY."""
    await outbox.add_all(session, events_of(tenant_id, payloads, cause))


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
