"""Events the denials service consumes, built as their publishers build them, and a
producer that puts each one on Kafka twice (every consumed event must act once)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiokafka import AIOKafkaProducer

from rcm_shared.events.catalog import EventPayload, new_event
from rcm_shared.events.claims import ClaimCorrected, ClaimCreated, ClaimLineSummary
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.reference import (
    Address,
    ClinicRegistered,
    PayerRegistered,
    ProviderRegistered,
)
from rcm_shared.events.remittance import AdjudicatedLine, Adjustment, ClaimPaymentAdjudicated

TODAY = date.today()
DOS = TODAY - timedelta(days=20)
PAYER = "87726"


async def send(
    stack: dict[str, Any], events: Sequence[CloudEvent | tuple[str, str, bytes]], times: int = 2
) -> None:
    """Each event `times` times, in order. A raw (topic, key, bytes) is sent as it is."""
    producer = AIOKafkaProducer(bootstrap_servers=stack["bootstrap"])
    await producer.start()
    try:
        for _ in range(times):
            for event in events:
                if isinstance(event, tuple):
                    topic, key, raw = event
                    await producer.send_and_wait(stack["prefix"] + topic, raw, key=key.encode())
                    continue
                payload_topic = _topic(event)
                await producer.send_and_wait(
                    stack["prefix"] + payload_topic,
                    event.to_bytes(),
                    key=(event.subject or "").encode(),
                )
    finally:
        await producer.stop()


async def wait_reference(stack: dict[str, Any], tenant: str) -> None:
    """Until the tenant's clinic is in: claims and payments of an unknown tenant are
    retried and then dead-lettered."""
    from sqlalchemy import text  # noqa: PLC0415

    from rcm_shared.testing.fixtures import wait_for  # noqa: PLC0415

    async def known() -> bool:
        async with stack["engines"]["denials"].connect() as conn:
            found = await conn.scalar(
                text("SELECT count(*) FROM clinic_directory WHERE tenant_id = :t"), {"t": tenant}
            )
        return bool(found)

    await wait_for(known, timeout=60, what="the tenant's reference data")


def _topic(event: CloudEvent) -> str:
    from rcm_shared.events.catalog import CATALOG  # noqa: PLC0415

    return CATALOG[event.type].topic


def ev(tenant: str, payload: EventPayload) -> CloudEvent:
    return new_event(payload, tenant_id=tenant, source="/tests")


def reference(tenant: str, clinic_id: str, provider_id: str, window: int = 60) -> list[CloudEvent]:
    street = Address(line1="1 Main St", city="Springfield", state="IL", postal_code="627011234")
    return [
        ev(
            tenant,
            ClinicRegistered(
                clinic_id=clinic_id,
                name="Main St Clinic",
                npi="1245319599",
                tax_id="123456789",
                taxonomy_code="207Q00000X",
                address=street,
                version=1,
            ),
        ),
        ev(
            tenant,
            PayerRegistered(
                payer_id=PAYER,
                name="Acme Health",
                claim_filing_indicator="CI",
                timely_filing_days=365,
                appeal_window_days=window,
                version=1,
            ),
        ),
        ev(
            tenant,
            ProviderRegistered(
                provider_id=provider_id,
                npi="1234567893",
                first_name="Ana",
                last_name="Silva",
                taxonomy_code="207R00000X",
                version=1,
            ),
        ),
    ]


def claim_created(
    tenant: str,
    claim_id: str,
    clinic_id: str,
    provider_id: str | None,
    lines: Sequence[tuple[str, list[str], str]] = (("99213", [], "200.00"),),
    original: str | None = None,
    pcn: str | None = None,
) -> CloudEvent:
    total = sum((Decimal(c) for _, _, c in lines), Decimal(0))
    return ev(
        tenant,
        ClaimCreated(
            claim_id=claim_id,
            patient_control_number=pcn or claim_id.replace("-", "")[:20],
            clinic_id=clinic_id,
            payer_id=PAYER,
            status="ready",
            occurred_at=datetime.now(UTC),
            patient_key="pk" + claim_id.replace("-", "")[:20],
            rendering_provider_id=provider_id,
            frequency_code="7" if original else "1",
            original_claim_id=original,
            total_charge=total,
            service_date_from=DOS,
            service_date_to=DOS,
            diagnosis_codes=["M545", "R5383"],
            lines=[
                ClaimLineSummary(
                    line_number=i + 1,
                    procedure_code=p,
                    modifiers=m,
                    charge=Decimal(c),
                    units=Decimal(1),
                    service_date=DOS,
                )
                for i, (p, m, c) in enumerate(lines)
            ],
        ),
    )


def corrected(
    tenant: str, original: str, replacement: str, denial_id: str, clinic_id: str
) -> CloudEvent:
    return ev(
        tenant,
        ClaimCorrected(
            claim_id=original,
            patient_control_number=original.replace("-", "")[:20],
            clinic_id=clinic_id,
            payer_id=PAYER,
            status="corrected",
            occurred_at=datetime.now(UTC),
            replacement_claim_id=replacement,
            denial_id=denial_id,
        ),
    )


def cas(code: str, amount: str) -> Adjustment:
    group, carc = code.split("-", 1)
    return Adjustment(group_code=group, reason_code=carc, amount=Decimal(amount))


def line(
    code: str,
    charge: str,
    paid: str,
    adjustments: list[Adjustment],
    remarks: list[str] | None = None,
    modifiers: list[str] | None = None,
    allowed: str | None = None,
) -> AdjudicatedLine:
    return AdjudicatedLine(
        procedure_code=code,
        modifiers=modifiers or [],
        charge=Decimal(charge),
        paid=Decimal(paid),
        adjustments=adjustments,
        remark_codes=remarks or [],
        allowed_amount=Decimal(allowed) if allowed else None,
        service_date=DOS,
    )


def adjudicated(
    tenant: str,
    claim_id: str | None,
    clinic_id: str | None,
    lines: list[AdjudicatedLine],
    status: str = "4",
    payment_id: str | None = None,
    remittance_date: date = TODAY,
    reversal_of: str | None = None,
    pcn: str | None = None,
    claim_adjustments: list[Adjustment] | None = None,
) -> CloudEvent:
    charge = sum((ln.charge for ln in lines), Decimal(0))
    paid = sum((ln.paid for ln in lines), Decimal(0))
    pcn = pcn or (claim_id or "x").replace("-", "")[:20]
    return ev(
        tenant,
        ClaimPaymentAdjudicated(
            claim_key=claim_id or pcn,
            claim_id=claim_id,
            patient_control_number=pcn,
            remittance_id=str(uuid.uuid4()),
            payment_id=payment_id or str(uuid.uuid4()),
            payer_id=PAYER,
            payer_claim_control_number="ICN" + (claim_id or pcn)[:8],
            claim_status_code="22" if reversal_of else status,
            total_charge=charge,
            paid_amount=-paid if reversal_of else paid,
            patient_responsibility=Decimal(0),
            adjustments=claim_adjustments or [],
            lines=lines,
            remittance_date=remittance_date,
            is_reversal=reversal_of is not None,
            reversed_payment_id=reversal_of,
            clinic_id=clinic_id,
        ),
    )
