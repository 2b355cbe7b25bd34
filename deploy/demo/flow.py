"""The demo day through the running services, over HTTP only (httpx): what a billing
company's staff and its EHR feeds would do, step by step. The same coroutine drives
`python -m deploy.demo` (against the stack on its ports) and the end-to-end test (against
in-process apps on the test databases and topics)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from deploy.demo.plan import SUPPLEMENT, Day, PlannedClaim, claim_body
from deploy.demo.progress import Progress, Quiet

IN_FLIGHT = {"ready", "submitted", "accepted"}
BATCH = 50  # claims per POST /v1/claims/batch: small enough for a live progress bar


@dataclass
class Apis:
    """One client per service, each with its base URL and the tenant's bearer token."""

    eligibility: httpx.AsyncClient
    claims: httpx.AsyncClient
    remittance: httpx.AsyncClient
    denials: httpx.AsyncClient
    sandbox: httpx.AsyncClient
    patients: httpx.AsyncClient | None = None  # the fault tier's stack runs without it


@dataclass
class Outcome:
    """What happened, for the report and the end-to-end test's assertions."""

    claim_ids: dict[str, PlannedClaim] = field(default_factory=dict)  # claims id -> plan
    eligibility: Counter[str] = field(default_factory=Counter)
    scrub_failed: int = 0
    submissions: list[str] = field(default_factory=list)
    rejections: list[dict[str, Any]] = field(default_factory=list)
    resubmitted: dict[str, str] = field(default_factory=dict)  # denial id -> claims claim id
    appealed: list[str] = field(default_factory=list)
    written_off: list[str] = field(default_factory=list)
    secondaries: int = 0  # claims billed to a secondary payer after the primary's 835
    status_answers: dict[str, str] = field(default_factory=dict)  # claim id -> 277 outcome
    follow_ups: list[dict[str, Any]] = field(default_factory=list)  # GET /v1/follow-ups
    patient_side: PatientSide | None = None
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class PatientSide:
    """The patients service's end of the day: accounts, statements, payments, a plan."""

    accounts: dict[str, str] = field(default_factory=dict)  # member id -> account id
    shares: dict[str, Decimal] = field(default_factory=dict)  # visit -> PR the 835s gave
    statements: Counter[str] = field(default_factory=Counter)
    later_statements: Counter[str] = field(default_factory=Counter)
    payments: list[Decimal] = field(default_factory=list)
    plan: dict[str, Any] | None = None
    installments_missed: int = 0
    first_statement: str | None = None  # a statement id, for its PDF
    kpis: dict[str, Any] = field(default_factory=dict)


class StepFailed(RuntimeError):
    pass


def _ok(response: httpx.Response, *expected: int) -> Any:
    if response.status_code not in (expected or (200, 201)):
        raise StepFailed(
            f"{response.request.method} {response.request.url.path} -> "
            f"{response.status_code}: {response.text[:500]}"
        )
    return response.json()


async def until(
    check: Callable[[], Awaitable[tuple[int, int]]],
    what: str,
    progress: Progress,
    timeout: float,
    interval: float = 1.0,
) -> None:
    """Polls check() -> (done, total) with a progress bar until done == total."""
    deadline = time.monotonic() + timeout
    bar = progress.bar(what)
    while True:
        done, total = await check()
        bar.update(done, total)
        if total and done >= total:
            bar.close()
            return
        if time.monotonic() > deadline:
            bar.close(failed=True)
            raise StepFailed(f"timed out after {timeout:.0f}s waiting for {what} ({done}/{total})")
        await asyncio.sleep(interval)


