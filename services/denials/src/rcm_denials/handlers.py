"""Inbound event handlers of the denials service: {event type: handler}.

Adjudications also have a batch handler: the consumer runner hands it every adjudication of
one partition batch in one transaction (and falls back to the one-by-one handler when the
batch fails, so a poison message still reaches the DLQ alone)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_denials.service import ingest
from rcm_denials.service import reference as ref
from rcm_shared.events.claims import ClaimCorrected, ClaimCreated
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.reference import (
    ClinicRegistered,
    ClinicUpdated,
    PayerRegistered,
    PayerUpdated,
    ProviderRegistered,
    ProviderUpdated,
)
from rcm_shared.events.remittance import ClaimPaymentAdjudicated
from rcm_shared.messaging.consumer import BatchHandler, Handler


async def on_clinic_changed(session: AsyncSession, event: CloudEvent) -> None:
    model = ClinicRegistered if event.type == ClinicRegistered.event_type else ClinicUpdated
    await ref.record_clinic(session, event.tenantid, model.model_validate(event.data))


async def on_payer_changed(session: AsyncSession, event: CloudEvent) -> None:
    model = PayerRegistered if event.type == PayerRegistered.event_type else PayerUpdated
    await ref.record_payer(session, event.tenantid, model.model_validate(event.data))


async def on_provider_changed(session: AsyncSession, event: CloudEvent) -> None:
    model = ProviderRegistered if event.type == ProviderRegistered.event_type else ProviderUpdated
    await ref.record_provider(session, event.tenantid, model.model_validate(event.data))


async def on_claim_created(session: AsyncSession, event: CloudEvent) -> None:
    await ref.record_claim_created(session, event.tenantid, ClaimCreated.model_validate(event.data))


async def on_claim_corrected(session: AsyncSession, event: CloudEvent) -> None:
    await ref.record_claim_corrected(
        session, event.tenantid, ClaimCorrected.model_validate(event.data)
    )


async def on_claims_adjudicated(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
    # Validation of every payload first: a malformed one fails the batch before any write.
    incoming = [
        ingest.Incoming(e, ClaimPaymentAdjudicated.model_validate(e.data), e.tenantid)
        for e in events
    ]
    await ingest.record_adjudications(session, incoming)


async def on_claim_adjudicated(session: AsyncSession, event: CloudEvent) -> None:
    await on_claims_adjudicated(session, [event])


HANDLERS: dict[str, Handler] = {
    ClinicRegistered.event_type: on_clinic_changed,
    ClinicUpdated.event_type: on_clinic_changed,
    PayerRegistered.event_type: on_payer_changed,
    PayerUpdated.event_type: on_payer_changed,
    ProviderRegistered.event_type: on_provider_changed,
    ProviderUpdated.event_type: on_provider_changed,
    ClaimCreated.event_type: on_claim_created,
    ClaimCorrected.event_type: on_claim_corrected,
    ClaimPaymentAdjudicated.event_type: on_claim_adjudicated,
}


def _each(handler: Handler) -> BatchHandler:
    """A batch handler that runs `handler` per event, all in the batch's one transaction:
    a burst of claim or reference events costs one commit, not one per event."""

    async def batch(session: AsyncSession, events: Sequence[CloudEvent]) -> None:
        for event in events:
            await handler(session, event)

    return batch


BATCH_HANDLERS: dict[str, BatchHandler] = {
    **{event_type: _each(handler) for event_type, handler in HANDLERS.items()},
    ClaimPaymentAdjudicated.event_type: on_claims_adjudicated,
}
