"""Inbound event handlers of the patients service: {event type: handler}. Claims and
adjudications also have batch handlers: a partition batch is one transaction (the
consumer falls back to one by one when a batch fails, so a poison message reaches the DLQ
alone)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_patients.service import ledger
from rcm_patients.service.reference import record_clinic
from rcm_shared.events.claims import ClaimCreated
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.reference import ClinicRegistered, ClinicUpdated
from rcm_shared.events.remittance import ClaimPaymentAdjudicated
from rcm_shared.messaging.consumer import BatchHandler, Handler


async def on_clinic_changed(session: AsyncSession, event: CloudEvent) -> None:
    model = ClinicRegistered if event.type == ClinicRegistered.event_type else ClinicUpdated
    await record_clinic(session, event.tenantid, model.model_validate(event.data))


async def on_claims_created(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
    # every payload validated before any write: a malformed one fails the batch
    incoming = [ledger.IncomingClaim(e, ClaimCreated.model_validate(e.data)) for e in events]
    await ledger.record_claims(session, incoming)


async def on_claim_created(session: AsyncSession, event: CloudEvent) -> None:
    await on_claims_created(session, [event])


async def on_claims_adjudicated(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
    incoming = [
        ledger.IncomingPayment(e, ClaimPaymentAdjudicated.model_validate(e.data)) for e in events
    ]
    await ledger.record_adjudications(session, incoming)


async def on_claim_adjudicated(session: AsyncSession, event: CloudEvent) -> None:
    await on_claims_adjudicated(session, [event])


HANDLERS: dict[str, Handler] = {
    ClinicRegistered.event_type: on_clinic_changed,
    ClinicUpdated.event_type: on_clinic_changed,
    ClaimCreated.event_type: on_claim_created,
    ClaimPaymentAdjudicated.event_type: on_claim_adjudicated,
}


async def _clinics(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
    for event in events:
        await on_clinic_changed(session, event)


BATCH_HANDLERS: dict[str, BatchHandler] = {
    ClinicRegistered.event_type: _clinics,
    ClinicUpdated.event_type: _clinics,
    ClaimCreated.event_type: on_claims_created,
    ClaimPaymentAdjudicated.event_type: on_claims_adjudicated,
}
