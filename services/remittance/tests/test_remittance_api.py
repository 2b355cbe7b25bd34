"""The remittance service against the real remittance_test database and Kafka: uploads,
posting, duplicates, balancing, reversals, the unmatched queue, files kept raw, events."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import func, select, text

from rcm_remittance.app import create_app
from rcm_remittance.config import RemittanceSettings
from rcm_remittance.service import files
from rcm_remittance.service.ingestion import recover
from rcm_shared.events.catalog import TOPIC_REMITTANCE, EventPayload, new_event, payload_of
from rcm_shared.events.claims import ClaimCreated, ClaimLineSummary
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.remittance import ClaimPaymentAdjudicated, RemittanceReceived
from rcm_shared.messaging.tables import outbox
from rcm_shared.testing.fixtures import bearer, running, settings_for, wait_for
from rcm_shared.testing.kafka import read_topic
from rcm_shared.testing.x12_data import sample_files

from .era import Clp, Line, era, interchange, transaction

EDI = {"content-type": "application/edi-x12"}


def headers(tenant: str) -> dict[str, str]:
    return {**bearer(tenant), **EDI}


def pcn() -> str:
    return "P" + uuid.uuid4().hex[:12].upper()


def trace() -> str:
    return "EFT" + uuid.uuid4().hex[:10].upper()


async def produce(
    stack: dict[str, Any], tenant: str, payload: EventPayload, times: int = 2
) -> None:
    """The claims service's event, delivered `times` times (it must act once)."""
    event = new_event(payload, tenant_id=tenant, source="/tests")
    producer = AIOKafkaProducer(bootstrap_servers=stack["bootstrap"])
    await producer.start()
    try:
        for _ in range(times):
            await producer.send_and_wait(
                stack["prefix"] + payload.topic, event.to_bytes(), key=payload.key.encode()
            )
    finally:
        await producer.stop()


def claim_created(control_number: str, claim_id: str | None = None) -> ClaimCreated:
    return ClaimCreated(
        claim_id=claim_id or str(uuid.uuid4()),
        patient_control_number=control_number,
        clinic_id="clinic-1",
        payer_id="PAYER01",
        status="submitted",
        occurred_at="2024-01-02T10:00:00Z",  # type: ignore[arg-type]
        patient_key="pk" + control_number,
        rendering_provider_id=None,
        frequency_code="1",
        total_charge=Decimal("100.00"),
        service_date_from=date(2024, 1, 1),
        service_date_to=date(2024, 1, 1),
        diagnosis_codes=["J06.9"],
        lines=[
            ClaimLineSummary(
                line_number=1,
                procedure_code="99213",
                modifiers=[],
                charge=Decimal("100.00"),
                units=Decimal(1),
                service_date=date(2024, 1, 1),
            )
        ],
    )


async def known_claims(
    app: FastAPI, stack: dict[str, Any], tenant: str, *control_numbers: str
) -> dict[str, str]:
    """Claims the remittance service learns of through rcm.claim.created (each event
    delivered twice); returns pcn -> claim id."""
    ids = {n: str(uuid.uuid4()) for n in control_numbers}
    engine = stack["engines"]["remittance"]
    for n, claim_id in ids.items():
        await produce(stack, tenant, claim_created(n, claim_id))

    async def copied() -> bool:
        async with engine.connect() as conn:
            found = await conn.scalar(
                text("SELECT count(*) FROM claim_refs WHERE tenant_id = :t"), {"t": tenant}
            )
        return bool(found == len(ids))

    await wait_for(copied, what="the claims copy")
    return ids


async def outbox_count(stack: dict[str, Any], tenant: str) -> int:
    async with stack["engines"]["remittance"].connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.tenant_id == tenant)
        )
    return int(count or 0)


async def tenant_events(stack: dict[str, Any], tenant: str, until: int) -> list[CloudEvent]:
    records = await read_topic(
        stack["bootstrap"], stack["prefix"] + TOPIC_REMITTANCE, until, tenant, timeout=30
    )
    return [CloudEvent.from_bytes(r.value or b"") for r in records]