async def all_pages(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
        page = _ok(await client.get(path, params=query))
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


async def reference_data(apis: Apis, day: Day) -> tuple[list[str], list[list[str]]]:
    """Clinics, their providers and the payers, registered in the claims service (which
    publishes them for the other services)."""
    clinic_ids = [_ok(await apis.claims.post("/v1/clinics", json=c))["id"] for c in day.clinics]
    provider_ids = [
        [_ok(await apis.claims.post("/v1/providers", json=p))["id"] for p in clinic_providers]
        for clinic_providers in day.providers
    ]
    for payer in day.payers:
        _ok(await apis.claims.post("/v1/payers", json=payer))
    return clinic_ids, provider_ids


async def batch_eligibility(apis: Apis, day: Day, out: Outcome, progress: Progress) -> None:
    tomorrow = day.today + timedelta(days=1)
    batch = _ok(
        await apis.eligibility.post(
            "/v1/eligibility/batches", json={"checks": day.eligibility_checks(tomorrow)}
        ),
        202,
    )
    state: dict[str, Any] = {}

    async def finished() -> tuple[int, int]:
        path = f"/v1/eligibility/batches/{batch['id']}"
        state.update(_ok(await apis.eligibility.get(path, params={"results": 0})))
        counts = state["counts"]
        done = sum(v for k, v in counts.items() if k not in ("pending", "running"))
        return (done if state["state"] == "running" else state["total"]), state["total"]

    await until(finished, "eligibility 270/271", progress, timeout=600, interval=0.5)
    path = f"/v1/eligibility/batches/{batch['id']}"
    final = _ok(await apis.eligibility.get(path, params={"results": 10_000}))
    out.eligibility.update(
        r["coverage_status"] if r["state"] == "complete" else "payer error"
        for r in final["results"]
    )


async def create_claims(
    apis: Apis,
    day: Day,
    clinic_ids: list[str],
    provider_ids: list[list[str]],
    out: Outcome,
    progress: Progress,
) -> None:
    bar = progress.bar("claims keyed and scrubbed")
    for start in range(0, len(day.claims), BATCH):
        chunk = day.claims[start : start + BATCH]
        bodies = [
            claim_body(
                c,
                clinic_ids[c.patient.clinic],
                provider_ids[c.patient.clinic][i % len(provider_ids[c.patient.clinic])],
            )
            for i, c in enumerate(chunk, start=start)
        ]
        result = _ok(await apis.claims.post("/v1/claims/batch", json={"claims": bodies}))
        for r in result["results"]:
            if r["claim"] is None:
                raise StepFailed(f"claim {start + r['index']} refused: {r['error']}")
            out.claim_ids[r["claim"]["id"]] = chunk[r["index"]]
            out.scrub_failed += r["claim"]["status"] == "scrub_failed"
        bar.update(min(start + BATCH, len(day.claims)), len(day.claims))
    bar.close()


async def submit_ready(apis: Apis, clinic_ids: list[str], out: Outcome) -> list[str]:
    """Each clinic's ready claims as one 837; a malformed-member claim (SYN) goes in its own
    interchange, because a 999 rejects the whole transaction set it is in."""
    ready = await all_pages(apis.claims, "/v1/claims", status="ready")
    syn = [c["id"] for c in ready if c["claim"]["subscriber"]["member_id"].startswith("SYN")]
    groups = [
        [c["id"] for c in ready if c["clinic_id"] == clinic_id and c["id"] not in syn]
        for clinic_id in clinic_ids
    ]
    sent: list[str] = []
    for ids in [*groups, syn]:
        if ids:
            body = {"claim_ids": ids}
            out.submissions.append(_ok(await apis.claims.post("/v1/submissions", json=body))["id"])
            sent += ids
    return sent


async def deliveries(apis: Apis, out: Outcome, progress: Progress) -> None:
    async def sent() -> tuple[int, int]:
        states = [
            _ok(await apis.claims.get(f"/v1/submissions/{s}"))["delivery_status"]
            for s in out.submissions
        ]
        if "failed" in states:
            raise StepFailed("an 837 delivery failed; see GET /v1/submissions/{id}")
        return states.count("sent"), len(states)

    await until(sent, "837s delivered to the clearinghouse", progress, timeout=120, interval=0.5)


async def acknowledged(
    apis: Apis, claim_ids: list[str], progress: Progress
) -> dict[str, Any] | None:
    """Waits for the 999/277CA of every claim just sent, before any 835 goes out: a
    clearinghouse acknowledges within minutes and the payer pays days later. The stack's
    sandbox reads its mailbox every few seconds; when it does not (poll 0), one run reads
    it (and sends the 835s with it). Returns that run's summary, if there was one."""
    wanted = set(claim_ids)
    run: dict[str, Any] | None = None
    started = time.monotonic()

    async def acked() -> tuple[int, int]:
        nonlocal run
        claims = await all_pages(apis.claims, "/v1/claims")
        waiting = [c for c in claims if c["id"] in wanted and c["status"] == "submitted"]
        if waiting and run is None and time.monotonic() - started > 15:
            run = await sandbox_run(apis)
        return len(wanted) - len(waiting), len(wanted)

    await until(acked, "999/277CA received", progress, timeout=180)
    return run


async def sandbox_run(apis: Apis) -> dict[str, Any]:
    result: dict[str, Any] = _ok(await apis.sandbox.post("/sandbox/run", timeout=300))
    return result


async def claims_settled(
    apis: Apis, what: str, progress: Progress, primaries_only: bool = False
) -> list[dict[str, Any]]:
    """Waits until no submitted claim is still waiting for its 999/277CA or its 835.
    `primaries_only`: the claims to the primary payers (a secondary payer's claim is made
    when the primary's 835 is posted, and sent in a later step)."""
    claims: list[dict[str, Any]] = []

    async def settled() -> tuple[int, int]:
        nonlocal claims
        claims = await all_pages(apis.claims, "/v1/claims")
        if primaries_only:
            claims = [c for c in claims if c["payer_responsibility"] == "P"]
        sent = [c for c in claims if c["status"] not in ("scrub_failed", "draft", "voided")]
        waiting = [c for c in sent if c["status"] in IN_FLIGHT and not is_lost(c)]
        return len(sent) - len(waiting), len(sent)

    await until(settled, what, progress, timeout=300)
    return claims


async def truth(apis: Apis, tenant: str) -> list[dict[str, Any]]:
    body = _ok(await apis.sandbox.get("/sandbox/truth", params={"tenant_id": tenant}))
    claims: list[dict[str, Any]] = body["claims"]
    return claims


def is_denial(entry: dict[str, Any]) -> bool:
    scenario = entry.get("scenario") or ""
    return scenario.startswith("partial:") or scenario in {
        "prior_auth_missing",
        "diagnosis_inconsistent",
        "bundled",
        "missing_information",
        "coverage_terminated",
        "timely_filing",
        "duplicate",
    }


def is_lost(claim: dict[str, Any]) -> bool:
    """A claim the sandbox's payer accepted and lost (member prefix LST): no 835 comes."""
    member = str(claim["claim"]["subscriber"]["member_id"])
    return claim["status"] == "accepted" and member.upper().startswith("LST")


async def follow_up(apis: Apis, out: Outcome, progress: Progress) -> None:
    """The end of the day's A/R check: ask the payer about every claim still at it with no
    835 (a 276 each), then read the follow-up work list."""
    waiting = [c for c in await all_pages(apis.claims, "/v1/claims") if c["status"] in IN_FLIGHT]
    bar = progress.bar("claim status asked (276/277)")
    for n, claim in enumerate(waiting, start=1):
        check = _ok(await apis.claims.post(f"/v1/claims/{claim['id']}/status-checks"), 201)
        out.status_answers[claim["id"]] = check["outcome"] or "no_answer"
        bar.update(n, len(waiting))
    bar.close()
    out.follow_ups = _ok(await apis.claims.get("/v1/follow-ups"))["items"]


def secondaries_due(claims: list[dict[str, Any]], facts: list[dict[str, Any]]) -> int:
    """Primary claims with a secondary payer on file that the primary left a balance on
    (patient responsibility): each must bill the secondary."""
    by_pcn = {f["patient_control_number"]: f for f in facts}
    return sum(
        1
        for c in claims
        if c["payer_responsibility"] == "P"
        and c["claim"]["other_coverages"]
        and c["status"] in ("paid", "partially_paid")
        and Decimal(by_pcn.get(c["patient_control_number"], {}).get("patient_responsibility", 0))
        > 0
    )


async def secondary_claims(
    apis: Apis, day: Day, clinic_ids: list[str], out: Outcome, progress: Progress
) -> int:
    """The claims service bills the secondary payer by itself once the primary's 835 is
    posted; the biller sends those claims like any other and waits for their 835s."""
    claims = await all_pages(apis.claims, "/v1/claims")
    due = secondaries_due(claims, await truth(apis, day.tenant))
    if not due:
        return 0

    async def billed() -> tuple[int, int]:
        ready = await all_pages(apis.claims, "/v1/claims", status="ready")
        return sum(1 for c in ready if c["payer_responsibility"] != "P"), due

    await until(billed, "secondary claims billed", progress, timeout=120)
    sent = await submit_ready(apis, clinic_ids, out)
    await deliveries(apis, out, progress)
    await acknowledged(apis, sent, progress)
    await sandbox_run(apis)
    await claims_settled(apis, "secondary 835s posted", progress)
    return due


async def denials_opened(apis: Apis, expected: int, progress: Progress) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []

    async def opened() -> tuple[int, int]:
        nonlocal items
        items = await all_pages(apis.denials, "/v1/denials")
        return len(items), expected

    await until(opened, "denials work queue", progress, timeout=180)
    return items


async def work_the_queue(
    apis: Apis, denials: list[dict[str, Any]], out: Outcome, progress: Progress
) -> None:
    """What the biller does with each denial: send the fix with a corrected claim when the
    chart has it, write off a confirmed duplicate, appeal the rest."""
    bar = progress.bar("denials worked")
    for n, denial in enumerate(denials, start=1):
        planned = out.claim_ids.get(denial["claim_id"] or "")
        if denial["status"] != "open":
            pass
        elif planned is not None and planned.fix is not None:
            _ok(await apis.denials.post(f"/v1/denials/{denial['id']}/resubmit", json=planned.fix))
            out.resubmitted[denial["id"]] = denial["claim_id"]
        elif denial["category"] == "duplicate":
            body = {"reason": "duplicate_confirmed", "note": "keyed twice at the front desk"}
            _ok(await apis.denials.post(f"/v1/denials/{denial['id']}/write-off", json=body))
            out.written_off.append(denial["id"])
        else:
            _ok(await apis.denials.post(f"/v1/denials/{denial['id']}/appeals", json={}), 201)
            out.appealed.append(denial["id"])
        bar.update(n, len(denials))
    bar.close()


async def corrections_ready(apis: Apis, out: Outcome, progress: Progress) -> None:
    """The claims service makes each frequency-7 claim from the denials service's command."""

    async def made() -> tuple[int, int]:
        corrected = await all_pages(apis.claims, "/v1/claims", frequency_code="7")
        return len(corrected), len(out.resubmitted)

    await until(made, "corrected claims created", progress, timeout=120)


async def resolutions(apis: Apis, out: Outcome, progress: Progress) -> None:
    async def resolved() -> tuple[int, int]:
        items = await all_pages(apis.denials, "/v1/denials")
        done = [d for d in items if d["id"] in out.resubmitted and d["status"] == "resolved"]
        return len(done), len(out.resubmitted)

    await until(resolved, "denials resolved by payment", progress, timeout=180)


async def run_day(
    apis: Apis, day: Day, progress: Progress | None = None, say: Callable[[str], None] = print
) -> Outcome:
    progress = progress or Quiet()
    out = Outcome()
    step_started = time.monotonic()

    def step(name: str) -> None:
        nonlocal step_started
        now = time.monotonic()
        out.timings[name] = now - step_started
        step_started = now

    clinic_ids, provider_ids = await reference_data(apis, day)
    if apis.patients is not None:
        out.patient_side = await register_accounts(apis, day, clinic_ids)
    say(
        f"1. tenant {day.tenant}: {len(clinic_ids)} clinics, "
        f"{sum(map(len, provider_ids))} providers, {len(day.payers)} payers, "
        f"{len(day.patients)} patients"
        + (" (each with a patient account)" if out.patient_side else "")
    )
    step("reference data")

    await batch_eligibility(apis, day, out, progress)
    say("2. eligibility for tomorrow: " + _counts(out.eligibility))
    step("eligibility")

    await create_claims(apis, day, clinic_ids, provider_ids, out, progress)
    sent = await submit_ready(apis, clinic_ids, out)
    say(
        f"3. {len(out.claim_ids)} claims keyed, {out.scrub_failed} stopped by the scrubber, "
        f"{len(sent)} sent in {len(out.submissions)} 837 interchanges"
    )
    await deliveries(apis, out, progress)
    await acknowledged(apis, sent, progress)
    claims = await all_pages(apis.claims, "/v1/claims")
    out.rejections = [c for c in claims if c["status"] == "rejected"]
    reasons = Counter(_reason(r) for c in out.rejections for r in c["rejection_reasons"][:1])
    say(
        f"   acknowledged: {sum(c['status'] == 'accepted' for c in claims)} accepted, "
        f"{len(out.rejections)} rejected" + (f" ({_counts(reasons)})" if reasons else "")
    )
    step("claims")

    run = await sandbox_run(apis)
    claims = await claims_settled(apis, "835s posted", progress, primaries_only=True)
    say(f"4. payers adjudicated; 835s: {_summary(run)}")
    step("adjudication")

    out.secondaries = await secondary_claims(apis, day, clinic_ids, out, progress)
    if out.secondaries:
        claims = await all_pages(apis.claims, "/v1/claims")
        paid = sum(
            (Decimal(c["paid_amount"]) for c in claims if c["payer_responsibility"] != "P"),
            Decimal(0),
        )
        say(
            f"   secondary payer: {out.secondaries} claims billed and adjudicated, {paid:,.2f} paid"
        )
    step("secondary payers")

    facts = await truth(apis, day.tenant)
    expected = sum(1 for e in facts if is_denial(e))
    statuses = Counter(c["status"] for c in claims)
    say(f"   claim states: {_counts(statuses)}")
    denials = await denials_opened(apis, expected, progress)
    say("5. denials queue: " + _counts(Counter(d["category"] for d in denials)))
    await work_the_queue(apis, denials, out, progress)
    say(
        f"   {len(out.resubmitted)} corrected claims requested, {len(out.appealed)} appeal "
        f"letters, {len(out.written_off)} written off"
    )
    step("denials")

    if out.resubmitted:
        await corrections_ready(apis, out, progress)
        sent = await submit_ready(apis, clinic_ids, out)
        await deliveries(apis, out, progress)
        await acknowledged(apis, sent, progress)
        run = await sandbox_run(apis)
        await claims_settled(apis, "corrected claims adjudicated", progress)
        await resolutions(apis, out, progress)
        say(f"   corrections: {_summary(run)}; {len(out.resubmitted)} denials resolved by payment")
    step("corrections")

    await follow_up(apis, out, progress)
    say(
        f"6. claim status: {len(out.status_answers)} claims still at the payer asked "
        f"({_counts(Counter(out.status_answers.values())) or 'none'}); "
        f"{len(out.follow_ups)} on the follow-up list"
    )
    step("follow-up")

    if apis.patients is not None and out.patient_side is not None:
        side = out.patient_side
        await patient_side(apis, day, clinic_ids, side, progress)
        say(
            f"7. patients: ledger = the 835s' patient responsibility "
            f"({sum(side.shares.values(), Decimal(0)):,.2f}); statements "
            f"{_counts(side.statements) or 'none'}; {len(side.payments)} patient payments "
            f"({sum(side.payments, Decimal(0)):,.2f}); "
            + (f"a {side.plan['installments']}-installment plan; " if side.plan else "")
            + f"{LATER} days on: {_counts(side.later_statements) or 'no letters'}, "
            f"{side.installments_missed} installment missed"
        )
        step("patients")
    return out


def _reason(text: str) -> str:
    """A rejection reason, short: '277CA: 33 Subscriber ... not found', '999: Segment ...'."""
    head, _, tail = text.partition(": ")
    source = "277CA" if head.startswith("A") else "999"
    return f"{source}: {(tail or head).split(' (')[0][:48]}"


def _counts(counter: Counter[str] | dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: -kv[1]))


