"""A smaller billing day through all four services and the clearinghouse/payer sandbox, on
the real PostgreSQL and Kafka (this run's _test databases and topic prefix): the flow of
`make demo` (deploy/demo), then what must hold, judged against the sandbox's ground truth
and the 835 files it actually sent."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from rcm_claims.app import create_app as claims_app
from rcm_claims.config import ClaimsSettings
from rcm_denials.app import create_app as denials_app
from rcm_denials.config import DenialsSettings
from rcm_eligibility.app import create_app as eligibility_app
from rcm_eligibility.config import EligibilitySettings
from rcm_remittance.app import create_app as remittance_app
from rcm_remittance.config import RemittanceSettings
from rcm_remittance.domain.x835 import ClaimPayment, RemittanceHeader, read_835
from rcm_shared.mailbox import pending_files
from rcm_shared.testing.fixtures import REPO, bearer, running, settings_for, wait_for

# deploy/ is not an installed package: the demo and the sandbox import from the repo root
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from deploy.demo.flow import Apis, Outcome, all_pages, is_denial, run_day
from deploy.demo.plan import build_day
from deploy.demo.report import disagreements, gather, paid_dollars
from deploy.sandbox.app import create_app as sandbox_app
from deploy.sandbox.config import SandboxSettings
from deploy.subscriber.__main__ import consume
from deploy.subscriber.store import MemoryStore

PATIENTS = 24  # the first patients cover every member prefix and every built denial
FINAL = {"paid", "partially_paid", "denied", "rejected", "scrub_failed", "corrected"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """The sandbox on a real port: the eligibility service's payer connector speaks HTTP."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def sent_835s(folder: Path) -> tuple[list[RemittanceHeader], list[ClaimPayment]]:
    """What the sandbox paid, read from the files themselves (the remittance service moved
    them to processed/ once posted)."""
    headers: list[RemittanceHeader] = []
    payments: list[ClaimPayment] = []
    for path in sorted(folder.rglob("*.835")):
        for event in read_835(path.read_text(encoding="latin-1")):
            if isinstance(event, RemittanceHeader):
                headers.append(event)
            elif isinstance(event, ClaimPayment):
                payments.append(event)
    return headers, payments


async def test_a_billing_day(stack: dict[str, Any], tenant: str, tmp_path: Path) -> None:
    mailbox = {name: tmp_path / name for name in ("outbound", "inbound", "remittance")}
    # The mailbox is read every half second, 835s go out only on /sandbox/run: acks come
    # before payments, as they do in life.
    sandbox_settings = SandboxSettings(
        data_dir=tmp_path / "sandbox",
        outbound_dir=mailbox["outbound"],
        inbound_dir=mailbox["inbound"],
        remittance_dir=mailbox["remittance"],
        mailbox_poll_seconds=0.5,
        remit_every_seconds=0,
    )
    fast = {"relay_poll_seconds": 0.1}
    async with (
        serving(sandbox_app(sandbox_settings)) as sandbox_url,
        running(
            eligibility_app(
                settings_for(
                    EligibilitySettings, "eligibility", payer_url=f"{sandbox_url}/270", **fast
                ),
                run_workers=True,
            )
        ) as eligibility,
        running(
            claims_app(
                settings_for(
                    ClaimsSettings,
                    "claims",
                    outbound_dir=str(mailbox["outbound"]),
                    inbound_dir=str(mailbox["inbound"]),
                    inbound_poll_seconds=0.3,
                    delivery_poll_seconds=0.2,
                    **fast,
                ),
                run_workers=True,
            )
        ) as claims,
        running(
            remittance_app(
                settings_for(
                    RemittanceSettings,
                    "remittance",
                    inbound_dir=str(mailbox["remittance"]),
                    inbound_poll_seconds=0.3,
                    **fast,
                ),
                run_workers=True,
            )
        ) as remittance,
        running(
            denials_app(settings_for(DenialsSettings, "denials", **fast), run_workers=True)
        ) as denials,
        httpx.AsyncClient(base_url=sandbox_url, timeout=60) as sandbox,
    ):
        for client in (eligibility, claims, remittance, denials):
            client.headers.update(bearer(tenant))
            client.timeout = httpx.Timeout(60)
        apis = Apis(eligibility, claims, remittance, denials, sandbox)
        day = build_day(tenant, date.today(), patients=PATIENTS, seed=11)
        outcome = await run_day(apis, day, say=lambda _: None)

        # The day ends when no claim waits for its 835; an 835 that only reverses or
        # adjusts can still be in the mailbox then. Compare once every file is posted.
        async def mailbox_drained() -> bool:
            return not pending_files(mailbox["remittance"])

        await wait_for(mailbox_drained, timeout=60, what="every 835 in the mailbox posted")

        truth = (await sandbox.get("/sandbox/truth", params={"tenant_id": tenant})).json()
        by_pcn = {t["patient_control_number"]: t for t in truth["claims"]}
        all_claims = await all_pages(claims, "/v1/claims")
        work_items = await all_pages(denials, "/v1/denials")
        # this tenant's folder only: the claims worker also delivers what other tests of
        # the _test database left unsent, and the sandbox pays those into their tenants'
        headers, clps = sent_835s(mailbox["remittance"] / tenant)
        remits = await all_pages(remittance, "/v1/remittances")
        postings = {
            c["id"]: (await remittance.get(f"/v1/claims/{c['id']}/postings")).json()
            for c in all_claims
        }
        histories = {
            c["id"]: (await claims.get(f"/v1/claims/{c['id']}/history")).json() for c in all_claims
        }
        report = await gather(apis, date.today())

    # The analytics example, as its own consumer group on this run's public topics.
    analytics = MemoryStore()
    await consume(analytics, stack["bootstrap"], stack["prefix"], "analytics-e2e", idle=5.0)
    kpis: Counter[str] = Counter()
    for (tenant_id, _), row in (await analytics.table()).items():
        if tenant_id == tenant:
            kpis.update(row)

    the_day_covers_every_outcome(outcome, by_pcn)
    every_claim_ends_in_one_final_state(all_claims, by_pcn, outcome, len(day.claims))
    posted_dollars_equal_835_dollars(remits, postings, headers, clps)
    every_truth_denial_is_one_work_item(work_items, by_pcn)
    corrected_and_paid_resolves_its_denial(all_claims, work_items, outcome, by_pcn)
    nothing_acted_on_twice(all_claims, postings, histories, clps)
    the_subscriber_saw_the_day(kpis, all_claims, work_items, remits)
    the_services_agree_on_paid_dollars(report, all_claims, clps)


