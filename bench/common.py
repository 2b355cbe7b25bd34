"""Shared helpers for the benchmarks: the local stack's addresses, free ports, a load
loop that measures requests per second and latency percentiles."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from rcm_shared.testing.fixtures import database_url, kafka_bootstrap

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def plain_dsn(service: str) -> str:
    return database_url(service).replace("postgresql+asyncpg://", "postgresql://")


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv, env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=REPO
    )


def claims_env(port: int, **extra: str) -> dict[str, str]:
    return {
        "RCM_CLAIMS_DATABASE_URL": database_url("claims"),
        "RCM_CLAIMS_KAFKA_BOOTSTRAP": kafka_bootstrap(),
        "RCM_CLAIMS_KAFKA_PREFIX": "bench.",
        "RCM_CLAIMS_PORT": str(port),
        "RCM_CLAIMS_LOG_LEVEL": "WARNING",
        "RCM_CLAIMS_DB_POOL_SIZE": "20",
        "RCM_ENV": "test",
        **extra,
    }


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready")


@dataclass
class Load:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000

    def row(self) -> str:
        return (
            f"{self.name:<34} {self.rps:>8.0f} req/s   p50 {self.pct(0.50):6.1f} ms   "
            f"p99 {self.pct(0.99):6.1f} ms   errors {self.errors}"
        )


async def drive(
    name: str,
    url: str,
    make_body: Callable[[int], Any],
    headers: dict[str, str],
    concurrency: int,
    seconds: float,
    expect: int = 201,
) -> Load:
    """`concurrency` clients in a closed loop for `seconds`; counts only what finished."""
    latencies: list[float] = []
    errors = 0
    counter = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as client:
        stop_at = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors, counter
            while time.perf_counter() < stop_at:
                counter += 1
                started = time.perf_counter()
                response = await client.post(url, json=make_body(counter))
                latencies.append(time.perf_counter() - started)
                if response.status_code != expect:
                    errors += 1

        begun = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - begun
    return Load(name, len(latencies), elapsed, latencies, errors)


def median(values: list[float]) -> float:
    return statistics.median(values)


PY = sys.executable