def _summary(run: dict[str, Any]) -> str:
    """The sandbox's account of one pass, whatever keys it uses, as 'key n' pairs."""
    parts = []
    for key, value in run.items():
        if isinstance(value, list):
            parts.append(f"{key} {len(value)}")
        elif isinstance(value, int | str | Decimal | date):
            parts.append(f"{key} {value}")
    return ", ".join(parts) or "nothing to do"


# ---------------------------------------------------------------- the patient's side

LATER = 45  # days: the next statement cycle, when a plan's first installment is past due


async def register_accounts(apis: Apis, day: Day, clinic_ids: list[str]) -> PatientSide:
    """The front desk registers each patient (guarantor: the patient) with every coverage."""
    side = PatientSide()
    assert apis.patients is not None
    for p in day.patients:
        coverages = [{"payer_id": p.payer_id, "member_id": p.member_id}]
        if p.secondary_member_id:
            coverages.append({"payer_id": SUPPLEMENT, "member_id": p.secondary_member_id})
        body = {
            "clinic_id": clinic_ids[p.clinic],
            "account_number": f"G{p.member_id[-7:]}",
            "guarantor": {
                "first_name": p.first_name,
                "last_name": p.last_name,
                "address": {
                    "line1": p.street,
                    "city": "Springfield",
                    "state": "IL",
                    "postal_code": "62704",
                },
            },
            "patients": [
                {
                    "first_name": p.first_name,
                    "last_name": p.last_name,
                    "birth_date": p.birth_date.isoformat(),
                    "coverages": coverages,
                }
            ],
        }
        side.accounts[p.member_id] = _ok(await apis.patients.post("/v1/accounts", json=body), 201)[
            "id"
        ]
    return side


