"""Throughput of the 837P writer against a bare f-string loop.

    deploy/uv run python -m bench.claims_837p

Builds 5,000 professional claims (3 service lines each, 5 billing providers, one claim per
subscriber, every fifth claim for a dependent) and times, as the median of 3 runs:
  (a) a bare loop that formats the same segments from the same claims with f-strings
      and "~".join: no separator checks, no element rules, no grouping; the floor,
  (b) build_837p: grouping, the guide's checks, and the X12 writer's per-value checks.
The ratio (b)/(a) is what the checks cost. Both print their segment counts, which match.
No assertions: the figures are for reading (the target is >= 5,000 claims/s for (b)).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.common import timed_median
from rcm_claims.domain.claim import ClaimData
from rcm_claims.domain.x837p import (
    BillingProvider837,
    Claim837,
    Envelope837,
    Payer837,
    Provider837,
    build_837p,
)
from rcm_shared.events.reference import Address

CLAIMS = 5_000
LINES = 3
RUNS = 3
NPIS = ["1245319599", "1234567893", "1003000126", "1003000134", "1003000142"]
PROCEDURES = [("99213", "125.00"), ("97110", "45.50"), ("93000", "38.25"), ("J1100", "12.10")]
DIAGNOSES = ["E11.9", "I10", "M54.50", "J45.909"]
ENVELOPE = Envelope837(
    sender_id="SUBMITTER01",
    receiver_id="CLEARHOUSE",
    submitter_name="Acme Billing Services",
    submitter_contact_name="Jo Contact",
    submitter_contact_phone="5555551234",
    receiver_name="Example Clearinghouse",
    interchange_control=1,
    group_control=1,
    timestamp=datetime(2025, 6, 30, 9, 15),
)


def synthetic_claims(count: int = CLAIMS) -> list[Claim837]:
    clinics = [
        BillingProvider837(
            name=f"Clinic {n}",
            npi=npi,
            tax_id=f"12345678{n}",
            taxonomy_code="207Q00000X",
            address=Address(
                line1=f"{n} Main St", city="Springfield", state="IL", postal_code="627011234"
            ),
        )
        for n, npi in enumerate(NPIS)
    ]
    payer = Payer837(payer_id="87726", name="Acme Health Plan", claim_filing_indicator="CI")
    rendering = Provider837(NPIS[1], "Ann", "Smith", "207Q00000X")
    address = {"line1": "5 Oak Ave", "city": "Springfield", "state": "IL", "postal_code": "62704"}
    start = date(2025, 6, 2)
    claims = []
    for n in range(count):
        dos = (start + timedelta(days=n % 20)).isoformat()
        lines = [
            {
                "procedure_code": PROCEDURES[(n + k) % 4][0],
                "modifiers": ["25"] if k == 0 else [],
                "charge": PROCEDURES[(n + k) % 4][1],
                "service_date_from": dos,
                "diagnosis_pointers": [1, 2] if k == 0 else [k + 1],
            }
            for k in range(LINES)
        ]
        body: dict[str, Any] = {
            "clinic_id": f"clinic-{n % 5}",
            "payer_id": "payer-1",
            "subscriber": {
                "member_id": f"M{n:09d}",
                "first_name": "Jane",
                "last_name": f"Doe{n}",
                "birth_date": "1980-04-02",
                "gender": "F",
                "address": address,
                "group_number": "GRP100",
            },
            "place_of_service": "11",
            "diagnosis_codes": DIAGNOSES,
            "lines": lines,
            "total_charge": str(sum(Decimal(line["charge"]) for line in lines)),
        }
        if n % 5 == 4:
            body["patient"] = {
                "first_name": "Timmy",
                "last_name": f"Doe{n}",
                "birth_date": "2015-09-12",
                "gender": "M",
                "address": address,
                "relationship": "19",
            }
        claims.append(
            Claim837(
                data=ClaimData.model_validate(body),
                patient_control_number=f"PCN{n:08d}",
                billing=clinics[n % 5],
                payer=payer,
                rendering=rendering if n % 2 else None,
            )
        )
    return claims


def bare_fstrings(claims: list[Claim837]) -> tuple[str, int]:
    """(a) The same segments, formatted directly: what the text alone costs."""
    env = ENVELOPE
    by_billing: dict[str, list[Claim837]] = {}
    for claim in claims:
        by_billing.setdefault(claim.billing.npi, []).append(claim)
    out = [
        "ISA*00*          *00*          *ZZ*SUBMITTER01    *ZZ*CLEARHOUSE     "
        "*250630*0915*^*00501*000000001*0*P*:",
        "GS*HC*SUBMITTER01*CLEARHOUSE*20250630*0915*1*X*005010X222A1",
    ]
    for st, batch in enumerate(by_billing.values(), start=1):
        b = batch[0].billing
        a = b.address
        first = len(out)
        out += [
            f"ST*837*{st:04d}*005010X222A1",
            f"BHT*0019*00*000000001{st:04d}*20250630*0915*CH",
            f"NM1*41*2*{env.submitter_name.upper()}*****46*{env.sender_id}",
            f"PER*IC*{env.submitter_contact_name.upper()}*TE*{env.submitter_contact_phone}",
            f"NM1*40*2*{env.receiver_name.upper()}*****46*{env.receiver_id}",
            "HL*1**20*1",
            f"PRV*BI*PXC*{b.taxonomy_code}",
            f"NM1*85*2*{b.name.upper()}*****XX*{b.npi}",
            f"N3*{a.line1.upper()}",
            f"N4*{a.city.upper()}*{a.state}*{a.postal_code}",
            f"REF*EI*{b.tax_id}",
        ]
        hl = 1
        for claim in batch:
            d = claim.data
            s = d.subscriber
            sa = s.address
            dep = d.patient
            payer = claim.payer
            hl += 1
            out += [
                f"HL*{hl}*1*22*{1 if dep else 0}",
                f"SBR*P*{'' if dep else '18'}*{s.group_number}******{payer.claim_filing_indicator}",
                f"NM1*IL*1*{s.last_name.upper()}*{s.first_name.upper()}****MI*{s.member_id}",
            ]
            if not dep:
                out += [
                    f"N3*{sa.line1.upper()}",
                    f"N4*{sa.city.upper()}*{sa.state}*{sa.postal_code}",
                    f"DMG*D8*{s.birth_date.isoformat().replace('-', '')}*{s.gender}",
                ]
            out.append(f"NM1*PR*2*{payer.name.upper()}*****PI*{payer.payer_id}")
            if dep:
                hl += 1
                pa = dep.address
                out += [
                    f"HL*{hl}*{hl - 1}*23*0",
                    f"PAT*{dep.relationship}",
                    f"NM1*QC*1*{dep.last_name.upper()}*{dep.first_name.upper()}",
                    f"N3*{pa.line1.upper()}",
                    f"N4*{pa.city.upper()}*{pa.state}*{pa.postal_code}",
                    f"DMG*D8*{dep.birth_date.isoformat().replace('-', '')}*{dep.gender}",
                ]
            out.append(f"CLM*{claim.patient_control_number}*{d.total_charge}***11:B:1*Y*A*Y*Y")
            out.append(
                "HI*"
                + "*".join(
                    f"AB{'K' if i == 0 else 'F'}:{c}" for i, c in enumerate(d.diagnosis_codes)
                )
            )
            if claim.rendering:
                r = claim.rendering
                out.append(f"NM1*82*1*{r.last_name.upper()}*{r.first_name.upper()}****XX*{r.npi}")
                out.append(f"PRV*PE*PXC*{r.taxonomy_code}")
            for k, line in enumerate(d.lines, start=1):
                code = ":".join([line.procedure_code, *line.modifiers])
                pointers = ":".join(map(str, line.diagnosis_pointers))
                out += [
                    f"LX*{k}",
                    f"SV1*HC:{code}*{line.charge}*{line.unit_type}*{line.units}***{pointers}",
                    f"DTP*472*D8*{line.service_date_from.isoformat().replace('-', '')}",
                ]
        out.append(f"SE*{len(out) - first + 1}*{st:04d}")
    out += [f"GE*{len(by_billing)}*1", "IEA*1*000000001"]
    return "~\n".join(out) + "~\n", len(out)


def writer(claims: list[Claim837]) -> tuple[str, int]:
    """(b) build_837p."""
    x12 = build_837p(claims, ENVELOPE).x12
    return x12, x12.count("~")


def main() -> None:
    claims = synthetic_claims()
    print(
        f"{CLAIMS:,} claims x {LINES} lines, {len(NPIS)} billing providers, median of {RUNS} runs"
    )
    cases = [("(a) bare f-strings + join", bare_fstrings), ("(b) build_837p", writer)]
    print(f"{'':28} {'claims/s':>10} {'segments/s':>12} {'segments':>9} {'MB':>6} {'x (a)':>6}")
    base = 0.0
    for name, func in cases:
        seconds, (text, segments) = timed_median(RUNS, func, claims)
        size = len(text)
        base = base or seconds
        print(
            f"{name:28} {CLAIMS / seconds:10,.0f} {segments / seconds:12,.0f} "
            f"{segments:9,} {size / 1e6:6.2f} {seconds / base:6.1f}"
        )


if __name__ == "__main__":
    main()
