"""Inbound event handlers of the claims service: {event type: handler}."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_claims.repository import CoverageRepository
from rcm_claims.service.claims import ClaimService
from rcm_shared.errors import RcmError
from rcm_shared.events.denials import ResubmissionRequested
from rcm_shared.events.eligibility import EligibilityChecked
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.remittance import ClaimPaymentAdjudicated
from rcm_shared.messaging.consumer import Handler, PermanentError


async def on_eligibility_checked(session: AsyncSession, event: CloudEvent) -> None:
    """Keeps the coverage read model the scrubber consults (latest answer wins)."""
    fact = EligibilityChecked.model_validate(event.data)
    if fact.status == "error":
        return  # a payer timeout says nothing about coverage
    await CoverageRepository(session, event.tenantid).upsert_if_newer(
        {
            "patient_key": fact.patient_key,
            "payer_id": fact.payer_id,
            "status": fact.status,
            "coverage_start": fact.coverage_start,
            "coverage_end": fact.coverage_end,
            "service_date": fact.service_date,
            "check_id": fact.check_id,
            "checked_at": fact.checked_at,
        }
    )


async def on_claim_adjudicated(session: AsyncSession, event: CloudEvent) -> None:
    payment = ClaimPaymentAdjudicated.model_validate(event.data)
    await ClaimService(
        session, event.tenantid, actor="remittance", cause=event
    ).record_adjudication(payment)


async def on_resubmission_requested(session: AsyncSession, event: CloudEvent) -> None:
    request = ResubmissionRequested.model_validate(event.data)
    svc = ClaimService(session, event.tenantid, actor="denials", cause=event)
    try:
        await svc.correct(request.claim_id, request.corrections, denial_id=request.denial_id)
    except RcmError as exc:
        # Not correctable (unknown claim, wrong state): retrying will not change that.
        raise PermanentError(f"{exc.code}: {exc.message}") from exc


HANDLERS: dict[str, Handler] = {
    EligibilityChecked.event_type: on_eligibility_checked,
    ClaimPaymentAdjudicated.event_type: on_claim_adjudicated,
    ResubmissionRequested.event_type: on_resubmission_requested,
}
