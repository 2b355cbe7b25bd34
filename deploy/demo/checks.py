"""What must hold at the end of a billing day, judged against the sandbox's ground truth
and the 835 files it actually wrote: the e2e billing day asserts it once, the fault tier
after each injected fault. `gather_facts` reads the facts through the public APIs;
`check_day` raises AssertionError at the first thing that does not hold."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from deploy.demo.flow import Apis, Outcome, all_pages, is_denial, patient_shares
from deploy.demo.report import disagreements, gather, paid_dollars
from rcm_remittance.domain.x835 import ClaimPayment, RemittanceHeader, read_835

FINAL = {"paid", "partially_paid", "denied", "rejected", "scrub_failed", "corrected"}


@dataclass
class DayFacts:
    by_pcn: dict[str, Any]
    all_claims: list[dict[str, Any]]
    work_items: list[dict[str, Any]]
    headers: list[RemittanceHeader]
    clps: list[ClaimPayment]
    remits: list[dict[str, Any]]
    postings: dict[str, list[dict[str, Any]]]
    histories: dict[str, list[dict[str, Any]]]
    report: dict[str, Any]
    patient_visits: dict[str, dict[str, Any]]  # visit (first claim) -> the patients' view


async def gather_facts(apis: Apis, tenant: str, remittance_folder: Path) -> DayFacts:
    """`remittance_folder` is the tenant's own 835 folder: a mailbox holds other tenants'."""
    truth = (await apis.sandbox.get("/sandbox/truth", params={"tenant_id": tenant})).json()
    all_claims = await all_pages(apis.claims, "/v1/claims")
    headers, clps = sent_835s(remittance_folder)
    return DayFacts(
        by_pcn={t["patient_control_number"]: t for t in truth["claims"]},
        all_claims=all_claims,
        work_items=await all_pages(apis.denials, "/v1/denials"),
        headers=headers,
        clps=clps,
        remits=await all_pages(apis.remittance, "/v1/remittances"),
        postings={
            c["id"]: (await apis.remittance.get(f"/v1/claims/{c['id']}/postings")).json()
            for c in all_claims
        },
        histories={
            c["id"]: (await apis.claims.get(f"/v1/claims/{c['id']}/history")).json()
            for c in all_claims
        },
        report=await gather(apis, date.today()),
        patient_visits=await _patient_visits(apis, all_claims),
    )


async def _patient_visits(apis: Apis, claims: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    if apis.patients is None:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for claim in claims:
        if claim["prior_claim_id"] or claim["original_claim_id"]:
            continue  # a visit is asked for by its first claim
        response = await apis.patients.get(f"/v1/visits/{claim['id']}")
        assert response.status_code == 200, f"no patient visit for claim {claim['id']}"
        out[claim["id"]] = response.json()
    return out


def check_day(facts: DayFacts, outcome: Outcome, planned: int) -> None:
    f = facts
    the_day_covers_every_outcome(outcome, f.by_pcn)
    every_claim_ends_in_one_final_state(f.all_claims, f.by_pcn, outcome, planned)
    each_balance_bills_the_secondary_once(f.all_claims, f.by_pcn, outcome)
    a_lost_claim_is_found_by_its_follow_up(f.all_claims, f.by_pcn, outcome)
    posted_dollars_equal_835_dollars(f.remits, f.postings, f.headers, f.clps)
    every_truth_denial_is_one_work_item(f.work_items, f.by_pcn)
    corrected_and_paid_resolves_its_denial(f.all_claims, f.work_items, outcome, f.by_pcn)
    nothing_acted_on_twice(f.all_claims, f.postings, f.histories, f.clps)
    the_services_agree_on_paid_dollars(f.report, f.all_claims, f.clps)
    if outcome.patient_side is not None:
        patient_balances_are_what_the_835s_left(f, outcome)


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
    originals = [
        c for c in all_claims if c["frequency_code"] == "1" and c["payer_responsibility"] == "P"
    ]
    corrections = [c for c in all_claims if c["frequency_code"] == "7"]
    assert len(originals) == planned == len(outcome.claim_ids)
    assert len(corrections) == len(outcome.resubmitted)
    for claim in all_claims:
        status, fact = claim["status"], by_pcn.get(claim["patient_control_number"])
        if fact is not None and fact["scenario"] == "lost":
            # accepted and lost by the payer: still at it, on the follow-up list
            assert status == "accepted", (claim["id"], status)
            continue
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


def each_balance_bills_the_secondary_once(
    all_claims: list[dict[str, Any]], by_pcn: dict[str, Any], outcome: Outcome
) -> None:
    """Every primary claim with a supplement on file and a patient balance after the
    primary's 835 has exactly one secondary claim, carrying the primary's payment as the
    sandbox made it, and paid as the sandbox decided; no other claim has one."""
    by_id = {c["id"]: c for c in all_claims}
    followers = Counter(c["prior_claim_id"] for c in all_claims if c["prior_claim_id"])
    assert all(n == 1 for n in followers.values()), followers
    due = 0
    for claim in all_claims:
        if claim["payer_responsibility"] != "P" or claim["frequency_code"] != "1":
            continue
        fact = by_pcn.get(claim["patient_control_number"])
        owes = fact is not None and Decimal(fact.get("patient_responsibility") or 0) > 0
        if not (claim["claim"]["other_coverages"] and owes and claim["status"] != "corrected"):
            assert claim["next_claim_id"] is None, claim["id"]
            continue
        due += 1
        follower = by_id[claim["next_claim_id"]]
        assert (follower["payer_responsibility"], follower["prior_claim_id"]) == ("S", claim["id"])
        [prior] = follower["claim"]["other_coverages"]
        assert fact is not None
        assert Decimal(prior["adjudication"]["paid_amount"]) == Decimal(fact["paid"])
        secondary_fact = by_pcn[follower["patient_control_number"]]
        assert secondary_fact["claim_status"] == "2", secondary_fact
        assert Decimal(follower["paid_amount"]) == Decimal(secondary_fact["paid"])
        assert follower["status"] == "paid", (follower["id"], follower["status"])
    assert due == outcome.secondaries == len(followers), (due, outcome.secondaries)


def a_lost_claim_is_found_by_its_follow_up(
    all_claims: list[dict[str, Any]], by_pcn: dict[str, Any], outcome: Outcome
) -> None:
    """Every claim the payer lost was asked about (276), answered not found (277), and is
    on the follow-up list with an open item; nothing else is on it at the end of the day."""
    lost = {
        c["id"]
        for c in all_claims
        if by_pcn.get(c["patient_control_number"], {}).get("scenario") == "lost"
    }
    assert lost, "the day has no lost claim"
    assert {i: outcome.status_answers.get(i) for i in lost} == dict.fromkeys(lost, "not_found")
    listed = {item["claim_id"]: item for item in outcome.follow_ups}
    assert set(listed) == lost, (sorted(listed), sorted(lost))
    for item in listed.values():
        assert [o["reason"] for o in item["open_items"]] == ["not_found"], item
        assert item["last_status"]["outcome"] == "not_found"


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


def patient_balances_are_what_the_835s_left(facts: DayFacts, outcome: Outcome) -> None:
    """Each visit's patient responsibility in the patients ledger is the PR of the last
    payer that decided it, as the remittance service posted it; its balance is that less
    what the patient paid; the day ends with statements, patient payments, a plan and a
    missed installment."""
    side = outcome.patient_side
    assert side is not None
    shares = patient_shares(facts.all_claims, facts.postings)
    assert set(shares) == set(facts.patient_visits)
    for root, share in shares.items():
        visit = facts.patient_visits[root]
        assert Decimal(visit["patient_responsibility"]) == share, (root, visit, share)
        paid = Decimal(visit["patient_paid"])
        assert Decimal(visit["balance"]) == share - paid, visit
    visits = facts.patient_visits.values()
    assert sum((Decimal(v["patient_paid"]) for v in visits), Decimal(0)) == sum(
        side.payments, Decimal(0)
    )
    assert sum(shares.values(), Decimal(0)) > 0
    assert sum(side.statements.values()) > 0 and side.payments
    assert side.plan is not None and side.installments_missed >= 1
    kpis = side.kpis
    owed = sum((max(Decimal(v["balance"]), Decimal(0)) for v in visits), Decimal(0))
    assert Decimal(kpis["patient_ar"]) + Decimal(kpis["pending_insurance"]) == owed
