"""Reading remittances and postings, and matching an unmatched payment by hand."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_remittance.domain import posting as rules
from rcm_remittance.domain.posting import PostingContext
from rcm_remittance.models import ClaimPaymentRow, Remittance
from rcm_remittance.repository import RemittanceRepository
from rcm_remittance.service.posting import SOURCE
from rcm_shared.errors import Conflict, InvalidInput, NotFound
from rcm_shared.events.catalog import new_event
from rcm_shared.messaging import outbox

log = logging.getLogger("rcm.remittance.matching")


async def get_remittance(session: AsyncSession, tenant_id: str, remittance_id: str) -> Remittance:
    found = await RemittanceRepository(session, tenant_id).remittance(remittance_id)
    if found is None:
        raise NotFound("remittance not found")
    return found


def context_of(remittance: Remittance) -> PostingContext:
    return PostingContext(
        remittance_id=remittance.id,
        payer_id=remittance.payer_key,
        trace_number=remittance.trace_number,
        remittance_date=(
            remittance.payment_date or remittance.production_date or remittance.created_at.date()
        ),
    )


def row_of(payment: ClaimPaymentRow) -> dict[str, Any]:
    return {
        "id": payment.id,
        "claim_id": payment.claim_id,
        "clinic_id": payment.clinic_id,
        "patient_control_number": payment.patient_control_number,
        "payer_claim_control_number": payment.payer_claim_control_number,
        "status_code": payment.status_code,
        "charge": payment.charge,
        "paid": payment.paid,
        "patient_responsibility": payment.patient_responsibility,
        "adjustments": payment.adjustments,
        "remark_codes": payment.remark_codes,
        "lines": payment.lines,
        "is_reversal": payment.is_reversal,
        "reversed_payment_id": payment.reversed_payment_id,
    }


async def match_payment(
    session: AsyncSession, tenant_id: str, payment_id: str, claim_id: str, actor: str
) -> ClaimPaymentRow:
    """Posts an unmatched payment to the claim a person chose: the same posting and the
    same event as if CLP01 had matched on arrival."""
    repo = RemittanceRepository(session, tenant_id)
    payment = await repo.payment(payment_id, lock=True)
    if payment is None:
        raise NotFound("payment not found")
    if payment.state != "unmatched":
        raise Conflict(f"payment is {payment.state}, not unmatched")
    claim = await repo.claim(claim_id)
    if claim is None:
        raise InvalidInput(
            "unknown claim", [{"path": "body.claim_id", "message": "no such claim in this tenant"}]
        )
    remittance = await get_remittance(session, tenant_id, payment.remittance_id)
    payment.claim_id, payment.clinic_id = claim.claim_id, claim.clinic_id
    payment.state, payment.matched_by = "posted", actor
    payment.posted_at = datetime.now(UTC)
    if payment.is_reversal:
        prior = (await repo.reversible_payments([claim.patient_control_number])).get(
            claim.patient_control_number, []
        )
        undone = rules.reversed_payment_of(payment.payer_claim_control_number, payment.paid, prior)
        if undone is not None:
            payment.reversed_payment_id = undone.id
            await repo.mark_reversed([(undone.id, payment.id)])
    await repo.finish_remittance(
        remittance.id,
        matched_count=remittance.matched_count + 1,
        unmatched_count=remittance.unmatched_count - 1,
    )
    event = rules.adjudication(context_of(remittance), row_of(payment))
    await outbox.add(session, new_event(event, tenant_id=tenant_id, source=SOURCE))
    log.info("payment matched by hand", extra={"payment_id": payment.id})
    return payment