@pytest.fixture
async def app(stack: dict[str, Any], tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = settings_for(
        RemittanceSettings,
        "remittance",
        inbound_dir=str(tmp_path / "inbound"),
        inbound_poll_seconds=0.2,
    )
    application = create_app(settings, run_workers=True)
    async with running(application) as client:
        application.state.client = client
        yield application


@pytest.fixture
def api(app: FastAPI) -> httpx.AsyncClient:
    client: httpx.AsyncClient = app.state.client
    return client


# --- posting and events ----------------------------------------------------------------


async def test_posts_matched_payments_and_publishes_one_event_each(
    app: FastAPI, api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    paid, denied, stranger = pcn(), pcn(), pcn()
    ids = await known_claims(app, stack, tenant, paid, denied)
    raw = era(
        [
            Clp(paid, lines=[Line(charge="150.00", paid="100.00", modifiers=["25"])]),
            Clp(
                denied,
                status="4",
                lines=[Line(charge="80.00", paid="0.00", cas=[("CO", "197", "80.00")])],
            ),
            Clp(stranger, lines=[Line(charge="40.00", paid="40.00")]),
        ],
        trace=trace(),
        plbs=[("WO", "15.00"), ("L6", "-2.50")],
    )
    response = await api.post("/v1/remittances", content=raw, headers=headers(tenant))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["file"]["state"] == "posted" and body["duplicate_remittance_ids"] == []
    [remittance] = body["remittances"]
    counts = ("claim_count", "matched_count", "unmatched_count")
    assert [remittance[c] for c in counts] == [3, 2, 1]
    assert Decimal(remittance["payment_amount"]) == Decimal("127.50")  # 140 - (15 - 2.50)
    assert Decimal(remittance["total_plb"]) == Decimal("12.50")
    assert remittance["payment_method"] == "ACH" and remittance["payment_date"] == "2024-01-05"

    detail = (await api.get(f"/v1/remittances/{remittance['id']}", headers=bearer(tenant))).json()
    assert [(p["reason_code"], p["amount"]) for p in detail["provider_adjustments"]] == [
        ("WO", "15.00"),
        ("L6", "-2.50"),
    ]
    by_pcn = {p["patient_control_number"]: p for p in detail["payments"]}
    assert by_pcn[paid]["claim_id"] == ids[paid] and by_pcn[paid]["state"] == "posted"
    assert by_pcn[paid]["lines"][0]["modifiers"] == ["25"]
    assert by_pcn[paid]["lines"][0]["adjustments"][0]["reason_code"] == "45"
    assert by_pcn[denied]["adjustments"] == [] and by_pcn[denied]["status_code"] == "4"
    assert by_pcn[stranger]["state"] == "unmatched" and by_pcn[stranger]["claim_id"] is None

    events = await tenant_events(stack, tenant, until=3)
    adjudicated = [e for e in events if e.type == ClaimPaymentAdjudicated.event_type]
    received = [e for e in events if e.type == RemittanceReceived.event_type]
    assert len(received) == 1
    assert sorted(e.subject for e in adjudicated) == sorted([ids[paid], ids[denied]])
    assert len({e.id for e in adjudicated}) == 2  # one per claim payment, no more
    denial = payload_of(next(e for e in adjudicated if e.subject == ids[denied]))
    assert isinstance(denial, ClaimPaymentAdjudicated)
    assert denial.claim_status_code == "4" and denial.paid_amount == Decimal(0)
    assert [(a.group_code, a.reason_code) for a in denial.lines[0].adjustments] == [("CO", "197")]
    assert denial.lines[0].line_control_number == f"{denied}-1"
    assert denial.trace_number == remittance["trace_number"]
    summary = payload_of(received[0])
    assert isinstance(summary, RemittanceReceived)
    assert [(p.reason_code, p.amount) for p in summary.provider_adjustments] == [
        ("WO", Decimal("15.00")),
        ("L6", Decimal("-2.50")),
    ]
    # no PHI in Kafka keys or headers: claim ids and remittance ids only
    records = await read_topic(
        stack["bootstrap"], stack["prefix"] + TOPIC_REMITTANCE, 3, tenant, timeout=30
    )
    for record in records:
        assert b"DOE" not in (record.key or b"")
        assert all(b"DOE" not in v for _, v in record.headers)

    postings = (await api.get(f"/v1/claims/{ids[paid]}/postings", headers=bearer(tenant))).json()
    assert [p["paid"] for p in postings] == ["100.00"]


async def test_the_same_era_twice_is_posted_once(
    app: FastAPI, api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    n = pcn()
    await known_claims(app, stack, tenant, n)
    raw = era([Clp(n)], trace=trace())
    first = await api.post("/v1/remittances", content=raw, headers=headers(tenant))
    assert first.status_code == 201
    staged = await outbox_count(stack, tenant)
    again = await api.post(
        "/v1/remittances",
        content=raw.replace("\n", "\r\n"),  # another file, the same ERA
        headers=headers(tenant),
    )
    assert again.status_code == 200, again.text
    body = again.json()
    assert body["file"]["state"] == "duplicate"
    assert [r["id"] for r in body["remittances"]] == [first.json()["remittances"][0]["id"]]
    assert body["duplicate_remittance_ids"] == [body["remittances"][0]["id"]]
    assert await outbox_count(stack, tenant) == staged  # nothing published
    postings = (
        await api.get(f"/v1/remittances/{body['remittances'][0]['id']}", headers=bearer(tenant))
    ).json()["payments"]
    assert len(postings) == 1
    # another tenant's identical ERA is its own
    other = f"tenant-{uuid.uuid4().hex[:12]}"
    theirs = await api.post("/v1/remittances", content=raw, headers=headers(other))
    assert theirs.status_code == 201


async def test_a_file_with_a_new_and_an_old_era_posts_the_new_one(
    api: httpx.AsyncClient, tenant: str
) -> None:
    old, new = trace(), trace()
    await api.post("/v1/remittances", content=era([Clp(pcn())], trace=old), headers=headers(tenant))
    both = interchange(
        transaction([Clp(pcn())], trace=old),
        transaction([Clp(pcn())], trace=new, control="0002"),
    )
    response = await api.post("/v1/remittances", content=both, headers=headers(tenant))
    assert response.status_code == 201
    body = response.json()
    assert [r["trace_number"] for r in body["remittances"]] == [old, new]
    assert len(body["duplicate_remittance_ids"]) == 1
    assert body["file"]["remittance_count"] == 1


# --- balancing ---------------------------------------------------------------------------


async def test_unbalanced_file_is_rejected_and_nothing_posted(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    bad = pcn()
    raw = interchange(
        transaction([Clp(pcn())], trace=trace()),
        transaction(
            [Clp(bad, lines=[Line(charge="100.00", paid="80.00", cas=[("CO", "45", "15.00")])])],
            trace=trace(),
            control="0002",
        ),
    )
    response = await api.post("/v1/remittances", content=raw, headers=headers(tenant))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail["state"] == "rejected" and detail["kind"] == "unbalanced"
    messages = " ".join(i["message"] for i in detail["imbalances"])
    assert bad in " ".join(i["where"] for i in detail["imbalances"])
    assert "20.00" in messages and "15.00" in messages
    listed = (await api.get("/v1/remittances", headers=bearer(tenant))).json()
    assert listed["items"] == []  # the balanced first transaction is not posted either
    assert await outbox_count(stack, tenant) == 0
    raw_back = await api.get(
        f"/v1/remittance-files/{detail['file_id']}/raw", headers=bearer(tenant)
    )
    assert raw_back.content == raw.encode()
    rejected = (
        await api.get("/v1/remittance-files?state=rejected", headers=bearer(tenant))
    ).json()["items"]
    assert [f["id"] for f in rejected] == [detail["file_id"]]


async def test_bpr_that_disagrees_with_the_claims_is_an_imbalance(
    api: httpx.AsyncClient, tenant: str
) -> None:
    raw = era([Clp(pcn())], trace=trace(), amount="81.00")
    response = await api.post("/v1/remittances", content=raw, headers=headers(tenant))
    assert response.status_code == 422
    [imbalance] = response.json()["detail"]["imbalances"]
    assert (imbalance["expected"], imbalance["actual"]) == ("81.00", "80.00")


async def test_quarantine_policy_keeps_an_unbalanced_file_aside(
    stack: dict[str, Any], tenant: str, tmp_path: Path
) -> None:
    settings = settings_for(
        RemittanceSettings, "remittance", unbalanced_policy="quarantine", inbound_dir=str(tmp_path)
    )
    async with running(create_app(settings, run_workers=False)) as client:
        raw = era([Clp(pcn())], trace=trace(), amount="1.00")
        response = await client.post("/v1/remittances", content=raw, headers=headers(tenant))
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["file"]["state"] == "quarantined" and body["remittances"] == []
        assert body["file"]["error"]["kind"] == "unbalanced"
    assert await outbox_count(stack, tenant) == 0


# --- malformed files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "segment", "element"),
    [
        ("CLP*{pcn}*1*100.00*80.00", "CLP*{pcn}*1*100.00*8O.00", 14, 4),
        ("SVC*HC:99213*100.00*80.00", "SVC*HC:99213*ABC*80.00", 18, 2),
        ("CAS*CO*45*20.00", "CAS*CO*45", 20, 3),
        ("TRN*1*", "TRN*1**", 5, 2),
        ("DTM*472*20240101", "DTM*472*20241301", 19, 2),
    ],
)
async def test_malformed_file_is_located_and_quarantined(
    api: httpx.AsyncClient,
    stack: dict[str, Any],
    tenant: str,
    old: str,
    new: str,
    segment: int,
    element: int,
) -> None:
    n = pcn()
    good = era([Clp(n)], trace=trace())
    raw = good.replace(old.format(pcn=n), new.format(pcn=n), 1)
    assert raw != good
    response = await api.post("/v1/remittances", content=raw, headers=headers(tenant))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert (detail["segment_number"], detail["element_position"]) == (segment, element)
    assert detail["state"] == "quarantined" and detail["kind"] == "malformed"
    stored = (
        await api.get(f"/v1/remittance-files/{detail['file_id']}", headers=bearer(tenant))
    ).json()
    assert stored["state"] == "quarantined" and stored["error"]["segment_number"] == segment
    raw_back = await api.get(
        f"/v1/remittance-files/{detail['file_id']}/raw", headers=bearer(tenant)
    )
    assert raw_back.content == raw.encode()
    assert (await api.get("/v1/remittances", headers=bearer(tenant))).json()["items"] == []
    assert await outbox_count(stack, tenant) == 0


async def test_not_an_835_at_all(api: httpx.AsyncClient, tenant: str) -> None:
    response = await api.post("/v1/remittances", content=b"hello", headers=headers(tenant))
    assert response.status_code == 422
    assert response.json()["detail"]["segment_number"] == 1
    empty = await api.post("/v1/remittances", content=b"", headers=headers(tenant))
    assert empty.status_code == 422 and empty.json()["detail"][0]["path"] == "body"


async def test_file_over_the_limit_is_refused_and_nothing_kept(
    stack: dict[str, Any], tenant: str, tmp_path: Path
) -> None:
    settings = settings_for(
        RemittanceSettings, "remittance", max_file_bytes=2048, inbound_dir=str(tmp_path)
    )
    async with running(create_app(settings, run_workers=False)) as client:
        raw = era([Clp(pcn()) for _ in range(20)], trace=trace())
        response = await client.post("/v1/remittances", content=raw, headers=headers(tenant))
        assert response.status_code == 413
        files = (await client.get("/v1/remittance-files", headers=bearer(tenant))).json()
        assert files["items"] == []


# --- reversals and the unmatched queue ---------------------------------------------------


async def test_reversal_undoes_the_earlier_posting(
    app: FastAPI, api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    n = pcn()
    ids = await known_claims(app, stack, tenant, n)
    first = await api.post(
        "/v1/remittances", content=era([Clp(n, ccn="ICN1")], trace=trace()), headers=headers(tenant)
    )
    assert first.status_code == 201
    reversal_and_correction = era(
        [
            Clp(
                n,
                status="22",
                ccn="ICN1",
                lines=[Line(charge="-100.00", paid="-80.00", cas=[("CO", "45", "-20.00")])],
            ),
            Clp(n, ccn="ICN2", lines=[Line(charge="100.00", paid="95.00")]),
        ],
        trace=trace(),
    )
    second = await api.post(
        "/v1/remittances", content=reversal_and_correction, headers=headers(tenant)
    )
    assert second.status_code == 201, second.text
    postings = (await api.get(f"/v1/claims/{ids[n]}/postings", headers=bearer(tenant))).json()
    original, reversal, corrected = postings
    assert original["state"] == "reversed"
    assert original["reversed_by_payment_id"] == reversal["id"]
    assert reversal["is_reversal"] and reversal["reversed_payment_id"] == original["id"]
    assert corrected["state"] == "posted" and corrected["paid"] == "95.00"
    events = await tenant_events(stack, tenant, until=5)
    adjudications = [payload_of(e) for e in events if e.type == ClaimPaymentAdjudicated.event_type]
    assert len(adjudications) == 3
    reversed_event = next(a for a in adjudications if getattr(a, "is_reversal", False))
    assert isinstance(reversed_event, ClaimPaymentAdjudicated)
    assert reversed_event.reversed_payment_id == original["id"]
    assert reversed_event.paid_amount == Decimal("-80.00")


async def test_reversal_in_the_same_file_as_its_original(
    app: FastAPI, api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    n = pcn()
    ids = await known_claims(app, stack, tenant, n)
    raw = era(
        [
            Clp(n, ccn="ICN9"),
            Clp(
                n,
                status="22",
                ccn="ICN9",
                lines=[Line(charge="-100.00", paid="-80.00", cas=[("CO", "45", "-20.00")])],
            ),
        ],
        trace=trace(),
    )
    response = await api.post("/v1/remittances", content=raw, headers=headers(tenant))
    assert response.status_code == 201
    postings = (await api.get(f"/v1/claims/{ids[n]}/postings", headers=bearer(tenant))).json()
    assert [p["state"] for p in postings] == ["reversed", "posted"]
    assert postings[1]["reversed_payment_id"] == postings[0]["id"]


async def test_unmatched_payment_matched_by_hand_is_posted(
    app: FastAPI, api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    typo = pcn()
    response = await api.post(
        "/v1/remittances", content=era([Clp(typo)], trace=trace()), headers=headers(tenant)
    )
    assert response.status_code == 201
    queue = (await api.get("/v1/unmatched-payments", headers=bearer(tenant))).json()["items"]
    [waiting] = queue
    assert waiting["patient_control_number"] == typo and waiting["state"] == "unmatched"
    before = await outbox_count(stack, tenant)

    real = pcn()
    ids = await known_claims(app, stack, tenant, real)
    unknown = await api.post(
        f"/v1/unmatched-payments/{waiting['id']}/match",
        json={"claim_id": "no-such-claim"},
        headers=bearer(tenant),
    )
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["path"] == "body.claim_id"
    matched = await api.post(
        f"/v1/unmatched-payments/{waiting['id']}/match",
        json={"claim_id": ids[real]},
        headers=bearer(tenant),
    )
    assert matched.status_code == 200, matched.text
    assert matched.json()["state"] == "posted" and matched.json()["matched_by"]
    again = await api.post(
        f"/v1/unmatched-payments/{waiting['id']}/match",
        json={"claim_id": ids[real]},
        headers=bearer(tenant),
    )
    assert again.status_code == 409
    assert (await api.get("/v1/unmatched-payments", headers=bearer(tenant))).json()["items"] == []
    assert await outbox_count(stack, tenant) == before + 1
    events = await tenant_events(stack, tenant, until=2)
    [adjudicated] = [e for e in events if e.type == ClaimPaymentAdjudicated.event_type]
    assert adjudicated.subject == ids[real]
    remittance = (
        await api.get(f"/v1/remittances/{waiting['remittance_id']}", headers=bearer(tenant))
    ).json()
    assert (remittance["matched_count"], remittance["unmatched_count"]) == (1, 0)


async def test_a_claim_that_arrives_after_its_payment_takes_it_off_the_queue(
    app: FastAPI, api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    n = pcn()
    await api.post("/v1/remittances", content=era([Clp(n)], trace=trace()), headers=headers(tenant))
    ids = await known_claims(app, stack, tenant, n)

    async def posted() -> bool:
        rows = (await api.get(f"/v1/claims/{ids[n]}/postings", headers=bearer(tenant))).json()
        return bool(rows) and rows[0]["state"] == "posted"

    await wait_for(posted, what="the automatic match")
    assert (await api.get("/v1/unmatched-payments", headers=bearer(tenant))).json()["items"] == []


# --- other ways in, tenancy, recovery --------------------------------------------------------


async def test_multipart_upload(api: httpx.AsyncClient, tenant: str) -> None:
    raw = era([Clp(pcn())], trace=trace())
    response = await api.post(
        "/v1/remittances",
        files={"file": ("era.835", raw.encode(), "application/edi-x12")},
        headers=bearer(tenant),
    )
    assert response.status_code == 201, response.text
    assert response.json()["file"]["file_name"] == "era.835"
    nothing = await api.post(
        "/v1/remittances", files={"other": ("x", b"y")}, headers=bearer(tenant)
    )
    assert nothing.status_code == 422 and nothing.json()["detail"][0]["path"] == "body.file"


async def test_inbound_folder(app: FastAPI, api: httpx.AsyncClient, tenant: str) -> None:
    inbound = Path(app.state.settings.inbound_dir) / tenant
    inbound.mkdir(parents=True)
    good_trace = trace()
    (inbound / ".partial.835").write_text("ISA")  # still being written: left alone
    (inbound / "a.835").write_text(era([Clp(pcn())], trace=good_trace))
    (inbound / "b.835").write_text("ISA*garbage")

    async def filed() -> bool:
        return (inbound / "processed" / "a.835").exists() and (
            inbound / "failed" / "b.835"
        ).exists()

    await wait_for(filed, what="the mailbox scan")
    assert (inbound / ".partial.835").exists()
    listed = (await api.get("/v1/remittances", headers=bearer(tenant))).json()["items"]
    assert [r["trace_number"] for r in listed] == [good_trace]
    files = (await api.get("/v1/remittance-files", headers=bearer(tenant))).json()["items"]
    assert {(f["file_name"], f["state"], f["source"]) for f in files} == {
        ("a.835", "posted", "folder"),
        ("b.835", "quarantined", "folder"),
    }


async def test_tenants_do_not_see_each_other(api: httpx.AsyncClient, tenant: str) -> None:
    response = await api.post(
        "/v1/remittances", content=era([Clp(pcn())], trace=trace()), headers=headers(tenant)
    )
    remittance = response.json()["remittances"][0]
    other = bearer(f"tenant-{uuid.uuid4().hex[:12]}")
    assert (await api.get(f"/v1/remittances/{remittance['id']}", headers=other)).status_code == 404
    file_id = remittance["file_id"]
    assert (await api.get(f"/v1/remittance-files/{file_id}/raw", headers=other)).status_code == 404
    assert (await api.get("/v1/remittances", headers=other)).json()["items"] == []
    assert (await api.get("/v1/remittances")).status_code == 401
    reader_only = bearer(tenant, scopes=["remittance:read"])
    refused = await api.post("/v1/remittances", content=b"ISA", headers={**reader_only, **EDI})
    assert refused.status_code == 403


async def test_stored_but_unposted_file_is_posted_on_recovery(
    app: FastAPI, api: httpx.AsyncClient, tenant: str
) -> None:
    """A crash between storing and posting leaves a `received` file: the worker posts it."""
    runtime = app.state.runtime
    raw = era([Clp(pcn())], trace=trace())

    async def body() -> AsyncIterator[bytes]:
        yield raw.encode()

    with tempfile.TemporaryFile() as spool:
        stored = await files.receive(
            runtime.sessions, tenant, body(), spool, source="api", file_name=None, max_bytes=10**6
        )
    await recover(runtime, timedelta(0))
    file = (await api.get(f"/v1/remittance-files/{stored.id}", headers=bearer(tenant))).json()
    assert file["state"] == "posted" and file["remittance_count"] == 1
    await recover(runtime, timedelta(0))  # nothing left to recover, nothing posted twice
    listed = (await api.get("/v1/remittances", headers=bearer(tenant))).json()["items"]
    assert len(listed) == 1


# --- every published sample ---------------------------------------------------------------

SAMPLE_FILES = sample_files("835")


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
async def test_every_sample_is_posted_with_its_amounts(
    api: httpx.AsyncClient, tenant: str, path: Path
) -> None:
    raw = await asyncio.to_thread(path.read_bytes)
    response = await api.post("/v1/remittances", content=raw, headers=headers(tenant))
    assert response.status_code == 201, response.text
    for remittance in response.json()["remittances"]:
        detail = (
            await api.get(f"/v1/remittances/{remittance['id']}", headers=bearer(tenant))
        ).json()
        payments = detail["payments"]
        assert len(payments) == remittance["claim_count"] == remittance["unmatched_count"]
        total = sum((Decimal(p["paid"]) for p in payments), Decimal(0))
        assert total == Decimal(remittance["total_claim_paid"])
        plb = sum((Decimal(p["amount"]) for p in detail["provider_adjustments"]), Decimal(0))
        assert plb == Decimal(remittance["total_plb"])
        assert Decimal(remittance["payment_amount"]) == total - plb


async def test_concurrent_uploads_of_one_era_post_it_once(
    api: httpx.AsyncClient, tenant: str
) -> None:
    raw = era([Clp(pcn()) for _ in range(50)], trace=trace())
    responses = await asyncio.gather(
        *(api.post("/v1/remittances", content=raw, headers=headers(tenant)) for _ in range(3))
    )
    assert sorted(r.status_code for r in responses) == [200, 200, 201]
    listed = (await api.get("/v1/remittances", headers=bearer(tenant))).json()["items"]
    assert len(listed) == 1


async def test_835_matching_is_planned_by_control_number_whatever_the_tenant_sizes(
    app: FastAPI,
) -> None:
    """An 835 finds its claims by (tenant, control numbers) through a generic plan made
    once for any tenant. With one big tenant among 300 small ones in the statistics, the
    plan must still look the control numbers up, not scan the tenant (migration 0005)."""
    engine = app.state.runtime.engine
    big, small = f"plan-big-{uuid.uuid4().hex[:8]}", f"plan-small-{uuid.uuid4().hex[:8]}"
    insert = (
        "INSERT INTO claim_refs (tenant_id, claim_id, patient_control_number, clinic_id,"
        " payer_id, voided) SELECT {tenant}, gen_random_uuid()::text, 'P' || g, 'c', 'p',"
        " false FROM generate_series(1, {n}) g"
    )
    async with engine.begin() as conn:
        await conn.execute(text(insert.format(tenant=":big", n=2000)), {"big": big})
        await conn.execute(
            text(insert.format(tenant=":small || '-' || g", n=300)), {"small": small}
        )
        await conn.execute(text("ANALYZE claim_refs"))
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SET plan_cache_mode = force_generic_plan"))
            await conn.execute(
                text(
                    "PREPARE match(text, text[]) AS SELECT patient_control_number, claim_id"
                    " FROM claim_refs WHERE tenant_id = $1 AND patient_control_number = ANY($2)"
                )
            )
            plan = (
                await conn.execute(text("EXPLAIN (FORMAT JSON) EXECUTE match('t', '{a}')"))
            ).scalar_one()
            await conn.execute(text("DEALLOCATE match"))
    finally:
        async with engine.begin() as conn:
            await conn.execute(
                text("DELETE FROM claim_refs WHERE tenant_id = :big OR tenant_id LIKE :small"),
                {"big": big, "small": small + "-%"},
            )
    scan = plan[0]["Plan"]
    assert "patient_control_number" in scan.get("Index Cond", ""), scan
