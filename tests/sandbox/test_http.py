"""The sandbox over HTTP: in-process (ASGI) for its own endpoints, and on a real port for
the services' own connectors (the eligibility payer connector, the claims HTTP
clearinghouse connector) and for its schedules."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx

from deploy.sandbox.app import create_app
from rcm_claims.clearinghouse import HttpConnector
from rcm_eligibility.domain.x270 import Envelope270, Person270, Request270, build_270
from rcm_eligibility.domain.x271 import parse_271, summarize
from rcm_eligibility.payer import HttpPayerConnector
from rcm_shared.testing.fixtures import REPO, free_port, running, serving, wait_for

from .helpers import NOW, TODAY, batch, claim, files, line, read, sandbox

TENANT = "http-tenant"


def x270(member: str) -> str:
    request = Request270(
        trace_number=f"T-{member}",
        payer_id="41122",
        payer_name="Lakeshore Mutual",
        provider_npi="1245319599",
        provider_name="Springfield Family Medicine",
        member_id=member,
        subscriber=Person270("Jane", "Doe", date(1980, 4, 2), "F"),
        service_date=TODAY + timedelta(days=1),
    )
    return build_270(request, Envelope270("RCMBACKBONE", "SANDBOXCH", 9, 9, NOW))


async def test_endpoints_in_process(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    app = create_app(box.settings, box, run_workers=False)
    async with running(app) as api:
        answer = await api.post("/270", content=x270("DED77").encode("latin-1"))
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/edi-x12")
        assert summarize(parse_271(answer.text)[0]).status == "active"

        bad = await api.post("/270", content=b"ISA*garbage")
        assert bad.status_code == 422
        assert "segment_number" in bad.json()["detail"]

        no_tenant = await api.post("/837", content=batch(claim("H-0")).x12.encode("latin-1"))
        assert no_tenant.status_code == 422

        sent = batch(claim("H-1"), claim("H-2", lines=[line("72148", "900.00")]))
        posted = await api.post(
            "/837",
            content=sent.x12.encode("latin-1"),
            headers={"X-Tenant-Id": TENANT, "X-File-Name": "b.837"},
        )
        assert posted.status_code == 202, posted.text
        assert posted.json()["claims_accepted"] == 2
        again = await api.post(
            "/837", content=sent.x12.encode("latin-1"), headers={"X-Tenant-Id": TENANT}
        )
        assert again.json()["duplicate"] is True

        truth = (await api.get("/sandbox/truth", params={"tenant_id": TENANT})).json()["claims"]
        assert {t["patient_control_number"]: t["scenario"] for t in truth} == {
            "H-1": "paid",
            "H-2": "prior_auth_missing",
        }
        assert (await api.get("/sandbox/truth", params={"tenant_id": "other"})).json() == {
            "claims": []
        }

        too_early = await api.post(
            "/sandbox/recoveries",
            json={"tenant_id": TENANT, "patient_control_number": "H-1", "amount": "5.00"},
        )
        assert too_early.status_code == 409  # nothing paid until the next 835 goes out
        negative = await api.post(
            "/sandbox/recoveries",
            json={"tenant_id": TENANT, "patient_control_number": "H-1", "amount": "-5"},
        )
        assert negative.status_code == 422
        assert negative.json()["detail"][0]["loc"] == ["body", "amount"]
        unknown = await api.post(
            "/sandbox/reprocess", json={"tenant_id": TENANT, "patient_control_number": "NOPE"}
        )
        assert unknown.status_code == 404

        run = (await api.post("/sandbox/run")).json()
        (paid,) = run["remittances"]
        assert paid["claims"] == ["H-1", "H-2"]
        recovery = await api.post(
            "/sandbox/recoveries",
            json={"tenant_id": TENANT, "patient_control_number": "H-1", "amount": "5.00"},
        )
        assert recovery.status_code == 200, recovery.text
        # The recovery waits for the payee's next payment.
        assert (await api.post("/sandbox/run")).json()["remittances"] == []
        await api.post(
            "/837",
            content=batch(claim("H-3", member="FUL3")).x12.encode("latin-1"),
            headers={"X-Tenant-Id": TENANT},
        )
        (remittance,) = (await api.post("/sandbox/run")).json()["remittances"]
        assert [(a["reason"], a["amount"]) for a in remittance["adjustments"]] == [("WO", "5.00")]
    text = (tmp_path / "remittance" / TENANT / remittance["file"]).read_text(encoding="latin-1")
    found = read(text)
    assert found.headers[0].total_paid == Decimal(remittance["total"])


async def test_the_services_connectors_talk_to_it(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    async with serving(create_app(box.settings, box, run_workers=False)) as url:
        payer = HttpPayerConnector(f"{url}/270", timeout=10, attempts=2)
        try:
            answer = await payer.exchange(x270("COP5"), trace="T-COP5")
        finally:
            await payer.close()
        coverage = summarize(parse_271(answer)[0])
        assert (coverage.status, coverage.cost_share[0].copay) == ("active", 40)

        connector = HttpConnector(f"{url}/837", timeout=10)
        sent = batch(claim("N-1"))
        await connector.deliver(TENANT, "submission-1", "000001.837", sent.x12)
    names = [p.name for p in files(tmp_path / "inbound" / TENANT, ".x12")]
    assert [n.split("-")[1] for n in names] == ["999.x12", "277ca.x12"]


async def test_schedules_pick_up_the_mailbox_and_send_835s(tmp_path: Path) -> None:
    box = sandbox(tmp_path, mailbox_poll_seconds=0.1, remit_every_seconds=0.2)
    outbound = tmp_path / "outbound" / TENANT
    outbound.mkdir(parents=True)
    (outbound / "000000777.837").write_text(batch(claim("Q-1")).x12, encoding="latin-1")
    async with running(create_app(box.settings, box)):

        async def remitted() -> bool:
            return bool(files(tmp_path / "remittance" / TENANT, ".835"))

        await wait_for(remitted, timeout=30, what="an 835 from the schedule")
    assert (outbound / "processed" / "000000777.837").exists()
    (text,) = [p.read_text() for p in files(tmp_path / "remittance" / TENANT, ".835")]
    assert [c.patient_control_number for c in read(text).claims] == ["Q-1"]


def test_python_m_deploy_sandbox_serves_from_the_repo_root(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "RCM_SANDBOX_PORT": str(port),
        "RCM_SANDBOX_DATA_DIR": str(tmp_path / "data"),
        "RCM_SANDBOX_OUTBOUND_DIR": str(tmp_path / "o"),
        "RCM_SANDBOX_INBOUND_DIR": str(tmp_path / "i"),
        "RCM_SANDBOX_REMITTANCE_DIR": str(tmp_path / "r"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "deploy.sandbox", "serve"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        ready = False
        for _ in range(200):
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert ready, proc.stderr.read().decode() if proc.stderr and proc.poll() else "no answer"
        answer = httpx.post(f"http://127.0.0.1:{port}/270", content=x270("ACT9").encode())
        assert summarize(parse_271(answer.text)[0]).status == "active"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