def the_day_covers_every_outcome(outcome: Outcome, by_pcn: dict[str, Any]) -> None:
    originals = [t["scenario"] for t in by_pcn.values() if t["frequency"] == "1"]
    # a line denial on a claim with paid lines is "partial:<denial>": count both names
    scenarios = Counter(s.split(":")[-1] for s in originals)
    scenarios.update(s.split(":")[0] for s in originals if s.startswith("partial:"))
    for wanted in (
        "paid",
        "rejected_999",
        "rejected_277ca",
        "prior_auth_missing",
        "diagnosis_inconsistent",
        "missing_information",
        "coverage_terminated",
        "timely_filing",
        "duplicate",
        "bundled",
        "partial",
    ):
        assert scenarios[wanted] >= 1, (wanted, scenarios)
    assert outcome.resubmitted and outcome.appealed and outcome.written_off


def every_claim_ends_in_one_final_state(
    all_claims: list[dict[str, Any]], by_pcn: dict[str, Any], outcome: Outcome, planned: int
) -> None:
    originals = [c for c in all_claims if c["frequency_code"] == "1"]
    corrections = [c for c in all_claims if c["frequency_code"] == "7"]
    assert len(originals) == planned == len(outcome.claim_ids)
    assert len(corrections) == len(outcome.resubmitted)
    for claim in all_claims:
        status, fact = claim["status"], by_pcn.get(claim["patient_control_number"])
        assert status in FINAL, (claim["id"], status)
        if fact is None:  # never left the building
            assert status == "scrub_failed", (claim["id"], status)
            continue
        scenario = fact["scenario"]
        replaced = claim["replaced_by_claim_id"] is not None
        if scenario.startswith("rejected_"):
            expected = {"rejected"}
        elif scenario == "paid":
            expected = {"paid"}
        elif scenario.startswith("partial:"):
            expected = {"corrected"} if replaced else {"partially_paid"}
        else:
            expected = {"corrected"} if replaced else {"denied"}
        assert status in expected, (claim["patient_control_number"], scenario, status)
        if status not in ("rejected", "scrub_failed"):
            assert Decimal(claim["paid_amount"]) == Decimal(fact["paid"]) or replaced, (
                claim["patient_control_number"],
                claim["paid_amount"],
                fact["paid"],
            )


def posted_dollars_equal_835_dollars(
    remits: list[dict[str, Any]],
    postings: dict[str, list[dict[str, Any]]],
    headers: list[RemittanceHeader],
    clps: list[ClaimPayment],
) -> None:
    assert headers, "the sandbox sent no 835"
    assert len(remits) == len(headers)
    assert sum(r["unmatched_count"] for r in remits) == 0
    files_bpr = sum((h.total_paid for h in headers), Decimal(0))
    files_clp = sum((p.paid for p in clps), Decimal(0))
    assert sum((Decimal(r["payment_amount"]) for r in remits), Decimal(0)) == files_bpr
    assert sum((Decimal(r["total_claim_paid"]) for r in remits), Decimal(0)) == files_clp
    posted = [p for rows in postings.values() for p in rows]
    assert sum((Decimal(p["paid"]) for p in posted), Decimal(0)) == files_clp
    assert sorted((p["patient_control_number"], Decimal(p["paid"])) for p in posted) == sorted(
        (c.patient_control_number, c.paid) for c in clps
    )


