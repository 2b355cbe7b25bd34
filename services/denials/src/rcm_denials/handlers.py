"""Inbound event handlers of the denials service: {event type: handler}."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_denials import service
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.reference import ClinicRegistered, ClinicUpdated
from rcm_shared.messaging.consumer import Handler


async def on_clinic_changed(session: AsyncSession, event: CloudEvent) -> None:
    model = ClinicRegistered if event.type == ClinicRegistered.event_type else ClinicUpdated
    await service.record_clinic(session, event.tenantid, model.model_validate(event.data))


HANDLERS: dict[str, Handler] = {
    ClinicRegistered.event_type: on_clinic_changed,
    ClinicUpdated.event_type: on_clinic_changed,
}
