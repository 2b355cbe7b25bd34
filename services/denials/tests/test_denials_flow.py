"""The denials service against the real stack: events in through Kafka (each delivered
twice), work items, actions, automatic resolution and reopening, DLQ."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from sqlalchemy import func, select

from rcm_denials.app import create_app
from rcm_denials.config import DenialsSettings
from rcm_denials.domain.workflow import priority
from rcm_denials.models import Adjudication
from rcm_shared.messaging.dlq import dlq_topic
from rcm_shared.messaging.tables import outbox
from rcm_shared.testing.fixtures import bearer, running, settings_for, wait_for

from .events import (
    TODAY,
    adjudicated,
    cas,
    claim_created,
    corrected,
    line,
    reference,
    send,
    wait_reference,
)


@pytest.fixture(scope="module")
async def app(stack: dict[str, Any]) -> AsyncIterator[FastAPI]:
    settings = settings_for(DenialsSettings, "denials")
    application = create_app(settings, run_workers=True)
    async with running(application) as client:
        application.state.client = client
        await wait_for(lambda: _assigned(application), timeout=60, what="the consumer's partitions")
        yield application


async def _assigned(app: FastAPI) -> bool:
    return bool(app.state.runtime.consumer.assigned.is_set())


@pytest.fixture
def api(app: FastAPI) -> httpx.AsyncClient:
    client: httpx.AsyncClient = app.state.client
    return client


class Tenant:
    def __init__(self, stack: dict[str, Any], api: httpx.AsyncClient, tenant: str) -> None:
        self.stack, self.api, self.id = stack, api, tenant
        self.clinic = str(uuid.uuid4())
        self.provider = str(uuid.uuid4())
        self.headers = bearer(tenant)

    async def setup(self, window: int = 60) -> None:
        await send(self.stack, reference(self.id, self.clinic, self.provider, window))
        await wait_reference(self.stack, self.id)

    async def denials(self, **params: Any) -> list[dict[str, Any]]:
        response = await self.api.get("/v1/denials", params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def wait_denials(self, n: int, **params: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []

        async def enough() -> bool:
            nonlocal found
            found = await self.denials(**params)
            return len(found) >= n

        await wait_for(enough, timeout=60, what=f"{n} denials {params}")
        return found

    async def get(self, denial_id: str) -> dict[str, Any]:
        response = await self.api.get(f"/v1/denials/{denial_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def wait_status(self, denial_id: str, status: str) -> dict[str, Any]:
        found: dict[str, Any] = {}

        async def reached() -> bool:
            nonlocal found
            found = await self.get(denial_id)
            return found["status"] == status

        await wait_for(reached, timeout=60, what=f"denial {status}")
        return found


@pytest.fixture
async def t(stack: dict[str, Any], api: httpx.AsyncClient, tenant: str) -> Tenant:
    subject = Tenant(stack, api, tenant)
    await subject.setup()
    return subject


async def outbox_types(stack: dict[str, Any], tenant: str) -> list[str]:
    async with stack["engines"]["denials"].connect() as conn:
        rows = await conn.execute(
            select(outbox.c.type).where(outbox.c.tenant_id == tenant).order_by(outbox.c.seq)
        )
        return [r[0] for r in rows]


async def outbox_payloads(stack: dict[str, Any], tenant: str, type_: str) -> list[dict[str, Any]]:
    async with stack["engines"]["denials"].connect() as conn:
        rows = await conn.execute(
            select(outbox.c.payload)
            .where(outbox.c.tenant_id == tenant, outbox.c.type == type_)
            .order_by(outbox.c.seq)
        )
        return [r[0]["data"] for r in rows]


async def test_a_denial_delivered_twice_makes_one_work_item(
    t: Tenant, stack: dict[str, Any], app: FastAPI
) -> None:
    claim, paid_claim = str(uuid.uuid4()), str(uuid.uuid4())
    denial_event = adjudicated(
        t.id,
        claim,
        t.clinic,
        [
            line("99213", "120.00", "0.00", [cas("CO-16", "120.00")], ["M51"]),
            line("97110", "80.00", "0.00", [cas("CO-16", "80.00")], ["M51"], ["GP"]),
        ],
    )
    # the same payment again under a new event id (a remittance re-posted): still one item
    same_payment = adjudicated(
        t.id,
        claim,
        t.clinic,
        [line("99213", "120.00", "0.00", [cas("CO-16", "120.00")], ["M51"])],
        payment_id=denial_event.data["payment_id"],
    )
    paid = adjudicated(
        t.id,
        paid_claim,
        t.clinic,
        [line("99213", "200.00", "150.00", [cas("CO-45", "50.00")], allowed="150.00")],
        status="1",
    )
    await send(
        stack,
        [
            claim_created(
                t.id,
                claim,
                t.clinic,
                t.provider,
                [("99213", [], "120.00"), ("97110", ["GP"], "80.00")],
            ),
            claim_created(t.id, paid_claim, t.clinic, t.provider),
            denial_event,
            same_payment,
            paid,
        ],
    )
    [item] = await t.wait_denials(1)

    async def all_recorded() -> bool:
        async with stack["engines"]["denials"].connect() as conn:
            n = await conn.scalar(
                select(func.count()).select_from(Adjudication).where(Adjudication.tenant_id == t.id)
            )
        return n == 2

    await wait_for(all_recorded, what="both payments recorded")
    await asyncio.sleep(1.0)  # the duplicates had their chance to do harm
    assert len(await t.denials()) == 1
    assert (item["category"], item["carc"], item["status"]) == ("coding", "16", "open")
    assert Decimal(item["denied_amount"]) == Decimal("200.00")
    assert item["deadline"] == (TODAY + timedelta(days=60)).isoformat()  # the payer's window
    full = await t.get(item["id"])
    assert full["claim"]["diagnosis_codes"] == ["M545", "R5383"]
    assert full["claim"]["clinic_name"] == "Main St Clinic"
    assert [ln["procedure_code"] for ln in full["lines"]] == ["99213", "97110"]
    assert full["lines"][1]["modifiers"] == ["GP"]
    adjustment = full["lines"][0]["adjustments"][0]
    assert (adjustment["carc"], adjustment["refined_by"]) == ("16", "M51")
    assert "lacks information" in adjustment["description"]
    assert full["lines"][0]["remarks"][0]["code"] == "M51"
    assert await outbox_types(stack, t.id) == ["rcm.denial.opened.v1"]
    [opened] = await outbox_payloads(stack, t.id, "rcm.denial.opened.v1")
    assert opened["denial_id"] == item["id"] and opened["category"] == "coding"
    assert app.state.runtime.consumer.duplicates >= 5


async def test_unknown_tenant_and_malformed_payload_go_to_the_dlq(
    t: Tenant, stack: dict[str, Any], app: FastAPI
) -> None:
    stranger = f"tenant-{uuid.uuid4().hex[:12]}"  # no clinic, no payer: unknown here
    unknown = adjudicated(
        stranger,
        str(uuid.uuid4()),
        None,
        [line("99213", "100.00", "0.00", [cas("CO-29", "100.00")])],
    )
    broken = adjudicated(
        t.id,
        str(uuid.uuid4()),
        t.clinic,
        [line("99213", "100.00", "0.00", [cas("CO-29", "100.00")])],
    )
    broken = broken.model_copy(update={"data": {**broken.data, "total_charge": "lots"}})
    good_claim = str(uuid.uuid4())
    good = adjudicated(
        t.id, good_claim, t.clinic, [line("99213", "100.00", "0.00", [cas("CO-29", "100.00")])]
    )
    # one key: one partition, so the good event shares a batch with the bad ones
    raw = [("rcm.remittance", "same-key", e.to_bytes()) for e in (unknown, broken, good)]
    dead_before = app.state.runtime.consumer.dead_lettered
    await send(stack, raw, times=1)
    [item] = await t.wait_denials(1)
    assert item["claim_id"] == good_claim

    async def two_dead() -> bool:
        return bool(app.state.runtime.consumer.dead_lettered >= dead_before + 2)

    await wait_for(two_dead, what="two dead letters")
    reader = AIOKafkaConsumer(
        dlq_topic(stack["prefix"] + "rcm.remittance", "denials"),
        bootstrap_servers=stack["bootstrap"],
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=f"dlq-reader-{uuid.uuid4().hex[:6]}",
    )
    await reader.start()
    try:
        reasons: dict[str, str] = {}
        deadline = asyncio.get_running_loop().time() + 30
        while len(reasons) < 2 and asyncio.get_running_loop().time() < deadline:
            batch = await reader.getmany(timeout_ms=1000)
            for messages in batch.values():
                for msg in messages:
                    headers = dict(msg.headers or ())
                    for event in (unknown, broken):
                        if event.id.encode() in (msg.value or b""):
                            reasons[event.id] = headers["dlq-error"].decode()
    finally:
        await reader.stop()
    assert reasons[unknown.id] == f"UnknownTenant: unknown tenant {stranger}"
    assert reasons[broken.id].startswith("ValidationError: total_charge")


async def _three_denials(t: Tenant) -> dict[str, str]:
    """coding $1,000 (recoverability 0.80), duplicate $5,000 (0.10), medical necessity
    $400 (0.55) with an older remittance (deadline sooner)."""
    claims = {name: str(uuid.uuid4()) for name in ("coding", "duplicate", "necessity")}
    await send(
        t.stack,
        [
            adjudicated(
                t.id,
                claims["coding"],
                t.clinic,
                [line("99214", "1000.00", "0.00", [cas("CO-4", "1000.00")], modifiers=["25"])],
            ),
            adjudicated(
                t.id,
                claims["duplicate"],
                t.clinic,
                [line("99215", "5000.00", "0.00", [cas("CO-18", "5000.00")])],
            ),
            adjudicated(
                t.id,
                claims["necessity"],
                t.clinic,
                [line("97110", "400.00", "0.00", [cas("CO-50", "400.00")], ["N386"])],
                remittance_date=TODAY - timedelta(days=50),
            ),
        ],
    )
    await t.wait_denials(3)
    return claims


async def test_queue_order_filters_and_pagination(t: Tenant) -> None:
    claims = await _three_denials(t)
    items = await t.denials()
    by_claim = {i["claim_id"]: i for i in items}
    expected = {
        name: priority(
            Decimal(by_claim[c]["denied_amount"]),
            Decimal(by_claim[c]["recoverability"]),
            TODAY.fromisoformat(by_claim[c]["deadline"]),
            TODAY,
        )
        for name, c in claims.items()
    }
    # necessity: 400 x .55 / 10 days = 22; coding: 1000 x .8 / 60 = 13.33; duplicate: 8.33
    assert expected == {
        "necessity": Decimal("22.000000"),
        "coding": Decimal("13.333333"),
        "duplicate": Decimal("8.333333"),
    }
    assert [i["claim_id"] for i in items] == [
        claims["necessity"],
        claims["coding"],
        claims["duplicate"],
    ]
    assert [Decimal(i["priority"]) for i in items] == sorted(expected.values(), reverse=True)
    by_amount = await t.denials(sort="amount")
    assert [i["claim_id"] for i in by_amount] == [
        claims["duplicate"],
        claims["coding"],
        claims["necessity"],
    ]
    by_deadline = await t.denials(sort="deadline")
    assert by_deadline[0]["claim_id"] == claims["necessity"]
    assert [i["claim_id"] for i in await t.denials(category="duplicate")] == [claims["duplicate"]]
    assert [i["claim_id"] for i in await t.denials(carc="4")] == [claims["coding"]]
    assert [i["claim_id"] for i in await t.denials(min_amount="500", max_amount="2000")] == [
        claims["coding"]
    ]
    assert len(await t.denials(deadline_to=(TODAY + timedelta(days=20)).isoformat())) == 1
    assert await t.denials(status="appealed") == []
    # cursor pagination, one at a time, in every sort
    for sort in ("priority", "amount", "deadline"):
        seen, cursor = [], None
        while True:
            params: dict[str, Any] = {"limit": 1, "sort": sort}
            if cursor:
                params["cursor"] = cursor
            page = (await t.api.get("/v1/denials", params=params, headers=t.headers)).json()
            seen += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == [i["id"] for i in await t.denials(sort=sort)]
    bad = await t.api.get(
        "/v1/denials", params={"status": "lost", "min_amount": "-1"}, headers=t.headers
    )
    assert bad.status_code == 422
    assert {d["path"] for d in bad.json()["detail"]} == {"query.min_amount"}
    bad = await t.api.get("/v1/denials", params={"status": "lost"}, headers=t.headers)
    assert bad.status_code == 422 and bad.json()["detail"][0]["path"] == "query.status"
    wrong = await t.api.get("/v1/denials", params={"cursor": "bm9wZQ=="}, headers=t.headers)
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["path"] == "query.cursor"
    # another tenant sees none of it
    other = bearer(f"tenant-{uuid.uuid4().hex[:12]}")
    assert (await t.api.get("/v1/denials", headers=other)).json()["items"] == []
    hidden = await t.api.get(f"/v1/denials/{items[0]['id']}", headers=other)
    assert hidden.status_code == 404
    # a token limited to other clinics sees none either
    limited = bearer(t.id, clinics=["some-other-clinic"])
    assert (await t.api.get("/v1/denials", headers=limited)).json()["items"] == []


async def test_assign_start_note_appeal_write_off(t: Tenant, stack: dict[str, Any]) -> None:
    claim = str(uuid.uuid4())
    await send(
        stack,
        [
            claim_created(t.id, claim, t.clinic, t.provider, [("97110", ["GP"], "400.00")]),
            adjudicated(
                t.id,
                claim,
                t.clinic,
                [line("97110", "400.00", "0.00", [cas("CO-50", "400.00")], ["N386"], ["GP"])],
            ),
        ],
    )
    [item] = await t.wait_denials(1)
    url = f"/v1/denials/{item['id']}"
    h = t.headers
    assigned = await t.api.post(f"{url}/assign", json={"assignee": "biller-7"}, headers=h)
    assert assigned.json()["assignee"] == "biller-7"
    started = await t.api.post(f"{url}/start", headers=h)
    assert started.json()["status"] == "in_progress"
    noted = await t.api.post(f"{url}/notes", json={"text": "called payer, ref 123"}, headers=h)
    assert noted.status_code == 201 and noted.json()["notes"][0]["detail"]["text"].startswith(
        "called"
    )
    appeal = await t.api.post(
        f"{url}/appeals", json={"argument": "PT plan of care enclosed."}, headers=h
    )
    assert appeal.status_code == 201, appeal.text
    letter = appeal.json()
    text = letter["markdown"]
    assert "CO-50" in text and "not deemed a 'medical necessity'" in text
    assert "N386" in text and "National Coverage Determination" in text
    assert "medically necessary" in text and "PT plan of care enclosed." in text
    assert "97110" in text and "M54.5" in text and "Ana Silva, NPI 1234567893" in text
    assert "Acme Health" in text and "Main St Clinic" in text
    md = await t.api.get(letter["markdown_url"], headers=h)
    assert md.text == text and md.headers["content-type"].startswith("text/markdown")
    pdf = await t.api.get(letter["pdf_url"], headers=h)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 1000
    listed = (await t.api.get(f"{url}/appeals", headers=h)).json()
    assert [a["id"] for a in listed] == [letter["id"]]
    assert (await t.get(item["id"]))["status"] == "appealed"
    # cannot resubmit without corrections; nor write off for no reason
    empty = await t.api.post(f"{url}/resubmit", json={}, headers=h)
    assert empty.status_code == 422 and empty.json()["detail"][0]["path"] == "body"
    reasonless = await t.api.post(f"{url}/write-off", json={"reason": "tired"}, headers=h)
    assert reasonless.status_code == 422
    assert reasonless.json()["detail"][0]["path"] == "body.reason"
    written = await t.api.post(
        f"{url}/write-off", json={"reason": "appeal_lost", "note": "upheld"}, headers=h
    )
    assert written.json()["status"] == "written_off"
    again = await t.api.post(f"{url}/appeals", json={}, headers=h)
    assert again.status_code == 409
    history = (await t.api.get(f"{url}/history", headers=h)).json()
    assert [e["action"] for e in history] == [
        "opened",
        "assigned",
        "started",
        "note",
        "appealed",
        "written_off",
    ]
    assert all(e["actor"] for e in history)
    assert await outbox_types(stack, t.id) == [
        "rcm.denial.opened.v1",
        "rcm.denial.updated.v1",
        "rcm.denial.updated.v1",
        "rcm.denial.updated.v1",
        "rcm.denial.resolved.v1",
    ]
    [resolved] = await outbox_payloads(stack, t.id, "rcm.denial.resolved.v1")
    assert resolved["outcome"] == "written_off" and resolved["recovered_amount"] == "0.00"
    no_scope = await t.api.post(
        f"{url}/assign", json={"assignee": "x"}, headers=bearer(t.id, scopes=["denials:read"])
    )
    assert no_scope.status_code == 403


async def test_resubmitted_claim_paid_resolves_and_a_reversal_reopens(
    t: Tenant, stack: dict[str, Any]
) -> None:
    original, replacement = str(uuid.uuid4()), str(uuid.uuid4())
    await send(
        stack,
        [
            claim_created(
                t.id,
                original,
                t.clinic,
                t.provider,
                [("99213", [], "100.00"), ("97140", [], "150.00")],
            ),
            adjudicated(
                t.id,
                original,
                t.clinic,
                [
                    line("99213", "100.00", "80.00", [cas("CO-45", "20.00")], allowed="80.00"),
                    line("97140", "150.00", "0.00", [cas("CO-97", "150.00")], ["M15"]),
                ],
                status="1",
            ),
        ],
    )
    [item] = await t.wait_denials(1)
    assert (item["category"], Decimal(item["denied_amount"])) == ("bundling", Decimal("150.00"))
    url = f"/v1/denials/{item['id']}"
    bad = await t.api.post(
        f"{url}/resubmit", json={"line_modifiers": {"5": ["59"]}}, headers=t.headers
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["path"] == "body.line_modifiers.5"
    bad = await t.api.post(
        f"{url}/resubmit", json={"line_modifiers": {"2": ["5!"]}}, headers=t.headers
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["path"] == "body.line_modifiers"
    done = await t.api.post(
        f"{url}/resubmit", json={"line_modifiers": {"2": ["59"]}}, headers=t.headers
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "resubmitted"
    [request] = await outbox_payloads(stack, t.id, "rcm.denial.resubmission_requested.v1")
    assert request == {
        "denial_id": item["id"],
        "claim_id": original,
        "payer_claim_control_number": "ICN" + original[:8],
        "corrections": {
            "diagnosis_codes": None,
            "prior_authorization_number": None,
            "referral_number": None,
            "line_modifiers": {"2": ["59"]},
            "note": None,
        },
    }
    # the claims service answers with the replacement claim; the payer pays it
    payment = adjudicated(
        t.id,
        replacement,
        t.clinic,
        [
            line("99213", "100.00", "80.00", [cas("CO-45", "20.00")], allowed="80.00"),
            line(
                "97140",
                "150.00",
                "120.00",
                [cas("CO-45", "30.00")],
                modifiers=["59"],
                allowed="120.00",
            ),
        ],
        status="1",
    )
    await send(
        stack,
        [
            corrected(t.id, original, replacement, item["id"], t.clinic),
            claim_created(
                t.id,
                replacement,
                t.clinic,
                t.provider,
                [("99213", [], "100.00"), ("97140", ["59"], "150.00")],
                original=original,
            ),
        ],
    )

    async def linked() -> bool:
        history = (await t.api.get(f"{url}/history", headers=t.headers)).json()
        return any(e["action"] == "corrected_claim_created" for e in history)

    await wait_for(linked, what="the correction linked")
    await send(stack, [payment])
    resolved = await t.wait_status(item["id"], "resolved")
    assert Decimal(resolved["recovered_amount"]) == Decimal("120.00")  # 200 paid - 80 before
    assert resolved["resolution_reason"] == "corrected claim paid"
    # the payer takes that payment back: the work item is open again, nothing recovered
    await send(
        stack,
        [
            adjudicated(
                t.id,
                replacement,
                t.clinic,
                [line("97140", "150.00", "120.00", [])],
                reversal_of=payment.data["payment_id"],
            )
        ],
    )
    reopened = await t.wait_status(item["id"], "open")
    assert Decimal(reopened["recovered_amount"]) == 0 and reopened["resolved_at"] is None
    types = await outbox_types(stack, t.id)
    assert types[-2:] == ["rcm.denial.resolved.v1", "rcm.denial.updated.v1"]
    [_, reopened_event] = [
        p
        for p in await outbox_payloads(stack, t.id, "rcm.denial.updated.v1")
        if p["change"] in ("resubmitted", "reopened")
    ]
    assert reopened_event["change"] == "reopened"


async def test_appealed_claim_paid_on_review_resolves_and_a_second_denial_reopens(
    t: Tenant, stack: dict[str, Any]
) -> None:
    claim = str(uuid.uuid4())
    await send(
        stack,
        [
            adjudicated(
                t.id, claim, t.clinic, [line("72148", "900.00", "0.00", [cas("CO-197", "900.00")])]
            ),
        ],
    )
    [item] = await t.wait_denials(1)
    assert item["category"] == "authorization"
    appealed = await t.api.post(f"/v1/denials/{item['id']}/appeals", json={}, headers=t.headers)
    assert appealed.status_code == 201
    await send(
        stack,
        [
            adjudicated(
                t.id,
                claim,
                t.clinic,
                [line("72148", "900.00", "600.00", [cas("CO-45", "300.00")], allowed="600.00")],
                status="1",
            ),
        ],
    )
    resolved = await t.wait_status(item["id"], "resolved")
    assert Decimal(resolved["recovered_amount"]) == Decimal("600.00")
    assert resolved["resolution_reason"] == "claim paid on review"
    # a later adjudication denies it again (a recoupment review): the same work item reopens
    await send(
        stack,
        [
            adjudicated(
                t.id,
                claim,
                t.clinic,
                [line("72148", "900.00", "0.00", [cas("CO-50", "900.00")], ["N115"])],
            ),
        ],
    )
    reopened = await t.wait_status(item["id"], "open")
    assert (reopened["category"], reopened["carc"]) == ("medical_necessity", "50")
    assert len(await t.denials()) == 1


async def test_a_payment_matching_no_claim_is_worked_by_patient_control_number(
    t: Tenant, stack: dict[str, Any]
) -> None:
    await send(
        stack,
        [
            adjudicated(
                t.id,
                None,
                None,
                [line("99213", "100.00", "0.00", [cas("CO-31", "100.00")])],
                pcn="UNMATCHED01",
            ),
        ],
    )
    [item] = await t.wait_denials(1)
    assert (item["claim_key"], item["claim_id"], item["category"]) == (
        "UNMATCHED01",
        None,
        "eligibility",
    )
    refused = await t.api.post(
        f"/v1/denials/{item['id']}/resubmit", json={"referral_number": "R1"}, headers=t.headers
    )
    assert refused.status_code == 409
