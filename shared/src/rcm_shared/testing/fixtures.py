"""Pytest plugin shared by every service's tests (enabled in the root conftest.py).

Integration tests talk to the real PostgreSQL and Kafka that `deploy/stack.py up` started.
Isolation: each test run gets its own topic and consumer-group prefix (so a running stack
and a test run never see each other's events), each test its own tenant, and services use
their `_test` databases.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import random
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from rcm_shared.auth import ALL_SCOPES, mint_token
from rcm_shared.db import make_engine
from rcm_shared.db.migrations import upgrade_to_head
from rcm_shared.messaging.topology import all_topics
from rcm_shared.settings import DEV_JWT_SECRET, ServiceSettings

REPO = Path(__file__).resolve().parents[4]
SERVICES = ("eligibility", "claims", "remittance", "denials", "patients")
RUN_ID = uuid.uuid4().hex[:8]
PREFIX = f"t{RUN_ID}."

S = TypeVar("S", bound=ServiceSettings)


def stack_script() -> ModuleType:
    """deploy/stack.py as a module, for tests of its functions (it is a script, not a
    package)."""
    spec = importlib.util.spec_from_file_location("stack_under_test", REPO / "deploy" / "stack.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def stack_env() -> dict[str, str]:
    """Where the stack is: the env file `stack.py up` writes, overridden by the environment."""
    state = Path(os.environ.get("RCM_STATE_DIR", REPO / ".cache" / "stack"))
    values: dict[str, str] = {}
    env_file = state / "stack.env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            if key:
                values[key] = value
    values.update({k: v for k, v in os.environ.items() if k.startswith("RCM_")})
    return values


def kafka_bootstrap() -> str:
    return stack_env().get("RCM_KAFKA_BOOTSTRAP", "127.0.0.1:59092")


def database_url(service: str, test: bool = True) -> str:
    env = stack_env()
    url = env.get(f"RCM_{service.upper()}_DATABASE_URL") or (
        f"postgresql+asyncpg://rcm_{service}:rcm_{service}_dev@127.0.0.1:"
        f"{env.get('RCM_PG_PORT', '55432')}/rcm_{service}"
    )
    return url + "_test" if test else url


def settings_for(cls: type[S], service: str, **overrides: Any) -> S:
    """Settings pointing at the service's _test database and this run's topic prefix."""
    values: dict[str, Any] = {
        "database_url": database_url(service),
        "kafka_bootstrap": kafka_bootstrap(),
        "kafka_prefix": PREFIX,
        "env": "test",
        "consumer_backoff_seconds": 0.05,
        "consumer_max_attempts": 3,
        "relay_poll_seconds": 0.2,
        "db_pool_size": 5,
    }
    values.update(overrides)
    return cls(**values)


def bearer(
    tenant: str, scopes: Iterable[str] = ALL_SCOPES, clinics: Iterable[str] | None = None
) -> dict[str, str]:
    token = mint_token(DEV_JWT_SECRET, tenant, scopes=scopes, clinic_ids=clinics)
    return {"authorization": f"Bearer {token}"}


async def wait_for(
    check: Callable[[], Awaitable[bool]],
    timeout: float = 30.0,
    interval: float = 0.1,
    what: str = "condition",
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (migrations, engine, workers) and an HTTP client on it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_listen_port() -> int:
    """A free port below the kernel's ephemeral range, for a server started later by
    another process: a port from the ephemeral range can be taken in the meantime as the
    source port of some outgoing connection (seen: the fault tier's stack refusing to start
    a service because its port had become a client's)."""
    low = 32768
    with contextlib.suppress(OSError, ValueError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = random.Random()  # noqa: S311 - a port, not a secret
    for _ in range(200):
        port = rng.randrange(max(1024, low - 12000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    return free_port()


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """An ASGI app on a real port (uvicorn in this event loop), for a connector that
    speaks HTTP to it; yields its base URL."""
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


@pytest.fixture
def tenant() -> str:
    return f"tenant-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
async def kafka_topics() -> AsyncIterator[str]:
    """Creates this run's prefixed topics (and DLQs); deletes them afterwards."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap())
    await admin.start()
    topics = all_topics(PREFIX)
    try:
        await admin.create_topics([NewTopic(t, n, 1) for t, n in topics.items()])
        yield PREFIX
    finally:
        with contextlib.suppress(Exception):
            existing = [t for t in await admin.list_topics() if t.startswith(PREFIX)]
            await admin.delete_topics(existing)
        await admin.close()


@pytest.fixture(scope="session")
async def test_databases() -> AsyncIterator[dict[str, AsyncEngine]]:
    """An engine per service _test database, migrated, with no messaging left over from
    earlier runs (stale outbox rows would be relayed into this run's topics)."""
    engines: dict[str, AsyncEngine] = {}
    for service in SERVICES:
        url = database_url(service)
        await upgrade_to_head(REPO / "services" / service, url)
        engine = make_engine(url, pool_size=3, application_name=f"test-{service}")
        async with engine.begin() as conn:
            # DELETE, not TRUNCATE: its exclusive lock deadlocks with a benchmark or another
            # test run writing to the same database
            await conn.execute(text("DELETE FROM outbox"))
            await conn.execute(text("DELETE FROM inbox"))
        engines[service] = engine
    yield engines
    for engine in engines.values():
        await engine.dispose()


@pytest.fixture(scope="session")
async def stack(kafka_topics: str, test_databases: dict[str, AsyncEngine]) -> dict[str, Any]:
    """Everything an integration test needs from the real local stack."""
    return {"prefix": kafka_topics, "engines": test_databases, "bootstrap": kafka_bootstrap()}


def documented_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(path, method) of every operation in the app's OpenAPI document."""
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return {(path, method.upper()) for path, item in paths.items() for method in item}
