"""Claims intake throughput, each figure beside its baseline, in one run:

1. Single-claim POST /v1/claims (validation, scrubbing, storage, outbox) at concurrency 32
   against a bare FastAPI endpoint that inserts one row with asyncpg (same machine, same
   database server, same load generator, one uvicorn process each).
2. Batch intake: POST /v1/claims/batch with 500 claims per request: claims per second
   (measured first, so that it does not share the machine with autovacuum's work on the
   single-claim rounds' rows).

    deploy/uv run python -m bench.claims_intake [--seconds 8] [--rounds 5] [--concurrency 32]

Needs PostgreSQL and Kafka up (make up, or deploy/stack.py up --infra-only).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.common import (
    PY,
    claims_env,
    drive,
    drive_wrk,
    free_port,
    median,
    plain_dsn,
    start,
    wait_ready,
    wrk_available,
)
from rcm_shared.testing.fixtures import bearer

CLAIM_TEMPLATE: dict[str, Any] = {}


def setup(base: str, tenant: str) -> dict[str, Any]:
    h = bearer(tenant)
    clinic = httpx.post(
        f"{base}/v1/clinics",
        headers=h,
        json={
            "name": "Bench Clinic",
            "npi": "1245319599",
            "tax_id": "123456789",
            "taxonomy_code": "207Q00000X",
            "address": {
                "line1": "1 Main St",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "627011234",
            },
        },
    ).json()
    httpx.post(
        f"{base}/v1/payers",
        headers=h,
        json={"payer_id": "87726", "name": "Bench Payer", "timely_filing_days": 365},
    )
    from datetime import date, timedelta

    dos = (date.today() - timedelta(days=5)).isoformat()
    return {
        "clinic_id": clinic["id"],
        "payer_id": "87726",
        "place_of_service": "11",
        "subscriber": {
            "member_id": "M0",
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
        "diagnosis_codes": ["E11.9", "I10"],
        "lines": [
            {
                "procedure_code": "99214",
                "charge": "150.00",
                "service_date_from": dos,
                "diagnosis_pointers": [1, 2],
            },
            {
                "procedure_code": "93000",
                "charge": "45.50",
                "service_date_from": dos,
                "diagnosis_pointers": [2],
            },
        ],
        "total_charge": "195.50",
    }


def claim_member(body: dict[str, Any]) -> str:
    return str(body["subscriber"]["member_id"])


def template_body(template: dict[str, Any]) -> str:
    """A claim's JSON with MEMBERID where its member id goes, for wrk's script."""
    body = claim(template, 0)
    marked = json.dumps(body).replace(claim_member(body), "MEMBERID")
    assert marked.count("MEMBERID") == 1, "the member id must be replaceable"
    return marked


def claim(template: dict[str, Any], n: int) -> dict[str, Any]:
    body = copy.deepcopy(template)
    body["subscriber"]["member_id"] = f"M{uuid.uuid4().hex[:12].upper()}"
    return body


async def forget_tenant(tenant: str) -> None:
    """Delete what the run wrote: every row of its tenant, and the baseline's rows. Each
    run adds some 50,000 claims; kept, they grew claims_test past the memory PostgreSQL
    caches, and each later run (and the test suite) measured a slower database."""
    conn = await asyncpg.connect(plain_dsn("claims"))
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'tenant_id'"
        )
        for row in tables:
            await conn.execute(f'DELETE FROM "{row["table_name"]}" WHERE tenant_id = $1', tenant)
        await conn.execute("DROP TABLE IF EXISTS bench.baseline")
    finally:
        await conn.close()


async def analyze_claims() -> None:
    """Fresh planner statistics for the claims tables before the clock starts. The last
    run's clean-up left them empty, and until autovacuum comes by again (up to a minute)
    PostgreSQL plans the intake reads for empty tables: it scanned the whole tenant for
    every claim, and the first rounds measured that (28-43 % against 64-69 % after)."""
    conn = await asyncpg.connect(plain_dsn("claims"))
    try:
        for table in ("claims", "claim_lines", "claim_history", "outbox", "coverages"):
            await conn.execute(f"ANALYZE {table}")
    finally:
        await conn.close()


def wrk_rounds(
    base_url: str,
    claims_url: str,
    template_claim: dict[str, Any],
    headers: dict[str, str],
    concurrency: int,
    seconds: float,
    rounds: int,
) -> tuple[float, float]:
    """Baseline and ours in turns, `rounds` times; the means of their requests per second."""
    # wrk puts a new member id into every request: one patient with thousands of
    # identical claims is no billing day, and skews the duplicate check's plans
    body_template = template_body(template_claim)
    base_rates: list[float] = []
    our_rates: list[float] = []
    sides = (
        ("baseline: FastAPI + asyncpg insert", f"{base_url}/insert", {}, base_rates),
        ("POST /v1/claims (scrub + outbox)", f"{claims_url}/v1/claims", headers, our_rates),
    )
    for n in range(1, rounds + 1):
        # turns, so a slow spell of the machine (a checkpoint, a noisy neighbour)
        # falls on both sides rather than on one
        for name, url, side_headers, rates in sides:
            row, rps, _ = drive_wrk(
                f"{n}. {name}", url, body_template, side_headers, concurrency, seconds
            )
            print(row)
            rates.append(rps)
    base_rps, ours_rps = sum(base_rates) / rounds, sum(our_rates) / rounds
    ratios = [o / b for o, b in zip(our_rates, base_rates, strict=True)]
    print("load generator: wrk (2 threads)")
    print(f"baseline {base_rps:.0f} req/s, ours {ours_rps:.0f} req/s (means of the rounds)")
    # The median round: one stall of the shared disk (seen: a p99 of over a second on
    # either side) moves the means a long way and the median hardly at all.
    print(
        f"ratio: {median(ratios):.0%} of the baseline's requests per second, median round "
        f"(rounds: {', '.join(f'{r:.0%}' for r in ratios)}; means: {ours_rps / base_rps:.0%})"
    )
    return base_rps, ours_rps


async def batch_intake(claims_url: str, headers: dict[str, str], template: dict[str, Any]) -> None:
    """POST /v1/claims/batch, 500 claims a request, one request after another."""
    batch_size, batches = 500, 12
    # the request bodies are made before the clock starts: the figure is the service's
    # throughput, not the load generator's deepcopy and JSON encoding
    bodies = [
        json.dumps({"claims": [claim(template, i) for i in range(batch_size)]})
        for _ in range(batches + 1)
    ]
    async with httpx.AsyncClient(
        timeout=120, headers={**headers, "Content-Type": "application/json"}
    ) as client:
        # one untimed batch first: the batch path's first use (its statement prepared
        # on a connection, its code warmed) is not what a day of batches costs
        warm = await client.post(f"{claims_url}/v1/claims/batch", content=bodies.pop())
        assert warm.status_code == 200, warm.text[:300]
        started = time.perf_counter()
        each: list[float] = []
        for body in bodies:
            sent = time.perf_counter()
            response = await client.post(f"{claims_url}/v1/claims/batch", content=body)
            each.append(time.perf_counter() - sent)
            assert response.status_code == 200, response.text[:300]
            assert response.json()["created"] == batch_size
        elapsed = time.perf_counter() - started
    total = batch_size * batches
    print(
        f"\nBatch intake: {total} claims in {batches} requests of {batch_size}: "
        f"{total / elapsed:.0f} claims/s ({elapsed:.1f} s); median request "
        f"{batch_size / median(each):.0f} claims/s, slowest {batch_size / max(each):.0f}"
    )


async def run(seconds: float, concurrency: int, rounds: int) -> None:
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    claims_port, base_port = free_port(), free_port()
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    service = start(
        [PY, "-m", "rcm_claims", "serve", "--role", "api"],
        claims_env(claims_port),
        logs / "claims.log",
    )
    baseline = start(
        [
            PY,
            "-m",
            "uvicorn",
            "bench.baseline_insert_app:app",
            "--port",
            str(base_port),
            "--log-level",
            "warning",
        ],
        {"BENCH_DSN": plain_dsn("claims")},
        logs / "baseline.log",
    )
    try:
        claims_url = f"http://127.0.0.1:{claims_port}"
        base_url = f"http://127.0.0.1:{base_port}"
        wait_ready(f"{claims_url}/healthz")
        wait_ready(f"{base_url}/docs")
        template_claim = setup(claims_url, tenant)
        headers = bearer(tenant)
        # warm both up (connection pools, code paths)
        await drive("warm-up", f"{base_url}/insert", lambda n: {"n": n}, {}, 8, 2)
        await drive(
            "warm-up", f"{claims_url}/v1/claims", lambda n: claim(template_claim, n), headers, 8, 2
        )
        await analyze_claims()
        # Batch first: after the single-claim rounds (100,000 and more claims) autovacuum
        # works through their rows for a minute, and the batch would measure that too.
        await batch_intake(claims_url, headers, template_claim)
        print(
            f"\nSingle-claim intake, concurrency {concurrency}, {rounds} rounds of "
            f"{seconds:.0f} s each, baseline and ours taking turns"
        )
        if wrk_available():
            base_rps, ours_rps = wrk_rounds(
                base_url, claims_url, template_claim, headers, concurrency, seconds, rounds
            )
        else:
            base = await drive(
                "baseline: FastAPI + asyncpg insert",
                f"{base_url}/insert",
                lambda n: claim(template_claim, n),
                {},
                concurrency,
                seconds,
            )
            ours = await drive(
                "POST /v1/claims (scrub + outbox)",
                f"{claims_url}/v1/claims",
                lambda n: claim(template_claim, n),
                headers,
                concurrency,
                seconds,
            )
            base_rps, ours_rps = base.rps, ours.rps
            print(base.row())
            print(ours.row())
            print("load generator: httpx (wrk not installed: it is the bottleneck)")
            print(f"ratio: {ours_rps / base_rps:.0%} of the baseline's requests per second")

        # 837P generation through the API: lock, build, store, move to submitted, events.
        started = time.perf_counter()
        async with httpx.AsyncClient(timeout=300, headers=headers) as client:
            response = await client.post(
                f"{claims_url}/v1/submissions",
                json={"clinic_id": template_claim["clinic_id"], "limit": 5000},
            )
        elapsed = time.perf_counter() - started
        assert response.status_code == 201, response.text[:300]
        count = response.json()["claim_count"]
        print(
            f"\nPOST /v1/submissions: {count} claims in one 837P in {elapsed:.2f} s: "
            f"{count / elapsed:.0f} claims/s (bench/claims_837p.py times the builder alone)"
        )
    finally:
        for proc in (service, baseline):
            proc.terminate()
            proc.wait(timeout=30)
        await forget_tenant(tenant)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.seconds, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
