"""A batch of 1,000 eligibility checks through the eligibility service (real PostgreSQL,
real worker, the production HTTP connector) against a payer answering real 271s, beside a
baseline in the same run: the same 1,000 270/271 exchanges sent straight to the payer with
the same concurrency bound, no database. The payer counts requests in flight, to show the
per-payer bound held.

    deploy/uv run python -m bench.eligibility_batch [--checks 1000] [--bound 8]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

import httpx

from bench.common import PY, REPO, free_port, start, wait_ready
from rcm_eligibility.domain.x270 import Envelope270, Person270, Request270, build_270
from rcm_shared.testing.fixtures import bearer, database_url, kafka_bootstrap


def load_payer() -> ModuleType:
    # the tests' HTTP payer (the sandbox of a later issue will replace it)
    path = REPO / "services" / "eligibility" / "tests" / "payer.py"
    spec = importlib.util.spec_from_file_location("bench_payer", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_body(n: int) -> dict[str, object]:
    return {
        "subscriber": {
            "member_id": f"ACT{n:06d}{uuid.uuid4().hex[:6].upper()}",
            "first_name": "Jane",
            "last_name": "Doe",
            "birth_date": "1980-04-02",
        },
        "payer": {"payer_id": "87726", "name": "Acme Health Plan"},
        "provider": {"npi": "1245319599", "name": "Springfield Clinic"},
        "service_date": "2026-11-24",
    }


async def baseline(url: str, checks: int, bound: int) -> float:
    gate = asyncio.Semaphore(bound)
    x270s = [
        build_270(
            Request270(
                trace_number=f"T{n}",
                payer_id="87726",
                payer_name="ACME",
                provider_npi="1245319599",
                provider_name="CLINIC",
                member_id=f"ACT{n:06d}",
                subscriber=Person270(
                    first_name="JANE", last_name="DOE", birth_date=date(1980, 4, 2)
                ),
                service_date=date(2026, 11, 24),
            ),
            Envelope270(
                sender_id="BENCH",
                receiver_id="PAYER",
                interchange_control=n + 1,
                group_control=n + 1,
                timestamp=datetime.now(UTC),
            ),
        )
        for n in range(checks)
    ]
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(x270: str) -> None:
            async with gate:
                response = await client.post(url, content=x270.encode("latin-1"))
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(x) for x in x270s))
        return time.perf_counter() - started


async def run(checks: int, bound: int) -> None:
    payer_module = load_payer()
    logs = Path(tempfile.mkdtemp(prefix="bench-elig-"))
    async with payer_module.running_payer() as (payer, url):
        base_seconds = await baseline(url, checks, bound)
        base_peak = payer.max_in_flight
        payer.max_in_flight = 0
        port = free_port()
        service = start(
            [PY, "-m", "rcm_eligibility", "serve"],
            {
                "RCM_ELIGIBILITY_DATABASE_URL": database_url("eligibility"),
                "RCM_ELIGIBILITY_KAFKA_BOOTSTRAP": kafka_bootstrap(),
                "RCM_ELIGIBILITY_KAFKA_PREFIX": "bench.",
                "RCM_ELIGIBILITY_PORT": str(port),
                "RCM_ELIGIBILITY_PAYER_URL": url,
                "RCM_ELIGIBILITY_LOG_LEVEL": "WARNING",
                "RCM_ELIGIBILITY_BATCH_CONCURRENCY_PER_PAYER": str(bound),
                "RCM_ELIGIBILITY_BATCH_POLL_SECONDS": "0.2",
                "RCM_ENV": "test",
            },
            logs / "eligibility.log",
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            await asyncio.to_thread(wait_ready, f"{base_url}/healthz")
            tenant = f"bench-{uuid.uuid4().hex[:8]}"
            async with httpx.AsyncClient(timeout=120, headers=bearer(tenant)) as client:
                started = time.perf_counter()
                batch = (
                    await client.post(
                        f"{base_url}/v1/eligibility/batches",
                        json={"checks": [check_body(n) for n in range(checks)]},
                    )
                ).json()
                while True:
                    state = (
                        await client.get(
                            f"{base_url}/v1/eligibility/batches/{batch['id']}",
                            params={"results": 0},
                        )
                    ).json()
                    if state["state"] == "complete":
                        break
                    await asyncio.sleep(0.2)
                ours = time.perf_counter() - started
        finally:
            service.terminate()
            service.wait(timeout=30)
    print(f"\n{checks} eligibility checks, at most {bound} at once per payer")
    print(
        f"baseline: 270/271 exchanges only        {checks / base_seconds:8.0f} checks/s  "
        f"({base_seconds:.1f} s, peak in flight {base_peak})"
    )
    print(
        f"batch through the eligibility service   {checks / ours:8.0f} checks/s  "
        f"({ours:.1f} s, peak in flight {payer.max_in_flight}, results {state['counts']})"
    )
    print(f"bound respected: {payer.max_in_flight <= bound}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--bound", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(run(args.checks, args.bound))


if __name__ == "__main__":
    main()
