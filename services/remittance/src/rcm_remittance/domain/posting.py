"""Posting rules: what a claim payment becomes once matched, which earlier posting a
reversal undoes, what identifies an ERA, and what the published events say. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from rcm_remittance.domain.x835 import (
    Adjustment,
    ClaimPayment,
    Imbalance,
    ProviderAdjustment,
    RemittanceHeader,
    ServicePayment,
)
from rcm_shared.events import remittance as ev

ZERO = Decimal(0)
PATIENT_RESPONSIBILITY_GROUP = "PR"


@dataclass(frozen=True)
class ClaimMatch:
    """The claim a CLP01 points at, from the claims service's events."""

    claim_id: str
    clinic_id: str


@dataclass(frozen=True)
class PriorPayment:
    """An earlier posting a reversal might undo."""

    id: str
    payer_claim_control_number: str | None
    paid: Decimal


class Unbalanced(Exception):
    """Some balancing rule failed in a file whose policy is not to post it."""

    def __init__(self, imbalances: Sequence[Imbalance]) -> None:
        super().__init__(f"{len(imbalances)} balancing failure(s)")
        self.imbalances = list(imbalances)


def payer_key(header: RemittanceHeader) -> str:
    """Who paid, for the duplicate rule: the payer id (N1*PR N104 or REF*2U), else the
    payer's name, as some payers send no id."""
    return header.payer_id or (header.payer_name or "").upper() or "UNKNOWN"


def remittance_date(header: RemittanceHeader, today: date) -> date:
    return header.payment_date or header.production_date or today


def patient_responsibility(payment: ClaimPayment) -> Decimal:
    """CLP05, or the PR adjustments when a payer leaves CLP05 empty."""
    if payment.patient_responsibility is not None:
        return payment.patient_responsibility
    total = sum(
        (a.amount for a in payment.adjustments if a.group_code == PATIENT_RESPONSIBILITY_GROUP),
        ZERO,
    )
    for line in payment.services:
        total += sum(
            (a.amount for a in line.adjustments if a.group_code == PATIENT_RESPONSIBILITY_GROUP),
            ZERO,
        )
    return total


def reversed_payment(reversal: ClaimPayment, prior: Sequence[PriorPayment]) -> PriorPayment | None:
    return reversed_payment_of(reversal.payer_claim_control_number, reversal.paid, prior)


def reversed_payment_of(
    control_number: str | None, paid: Decimal, prior: Sequence[PriorPayment]
) -> PriorPayment | None:
    """The posting a reversal (CLP02 = 22) undoes, among the claim's postings not yet
    reversed (oldest first). A reversal repeats the original's payer claim control number
    (CLP07) and negates its amounts; prefer both, then either, and the most recent of
    equals."""
    if not prior:
        return None
    negated = -paid

    def score(p: PriorPayment) -> int:
        same_ccn = bool(control_number) and p.payer_claim_control_number == control_number
        return (2 if same_ccn else 0) + (1 if p.paid == negated else 0)

    best = max(range(len(prior)), key=lambda i: (score(prior[i]), i))
    return prior[best]


# --- stored documents: amounts as strings, exact -------------------------------------


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def adjustment_doc(a: Adjustment) -> dict[str, str | None]:
    return {
        "group_code": a.group_code,
        "reason_code": a.reason_code,
        "amount": str(a.amount),
        "quantity": _money(a.quantity),
    }


def payment_doc(payment: ClaimPayment) -> dict[str, Any]:
    """The stored columns of a claim payment that come from the 835 itself."""
    return {
        "segment_number": payment.segment_number,
        "patient_control_number": payment.patient_control_number,
        "status_code": payment.status_code,
        "charge": payment.charge,
        "paid": payment.paid,
        "patient_responsibility": patient_responsibility(payment),
        "payer_claim_control_number": payment.payer_claim_control_number,
        "filing_indicator": payment.filing_indicator,
        "facility_type": payment.facility_type,
        "frequency": payment.frequency,
        "crossover_payer": payment.crossover_payer,
        "rendering_npi": payment.rendering_npi,
        "is_reversal": payment.is_reversal,
        "adjustments": [adjustment_doc(a) for a in payment.adjustments],
        "remark_codes": list(payment.remark_codes),
        "dates": {q: d.isoformat() for q, d in payment.dates.items()},
        "amounts": {q: str(a) for q, a in payment.amounts.items()},
        "lines": [line_doc(n, s) for n, s in enumerate(payment.services, 1)],
    }


