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

from deploy.demo.plan import Day, PlannedClaim, claim_body
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
    timings: dict[str, float] = field(default_factory=dict)


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
    say(
        f"1. tenant {day.tenant}: {len(clinic_ids)} clinics, "
        f"{sum(map(len, provider_ids))} providers, {len(day.payers)} payers, "
        f"{len(day.patients)} patients"
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