def visit_roots(claims: list[dict[str, Any]]) -> dict[str, str]:
    """claim id -> the first claim of its visit (through prior payers and originals)."""
    by_id = {c["id"]: c for c in claims}
    roots: dict[str, str] = {}
    for claim in claims:
        current = claim
        while (up := current["prior_claim_id"] or current["original_claim_id"]) in by_id:
            current = by_id[up]
        roots[claim["id"]] = current["id"]
    return roots


def patient_shares(
    claims: list[dict[str, Any]], postings: dict[str, list[dict[str, Any]]]
) -> dict[str, Decimal]:
    """What the 835s leave each visit's patient owing, read from the remittance postings:
    the last payer in the chain that adjudicated, its latest claim, its payments still in
    force (a reversed payment and its reversal cancel out)."""
    level = {"P": 1, "S": 2, "T": 3}
    roots = visit_roots(claims)
    chosen: dict[str, tuple[tuple[int, str], Decimal]] = {}
    for claim in claims:
        live = [p for p in postings.get(claim["id"], []) if p["state"] == "posted"]
        live = [p for p in live if not p["is_reversal"]]
        root = roots[claim["id"]]
        if not live:
            chosen.setdefault(root, ((0, ""), Decimal(0)))
            continue
        rank = (level[claim["payer_responsibility"]], claim["created_at"])
        share = sum((Decimal(p["patient_responsibility"]) for p in live), Decimal(0))
        if root not in chosen or rank > chosen[root][0]:
            chosen[root] = (rank, share)
    return {root: share for root, (_, share) in chosen.items()}