def line_doc(number: int, s: ServicePayment) -> dict[str, Any]:
    return {
        "line_number": number,
        "procedure_qualifier": s.procedure_qualifier,
        "procedure_code": s.procedure_code,
        "modifiers": list(s.modifiers),
        "charge": str(s.charge),
        "paid": str(s.paid),
        "allowed": _money(s.allowed),
        "units": _money(s.units),
        "revenue_code": s.revenue_code,
        "original_procedure": s.original_procedure,
        "service_dates": {q: d.isoformat() for q, d in s.service_dates.items()},
        "adjustments": [adjustment_doc(a) for a in s.adjustments],
        "remark_codes": list(s.remark_codes),
        "control_number": s.control_number,
    }


def imbalance_doc(i: Imbalance) -> dict[str, Any]:
    return {
        "where": i.where,
        "expected": str(i.expected),
        "actual": str(i.actual),
        "message": i.message,
        "segment_number": i.segment_number,
        "segment_id": i.segment_id,
        "element_position": i.element_position,
    }


# --- events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PostingContext:
    """What every claim payment of one remittance shares."""

    remittance_id: str
    payer_id: str
    trace_number: str
    remittance_date: date


def _event_line(doc: dict[str, Any]) -> dict[str, Any]:
    dates = doc["service_dates"]
    return {
        "procedure_code": doc["procedure_code"],
        "modifiers": doc["modifiers"],
        "charge": doc["charge"],
        "paid": doc["paid"],
        "units": doc["units"],
        "service_date": dates.get("472") or dates.get("150"),
        "adjustments": doc["adjustments"],
        "remark_codes": doc["remark_codes"],
        "allowed_amount": doc["allowed"],
        "line_control_number": doc["control_number"],
    }


def adjudication_data(ctx: PostingContext, row: dict[str, Any]) -> dict[str, Any]:
    """The JSON form of a posted claim payment's event, from its stored row: the same
    path for a payment posted on arrival and one matched by hand later. Built as JSON
    directly because a large 835 makes thousands at once; `adjudication` validates it."""
    return {
        "claim_key": row["claim_id"],
        "claim_id": row["claim_id"],
        "clinic_id": row["clinic_id"],
        "patient_control_number": row["patient_control_number"],
        "remittance_id": ctx.remittance_id,
        "payment_id": row["id"],
        "payer_id": ctx.payer_id,
        "trace_number": ctx.trace_number,
        "payer_claim_control_number": row["payer_claim_control_number"],
        "claim_status_code": row["status_code"],
        "total_charge": str(row["charge"]),
        "paid_amount": str(row["paid"]),
        "patient_responsibility": str(row["patient_responsibility"]),
        "adjustments": row["adjustments"],
        "remark_codes": row["remark_codes"],
        "lines": [_event_line(line) for line in row["lines"]],
        "remittance_date": ctx.remittance_date.isoformat(),
        "is_reversal": row["is_reversal"],
        "reversed_payment_id": row["reversed_payment_id"],
        "crossover_payer": row.get("crossover_payer"),
    }


def adjudication(ctx: PostingContext, row: dict[str, Any]) -> ev.ClaimPaymentAdjudicated:
    return ev.ClaimPaymentAdjudicated.model_validate(adjudication_data(ctx, row))


def plb_event(p: ProviderAdjustment) -> ev.ProviderLevelAdjustment:
    return ev.ProviderLevelAdjustment(
        provider_id=p.provider_id,
        fiscal_period_date=p.fiscal_period_date,
        reason_code=p.reason,
        reference=p.reference,
        amount=p.amount,
    )
