"""A claim's whole path through the claims service against the real stack: submission
(837P that passes pyx12), delivery, 999/277CA, the events it consumes (each delivered
twice through Kafka), corrections, voids and KPIs."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI
from sqlalchemy import func, select

from rcm_claims.app import create_app
from rcm_claims.clearinghouse import FileDropConnector, HttpConnector
from rcm_claims.config import ClaimsSettings
from rcm_claims.models import Submission
from rcm_claims.service.claims import ClaimService
from rcm_claims.service.submissions import deliver_due
from rcm_shared.events.catalog import EventPayload, new_event
from rcm_shared.events.denials import Corrections, ResubmissionRequested
from rcm_shared.events.eligibility import EligibilityChecked
from rcm_shared.events.remittance import Adjustment, ClaimPaymentAdjudicated
from rcm_shared.identity import patient_key
from rcm_shared.messaging.tables import inbox, outbox
from rcm_shared.testing.fixtures import bearer, running, settings_for, wait_for
from rcm_shared.testing.x12_oracle import validate

from .acks import ClaimAnswer, ack_277ca, ack_999
from .factories import DOS, claim_body, claim_of, setup_tenant


async def ready_claims(
    api: httpx.AsyncClient, tenant: str, refs: dict[str, str], n: int
) -> list[dict[str, Any]]:
    claims = []
    for _ in range(n):
        created = await api.post(
            "/v1/claims", json=claim_body(refs["clinic_id"]), headers=bearer(tenant)
        )
        assert created.json()["status"] == "ready", created.json()["edits"]
        claims.append(created.json())
    return claims


async def submit(api: httpx.AsyncClient, tenant: str, ids: list[str]) -> dict[str, Any]:
    response = await api.post("/v1/submissions", json={"claim_ids": ids}, headers=bearer(tenant))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_submission_writes_a_valid_837p_and_delivers_it_once(
    app: FastAPI, api: httpx.AsyncClient, tenant: str, tmp_path: Path
) -> None:
    refs = await setup_tenant(api, tenant)
    claims = await ready_claims(api, tenant, refs, 3)
    sub = await submit(api, tenant, [c["id"] for c in claims])
    assert sub["claim_count"] == 3 and sub["delivery_status"] == "pending"
    assert sorted(sub["claim_ids"]) == sorted(c["id"] for c in claims)
    for claim in claims:
        assert (await claim_of(api, tenant, claim["id"]))["status"] == "submitted"

    x12 = (await api.get(f"/v1/submissions/{sub['id']}/x12", headers=bearer(tenant))).text
    verdict = validate(x12)
    assert verdict.ok, verdict.explain()
    assert all(f"CLM*{c['patient_control_number']}*" in x12 for c in claims)

    # A claim cannot go out twice.
    again = await api.post(
        "/v1/submissions", json={"claim_ids": [claims[0]["id"]]}, headers=bearer(tenant)
    )
    assert again.status_code == 409

    outbound = tmp_path / "drop"
    connector = FileDropConnector(outbound)
    for _ in range(20):  # earlier runs may have left pending submissions in the queue
        await deliver_due(app.state.runtime, connector, app.state.settings, limit=50)
        sent = (await api.get(f"/v1/submissions/{sub['id']}", headers=bearer(tenant))).json()
        if sent["delivery_status"] == "sent":
            break
    assert sent["delivery_status"] == "sent" and sent["attempts"] == 1
    files = list((outbound / tenant).iterdir())
    assert [f.name for f in files] == [f"{sub['interchange_control_number']}.837"]
    assert files[0].read_text(encoding="latin-1") == x12


async def test_failed_delivery_is_retried_then_visible(
    app: FastAPI, api: httpx.AsyncClient, tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    [claim] = await ready_claims(api, tenant, refs, 1)
    sub = await submit(api, tenant, [claim["id"]])
    settings = app.state.settings.model_copy(update={"delivery_max_attempts": 2})
    nowhere = HttpConnector("http://127.0.0.1:9/clearinghouse", timeout=2)
    sessions = app.state.runtime.sessions

    async def state() -> Submission:
        async with sessions() as session:
            return await session.get_one(Submission, sub["id"])

    for expected_attempts, expected_status in ((1, "pending"), (2, "failed")):
        async with sessions() as session, session.begin():  # due now, not after backoff
            row = await session.get_one(Submission, sub["id"])
            row.next_attempt_at = None
        for _ in range(20):
            await deliver_due(app.state.runtime, nowhere, settings, limit=50)
            if (await state()).attempts == expected_attempts:
                break
        current = await state()
        assert (current.attempts, current.delivery_status) == (expected_attempts, expected_status)
        assert current.last_error == "ConnectError"
    retried = await api.post(f"/v1/submissions/{sub['id']}/retry", headers=bearer(tenant))
    assert retried.json()["delivery_status"] == "pending"


async def test_277ca_accepts_and_rejects_single_claims(api: httpx.AsyncClient, tenant: str) -> None:
    refs = await setup_tenant(api, tenant)
    first, second = await ready_claims(api, tenant, refs, 2)
    await submit(api, tenant, [first["id"], second["id"]])
    ack = ack_277ca(
        [
            ClaimAnswer(first["patient_control_number"], "195.5", True, "ICN0001"),
            ClaimAnswer(second["patient_control_number"], "195.5", False),
        ]
    )
    posted = await api.post(
        "/v1/acknowledgments",
        content=ack,
        headers={**bearer(tenant), "content-type": "application/edi-x12"},
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["kind"] == "277CA"
    assert posted.json()["summary"] == {
        "claims_accepted": 1,
        "claims_rejected": 1,
        "claims_unknown": 0,
    }
    accepted = await claim_of(api, tenant, first["id"])
    assert (accepted["status"], accepted["payer_claim_control_number"]) == ("accepted", "ICN0001")
    rejected = await claim_of(api, tenant, second["id"])
    assert rejected["status"] == "rejected" and rejected["rejection_reasons"]
    assert any("562" in reason for reason in rejected["rejection_reasons"])

    same = await api.post("/v1/acknowledgments", content=ack, headers=bearer(tenant))
    assert same.status_code == 200 and same.json()["id"] == posted.json()["id"]

    # A rejected claim is fixed and goes out again as an original.
    fixed = await api.patch(
        f"/v1/claims/{second['id']}", json={"place_of_service": "11"}, headers=bearer(tenant)
    )
    assert fixed.json()["status"] == "ready"


async def test_a_claim_for_services_already_billed_is_a_duplicate(
    api: httpx.AsyncClient, tenant: str
) -> None:
    """Same patient, payer, date of service, procedure and charge as a claim submitted
    and not voided: DUPLICATE_CLAIM, found in the database, naming that claim."""
    refs = await setup_tenant(api, tenant)
    h = bearer(tenant)

    async def post(body: dict[str, Any]) -> dict[str, Any]:
        response = await api.post("/v1/claims", json=body, headers=h)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def duplicate_edits(claim: dict[str, Any]) -> list[str]:
        return [e["message"] for e in claim["edits"] if e["code"] == "DUPLICATE_CLAIM"]

    body = claim_body(refs["clinic_id"])
    first = await post(body)
    # not sent yet: a second claim is no duplicate of a claim still in the office
    unsent_twin = await post(body)
    assert duplicate_edits(unsent_twin) == []

    await submit(api, tenant, [first["id"]])
    twin = await post(body)
    assert twin["status"] == "scrub_failed"
    [message] = duplicate_edits(twin)
    assert first["id"] in message
    # other charges, or another patient, are other services
    other = {
        **body,
        "lines": [{**ln, "charge": str(Decimal(ln["charge"]) + 1)} for ln in body["lines"]],
    }
    other["total_charge"] = str(sum(Decimal(ln["charge"]) for ln in other["lines"]))
    assert duplicate_edits(await post(other)) == []
    assert duplicate_edits(await post(claim_body(refs["clinic_id"]))) == []

    # rejected by the payer's front end: it is fixed and sent again, so it still counts
    ack = ack_277ca([ClaimAnswer(first["patient_control_number"], "195.5", False)])
    assert (await api.post("/v1/acknowledgments", content=ack, headers=h)).status_code == 201
    assert (await claim_of(api, tenant, first["id"]))["status"] == "rejected"
    assert duplicate_edits(await post(body))
    # voided: the services are no longer billed, a new claim may carry them
    voided = await api.post(f"/v1/claims/{first['id']}/void", json={"reason": "wrong"}, headers=h)
    assert voided.json()["status"] == "voided"
    assert duplicate_edits(await post(body)) == []


async def test_999_rejects_a_transaction(api: httpx.AsyncClient, tenant: str) -> None:
    refs = await setup_tenant(api, tenant)
    claims = await ready_claims(api, tenant, refs, 2)
    sub = await submit(api, tenant, [c["id"] for c in claims])
    ack = ack_999(sub["group_control_number"], {"0001": False}, control=9002)
    posted = await api.post("/v1/acknowledgments", content=ack, headers=bearer(tenant))
    assert posted.status_code == 201, posted.text
    assert posted.json()["summary"]["claims_rejected"] == 2
    for claim in claims:
        assert (await claim_of(api, tenant, claim["id"]))["status"] == "rejected"


@pytest.mark.parametrize("kind", ["999", "277CA"])
async def test_malformed_acknowledgment_is_422_and_kept(
    api: httpx.AsyncClient, tenant: str, kind: str
) -> None:
    if kind == "999":
        good = ack_999("1", {"0001": True}, control=9003)
    else:
        good = ack_277ca([ClaimAnswer("PCN-1", "195.5", True, "ICN1")], control=9004)
    broken = good.replace("IEA*1*", "IEA*2*")
    assert broken != good
    response = await api.post("/v1/acknowledgments", content=broken, headers=bearer(tenant))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["segment_id"] == "IEA" and detail["element_position"] == 1
    assert isinstance(detail["segment_number"], int)
    kept = await api.get(
        f"/v1/acknowledgments/{detail['acknowledgment_id']}", headers=bearer(tenant)
    )
    assert kept.json()["status"] == "invalid"
    raw = await api.get(
        f"/v1/acknowledgments/{detail['acknowledgment_id']}/raw", headers=bearer(tenant)
    )
    assert raw.text == broken
    # sent again, it is refused again, naming the file kept the first time
    again = await api.post("/v1/acknowledgments", content=broken, headers=bearer(tenant))
    assert again.status_code == 422
    assert again.json()["detail"]["acknowledgment_id"] == detail["acknowledgment_id"]
    assert again.json()["detail"]["element_position"] == 1


async def produce_twice(
    stack: dict[str, Any], tenant: str, payload: EventPayload
) -> TopicPartitionOffset:
    """The same event sent twice; where the second copy landed."""
    event = new_event(payload, tenant_id=tenant, source="/tests")
    producer = AIOKafkaProducer(bootstrap_servers=stack["bootstrap"])
    await producer.start()
    try:
        for _ in range(2):  # the same event, twice: it must act once
            sent = await producer.send_and_wait(
                stack["prefix"] + payload.topic, event.to_bytes(), key=payload.key.encode()
            )
    finally:
        await producer.stop()
    return TopicPartitionOffset(sent.topic, sent.partition, sent.offset)


@dataclass(frozen=True)
class TopicPartitionOffset:
    topic: str
    partition: int
    offset: int


async def consumed(stack: dict[str, Any], app: FastAPI, last: TopicPartitionOffset) -> None:
    """Waits until the service's consumer group has committed past `last`: both copies
    were read and handled (or skipped), so what follows sees the second one's effect."""
    group = app.state.runtime.consumer.group_id
    admin = AIOKafkaAdminClient(bootstrap_servers=stack["bootstrap"])
    await admin.start()
    try:

        async def past() -> bool:
            offsets = await admin.list_consumer_group_offsets(group)
            committed = offsets.get(TopicPartition(last.topic, last.partition))
            return committed is not None and committed.offset > last.offset

        await wait_for(past, timeout=30, what=f"{group} past offset {last.offset}")
    finally:
        await admin.close()


