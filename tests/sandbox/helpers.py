"""837Ps exactly as the claims service writes them (its own builder), and readers of what
the sandbox answers (the services' own parsers), for the sandbox tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from deploy.sandbox.clearinghouse import Sandbox
from deploy.sandbox.config import SandboxSettings
from rcm_claims.domain.claim import ClaimData
from rcm_claims.domain.x837p import (
    BillingProvider837,
    Claim837,
    Envelope837,
    Payer837,
    Provider837,
    build_837p,
)
from rcm_remittance.domain.x835 import (
    ClaimPayment,
    ProviderAdjustment,
    RemittanceHeader,
    TransactionEnd,
    read_835,
)
from rcm_shared.events.reference import Address
from rcm_shared.testing.x12_oracle import validate

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DOS = TODAY - timedelta(days=5)

CLINIC = BillingProvider837(
    name="Springfield Family Medicine",
    npi="1245319599",
    tax_id="123456789",
    taxonomy_code="207Q00000X",
    address=Address(line1="100 Main St", city="Springfield", state="IL", postal_code="627011234"),
)
OTHER_CLINIC = BillingProvider837(
    name="Lakeside Cardiology",
    npi="1003000126",
    tax_id="987654321",
    taxonomy_code="207RC0000X",
    address=Address(line1="9 Lake Shore Dr", city="Chicago", state="IL", postal_code="606110001"),
)
RENDERING = Provider837(npi="1234567893", first_name="Ana", last_name="Silva")
PAYERS = {
    "87726": Payer837(payer_id="87726", name="Acme Health Plan", claim_filing_indicator="CI"),
    "41122": Payer837(payer_id="41122", name="Lakeshore Mutual", claim_filing_indicator="BL"),
    "00952": Payer837(payer_id="00952", name="Sandbox Medicare", claim_filing_indicator="MB"),
    "77031": Payer837(payer_id="77031", name="Prairie Medicaid", claim_filing_indicator="MC"),
    "60054": Payer837(payer_id="60054", name="Heartland Medigap", claim_filing_indicator="15"),
}
_controls = itertools.count(5000)


def line(
    code: str = "99213", charge: str = "150.00", dos: date = DOS, **extra: Any
) -> dict[str, Any]:
    return {
        "procedure_code": code,
        "charge": charge,
        "service_date_from": dos.isoformat(),
        "diagnosis_pointers": [1],
        **extra,
    }


def claim(
    pcn: str,
    member: str = "ACT100",
    lines: list[dict[str, Any]] | None = None,
    payer: str = "87726",
    clinic: BillingProvider837 = CLINIC,
    dependent: bool = False,
    **extra: Any,
) -> Claim837:
    lines = lines or [line("99214", "150.00", modifiers=["25"], diagnosis_pointers=[1, 2]),
                      line("93000", "45.50", diagnosis_pointers=[2])]  # fmt: skip
    total = sum(Decimal(item["charge"]) for item in lines)
    person = {
        "first_name": "Jane",
        "last_name": "Doe",
        "birth_date": "1980-04-02",
        "gender": "F",
        "address": {"line1": "5 Oak Ave", "city": "Springfield", "state": "IL",
                    "postal_code": "62704"},
    }  # fmt: skip
    body: dict[str, Any] = {
        "clinic_id": "clinic-1",
        "payer_id": payer,
        "subscriber": {**person, "member_id": member, "group_number": "GRP100"},
        "place_of_service": "11",
        "diagnosis_codes": ["E11.9", "I10"],
        "lines": lines,
        "total_charge": str(total),
        **extra,
    }
    if dependent:
        body["patient"] = {**person, "first_name": "Timmy", "birth_date": "2015-09-12",
                           "gender": "M", "relationship": "19"}  # fmt: skip
    return Claim837(
        data=ClaimData.model_validate(body),
        patient_control_number=pcn,
        billing=clinic,
        payer=PAYERS[payer],
        rendering=RENDERING,
    )


@dataclass
class Batch:
    x12: str
    interchange: int
    group: int
    transactions: list[tuple[str, list[str]]]


def batch(*claims: Claim837, control: int | None = None) -> Batch:
    number = control or next(_controls)
    envelope = Envelope837(
        sender_id="RCMBACKBONE",
        receiver_id="CLEARINGHOUSE",
        submitter_name="Acme Billing Services",
        submitter_contact_name="Jo Contact",
        submitter_contact_phone="5555551234",
        receiver_name="Clearinghouse",
        interchange_control=number,
        group_control=number,
        timestamp=NOW,
        usage="T",
    )
    built = build_837p(list(claims), envelope)
    return Batch(built.x12, number, number, built.transactions)


def sandbox(tmp: Path, **overrides: Any) -> Sandbox:
    settings = SandboxSettings(
        data_dir=tmp / "data",
        outbound_dir=tmp / "outbound",
        inbound_dir=tmp / "inbound",
        remittance_dir=tmp / "remittance",
        today=TODAY,
        **overrides,
    )
    return Sandbox(settings, clock=lambda: NOW)


def files(folder: Path, suffix: str) -> list[Path]:
    return sorted(p for p in folder.glob(f"*{suffix}") if p.is_file())


def oracle_errors(text: str) -> list[Any]:
    verdict = validate(text)
    return [] if verdict.ok else [verdict.exception, *verdict.findings]


@dataclass
class Read835:
    headers: list[RemittanceHeader]
    claims: list[ClaimPayment]
    adjustments: list[ProviderAdjustment]
    ends: list[TransactionEnd]

    def by_pcn(self, pcn: str) -> list[ClaimPayment]:
        return [c for c in self.claims if c.patient_control_number == pcn]


def read(text: str) -> Read835:
    out = Read835([], [], [], [])
    for event in read_835(text):
        if isinstance(event, RemittanceHeader):
            out.headers.append(event)
        elif isinstance(event, ClaimPayment):
            out.claims.append(event)
        elif isinstance(event, ProviderAdjustment):
            out.adjustments.append(event)
        elif isinstance(event, TransactionEnd):
            out.ends.append(event)
    return out
