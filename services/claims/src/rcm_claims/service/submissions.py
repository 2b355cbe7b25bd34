"""Submitting ready claims: one 837P interchange per request, stored with its control
numbers in the same transaction that moves the claims to `submitted`; a worker then delivers
it through the configured connector, retrying with backoff until it is sent or fails for
good (visible on the submission)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_claims.clearinghouse import Connector, DeliveryError, connector_for
from rcm_claims.config import ClaimsSettings
from rcm_claims.domain import lifecycle
from rcm_claims.domain.claim import ClaimData
from rcm_claims.domain.lifecycle import Status
from rcm_claims.domain.x837p import (
    BillingProvider837,
    Claim837,
    Claim837Error,
    Envelope837,
    Payer837,
    Provider837,
    build_837p,
)
from rcm_claims.models import (
    Claim,
    ClaimHistory,
    Payer,
    Provider,
    Submission,
    SubmissionClaim,
)
from rcm_claims.repository import (
    ClaimRepository,
    ControlNumbers,
    DeliveryQueue,
    SubmissionRepository,
)
from rcm_claims.schemas import SubmissionIn
from rcm_claims.service.claims import ClaimService, now
from rcm_claims.service.common import publish_all
from rcm_shared.auth import Principal
from rcm_shared.errors import Conflict, NotFound
from rcm_shared.events.catalog import EventPayload
from rcm_shared.events.claims import ClaimSubmitted
from rcm_shared.events.reference import Address
from rcm_shared.runtime import Runtime
from rcm_shared.workers import repeat
from rcm_shared.x12.separators import Separators

log = logging.getLogger("rcm.claims.submissions")


def _provider(p: Provider | None) -> Provider837 | None:
    if p is None:
        return None
    return Provider837(
        npi=p.npi, first_name=p.first_name, last_name=p.last_name, taxonomy_code=p.taxonomy_code
    )


def file_name(submission: Submission) -> str:
    return f"{submission.interchange_control_number}.837"


async def submit(
    session: AsyncSession, principal: Principal, request: SubmissionIn, settings: ClaimsSettings
) -> tuple[Submission, list[dict[str, str]]]:
    claims_repo = ClaimRepository(session, principal.tenant_id)
    wanted = request.claim_ids or await claims_repo.ready_ids(
        request.clinic_id, request.payer_id, request.limit, principal.clinic_ids
    )
    locked = {c.id: c for c in await claims_repo.lock_many(wanted)}
    svc = ClaimService(
        session, principal.tenant_id, actor=principal.subject, clinics=principal.clinic_ids
    )
    skipped: list[dict[str, str]] = []
    chosen: list[Claim] = []
    for claim_id in wanted:
        claim = locked.get(claim_id)
        if claim is None or not principal.may_see_clinic(claim.clinic_id):
            skipped.append({"claim_id": claim_id, "reason": "not found, or being submitted"})
        elif claim.status not in lifecycle.SUBMITTABLE:
            skipped.append({"claim_id": claim_id, "reason": f"status is {claim.status}"})
        else:
            chosen.append(claim)
    if not chosen:
        raise Conflict("no ready claim to submit", {"skipped": skipped})

    batch: list[Claim837] = []
    for claim in chosen:
        data = ClaimData.model_validate(claim.data)
        clinic = await svc.refs.clinic(claim.clinic_id)
        payer = await svc.refs.payer(claim.payer_id)
        others = [await svc.refs.payer(c.payer_id) for c in data.other_coverages]
        if clinic is None or payer is None or None in others:
            # deleted since scrubbing: refuse loudly
            raise Conflict("a claim's clinic or payer is gone; re-scrub it", {"claim_id": claim.id})
        batch.append(
            Claim837(
                data=data,
                patient_control_number=claim.patient_control_number,
                billing=BillingProvider837(
                    name=clinic.name,
                    npi=clinic.npi,
                    tax_id=clinic.tax_id,
                    taxonomy_code=clinic.taxonomy_code,
                    address=Address.model_validate(clinic.address),
                    pay_to=Address.model_validate(clinic.pay_to_address)
                    if clinic.pay_to_address
                    else None,
                ),
                payer=_payer(payer),
                other_payers=tuple(_payer(other) for other in others if other is not None),
                rendering=_provider(await svc.refs.provider(data.rendering_provider_id)),
                referring=_provider(await svc.refs.provider(data.referring_provider_id)),
            )
        )
    numbers = ControlNumbers(session)
    interchange, group = await numbers.next_interchange(), await numbers.next_group()
    at = now()
    envelope = Envelope837(
        sender_id=settings.sender_id,
        receiver_id=settings.receiver_id,
        submitter_name=settings.submitter_name,
        submitter_contact_name=settings.submitter_contact_name,
        submitter_contact_phone=settings.submitter_contact_phone,
        receiver_name=settings.receiver_name,
        interchange_control=interchange,
        group_control=group,
        timestamp=at,
        usage=settings.usage,
        separators=Separators(*settings.x12_separators),
    )
    try:
        built = build_837p(batch, envelope)
    except Claim837Error as exc:
        # The scrubber should have caught it; refuse the whole interchange, naming the claim.
        raise Conflict(
            f"a claim cannot be written as an 837P: {exc}",
            {"patient_control_number": exc.patient_control_number},
        ) from exc
    submission = Submission(
        id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        delivery_status="pending",
        connector=settings.connector,
        interchange_control_number=f"{interchange:09d}",
        group_control_number=str(group),
        claim_count=len(chosen),
        total_charge=sum((c.total_charge for c in chosen), Decimal("0.00")),
        x12=built.x12,
        attempts=0,
    )
    repo = SubmissionRepository(session, principal.tenant_id)
    st_of = {pcn: st for st, pcns in built.transactions for pcn in pcns}
    await repo.add(
        submission,
        *[
            SubmissionClaim(
                tenant_id=principal.tenant_id,
                submission_id=submission.id,
                claim_id=c.id,
                transaction_control_number=st_of[c.patient_control_number],
            )
            for c in chosen
        ],
    )
    history: list[dict[str, Any]] = []
    payloads: list[EventPayload] = []
    for claim in chosen:
        previous = claim.status
        lifecycle.move(previous, Status.SUBMITTED)
        claim.status = Status.SUBMITTED.value
        claim.submitted_at = at
        claim.first_submitted_at = claim.first_submitted_at or at
        history.append(
            svc.history_row(
                claim.id,
                previous,
                Status.SUBMITTED,
                ClaimSubmitted.event_type,
                {
                    "submission_id": submission.id,
                    "interchange": submission.interchange_control_number,
                },
            )
        )
        payloads.append(
            ClaimSubmitted(
                **svc.ids(claim),
                submission_id=submission.id,
                interchange_control_number=submission.interchange_control_number,
                transaction_control_number=st_of[claim.patient_control_number],
                total_charge=claim.total_charge,
            )
        )
    # one insert each for the history and the events, not one per claim
    await claims_repo.insert_rows(ClaimHistory, history)
    await publish_all(session, principal.tenant_id, payloads)
    return submission, skipped


async def get_submission(
    session: AsyncSession, principal: Principal, submission_id: str
) -> tuple[Submission, list[str]]:
    repo = SubmissionRepository(session, principal.tenant_id)
    submission = await repo.get(submission_id)
    if submission is None:
        raise NotFound("submission not found")
    return submission, [link.claim_id for link in await repo.claims_of(submission.id)]


async def retry(session: AsyncSession, principal: Principal, submission_id: str) -> Submission:
    submission, _ = await get_submission(session, principal, submission_id)
    if submission.delivery_status != "failed":
        raise Conflict(f"a {submission.delivery_status} submission is not retried")
    submission.delivery_status = "pending"
    submission.next_attempt_at = None
    submission.attempts = 0
    return submission


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 600))


async def deliver_due(
    runtime: Runtime, connector: Connector, settings: ClaimsSettings, limit: int = 10
) -> int:
    """Delivers what is due. Each submission is locked while it is sent, so two workers
    never send the same one; a crash mid-send leaves it pending, to be sent again."""
    assert runtime.sessions is not None
    done = 0
    async with runtime.sessions() as session, session.begin():
        queue = DeliveryQueue(session)
        for submission in await queue.claim_due(now(), limit):
            attempt = submission.attempts + 1
            try:
                await connector.deliver(
                    submission.tenant_id, submission.id, file_name(submission), submission.x12
                )
            except DeliveryError as exc:
                final = not exc.retryable or attempt >= settings.delivery_max_attempts
                await queue.mark(
                    submission.id,
                    attempts=attempt,
                    last_error=str(exc)[:500],
                    delivery_status="failed" if final else "pending",
                    next_attempt_at=now() + backoff(attempt),
                )
                log.warning(
                    "delivery failed",
                    extra={"submission_id": submission.id, "attempt": attempt, "final": final},
                )
                continue
            await queue.mark(
                submission.id,
                attempts=attempt,
                delivery_status="sent",
                sent_at=now(),
                last_error=None,
            )
            done += 1
    return done


async def delivery_worker(runtime: Runtime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, ClaimsSettings)
    connector = connector_for(settings)
    await repeat(
        lambda: deliver_due(runtime, connector, settings),
        stop,
        settings.delivery_poll_seconds,
        "delivery loop",
    )


def _payer(payer: Payer) -> Payer837:
    return Payer837(
        payer_id=payer.payer_id,
        name=payer.name,
        claim_filing_indicator=payer.claim_filing_indicator,
    )