def the_services_agree_on_paid_dollars(
    report: dict[str, Any], all_claims: list[dict[str, Any]], clps: list[ClaimPayment]
) -> None:
    """The report's claims KPI and remittance totals are the same money as the 835s."""
    assert disagreements(report) == []
    paid = paid_dollars(report)
    files_clp = sum((c.paid for c in clps), Decimal(0))
    assert paid["claims"] == paid["posted_to_claims"] == files_clp > 0
    corrections = sum(
        (Decimal(c["paid_amount"]) for c in all_claims if c["frequency_code"] == "7"), Decimal(0)
    )
    total = report["kpis"]["total"]
    assert Decimal(str(total["paid_on_corrections"])) == corrections > 0
    by_payer = sum((Decimal(str(g["paid"])) for g in report["kpis"]["groups"].values()), Decimal(0))
    assert by_payer == paid["claims"]


def every_truth_denial_is_one_work_item(
    work_items: list[dict[str, Any]], by_pcn: dict[str, Any]
) -> None:
    denied = {pcn: t for pcn, t in by_pcn.items() if is_denial(t)}
    per_claim = Counter(d["patient_control_number"] for d in work_items)
    assert set(per_claim) == set(denied), (sorted(per_claim), sorted(denied))
    assert all(n == 1 for n in per_claim.values()), per_claim
    for item in work_items:
        fact = denied[item["patient_control_number"]]
        assert item["category"] in fact["categories"], (item["category"], fact["categories"])


def corrected_and_paid_resolves_its_denial(
    all_claims: list[dict[str, Any]],
    work_items: list[dict[str, Any]],
    outcome: Outcome,
    by_pcn: dict[str, Any],
) -> None:
    by_claim = {d["claim_id"]: d for d in work_items}
    claims_by_id = {c["id"]: c for c in all_claims}
    paid_corrections = [
        c
        for c in all_claims
        if c["frequency_code"] == "7" and c["status"] in ("paid", "partially_paid")
    ]
    assert len(paid_corrections) == len(outcome.resubmitted)
    for correction in paid_corrections:
        denial = by_claim[correction["original_claim_id"]]
        assert denial["status"] == "resolved", (denial["id"], denial["status"])
        # what the correction brought beyond what the original had been paid (a partly
        # paid original is reversed in the same 835)
        original = by_pcn[claims_by_id[correction["original_claim_id"]]["patient_control_number"]]
        recovered = Decimal(correction["paid_amount"]) - Decimal(original["paid"])
        assert Decimal(denial["recovered_amount"]) == recovered, (denial["id"], recovered)
    for denial_id in outcome.appealed:
        assert next(d for d in work_items if d["id"] == denial_id)["status"] == "appealed"
    for denial_id in outcome.written_off:
        assert next(d for d in work_items if d["id"] == denial_id)["status"] == "written_off"


def nothing_acted_on_twice(
    all_claims: list[dict[str, Any]],
    postings: dict[str, list[dict[str, Any]]],
    histories: dict[str, list[dict[str, Any]]],
    clps: list[ClaimPayment],
) -> None:
    """Each CLP was posted once, and each posting moved its claim once: redelivered
    events (at-least-once Kafka, the relay's retries) had no second effect."""
    clp_per_pcn = Counter(c.patient_control_number for c in clps)
    for claim in all_claims:
        posted = postings[claim["id"]]
        assert len(posted) == clp_per_pcn.get(claim["patient_control_number"], 0)
        applied = [
            h["detail"]["payment_id"] for h in histories[claim["id"]] if "payment_id" in h["detail"]
        ]
        assert len(applied) == len(set(applied)), (claim["id"], applied)
        assert set(applied) == {p["id"] for p in posted}, (claim["id"], applied, posted)


def the_subscriber_saw_the_day(
    kpis: Counter[str],
    all_claims: list[dict[str, Any]],
    work_items: list[dict[str, Any]],
    remits: list[dict[str, Any]],
) -> None:
    """The analytics example's daily table adds up to what the services report."""
    assert kpis["claims_created"] == len(all_claims)
    assert kpis["claims_rejected"] == sum(c["status"] == "rejected" for c in all_claims)
    assert kpis["denials_opened"] == len(work_items)
    assert kpis["denials_resolved"] == sum(d["status"] == "resolved" for d in work_items)
    assert kpis["recovered_amount"] == sum(
        (Decimal(d["recovered_amount"]) for d in work_items), Decimal(0)
    )
    assert kpis["remittances"] == len(remits)
    assert kpis["paid_amount"] == sum((Decimal(r["total_claim_paid"]) for r in remits), Decimal(0))
    assert kpis["deposited"] == sum((Decimal(r["payment_amount"]) for r in remits), Decimal(0))
