"""Secondary and tertiary claims through the claims app and its database: a payer's 835
that leaves a balance makes the next payer's claim by itself, once; a crossover is
recorded as accepted at the next payer and never sent by us; the next payer's 837P
carries every prior decision and passes pyx12."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from rcm_claims.models import Submission
from rcm_claims.service.claims import ClaimService
from rcm_shared.events.remittance import AdjudicatedLine, Adjustment, ClaimPaymentAdjudicated
from rcm_shared.testing.fixtures import bearer
from rcm_shared.testing.x12_oracle import validate

from .factories import DOS, claim_body, claim_of, payer_body, setup_tenant

SECONDARY, TERTIARY = "MGAP1", "MCAID1"


def member(member_id: str) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "first_name": "Jane",
        "last_name": "Doe",
        "birth_date": "1980-04-02",
        "gender": "F",
        "address": {"line1": "5 Oak Ave", "city": "Springfield", "state": "IL",
                    "postal_code": "62704"},
    }  # fmt: skip


def coverage(payer_id: str, responsibility: str) -> dict[str, Any]:
    return {
        "payer_id": payer_id,
        "responsibility": responsibility,
        "subscriber": member(f"{payer_id}{uuid.uuid4().hex[:6].upper()}"),
    }


def cas(group: str, reason: str, amount: str) -> Adjustment:
    return Adjustment(group_code=group, reason_code=reason, amount=Decimal(amount))


def line(code: str, charge: str, paid: str, *adjustments: Adjustment) -> AdjudicatedLine:
    return AdjudicatedLine(
        procedure_code=code,
        modifiers=["25"] if code == "99214" else [],
        charge=Decimal(charge),
        paid=Decimal(paid),
        service_date=DOS,
        adjustments=list(adjustments),
    )


def remit(
    claim: dict[str, Any],
    payer_id: str,
    lines: list[AdjudicatedLine],
    *,
    status: str = "1",
    crossover_payer: str | None = None,
    claim_id: str | None = None,
) -> ClaimPaymentAdjudicated:
    paid = sum((ln.paid for ln in lines), Decimal("0.00"))
    owed = sum(
        (a.amount for ln in lines for a in ln.adjustments if a.group_code == "PR"),
        Decimal("0.00"),
    )
    return ClaimPaymentAdjudicated(
        claim_key=claim_id or claim["id"],
        claim_id=claim_id or claim["id"],
        patient_control_number=claim["patient_control_number"],
        remittance_id=str(uuid.uuid4()),
        payment_id=str(uuid.uuid4()),
        payer_id=payer_id,
        payer_claim_control_number=f"ICN{uuid.uuid4().hex[:8].upper()}",
        claim_status_code=status,
        total_charge=Decimal("195.50"),
        paid_amount=paid,
        patient_responsibility=owed,
        lines=lines,
        remittance_date=DOS,
        crossover_payer=crossover_payer,
    )


# the primary allows 100 + 30 and pays 80%: 26.00 left for the patient or the next payer
PRIMARY_LINES = [
    line("99214", "150.00", "80.00", cas("CO", "45", "50.00"), cas("PR", "2", "20.00")),
    line("93000", "45.50", "24.00", cas("CO", "45", "15.50"), cas("PR", "2", "6.00")),
]
SECONDARY_LINES = [
    line("99214", "150.00", "20.00", cas("OA", "23", "130.00")),
    line("93000", "45.50", "4.00", cas("OA", "23", "39.50"), cas("PR", "2", "2.00")),
]


async def record(app: FastAPI, tenant: str, payment: ClaimPaymentAdjudicated) -> None:
    """What the rcm.remittance.claim_adjudicated.v1 handler does, without Kafka."""
    async with app.state.runtime.sessions() as session, session.begin():
        await ClaimService(session, tenant, actor="remittance").record_adjudication(payment)


async def sent_claim(api: httpx.AsyncClient, tenant: str, body: dict[str, Any]) -> dict[str, Any]:
    created = await api.post("/v1/claims", json=body, headers=bearer(tenant))
    assert created.status_code == 201, created.text
    claim = created.json()
    assert claim["status"] == "ready", claim["edits"]
    submitted = await api.post(
        "/v1/submissions", json={"claim_ids": [claim["id"]]}, headers=bearer(tenant)
    )
    assert submitted.status_code == 201, submitted.text
    return dict(claim)


async def payers(api: httpx.AsyncClient, tenant: str) -> dict[str, str]:
    refs = await setup_tenant(api, tenant)
    for payer_id, cfi in ((SECONDARY, "CI"), (TERTIARY, "MC")):
        made = await api.post(
            "/v1/payers",
            json=payer_body(payer_id, name=f"Payer {payer_id}", claim_filing_indicator=cfi),
            headers=bearer(tenant),
        )
        assert made.status_code == 201, made.text
    return refs


async def file_of(app: FastAPI, submission_id: str) -> str:
    async with app.state.runtime.sessions() as session:
        row = await session.scalar(select(Submission).where(Submission.id == submission_id))
        assert row is not None
        return row.x12


async def test_the_primary_835_bills_the_secondary_once(
    app: FastAPI, api: httpx.AsyncClient, tenant: str
) -> None:
    refs = await payers(api, tenant)
    primary = await sent_claim(
        api,
        tenant,
        claim_body(refs["clinic_id"], other_coverages=[coverage(SECONDARY, "S")]),
    )
    await record(app, tenant, remit(primary, "87726", PRIMARY_LINES))
    after = await claim_of(api, tenant, primary["id"])
    assert after["status"] == "paid"
    assert after["next_claim_id"] is not None
    second = await claim_of(api, tenant, after["next_claim_id"])
    assert (second["payer_id"], second["payer_responsibility"]) == (SECONDARY, "S")
    assert second["prior_claim_id"] == primary["id"]
    assert second["status"] == "ready", second["edits"]
    [prior] = second["claim"]["other_coverages"]
    assert (prior["payer_id"], prior["responsibility"]) == ("87726", "P")
    assert Decimal(prior["adjudication"]["paid_amount"]) == Decimal("104.00")
    assert Decimal(prior["adjudication"]["remaining_patient_liability"]) == Decimal("26.00")

    # the same decision once more (an 835 sent again, a re-adjudication): no second claim
    await record(app, tenant, remit(primary, "87726", PRIMARY_LINES))
    listed = await api.get("/v1/claims", params={"payer_id": SECONDARY}, headers=bearer(tenant))
    assert [c["id"] for c in listed.json()["items"]] == [second["id"]]

    submitted = await api.post(
        "/v1/submissions", json={"claim_ids": [second["id"]]}, headers=bearer(tenant)
    )
    assert submitted.status_code == 201, submitted.text
    # open A/R: the secondary can bring what Medicare left the patient, not the charge again
    kpis = await api.get("/v1/kpis", params={"group_by": "payer"}, headers=bearer(tenant))
    assert Decimal(str(kpis.json()["groups"][SECONDARY]["open_balance"])) == Decimal("26.00")
    x12 = await file_of(app, submitted.json()["id"])
    verdict = validate(x12)
    assert verdict.ok, verdict.explain()
    assert "SBR*S*18" in x12 and "AMT*D*104" in x12 and "SVD*87726*80*HC:99214:25" in x12


async def test_a_tertiary_claim_carries_both_prior_payers(
    app: FastAPI, api: httpx.AsyncClient, tenant: str
) -> None:
    refs = await payers(api, tenant)
    primary = await sent_claim(
        api,
        tenant,
        claim_body(
            refs["clinic_id"],
            other_coverages=[coverage(TERTIARY, "T"), coverage(SECONDARY, "S")],
        ),
    )
    await record(app, tenant, remit(primary, "87726", PRIMARY_LINES))
    second_id = (await claim_of(api, tenant, primary["id"]))["next_claim_id"]
    sent = await api.post(
        "/v1/submissions", json={"claim_ids": [second_id]}, headers=bearer(tenant)
    )
    assert sent.status_code == 201, sent.text
    second = await claim_of(api, tenant, second_id)
    await record(app, tenant, remit(second, SECONDARY, SECONDARY_LINES))
    second = await claim_of(api, tenant, second_id)
    assert second["status"] == "paid"
    third = await claim_of(api, tenant, second["next_claim_id"])
    assert (third["payer_id"], third["payer_responsibility"]) == (TERTIARY, "T")
    assert [(c["payer_id"], c["responsibility"]) for c in third["claim"]["other_coverages"]] == [
        ("87726", "P"),
        (SECONDARY, "S"),
    ]
    assert third["status"] == "ready", third["edits"]
    sent = await api.post(
        "/v1/submissions", json={"claim_ids": [third["id"]]}, headers=bearer(tenant)
    )
    assert sent.status_code == 201, sent.text
    x12 = await file_of(app, sent.json()["id"])
    verdict = validate(x12)
    assert verdict.ok, verdict.explain()
    assert x12.count("AMT*D*") == 2 and "SVD*MGAP1*4*HC:93000" in x12


async def test_a_crossover_is_accepted_at_the_next_payer_and_never_sent(
    app: FastAPI, api: httpx.AsyncClient, tenant: str
) -> None:
    refs = await payers(api, tenant)
    primary = await sent_claim(
        api,
        tenant,
        claim_body(refs["clinic_id"], other_coverages=[coverage(SECONDARY, "S")]),
    )
    # CLP02 19: processed as primary, forwarded to the additional payer
    await record(app, tenant, remit(primary, "87726", PRIMARY_LINES, status="19"))
    after = await claim_of(api, tenant, primary["id"])
    second = await claim_of(api, tenant, after["next_claim_id"])
    assert second["status"] == "accepted"
    refused = await api.post(
        "/v1/submissions", json={"claim_ids": [second["id"]]}, headers=bearer(tenant)
    )
    assert refused.status_code == 409  # nothing ready: it is the payer's already

    # the secondary remits under the primary claim's number, naming itself by name only
    # (no N104 or REF*2U in its 835): CLP02 2 says whose payment it is
    await record(app, tenant, remit(primary, "HEARTLAND MEDIGAP", SECONDARY_LINES, status="2"))
    second = await claim_of(api, tenant, second["id"])
    assert second["status"] == "paid"
    assert Decimal(second["paid_amount"]) == Decimal("24.00")
    primary_now = await claim_of(api, tenant, primary["id"])
    assert Decimal(primary_now["paid_amount"]) == Decimal("104.00")


async def test_nm1_tt_is_a_crossover_too(app: FastAPI, api: httpx.AsyncClient, tenant: str) -> None:
    refs = await payers(api, tenant)
    primary = await sent_claim(
        api,
        tenant,
        claim_body(refs["clinic_id"], other_coverages=[coverage(SECONDARY, "S")]),
    )
    payment = remit(primary, "87726", PRIMARY_LINES, crossover_payer="MEDIGAP SUPPLEMENT")
    await record(app, tenant, payment)
    after = await claim_of(api, tenant, primary["id"])
    assert (await claim_of(api, tenant, after["next_claim_id"]))["status"] == "accepted"


async def test_nothing_left_bills_nobody(app: FastAPI, api: httpx.AsyncClient, tenant: str) -> None:
    refs = await payers(api, tenant)
    primary = await sent_claim(
        api,
        tenant,
        claim_body(refs["clinic_id"], other_coverages=[coverage(SECONDARY, "S")]),
    )
    in_full = [
        line("99214", "150.00", "100.00", cas("CO", "45", "50.00")),
        line("93000", "45.50", "30.00", cas("CO", "45", "15.50")),
    ]
    await record(app, tenant, remit(primary, "87726", in_full))
    after = await claim_of(api, tenant, primary["id"])
    assert after["next_claim_id"] is None
    history = await api.get(f"/v1/claims/{primary['id']}/history", headers=bearer(tenant))
    assert "nothing left for the next payer" in [h["event_type"] for h in history.json()]


async def test_intake_checks_the_coverages(api: httpx.AsyncClient, tenant: str) -> None:
    refs = await payers(api, tenant)
    unknown = await api.post(
        "/v1/claims",
        json=claim_body(refs["clinic_id"], other_coverages=[coverage("NOSUCH", "S")]),
        headers=bearer(tenant),
    )
    assert unknown.status_code == 201
    assert unknown.json()["status"] == "scrub_failed"
    assert ("COB_PAYER_UNKNOWN", "other_coverages[0].payer_id") in [
        (e["code"], e["path"]) for e in unknown.json()["edits"]
    ]
    bad = await api.post(
        "/v1/claims",
        json=claim_body(
            refs["clinic_id"], other_coverages=[{**coverage(SECONDARY, "S"), "responsibility": "X"}]
        ),
        headers=bearer(tenant),
    )
    assert bad.status_code == 422
    assert "body.other_coverages[0].responsibility" in bad.text
