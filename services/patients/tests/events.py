"""Events the patients service consumes, built as the claims and remittance services build
them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from rcm_shared.events.catalog import EventPayload, new_event
from rcm_shared.events.claims import ClaimCreated, ClaimLineSummary
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.reference import Address, ClinicRegistered
from rcm_shared.events.remittance import AdjudicatedLine, Adjustment, ClaimPaymentAdjudicated
from rcm_shared.identity import patient_key

D = Decimal
DOS = date.today() - timedelta(days=40)
PRIMARY = "87726"
SECONDARY = "60054"
BIRTH = date(1961, 5, 17)


def ev(tenant: str, payload: EventPayload) -> CloudEvent:
    return new_event(payload, tenant_id=tenant, source="/tests")


def clinic(tenant: str, clinic_id: str) -> CloudEvent:
    return ev(
        tenant,
        ClinicRegistered(
            clinic_id=clinic_id,
            name="Main Street Family Medicine",
            npi="1245319599",
            tax_id="123456789",
            taxonomy_code="207Q00000X",
            address=Address(
                line1="100 Main St", city="Springfield", state="IL", postal_code="627011234"
            ),
            version=1,
        ),
    )


def key_of(tenant: str, member_id: str, payer_id: str = PRIMARY) -> str:
    return patient_key(tenant, payer_id, member_id, BIRTH)


def claim(
    tenant: str,
    claim_id: str,
    clinic_id: str,
    member_id: str,
    *,
    lines: tuple[tuple[str, str], ...] = (("99213", "150.00"), ("85025", "50.00")),
    responsibility: str = "P",
    payer_id: str = PRIMARY,
    prior: str | None = None,
    next_payer: str | None = None,
    original: str | None = None,
) -> CloudEvent:
    return ev(
        tenant,
        ClaimCreated(
            claim_id=claim_id,
            patient_control_number=claim_id[:20],
            clinic_id=clinic_id,
            payer_id=payer_id,
            status="draft",
            occurred_at=datetime.now(UTC),
            patient_key=key_of(tenant, member_id),
            rendering_provider_id=None,
            frequency_code="7" if original else "1",
            original_claim_id=original,
            payer_responsibility=responsibility,
            prior_claim_id=prior,
            next_payer_id=next_payer,
            total_charge=sum((D(c) for _, c in lines), D(0)),
            service_date_from=DOS,
            service_date_to=DOS,
            diagnosis_codes=["I10"],
            lines=[
                ClaimLineSummary(
                    line_number=n,
                    procedure_code=code,
                    modifiers=[],
                    charge=D(charge),
                    units=D(1),
                    service_date=DOS,
                )
                for n, (code, charge) in enumerate(lines, start=1)
            ],
        ),
    )


def cas(code: str, amount: str) -> Adjustment:
    group, carc = code.split("-")
    return Adjustment(group_code=group, reason_code=carc, amount=D(amount))


def line(code: str, charge: str, paid: str, *adjustments: Adjustment) -> AdjudicatedLine:
    return AdjudicatedLine(
        procedure_code=code, charge=D(charge), paid=D(paid), adjustments=list(adjustments)
    )


def adjudicated(
    tenant: str,
    claim_id: str,
    payment_id: str,
    lines: list[AdjudicatedLine],
    *,
    payer_id: str = PRIMARY,
    status: str = "1",
    reversed_payment_id: str | None = None,
    remittance_id: str | None = None,
    on: date | None = None,
) -> CloudEvent:
    pr = sum((a.amount for ln in lines for a in ln.adjustments if a.group_code == "PR"), D(0))
    return ev(
        tenant,
        ClaimPaymentAdjudicated(
            claim_key=claim_id,
            claim_id=claim_id,
            patient_control_number=claim_id[:20],
            remittance_id=remittance_id or f"era-{payment_id}",
            payment_id=payment_id,
            payer_id=payer_id,
            payer_claim_control_number=None,
            claim_status_code=status,
            total_charge=sum((ln.charge for ln in lines), D(0)),
            paid_amount=sum((ln.paid for ln in lines), D(0)),
            patient_responsibility=pr,
            lines=lines,
            remittance_date=on or DOS + timedelta(days=14),
            is_reversal=status == "22",
            reversed_payment_id=reversed_payment_id,
        ),
    )
