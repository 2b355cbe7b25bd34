"""The patients service against the real stack: claims and 835 adjudications in through
Kafka (every event delivered twice), the ledger they make, patient payments, refunds,
plans, statements and dunning through the API."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from rcm_patients.app import create_app
from rcm_patients.config import PatientsSettings
from rcm_shared.messaging.tables import outbox
from rcm_shared.testing.fixtures import bearer, running, settings_for, wait_for
from rcm_shared.testing.kafka import publish_events

from .events import (
    BIRTH,
    DOS,
    PRIMARY,
    SECONDARY,
    adjudicated,
    cas,
    claim,
    clinic,
    line,
)

D = Decimal


@pytest.fixture(scope="module")
async def app(stack: dict[str, Any]) -> AsyncIterator[FastAPI]:
    settings = settings_for(PatientsSettings, "patients", statement_poll_seconds=0)
    application = create_app(settings, run_workers=True)
    async with running(application) as client:
        application.state.client = client
        consumer = application.state.runtime.consumer
        await wait_for(lambda: _true(consumer.assigned.is_set()), timeout=60, what="partitions")
        yield application


async def _true(value: bool) -> bool:
    return value


class Tenant:
    def __init__(self, stack: dict[str, Any], app: FastAPI, tenant: str) -> None:
        self.stack, self.id = stack, tenant
        self.api: httpx.AsyncClient = app.state.client
        self.headers = bearer(tenant)
        self.clinic = str(uuid.uuid4())

    async def send(self, *events: Any) -> None:
        await publish_events(self.stack, list(events), times=2)

    async def register(self, *members: str, **extra: Any) -> dict[str, Any]:
        body = {
            "clinic_id": self.clinic,
            "account_number": f"A{uuid.uuid4().hex[:6].upper()}",
            "guarantor": {
                "first_name": "Maria",
                "last_name": "Lopez",
                "address": {
                    "line1": "12 Elm St",
                    "city": "Springfield",
                    "state": "IL",
                    "postal_code": "62704",
                },
            },
            "patients": [
                {
                    "first_name": "Maria",
                    "last_name": "Lopez",
                    "birth_date": BIRTH.isoformat(),
                    "coverages": [{"payer_id": PRIMARY, "member_id": m} for m in members],
                }
            ],
            **extra,
        }
        response = await self.api.post("/v1/accounts", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def account(self, account_id: str) -> dict[str, Any]:
        response = await self.api.get(f"/v1/accounts/{account_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def until(self, account_id: str, what: str, check: Any) -> dict[str, Any]:
        found: dict[str, Any] = {}

        async def ready() -> bool:
            nonlocal found
            found = await self.account(account_id)
            return bool(check(found))

        await wait_for(ready, timeout=60, what=what)
        return found

    async def ledger(self, account_id: str) -> list[dict[str, Any]]:
        response = await self.api.get(f"/v1/accounts/{account_id}/ledger", headers=self.headers)
        assert response.status_code == 200
        return list(response.json())

    async def pay(
        self, account_id: str, body: dict[str, Any], key: str | None = None
    ) -> httpx.Response:
        headers = {**self.headers, **({"Idempotency-Key": key} if key else {})}
        return await self.api.post(
            f"/v1/accounts/{account_id}/payments", json=body, headers=headers
        )

    async def run(self, days_from_now: int) -> dict[str, Any]:
        as_of = (DOS + timedelta(days=40 + days_from_now)).isoformat()
        response = await self.api.post(
            "/v1/statement-runs", json={"clinic_id": self.clinic, "as_of": as_of},
            headers=self.headers,
        )  # fmt: skip
        assert response.status_code == 201, response.text
        return dict(response.json())


@pytest.fixture
async def t(stack: dict[str, Any], app: FastAPI, tenant: str) -> Tenant:
    subject = Tenant(stack, app, tenant)
    await subject.send(clinic(tenant, subject.clinic))
    return subject


def kinds(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["kind"], e["amount"]) for e in entries]


async def test_primary_then_secondary_leave_the_patient_what_the_secondary_says(t: Tenant) -> None:
    account = await t.register("W100")
    primary, secondary = str(uuid.uuid4()), str(uuid.uuid4())
    await t.send(
        claim(t.id, primary, t.clinic, "W100", next_payer=SECONDARY),
        adjudicated(t.id, primary, "pay-1", [
            line("99213", "150.00", "80.00", cas("CO-45", "30.00"), cas("PR-2", "40.00")),
            line("85025", "50.00", "25.00", cas("CO-45", "15.00"), cas("PR-3", "10.00")),
        ]),
    )  # fmt: skip
    # the secondary is on file: the 50.00 waits for it and is not billed to the patient
    waiting = await t.until(account["id"], "the primary's share", lambda a: a["balance"] == "50.00")
    assert (waiting["due"], waiting["pending_insurance"]) == ("0.00", "50.00")
    assert waiting["visits"][0]["pending_insurance"] is True

    await t.send(
        claim(t.id, secondary, t.clinic, "W100", responsibility="S", payer_id=SECONDARY,
              prior=primary),
        adjudicated(t.id, secondary, "pay-2", [
            line("99213", "150.00", "32.00", cas("OA-23", "110.00"), cas("PR-2", "8.00")),
            line("85025", "50.00", "10.00", cas("OA-23", "40.00")),
        ], payer_id=SECONDARY),
    )  # fmt: skip
    done = await t.until(account["id"], "the secondary's word", lambda a: a["balance"] == "8.00")
    assert (done["due"], done["pending_insurance"]) == ("8.00", "0.00")
    [visit] = done["visits"]
    assert visit["claim_ids"] == [primary, secondary]
    assert (visit["insurance_paid"], visit["patient_responsibility"]) == ("147.00", "8.00")
    entries = await t.ledger(account["id"])
    assert kinds(entries) == [
        ("patient_responsibility", "40.00"),
        ("patient_responsibility", "10.00"),
        ("insurance_paid", "-32.00"),
        ("insurance_paid", "-10.00"),
    ]
    # every entry names the event and the 835 claim payment behind it
    assert {(e["payment_id"], e["remittance_id"]) for e in entries} == {
        ("pay-1", "era-pay-1"),
        ("pay-2", "era-pay-2"),
    }
    assert all(e["event_id"] for e in entries)


async def test_a_reversal_moves_the_balance_and_a_credit_gets_its_refund(t: Tenant) -> None:
    account = await t.register("W200")
    c = str(uuid.uuid4())
    lines = [line("99214", "200.00", "100.00", cas("CO-45", "50.00"), cas("PR-1", "50.00"))]
    await t.send(claim(t.id, c, t.clinic, "W200", lines=(("99214", "200.00"),)),
                 adjudicated(t.id, c, "p-a", lines))  # fmt: skip
    await t.until(account["id"], "the deductible", lambda a: a["due"] == "50.00")

    paid = await t.pay(account["id"], {"amount": "50.00", "method": "check", "reference": "1042"})
    assert paid.status_code == 201, paid.text
    assert paid.json()["applied"] == [{"claim_id": c, "amount": "50.00"}]

    # the payer takes its decision back and pays in full: the patient is owed 50.00
    reversed_lines = [line("99214", "-200.00", "-100.00", cas("CO-45", "-50.00"),
                           cas("PR-1", "-50.00"))]  # fmt: skip
    await t.send(
        adjudicated(t.id, c, "p-b", reversed_lines, status="22", reversed_payment_id="p-a"),
        adjudicated(t.id, c, "p-c", [line("99214", "200.00", "150.00", cas("CO-45", "50.00"))]),
    )
    credit = await t.until(account["id"], "the credit", lambda a: a["balance"] == "-50.00")
    assert [(r["status"], r["amount"]) for r in credit["refunds"]] == [("due", "50.00")]
    assert kinds(await t.ledger(account["id"]))[-1] == ("reversal", "-50.00")

    too_much = await t.api.post(f"/v1/accounts/{account['id']}/refunds",
        json={"amount": "60.00", "method": "check"}, headers=t.headers)  # fmt: skip
    assert too_much.status_code == 422 and too_much.json()["detail"][0]["path"] == "body.amount"
    refund_body = {"amount": "50.00", "method": "check", "reference": "R-7"}
    refund = await t.api.post(
        f"/v1/accounts/{account['id']}/refunds", json=refund_body, headers=t.headers
    )
    assert refund.status_code == 201, refund.text
    settled = await t.account(account["id"])
    assert settled["balance"] == "0.00"
    assert sorted((r["status"], r["amount"]) for r in settled["refunds"]) == [
        ("issued", "50.00"),
        ("void", "50.00"),
    ]


async def test_payments_are_idempotent_and_refuse_what_they_must(t: Tenant) -> None:
    account = await t.register("W300")
    c = str(uuid.uuid4())
    await t.send(
        claim(t.id, c, t.clinic, "W300", lines=(("99213", "120.00"),)),
        adjudicated(t.id, c, "p-1", [line("99213", "120.00", "60.00", cas("PR-3", "60.00"))]),
    )
    await t.until(account["id"], "the copay", lambda a: a["due"] == "60.00")
    body = {"amount": "20.00", "method": "card", "reference": "ch_3PqLx2Ab"}
    first = await t.pay(account["id"], body, key="k-1")
    again = await t.pay(account["id"], body, key="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = await t.pay(account["id"], {**body, "amount": "21.00"}, key="k-1")
    assert other.status_code == 409
    assert (await t.account(account["id"]))["balance"] == "40.00"  # taken once

    card = await t.pay(account["id"], {**body, "reference": "4111 1111 1111 1111"})
    assert card.status_code == 422 and card.json()["detail"][0]["path"] == "body.reference"
    over = await t.pay(account["id"], {**body, "amount": "40.01"})
    assert over.status_code == 422 and over.json()["detail"][0]["path"] == "body.amount"
    wrong = await t.pay(account["id"], {**body, "claim_id": "not-a-claim"})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["path"] == "body.claim_id"
    # another tenant sees nothing of it
    stranger = await t.api.get(f"/v1/accounts/{account['id']}", headers=bearer("someone-else"))
    assert stranger.status_code == 404
    assert (await t.account(account["id"]))["balance"] == "40.00"


async def test_a_claim_before_its_registration_is_adopted(t: Tenant) -> None:
    c = str(uuid.uuid4())
    await t.send(
        claim(t.id, c, t.clinic, "W400", lines=(("99213", "100.00"),)),
        adjudicated(t.id, c, "p-1", [line("99213", "100.00", "70.00", cas("PR-2", "30.00"))]),
    )

    async def visit_known() -> bool:
        response = await t.api.get(f"/v1/visits/{c}", headers=t.headers)
        return response.status_code == 200 and response.json()["balance"] == "30.00"

    await wait_for(visit_known, timeout=60, what="the unregistered visit")
    account = await t.register("W400")
    assert [v["claim_id"] for v in account["visits"]] == [c]
    assert account["balance"] == "30.00"
    twice = await t.api.post(
        "/v1/accounts",
        json={**_body_of(account, t), "account_number": None},
        headers=t.headers,
    )
    assert twice.status_code == 409
    assert twice.json()["detail"][0]["path"] == "body.patients[0].coverages[0]"


def _body_of(account: dict[str, Any], t: Tenant) -> dict[str, Any]:
    return {
        "clinic_id": t.clinic,
        "guarantor": account["guarantor"],
        "patients": [
            {
                "first_name": "Maria",
                "last_name": "Lopez",
                "birth_date": BIRTH.isoformat(),
                "coverages": [{"payer_id": PRIMARY, "member_id": "W400"}],
            }
        ],
    }


async def _owing(t: Tenant, member: str, amount: str) -> dict[str, Any]:
    account = await t.register(member)
    c = str(uuid.uuid4())
    write_off = f"{200 - D(amount):.2f}"
    paid = line("99214", "300.00", "100.00", cas("PR-1", amount), cas("CO-45", write_off))
    await t.send(
        claim(t.id, c, t.clinic, member, lines=(("99214", "300.00"),)),
        adjudicated(t.id, c, f"p-{member}", [paid]),
    )
    return await t.until(account["id"], f"{amount} due", lambda a: a["due"] == amount)


async def test_dunning_without_a_plan_ends_in_collections(t: Tenant, stack: dict[str, Any]) -> None:
    account = await _owing(t, "W500", "120.00")
    notices = []
    for days in (0, 30, 60, 90):
        run = await t.run(days)
        notices.append(run["notices"] or {"collections": run["sent_to_collections"]})
    assert notices == [
        {"statement": 1},
        {"second_notice": 1},
        {"final_notice": 1},
        {"collections": 1},
    ]
    again = await t.run(90)  # the same day again: nothing more
    assert again["statements"] == 0
    flagged = await t.account(account["id"])
    assert flagged["collections_flagged_on"] is not None
    types = await _outbox_types(stack, t.id)
    assert types.count("rcm.patient.statement_issued.v1") == 3
    assert "rcm.patient.account_sent_to_collections.v1" in types

    statements = (await t.api.get("/v1/statements", params={"account_id": account["id"]},
                                  headers=t.headers)).json()  # fmt: skip
    final = next(s for s in statements if s["notice"] == "final_notice")
    doc = (await t.api.get(f"/v1/statements/{final['id']}", headers=t.headers)).json()["document"]
    assert doc["clinic"]["name"] == "Main Street Family Medicine"
    assert doc["guarantor"]["name"] == "Maria Lopez"
    assert doc["amount_due"] == "120.00" and doc["visits"][0]["patient_responsibility"] == "120.00"
    pdf = await t.api.get(f"/v1/statements/{final['id']}/pdf", headers=t.headers)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


async def test_a_kept_plan_holds_dunning_and_a_broken_one_resumes_it(
    t: Tenant, stack: dict[str, Any]
) -> None:
    account = await _owing(t, "W600", "150.00")
    start = (DOS + timedelta(days=40)).isoformat()
    plan = await t.api.post(
        f"/v1/accounts/{account['id']}/payment-plans",
        json={"installments": 3, "day_of_month": 10, "start": start},
        headers=t.headers,
    )
    assert plan.status_code == 201, plan.text
    schedule = plan.json()["schedule"]
    assert [s["amount"] for s in schedule] == ["50.00", "50.00", "50.00"]

    first = await t.run(0)
    assert first["notices"] == {"plan_statement": 1}
    # the first installment paid on time: the plan holds, a plan statement again
    paid = await t.pay(account["id"], {"amount": "50.00", "method": "cash"})
    assert paid.json()["installments"][0]["status"] == "paid"
    second = await t.run(31)
    assert (second["notices"], second["installments_missed"]) == ({"plan_statement": 1}, 0)
    # then two installments go unpaid: missed, the plan breaks, dunning starts again
    third = await t.run(110)
    assert third["installments_missed"] == 2 and third["plans_broken"] == 1
    assert third["notices"] == {"statement": 1}
    types = await _outbox_types(stack, t.id)
    assert types.count("rcm.patient.installment_missed.v1") == 2
    state = await t.account(account["id"])
    assert [p["status"] for p in state["plans"]] == ["broken"]
    assert state["balance"] == "100.00"


async def test_the_kpis_add_up(t: Tenant) -> None:
    await _owing(t, "W700", "80.00")
    kpis = (await t.api.get("/v1/kpis", headers=t.headers)).json()
    assert kpis["patient_ar"] == "80.00" and kpis["patient_responsibility"] == "80.00"
    assert sum(D(v) for v in kpis["aging"].values()) == D("80.00")


async def _outbox_types(stack: dict[str, Any], tenant: str) -> list[str]:
    async with stack["engines"]["patients"].connect() as conn:
        rows = await conn.execute(
            select(outbox.c.type).where(outbox.c.tenant_id == tenant).order_by(outbox.c.seq)
        )
        return [r[0] for r in rows]


async def test_a_payment_before_its_claim_waits_for_it(t: Tenant) -> None:
    account = await t.register("W800")
    c = str(uuid.uuid4())
    await t.send(
        adjudicated(t.id, c, "p-early", [line("99213", "100.00", "60.00", cas("PR-2", "40.00"))])
    )
    await t.send(claim(t.id, c, t.clinic, "W800", lines=(("99213", "100.00"),)))
    found = await t.until(account["id"], "the waiting payment", lambda a: a["due"] == "40.00")
    assert kinds(await t.ledger(found["id"])) == [("patient_responsibility", "40.00")]


async def test_a_chain_that_arrives_backwards_is_linked_when_its_first_claim_comes(
    t: Tenant,
) -> None:
    """A tertiary before its secondary before its primary (partitions catching up at their
    own pace), each payment before its claim: it ends where it would have in order."""
    account = await t.register("W900")
    primary, secondary, tertiary = (str(uuid.uuid4()) for _ in range(3))
    one = (("99213", "100.00"),)
    await t.send(
        adjudicated(t.id, tertiary, "p-t", [line("99213", "100.00", "5.00", cas("PR-2", "3.00"))]),
        claim(t.id, tertiary, t.clinic, "W900", lines=one, responsibility="T", prior=secondary),
        adjudicated(t.id, secondary, "p-s",
                    [line("99213", "100.00", "12.00", cas("PR-2", "8.00"))]),
        claim(t.id, secondary, t.clinic, "W900", lines=one, responsibility="S", prior=primary,
              next_payer="T1"),
        adjudicated(t.id, primary, "p-p", [line("99213", "100.00", "60.00", cas("PR-2", "20.00"),
                                                cas("CO-45", "20.00"))]),
    )  # fmt: skip
    unlinked = await t.account(account["id"])
    assert unlinked["visits"] == []
    await t.send(claim(t.id, primary, t.clinic, "W900", lines=one, next_payer=SECONDARY))
    done = await t.until(account["id"], "the whole chain", lambda a: a["balance"] == "3.00")
    [visit] = done["visits"]
    assert sorted(visit["claim_ids"]) == sorted([primary, secondary, tertiary])
    assert visit["insurance_paid"] == "77.00" and not visit["pending_insurance"]


async def test_a_clinic_scoped_token_sees_its_clinics_only(t: Tenant) -> None:
    account = await t.register("W950")
    other_clinic = bearer(t.id, clinics=[str(uuid.uuid4())])
    assert (
        await t.api.get(f"/v1/accounts/{account['id']}", headers=other_clinic)
    ).status_code == 404
    listed = await t.api.get("/v1/accounts", headers=other_clinic)
    assert listed.status_code == 200 and listed.json()["items"] == []
    body = {"amount": "1.00", "method": "cash"}
    paying = await t.api.post(
        f"/v1/accounts/{account['id']}/payments", json=body, headers=other_clinic
    )
    assert paying.status_code == 404
    own = bearer(t.id, clinics=[t.clinic])
    assert (await t.api.get(f"/v1/accounts/{account['id']}", headers=own)).status_code == 200
