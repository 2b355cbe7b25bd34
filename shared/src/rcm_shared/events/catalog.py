"""Every event type the system publishes: one pydantic model per type and version.

A model's class attributes say where it goes: `event_type`, the `topic` (one per
aggregate) and `key_field`, the payload field whose value is the Kafka key (the aggregate
id, so one aggregate's events stay in order on one partition).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from rcm_shared.events.envelope import CloudEvent

TOPIC_ELIGIBILITY = "rcm.eligibility"
TOPIC_CLAIMS = "rcm.claims"
TOPIC_REMITTANCE = "rcm.remittance"
TOPIC_DENIALS = "rcm.denials"
TOPIC_REFERENCE = "rcm.reference"
TOPIC_PATIENTS = "rcm.patients"


class EventPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    topic: ClassVar[str]
    key_field: ClassVar[str]
    summary: ClassVar[str]

    @property
    def key(self) -> str:
        return str(getattr(self, self.key_field))


CATALOG: dict[str, type[EventPayload]] = {}
P = TypeVar("P", bound=type[EventPayload])


def register(model: P) -> P:
    if model.event_type in CATALOG:
        raise ValueError(f"event type registered twice: {model.event_type}")
    CATALOG[model.event_type] = model
    return model


def new_event(
    payload: EventPayload,
    *,
    tenant_id: str,
    source: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    traceparent: str | None = None,
    event_id: str | None = None,
) -> CloudEvent:
    return _envelope(
        payload.event_type,
        payload.key,
        payload.model_dump(mode="json"),
        tenant_id=tenant_id,
        source=source,
        correlation_id=correlation_id,
        causation_id=causation_id,
        traceparent=traceparent,
        event_id=event_id,
    )


def unchecked_envelope(
    model: type[EventPayload],
    data: dict[str, Any],
    *,
    event_id: str,
    tenant_id: str,
    source: str,
    time: datetime,
    cause: CloudEvent | None = None,
) -> dict[str, Any]:
    """For bulk producers: the envelope of a `model` event as JSON values, `data` being
    already the JSON form of its payload. Neither is validated again (a 10,000-claim 835
    makes 10,000 events), and no model instance is built for a producer that writes the
    JSON straight to the outbox (claim intake). Whoever calls this keeps a test that
    `model` accepts what it builds, and consumers validate every event they read.
    Correlation follows `cause` when there is one."""
    envelope: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": model.event_type,
        "subject": str(data[model.key_field]),
        "time": time.isoformat(),
        "datacontenttype": "application/json",
        "tenantid": tenant_id,
        "correlationid": cause.correlationid if cause else event_id,
        "data": data,
    }
    if cause is not None:
        envelope["causationid"] = cause.id
    return envelope


def unchecked_event(
    model: type[EventPayload],
    data: dict[str, Any],
    *,
    event_id: str,
    tenant_id: str,
    source: str,
    time: datetime,
    cause: CloudEvent | None = None,
) -> CloudEvent:
    """`unchecked_envelope` as a CloudEvent, for producers that hand events on."""
    envelope = unchecked_envelope(
        model, data, event_id=event_id, tenant_id=tenant_id, source=source, time=time, cause=cause
    )
    return CloudEvent.model_construct(**{**envelope, "time": time})


def new_events_from_data(
    model: type[EventPayload],
    data: Sequence[dict[str, Any]],
    event_ids: Sequence[str],
    *,
    tenant_id: str,
    source: str,
) -> list[CloudEvent]:
    """`unchecked_event` for one tenant's batch, all stamped with the same time."""
    at = datetime.now(UTC)
    return [
        unchecked_event(
            model, payload, event_id=event_id, tenant_id=tenant_id, source=source, time=at
        )
        for payload, event_id in zip(data, event_ids, strict=True)
    ]


def _envelope(
    event_type: str,
    subject: str,
    data: dict[str, Any],
    *,
    tenant_id: str,
    source: str,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    traceparent: str | None = None,
    event_id: str | None = None,
) -> CloudEvent:
    event_id = event_id or str(uuid.uuid4())
    return CloudEvent(
        id=event_id,
        source=source,
        type=event_type,
        subject=subject,
        tenantid=tenant_id,
        correlationid=correlation_id or event_id,
        causationid=causation_id,
        traceparent=traceparent,
        data=data,
    )


def payload_of(event: CloudEvent) -> EventPayload:
    """The typed payload; raises KeyError for an unknown type, ValidationError for bad data."""
    return CATALOG[event.type].model_validate(event.data)


def catalog_entries() -> list[tuple[str, type[EventPayload]]]:
    return sorted(CATALOG.items())
