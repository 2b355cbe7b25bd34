"""Full 835 ingestion (store raw, parse, balance, match, COPY, outbox) beside its parts,
measured in one run against the real PostgreSQL; and peak memory on a 50,000-claim file.

    deploy/uv run python -m bench.remittance_ingest [--claims 10000] [--memory-claims 50000]

Needs PostgreSQL up (make up, or deploy/stack.py up --infra-only); uses the remittance
service's _test database and a fresh tenant per run. Every claim of the file is known
(claim_refs rows made beforehand), so every claim payment is posted and gets its event.
Printed side by side, each the median of 3 runs:
  (a) bare str.split loop over the file (the floor for pure-Python parsing),
  (b) read_835 alone (parse and balance, nothing kept),
  (c) the service's ingest(): everything, committed.
The memory figure comes from a child process (ru_maxrss) that ingests a file of
--memory-claims claims written to disk, beside the same child's RSS before ingesting.
No assertions: the figures are for reading (targets: (c) >= 5,000 claims/s, memory < 300 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import text

from bench.common import bare_split, timed_median
from bench.remittance_835 import synthetic_835
from rcm_remittance.config import RemittanceSettings
from rcm_remittance.domain.x835 import read_835
from rcm_remittance.service.ingestion import ingest
from rcm_shared.db import make_engine, make_sessionmaker
from rcm_shared.db.migrations import upgrade_to_head
from rcm_shared.testing.fixtures import database_url

SERVICE_DIR = Path(__file__).resolve().parent.parent / "services" / "remittance"
RUNS = 3


def parse_only(raw: str) -> int:
    return sum(1 for _ in read_835(raw))


async def known_claims(engine: object, tenant: str, claims: int) -> None:
    """claim_refs for PCN0000000000.. so that every CLP matches (server-side generate)."""
    async with engine.begin() as conn:  # type: ignore[attr-defined]
        await conn.execute(
            text(
                "INSERT INTO claim_refs (tenant_id, claim_id, patient_control_number, clinic_id,"
                " payer_id, voided) SELECT :t, gen_random_uuid()::text,"
                " 'PCN' || lpad(n::text, 10, '0'), 'clinic', 'PAYER', false"
                " FROM generate_series(0, :n - 1) AS n"
            ),
            {"t": tenant, "n": claims},
        )


async def forget_bench_tenants(engine: object) -> None:
    """Each run adds 10,000s of rows; left there, the growing tables and their vacuuming
    would slow the next runs down and make the figures drift."""
    async with engine.begin() as conn:  # type: ignore[attr-defined]
        for table in ("outbox", "provider_adjustments", "claim_payments", "remittances"):
            await conn.execute(text(f"DELETE FROM {table} WHERE tenant_id LIKE 'bench-%'"))
        await conn.execute(
            text("DELETE FROM remittance_files WHERE tenant_id LIKE 'bench-%'")
        )  # chunks go with their file (ON DELETE CASCADE)
        await conn.execute(text("DELETE FROM claim_refs WHERE tenant_id LIKE 'bench-%'"))
    # and vacuumed now, not by autovacuum in the middle of the next run
    async with engine.connect() as plain:  # type: ignore[attr-defined]
        conn = await plain.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("outbox", "claim_payments", "remittances", "remittance_files", "claim_refs"):
            await conn.execute(text(f"VACUUM ANALYZE {table}"))


async def chunks_of(data: bytes, size: int = 1 << 20) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def ingestion(raw: str, claims: int) -> list[float]:
    url = database_url("remittance")
    await upgrade_to_head(SERVICE_DIR, url)
    engine = make_engine(url, pool_size=2)
    sessions = make_sessionmaker(engine)
    settings = RemittanceSettings(database_url=url, env="test")
    data = raw.encode("latin-1")
    times = []
    try:
        for _ in range(RUNS):
            tenant = f"bench-{uuid.uuid4().hex[:10]}"
            await known_claims(engine, tenant, claims)
            started = time.perf_counter()
            _, outcome = await ingest(sessions, tenant, chunks_of(data), settings, source="api")
            times.append(time.perf_counter() - started)
            if outcome.state != "posted":
                raise AssertionError(f"the synthetic file should post: {outcome}")
        await forget_bench_tenants(engine)
    finally:
        await engine.dispose()
    return sorted(times)


def memory_child(path: str, claims: int) -> None:
    """Runs in a child process: ingest the file on disk, print RSS before and peak."""

    async def run() -> None:
        url = database_url("remittance")
        await upgrade_to_head(SERVICE_DIR, url)
        engine = make_engine(url, pool_size=2)
        tenant = f"bench-{uuid.uuid4().hex[:10]}"
        await known_claims(engine, tenant, claims)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        async def from_disk() -> AsyncIterator[bytes]:
            with open(path, "rb") as handle:  # noqa: ASYNC230 - a benchmark, one reader
                while chunk := handle.read(1 << 20):
                    yield chunk

        settings = RemittanceSettings(database_url=url, env="test")
        started = time.perf_counter()
        _, outcome = await ingest(
            make_sessionmaker(engine), tenant, from_disk(), settings, source="folder"
        )
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        await forget_bench_tenants(engine)
        await engine.dispose()
        print(f"{before:.0f} {peak:.0f} {seconds:.2f} {outcome.state}")

    asyncio.run(run())


def memory(claims: int) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".835", encoding="latin-1") as handle:
        handle.write(synthetic_835(claims))
        handle.flush()
        size = Path(handle.name).stat().st_size / 1e6
        out = subprocess.run(
            [sys.executable, "-m", "bench.remittance_ingest", "--child", handle.name, str(claims)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    before, peak, seconds, state = out[-4:]
    print(
        f"\nmemory: {claims:,}-claim file ({size:.1f} MB) ingested ({state}) in {seconds} s "
        f"({claims / float(seconds):,.0f} claims/s): peak RSS {peak} MB, "
        f"{before} MB before ingesting (interpreter, libraries, pool)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--memory-claims", type=int, default=50_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        memory_child(args.child[0], int(args.child[1]))
        return
    raw = synthetic_835(args.claims)
    megabytes = len(raw) / 1e6
    print(f"synthetic 835: {megabytes:.2f} MB, {args.claims:,} claims, median of {RUNS} runs")
    print(f"{'':40} {'seconds':>8} {'MB/s':>7} {'claims/s':>10}")
    rows = [
        ("(a) bare str.split loop", timed_median(RUNS, bare_split, raw)[0]),
        ("(b) read_835 (parse + balance)", timed_median(RUNS, parse_only, raw)[0]),
        ("(c) ingest: store, post, outbox", asyncio.run(ingestion(raw, args.claims))[1]),
    ]
    for name, seconds in rows:
        print(f"{name:40} {seconds:8.2f} {megabytes / seconds:7.1f} {args.claims / seconds:10,.0f}")
    if args.memory_claims:
        memory(args.memory_claims)


if __name__ == "__main__":
    main()
