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
from typing import Any, TypeVar

import httpx

from rcm_shared.testing.fixtures import database_url, kafka_bootstrap
from rcm_shared.x12.reader import CHUNK_SIZE

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


R = TypeVar("R")


def timed_median(runs: int, func: Callable[..., R], *args: Any) -> tuple[float, R]:
    """Median wall time of `runs` calls of func(*args), and the last call's result."""
    times: list[float] = []
    result: Any = None
    for _ in range(runs):
        start = time.perf_counter()
        result = func(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bare_split(text: str) -> int:
    """The X12 baseline: split on the terminator in streamed chunks, then each segment on
    the element separator; keep nothing. Returns the number of segments."""
    count = 0
    rest = ""
    for start in range(0, len(text), CHUNK_SIZE):
        parts = (rest + text[start : start + CHUNK_SIZE]).split("~")
        rest = parts.pop()
        for part in parts:
            part.split("*")
            count += 1
    return count


PY = sys.executable


WRK_SCRIPT = """
local template = [==[%s]==]
local counter = 0
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  counter = counter + 1
  local member = string.format("M%%d%%d", math.random(1, 999999999), counter)
  local body = template:gsub("MEMBERID", member)
  return wrk.format("POST", nil, nil, body)
end
"""


def wrk_available() -> bool:
    import shutil

    return shutil.which("wrk") is not None


def drive_wrk(
    name: str,
    url: str,
    body_template: str,
    headers: dict[str, str],
    concurrency: int,
    seconds: float,
) -> tuple[str, float, float]:
    """wrk (C, from Debian) as the load generator, so the client is not the bottleneck.
    Returns the printable row, requests/s and p99 in ms."""
    import re
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % body_template)
    argv = [
        "wrk",
        "-t2",
        f"-c{concurrency}",
        f"-d{int(seconds)}s",
        "--latency",
        "-s",
        script.name,
        "-H",
        "Content-Type: application/json",
    ]
    for key, value in headers.items():
        argv += ["-H", f"{key}: {value}"]
    out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"50%\s+([0-9.]+\w+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+([0-9.]+\w+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    row = f"{name:<34} {rps:>8.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   errors {errors}"
    return row, rps, p99


def _ms(text: str) -> float:
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    for suffix, factor in unit.items():
        if text.endswith(suffix) and text[: -len(suffix)].replace(".", "").isdigit():
            return float(text[: -len(suffix)]) * factor
    return float("nan")
