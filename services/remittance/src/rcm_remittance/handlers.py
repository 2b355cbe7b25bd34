"""Inbound event handlers of the remittance service: {event type: handler}.

The service keeps the claims' patient control numbers (what CLP01 is matched against)
from the claims service's events. A claim that arrives after its payment (the 835 came
first, or the event was late) takes the waiting payment off the unmatched queue.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_remittance.repository import RemittanceRepository
from rcm_remittance.service.remittances import match_payment
from rcm_shared.events.claims import ClaimCreated, ClaimVoided
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.messaging.consumer import Handler

AUTO_MATCH_ACTOR = "system:claim-arrived"


async def on_claim_created(session: AsyncSession, event: CloudEvent) -> None:
    claim = ClaimCreated.model_validate(event.data)
    repo = RemittanceRepository(session, event.tenantid)
    await repo.record_claim(
        claim.claim_id, claim.patient_control_number, claim.clinic_id, claim.payer_id
    )
    for payment_id in await repo.unmatched_ids(claim.patient_control_number):
        await match_payment(session, event.tenantid, payment_id, claim.claim_id, AUTO_MATCH_ACTOR)


async def on_claim_voided(session: AsyncSession, event: CloudEvent) -> None:
    voided = ClaimVoided.model_validate(event.data)
    await RemittanceRepository(session, event.tenantid).mark_claim_voided(voided.claim_id)


HANDLERS: dict[str, Handler] = {
    ClaimCreated.event_type: on_claim_created,
    ClaimVoided.event_type: on_claim_voided,
}