async def test_consumed_events_act_once(stack: dict[str, Any], tenant: str, tmp_path: Path) -> None:
    settings = settings_for(
        ClaimsSettings, "claims", outbound_dir=str(tmp_path / "o"), inbound_dir=str(tmp_path / "i")
    )
    app = create_app(settings, run_workers=True)
    async with running(app) as api:
        consumer = app.state.runtime.consumer
        refs = await setup_tenant(api, tenant)
        body = claim_body(refs["clinic_id"])
        sub = body["subscriber"]
        key = patient_key(tenant, "87726", sub["member_id"], date.fromisoformat(sub["birth_date"]))

        # Eligibility: an active answer removes the coverage warning.
        copies = await produce_twice(
            stack,
            tenant,
            EligibilityChecked(
                check_id=str(uuid.uuid4()),
                patient_key=key,
                payer_id="87726",
                status="active",
                service_date=DOS,
                coverage_start=date(2020, 1, 1),
                checked_at=datetime.now(UTC),
            ),
        )

        async def handled(n: int) -> bool:
            """This tenant's events in the inbox: other tests' events on the same topics
            move the consumer's counters too."""
            async with stack["engines"]["claims"].connect() as conn:
                count = await conn.scalar(
                    select(func.count()).select_from(inbox).where(inbox.c.tenant_id == tenant)
                )
            return bool(count is not None and count >= n)

        await wait_for(lambda: handled(1), what="the eligibility event")
        await consumed(stack, app, copies)
        claim = (await api.post("/v1/claims", json=body, headers=bearer(tenant))).json()
        assert claim["edits"] == []
        await submit(api, tenant, [claim["id"]])

        # Remittance: paid, twice delivered; the amount is added once, recorded once.
        payment = ClaimPaymentAdjudicated(
            claim_key=claim["id"],
            claim_id=claim["id"],
            patient_control_number=claim["patient_control_number"],
            remittance_id=str(uuid.uuid4()),
            payment_id=str(uuid.uuid4()),
            payer_id="87726",
            payer_claim_control_number="ICN777",
            claim_status_code="1",
            total_charge=Decimal("195.50"),
            paid_amount=Decimal("120.00"),
            patient_responsibility=Decimal("0.00"),
            adjustments=[Adjustment(group_code="CO", reason_code="45", amount=Decimal("75.50"))],
            remittance_date=date.today(),
        )
        copies = await produce_twice(stack, tenant, payment)
        await wait_for(lambda: handled(2), what="the adjudication")
        await consumed(stack, app, copies)
        paid = (await api.get(f"/v1/claims/{claim['id']}", headers=bearer(tenant))).json()
        assert (paid["status"], paid["payer_claim_control_number"]) == ("paid", "ICN777")
        assert paid["paid_amount"] == "120.00"
        history = (
            await api.get(f"/v1/claims/{claim['id']}/history", headers=bearer(tenant))
        ).json()
        assert [h["event_type"] for h in history].count("rcm.claim.adjudicated.v1") == 1

        # Denials asks for a corrected claim, twice: one replacement.
        copies = await produce_twice(
            stack,
            tenant,
            ResubmissionRequested(
                denial_id=str(uuid.uuid4()),
                claim_id=claim["id"],
                payer_claim_control_number="ICN777",
                corrections=Corrections(prior_authorization_number="AUTH123"),
            ),
        )
        await wait_for(lambda: handled(3), what="the resubmission request")
        await consumed(stack, app, copies)
        original = (await api.get(f"/v1/claims/{claim['id']}", headers=bearer(tenant))).json()
        assert original["status"] == "corrected"
        replacement = (
            await api.get(f"/v1/claims/{original['replaced_by_claim_id']}", headers=bearer(tenant))
        ).json()
        assert replacement["frequency_code"] == "7"
        assert replacement["claim"]["payer_claim_control_number"] == "ICN777"
        assert replacement["claim"]["prior_authorization_number"] == "AUTH123"
        listed = (
            await api.get("/v1/claims", params={"frequency_code": "7"}, headers=bearer(tenant))
        ).json()
        assert len(listed["items"]) == 1
        history = (
            await api.get(f"/v1/claims/{claim['id']}/history", headers=bearer(tenant))
        ).json()
        assert [h["event_type"] for h in history].count("rcm.claim.corrected.v1") == 1
        # every second copy was seen and skipped, none failed over to the dead letters
        assert consumer.duplicates >= 3