async def patient_ledger_agrees(apis: Apis) -> tuple[bool, dict[str, Decimal]]:
    """Whether the patients ledger holds all the PR the remittance postings give, and the
    shares by visit. Read afresh each time: an 835 that only reverses can be on its way."""
    assert apis.patients is not None
    claims = await all_pages(apis.claims, "/v1/claims")
    postings = {
        c["id"]: _ok(await apis.remittance.get(f"/v1/claims/{c['id']}/postings")) for c in claims
    }
    shares = patient_shares(claims, postings)
    kpis = _ok(await apis.patients.get("/v1/kpis"))
    return Decimal(kpis["patient_responsibility"]) == sum(shares.values(), Decimal(0)), shares


async def patient_side(
    apis: Apis, day: Day, clinic_ids: list[str], side: PatientSide, progress: Progress
) -> None:
    """The ledger catches up with the 835s; a statement cycle; some patients pay; one sets
    up a plan; the next cycle finds its first installment missed."""
    assert apis.patients is not None
    patients = apis.patients

    async def caught_up() -> tuple[int, int]:
        agrees, side.shares = await patient_ledger_agrees(apis)
        return int(agrees), 1

    await until(caught_up, "patient ledger matches the 835s", progress, timeout=180, interval=2)
    for clinic_id in clinic_ids:
        run = _ok(await patients.post("/v1/statement-runs", json={"clinic_id": clinic_id}), 201)
        side.statements.update(run["notices"])
        side.first_statement = side.first_statement or next(iter(run["statement_ids"]), None)
    owing = []
    for account_id in side.accounts.values():
        account = _ok(await patients.get(f"/v1/accounts/{account_id}"))
        if Decimal(account["due"]) > 0:
            owing.append((account_id, Decimal(account["due"])))
    for n, (account_id, due) in enumerate(owing):
        if n % 3 == 0:  # a third pay in full by card, through the processor
            body = {"amount": str(due), "method": "card", "reference": f"ch_demo{n:05d}"}
        elif n % 3 == 1 and due > 10:  # a third send a check for part of it
            body = {"amount": str((due / 2).quantize(Decimal("0.01"))), "method": "check",
                    "reference": str(1000 + n)}  # fmt: skip
        else:
            continue
        _ok(await patients.post(f"/v1/accounts/{account_id}/payments", json=body), 201)
        side.payments.append(Decimal(body["amount"]))
    unpaid = [(a, d) for n, (a, d) in enumerate(owing) if n % 3 == 2]
    if unpaid:
        account_id, _ = max(unpaid, key=lambda item: item[1])
        plan_body = {"installments": 3, "day_of_month": 15}
        side.plan = _ok(
            await patients.post(f"/v1/accounts/{account_id}/payment-plans", json=plan_body), 201
        )
    later = (day.today + timedelta(days=LATER)).isoformat()
    for clinic_id in clinic_ids:
        body = {"clinic_id": clinic_id, "as_of": later}
        run = _ok(await patients.post("/v1/statement-runs", json=body), 201)
        side.later_statements.update(run["notices"])
        side.installments_missed += run["installments_missed"]
    side.kpis = _ok(await patients.get("/v1/kpis", params={"as_of": later}))
