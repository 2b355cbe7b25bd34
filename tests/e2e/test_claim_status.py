"""Claim status follow-up through the claims service and the sandbox over HTTP: a 276 per
inquiry, the 277's STC recorded on the claim and its history, "not found" after
acceptance opening a follow-up item, the aging A/R work list, and the worker asking by
itself about claims past their payer's days. On the real PostgreSQL (this run's _test
database)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update

from rcm_claims.app import create_app as claims_app
from rcm_claims.clearinghouse import StatusConnector, status_connector_for
from rcm_claims.config import ClaimsSettings
from rcm_claims.domain.claim_status import parse_277
from rcm_claims.models import Claim, StatusCheck
from rcm_claims.service.claims import now
from rcm_claims.service.status_checks import ask_due
from rcm_shared.testing.fixtures import REPO, bearer, running, serving, settings_for, wait_for
from rcm_shared.testing.x12_oracle import validate
from rcm_shared.x12.reader import read_interchange

if str(REPO) not in sys.path:  # deploy/ is not an installed package
    sys.path.insert(0, str(REPO))

from deploy.sandbox.app import create_app as sandbox_app
from deploy.sandbox.config import SandboxSettings

CLINIC = {
    "name": "Springfield Family Medicine",
    "npi": "1245319599",
    "tax_id": "123456789",
    "taxonomy_code": "207Q00000X",
    "address": {"line1": "100 Main St", "city": "Springfield", "state": "IL",
                "postal_code": "627011234"},
}  # fmt: skip
PAYER = {"payer_id": "87726", "name": "Acme Health Plan", "claim_filing_indicator": "CI"}


def claim(clinic_id: str, member: str, **extra: Any) -> dict[str, Any]:
    dos = (now().date() - timedelta(days=3)).isoformat()
    return {
        "clinic_id": clinic_id,
        "payer_id": "87726",
        "subscriber": {
            "member_id": member,
            "first_name": "Jane",
            "last_name": "Doe",
            "birth_date": "1980-04-02",
            "gender": "F",
            "address": {
                "line1": "5 Oak Ave",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62704",
            },
        },
        "place_of_service": "11",
        "diagnosis_codes": ["I10"],
        "lines": [
            {
                "procedure_code": "99213",
                "charge": "155.00",
                "service_date_from": dos,
                "diagnosis_pointers": [1],
            },
        ],
        "total_charge": "155.00",
        **extra,
    }


async def test_claim_status_follow_up(stack: dict[str, Any], tenant: str, tmp_path: Path) -> None:
    box = {name: tmp_path / name for name in ("outbound", "inbound", "remittance")}
    sandbox = sandbox_app(
        SandboxSettings(
            data_dir=tmp_path / "sandbox",
            outbound_dir=box["outbound"],
            inbound_dir=box["inbound"],
            remittance_dir=box["remittance"],
            mailbox_poll_seconds=0.3,
            remit_every_seconds=0,
        )
    )
    async with serving(sandbox) as sandbox_url:
        settings = settings_for(
            ClaimsSettings,
            "claims",
            outbound_dir=str(box["outbound"]),
            inbound_dir=str(box["inbound"]),
            inbound_poll_seconds=0.2,
            delivery_poll_seconds=0.2,
            status_url=f"{sandbox_url}/276",
            status_poll_seconds=0,  # the test runs the sweep itself
        )
        app = claims_app(settings, run_workers=True)
        async with running(app) as api, httpx.AsyncClient(base_url=sandbox_url) as sbx:
            api.headers.update(bearer(tenant))
            clinic = (await api.post("/v1/clinics", json=CLINIC)).json()["id"]
            made = await api.post("/v1/payers", json={**PAYER, "claim_status_after_days": 20})
            assert made.status_code == 201, made.text
            assert made.json()["claim_status_after_days"] == 20
            bodies = [claim(clinic, "ACT100200"), claim(clinic, "LST100300", patient={
                "first_name": "Timmy", "last_name": "Doe", "birth_date": "2015-09-12",
                "gender": "M", "relationship": "19",
                "address": {"line1": "5 Oak Ave", "city": "Springfield", "state": "IL",
                            "postal_code": "62704"}})]  # fmt: skip
            ids = []
            for body in bodies:
                created = await api.post("/v1/claims", json=body)
                assert created.json()["status"] == "ready", created.json()["edits"]
                ids.append(created.json()["id"])
            paid_id, lost_id = ids
            sent = await api.post("/v1/submissions", json={"claim_ids": ids})
            assert sent.status_code == 201, sent.text

            async def accepted() -> bool:
                states = [(await api.get(f"/v1/claims/{i}")).json()["status"] for i in ids]
                return states == ["accepted", "accepted"]

            await wait_for(accepted, timeout=30, what="both claims accepted by the 277CA")

            # before the payer decides: pending
            pending = await api.post(f"/v1/claims/{paid_id}/status-checks")
            assert pending.status_code == 201, pending.text
            assert (pending.json()["outcome"], pending.json()["category"]) == ("pending", "P1")

            assert (await sbx.post("/sandbox/run")).status_code == 200  # adjudicates
            # the payer lost the dependent's claim: not found, after its acceptance
            lost = await api.post(f"/v1/claims/{lost_id}/status-checks")
            assert (lost.json()["outcome"], lost.json()["category"]) == ("not_found", "A4")
            again = await api.post(f"/v1/claims/{lost_id}/status-checks")
            assert again.json()["outcome"] == "not_found"

            # the paid claim's 277 says finalized and paid (the 835 may not be posted yet)
            decided = await api.post(f"/v1/claims/{paid_id}/status-checks")
            assert decided.json()["outcome"] == "finalized_paid", decided.json()

            history = (await api.get(f"/v1/claims/{lost_id}/history")).json()
            answered = [h for h in history if h["event_type"] == "claim status answered"]
            assert [h["detail"]["stc"] for h in answered] == ["A4:35", "A4:35"]

            work = (await api.get("/v1/follow-ups")).json()["items"]
            assert [w["claim_id"] for w in work] == [lost_id]  # one open item, not two
            [item] = work[0]["open_items"]
            assert item["reason"] == "not_found"
            assert work[0]["last_status"]["outcome"] == "not_found"
            assert work[0]["expected_days"] == 20

            # what went out and what came back
            checks = (await api.get(f"/v1/claims/{lost_id}/status-checks")).json()
            assert len(checks) == 2
            async with app.state.runtime.sessions() as session:
                row = await session.get(StatusCheck, checks[0]["id"])
                assert row is not None and row.x277 is not None
            x276 = read_interchange(row.x276)
            assert x276.groups[0].functional_id == "HR"
            assert x276.groups[0].version == "005010X212"
            segments = [s.id for s in x276.groups[0].transactions[0].segments]
            assert segments.count("HL") == 5 and "TRN" in segments  # 20, 21, 19, 22, 23
            sent = await api.get(f"/v1/status-checks/{checks[0]['id']}/276")
            assert sent.status_code == 200 and sent.text == row.x276
            verdict = validate(sent.text)
            assert verdict.ok, verdict.explain()
            answered = await api.get(f"/v1/status-checks/{checks[0]['id']}/277")
            assert answered.text == row.x277
            assert (await api.get("/v1/status-checks/nope/276")).status_code == 404
            # pyx12's 277 X212 map is not registered and wants GS01 RA and an STC under
            # 2000B: the sandbox's 277 is read back by our reader instead
            answer = read_interchange(row.x277).groups[0]
            assert (answer.functional_id, answer.version) == ("HN", "005010X212")
            assert [a.category for a in parse_277(row.x277)] == ["A4"]

            # the worker: a claim past its payer's days, not asked recently, is asked
            async with app.state.runtime.sessions() as session, session.begin():
                await session.execute(
                    update(Claim)
                    .where(Claim.id == lost_id)
                    .values(
                        submitted_at=now() - timedelta(days=25),
                        last_status_at=now() - timedelta(days=8),
                    )
                )
            asked = await ask_due(app.state.runtime, settings, _connector(settings))
            assert asked >= 1
            checks = (await api.get(f"/v1/claims/{lost_id}/status-checks")).json()
            assert len(checks) == 3
            # asked just now: not again until the recheck interval has passed
            assert await ask_due(app.state.runtime, settings, _connector(settings)) == 0


def _connector(settings: ClaimsSettings) -> StatusConnector:
    connector = status_connector_for(settings)
    assert connector is not None
    return connector