async def test_void_before_and_after_submission(
    app: FastAPI, api: httpx.AsyncClient, tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    draft, sent = await ready_claims(api, tenant, refs, 2)
    voided = await api.post(
        f"/v1/claims/{draft['id']}/void", json={"reason": "entered twice"}, headers=bearer(tenant)
    )
    assert voided.json()["status"] == "voided", voided.json()
    await submit(api, tenant, [sent["id"]])
    no_icn = await api.post(
        f"/v1/claims/{sent['id']}/void", json={"reason": "wrong patient"}, headers=bearer(tenant)
    )
    assert no_icn.status_code == 409  # the payer's claim number is needed for a frequency 8
    ack = ack_277ca(
        [ClaimAnswer(sent["patient_control_number"], "195.5", True, "ICN42")], control=9104
    )
    await api.post("/v1/acknowledgments", content=ack, headers=bearer(tenant))
    done = (
        await api.post(
            f"/v1/claims/{sent['id']}/void",
            json={"reason": "wrong patient"},
            headers=bearer(tenant),
        )
    ).json()
    assert done["status"] == "voided"
    voids = (
        await api.get("/v1/claims", params={"frequency_code": "8"}, headers=bearer(tenant))
    ).json()["items"]
    assert [(v["original_claim_id"], v["claim"]["payer_claim_control_number"]) for v in voids] == [
        (sent["id"], "ICN42")
    ]
    assert (
        await api.post(
            f"/v1/claims/{draft['id']}/void", json={"reason": "again"}, headers=bearer(tenant)
        )
    ).status_code == 409


async def test_kpis_on_a_known_day(
    app: FastAPI, api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    claims = await ready_claims(api, tenant, refs, 4)
    bad = await api.post(
        "/v1/claims",
        json=claim_body(refs["clinic_id"], total_charge="1.00"),
        headers=bearer(tenant),
    )
    assert bad.json()["status"] == "scrub_failed"
    await submit(api, tenant, [c["id"] for c in claims])
    answers = [
        ClaimAnswer(c["patient_control_number"], "195.5", i < 3, f"ICN{i}")
        for i, c in enumerate(claims)
    ]
    await api.post(
        "/v1/acknowledgments", content=ack_277ca(answers, control=9105), headers=bearer(tenant)
    )
    # paid in full (contractual write-down only), denied
    from rcm_claims.service.claims import ClaimService  # noqa: PLC0415

    async with app.state.runtime.sessions() as session, session.begin():
        svc = ClaimService(session, tenant, actor="test")
        for claim, status, paid, adjustment in (
            (claims[0], "1", "150.00", ("CO", "45")),
            (claims[1], "4", "0.00", ("CO", "197")),
        ):
            await svc.record_adjudication(
                ClaimPaymentAdjudicated(
                    claim_key=claim["id"],
                    claim_id=claim["id"],
                    patient_control_number=claim["patient_control_number"],
                    remittance_id="r",
                    payment_id=str(uuid.uuid4()),
                    payer_id="87726",
                    payer_claim_control_number="ICN",
                    claim_status_code=status,
                    total_charge=Decimal("195.50"),
                    paid_amount=Decimal(paid),
                    patient_responsibility=Decimal(0),
                    adjustments=[
                        Adjustment(
                            group_code=adjustment[0],
                            reason_code=adjustment[1],
                            amount=Decimal("195.50") - Decimal(paid),
                        )
                    ],
                    remittance_date=date.today(),
                )
            )
    report = (
        await api.get("/v1/kpis", params={"group_by": "payer"}, headers=bearer(tenant))
    ).json()
    total = report["total"]
    assert total["claims"] == 5
    assert Decimal(total["clean_claim_rate"]) == Decimal("0.8000")  # 4 of 5 clean
    assert Decimal(total["first_pass_acceptance_rate"]) == Decimal("0.7500")  # 3 of 4
    assert Decimal(total["denial_rate"]) == Decimal("0.5000")  # 1 of 2 adjudicated
    assert Decimal(total["paid"]) == Decimal("150.00")
    # open: claims[2] accepted (195.50) + claims[3] rejected is not open
    assert Decimal(total["open_balance"]) == Decimal("195.50")
    assert Decimal(total["ar_aging"]["0-30"]) == Decimal("195.50")
    assert list(report["groups"]) == ["87726"]
    async with stack["engines"]["claims"].connect() as conn:
        assert (
            await conn.scalar(
                select(func.count())
                .select_from(Submission.__table__)
                .where(Submission.tenant_id == tenant)
            )
            == 1
        )


async def test_worker_delivers_and_reads_the_mailbox_by_itself(
    stack: dict[str, Any], tenant: str, tmp_path: Path
) -> None:
    """The worker role's background loops: the 837 reaches the outbound folder, and a 277CA
    dropped into the inbound folder is applied, with nobody calling an endpoint for it."""
    outbound, inbound = tmp_path / "out", tmp_path / "in"
    settings = settings_for(
        ClaimsSettings,
        "claims",
        outbound_dir=str(outbound),
        inbound_dir=str(inbound),
        delivery_poll_seconds=0.1,
        inbound_poll_seconds=0.1,
    )
    app = create_app(settings, run_workers=True)
    async with running(app) as api:
        refs = await setup_tenant(api, tenant)
        [claim] = await ready_claims(api, tenant, refs, 1)
        sub = await submit(api, tenant, [claim["id"]])
        dropped = outbound / tenant / f"{sub['interchange_control_number']}.837"

        async def delivered() -> bool:
            return dropped.exists()

        await wait_for(delivered, timeout=30, what="the 837 in the outbound folder")
        (inbound / tenant).mkdir(parents=True)
        ack = ack_277ca(
            [ClaimAnswer(claim["patient_control_number"], "195.5", True, "ICN9")], control=9107
        )
        (inbound / tenant / "ack1.277").write_text(ack, encoding="latin-1")

        async def accepted() -> bool:
            return (await claim_of(api, tenant, claim["id"]))["status"] == "accepted"

        await wait_for(accepted, timeout=30, what="the 277CA from the inbound folder")
        assert (inbound / tenant / "processed" / "ack1.277").exists()


def adjudication(
    claim: dict[str, Any], status: str, paid: str, *, reversal: bool = False
) -> ClaimPaymentAdjudicated:
    return ClaimPaymentAdjudicated(
        claim_key=claim["id"],
        claim_id=claim["id"],
        patient_control_number=claim["patient_control_number"],
        remittance_id=str(uuid.uuid4()),
        payment_id=str(uuid.uuid4()),
        payer_id="87726",
        payer_claim_control_number="ICN900",
        claim_status_code=status,
        total_charge=Decimal("195.50") * (-1 if reversal else 1),
        paid_amount=Decimal(paid),
        patient_responsibility=Decimal("0.00"),
        adjustments=[
            Adjustment(group_code="CO", reason_code="45", amount=Decimal("195.50") - Decimal(paid))
        ]
        if not reversal
        else [Adjustment(group_code="CO", reason_code="45", amount=Decimal("-45.50"))],
        remittance_date=date.today(),
        is_reversal=reversal,
    )


async def record(app: FastAPI, tenant: str, payment: ClaimPaymentAdjudicated) -> None:
    """What the rcm.remittance.claim_adjudicated.v1 handler does, without Kafka."""
    async with app.state.runtime.sessions() as session, session.begin():
        await ClaimService(session, tenant, actor="remittance").record_adjudication(payment)


async def test_a_277ca_after_the_835_leaves_the_claim_paid(
    app: FastAPI, api: httpx.AsyncClient, tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    [claim] = await ready_claims(api, tenant, refs, 1)
    await submit(api, tenant, [claim["id"]])
    await record(app, tenant, adjudication(claim, "1", "150.00"))
    assert (await claim_of(api, tenant, claim["id"]))["status"] == "paid"
    late = ack_277ca(
        [ClaimAnswer(claim["patient_control_number"], "195.5", True, "ICN900")], control=9131
    )
    posted = await api.post("/v1/acknowledgments", content=late, headers=bearer(tenant))
    assert posted.status_code == 201
    assert (await claim_of(api, tenant, claim["id"]))["status"] == "paid"


async def test_reversal_of_a_corrected_claim_takes_the_money_back(
    app: FastAPI, api: httpx.AsyncClient, tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    [claim] = await ready_claims(api, tenant, refs, 1)
    await submit(api, tenant, [claim["id"]])
    await record(app, tenant, adjudication(claim, "1", "150.00"))
    corrected = await api.post(
        f"/v1/claims/{claim['id']}/corrections",
        json={"prior_authorization_number": "AUTH9"},
        headers=bearer(tenant),
    )
    assert corrected.status_code == 201, corrected.text
    await record(app, tenant, adjudication(claim, "22", "-150.00", reversal=True))
    original = await claim_of(api, tenant, claim["id"])
    assert original["status"] == "corrected"
    assert Decimal(original["paid_amount"]) == Decimal("0.00")


async def test_an_adjudicated_claim_is_closed_by_billing(
    app: FastAPI, api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    h = bearer(tenant)
    paid, at_payer = await ready_claims(api, tenant, refs, 2)
    await submit(api, tenant, [paid["id"], at_payer["id"]])
    # still at the payer: closing would hide money not yet decided
    early = await api.post(f"/v1/claims/{at_payer['id']}/close", json={"reason": "x"}, headers=h)
    assert early.status_code == 409
    await record(app, tenant, adjudication(paid, "1", "150.00"))
    closed = await api.post(
        f"/v1/claims/{paid['id']}/close", json={"reason": "balance written off"}, headers=h
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    history = (await api.get(f"/v1/claims/{paid['id']}/history", headers=h)).json()
    assert (history[-1]["from_status"], history[-1]["to_status"]) == ("paid", "closed")
    assert history[-1]["event_type"] == "rcm.claim.closed.v1"
    async with stack["engines"]["claims"].connect() as conn:
        payloads = (
            (
                await conn.execute(
                    select(outbox.c.payload).where(
                        outbox.c.tenant_id == tenant, outbox.c.type == "rcm.claim.closed.v1"
                    )
                )
            )
            .scalars()
            .all()
        )
    [event] = [json.loads(p) if isinstance(p, str) else p for p in payloads]
    assert event["data"]["claim_id"] == paid["id"]
    assert event["data"]["paid_amount"] == "150.00"
    # closed is final: no void, no second close
    void = await api.post(f"/v1/claims/{paid['id']}/void", json={"reason": "x"}, headers=h)
    again = await api.post(f"/v1/claims/{paid['id']}/close", json={"reason": "x"}, headers=h)
    assert void.status_code == again.status_code == 409
    blank = await api.post(f"/v1/claims/{paid['id']}/close", json={"reason": ""}, headers=h)
    assert blank.status_code == 422 and blank.json()["detail"][0]["path"] == "body.reason"
