"""A smaller billing day through all four services and the clearinghouse/payer sandbox, on
the real PostgreSQL and Kafka (this run's _test databases and topic prefix): the flow of
`make demo` (deploy/demo), then what must hold, judged against the sandbox's ground truth
and the 835 files it actually sent."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from rcm_claims.app import create_app as claims_app
from rcm_claims.config import ClaimsSettings
from rcm_denials.app import create_app as denials_app
from rcm_denials.config import DenialsSettings
from rcm_eligibility.app import create_app as eligibility_app
from rcm_eligibility.config import EligibilitySettings
from rcm_patients.app import create_app as patients_app
from rcm_patients.config import PatientsSettings
from rcm_remittance.app import create_app as remittance_app
from rcm_remittance.config import RemittanceSettings
from rcm_shared.mailbox import pending_files
from rcm_shared.testing.fixtures import REPO, bearer, running, serving, settings_for, wait_for
from rcm_shared.testing.x12_oracle import validate

# deploy/ is not an installed package: the demo and the sandbox import from the repo root
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from deploy.demo.checks import check_day, gather_facts
from deploy.demo.flow import Apis, patient_ledger_agrees, run_day
from deploy.demo.plan import build_day
from deploy.sandbox.app import create_app as sandbox_app
from deploy.sandbox.config import SandboxSettings
from deploy.subscriber.__main__ import consume
from deploy.subscriber.store import MemoryStore

PATIENTS = 24  # the first patients cover every member prefix and every built denial


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
                    status_url=f"{sandbox_url}/276",
                    status_poll_seconds=0,  # the flow asks at the end of the day
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
        running(
            patients_app(
                settings_for(PatientsSettings, "patients", statement_poll_seconds=0, **fast),
                run_workers=True,
            )
        ) as patients,
        httpx.AsyncClient(base_url=sandbox_url, timeout=60) as sandbox,
    ):
        for client in (eligibility, claims, remittance, denials, patients):
            client.headers.update(bearer(tenant))
            client.timeout = httpx.Timeout(60)
        apis = Apis(eligibility, claims, remittance, denials, sandbox, patients)
        day = build_day(tenant, date.today(), patients=PATIENTS, seed=11)
        outcome = await run_day(apis, day, say=lambda _: None)

        # The day ends when no claim waits for its 835; an 835 that only reverses or
        # adjusts can still be in the mailbox then. Compare once every file is posted.
        async def mailbox_drained() -> bool:
            return not pending_files(mailbox["remittance"])

        await wait_for(mailbox_drained, timeout=60, what="every 835 in the mailbox posted")

        async def ledger_agrees() -> bool:
            return (await patient_ledger_agrees(apis))[0]

        await wait_for(ledger_agrees, timeout=60, interval=1, what="the patient ledger")

        # this tenant's folder only: the claims worker also delivers what other tests of
        # the _test database left unsent, and the sandbox pays those into their tenants'
        facts = await gather_facts(apis, tenant, mailbox["remittance"] / tenant)
        inquiries = [
            (await claims.get(f"/v1/status-checks/{check['id']}/276")).text
            for claim_id in outcome.status_answers
            for check in (await claims.get(f"/v1/claims/{claim_id}/status-checks")).json()
        ]

    # The analytics example, as its own consumer group on this run's public topics.
    analytics = MemoryStore()
    await consume(analytics, stack["bootstrap"], stack["prefix"], "analytics-e2e", idle=5.0)
    kpis: Counter[str] = Counter()
    for (tenant_id, _), row in (await analytics.table()).items():
        if tenant_id == tenant:
            kpis.update(row)

    check_day(facts, outcome, len(day.claims))
    # secondary claims went out, were paid and posted, and their 837s are valid COB files
    assert outcome.secondaries > 0
    cob_files = [
        text
        for path in sorted(mailbox["outbound"].rglob("*"))
        if path.is_file() and "SBR*S*" in (text := path.read_text(encoding="latin-1"))
    ]
    assert cob_files
    for text in cob_files:
        verdict = validate(text)
        assert verdict.ok, verdict.explain()
    # so are the 276s of the day's claim status follow-up
    assert inquiries
    for text in inquiries:
        verdict = validate(text)
        assert verdict.ok, verdict.explain()
    the_subscriber_saw_the_day(kpis, facts.all_claims, facts.work_items, facts.remits)


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
