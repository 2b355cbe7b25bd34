"""What every service process does the same way: the FastAPI app with its lifespan
(migrations, engine, relay, consumers), health and readiness, and the `serve` command.

A service's app.py describes itself with a ServiceSpec and calls build_app().
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import uvicorn
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from rcm_shared.db import make_engine, make_sessionmaker
from rcm_shared.db.migrations import upgrade_to_head
from rcm_shared.direct_routes import DirectRoute, serve_directly
from rcm_shared.errors import document_errors, install_error_handlers
from rcm_shared.messaging.consumer import BatchHandler, ConsumerRunner, Handler
from rcm_shared.messaging.relay import OutboxRelay
from rcm_shared.observability import configure_logging, install_observability
from rcm_shared.settings import ServiceSettings

log = logging.getLogger("rcm.runtime")
# collections of the youngest generation: every 50,000 net allocations (Python: 700)
GC_YOUNG_THRESHOLD = 50_000


@dataclass
class ServiceSpec:
    name: str
    settings: ServiceSettings
    service_dir: Path  # holds alembic.ini and migrations/
    routers: Sequence[APIRouter] = ()
    # hot endpoints that skip FastAPI's per-route layers (rcm_shared.direct_routes)
    direct_routes: Sequence[DirectRoute] = ()
    handlers: dict[str, Handler] = field(default_factory=dict)
    # Opt-in: event types whose events of one partition batch are handled together in one
    # transaction (see rcm_shared.messaging.consumer); empty keeps one event per transaction.
    batch_handlers: dict[str, BatchHandler] = field(default_factory=dict)
    subscriptions: Sequence[str] = ()  # topics (unprefixed) the consumer group reads
    # Extra loops of the worker role (deliveries, folder watchers): each runs until `stop`.
    workers: Sequence[Callable[[Runtime, asyncio.Event], Coroutine[Any, Any, None]]] = ()
    version: str = "0.1.0"
    description: str = ""


class Runtime:
    """Engine, sessions and background workers of one process."""

    def __init__(self, spec: ServiceSpec) -> None:
        self.spec = spec
        self.settings = spec.settings
        self.engine: AsyncEngine | None = None
        self.sessions: async_sessionmaker[AsyncSession] | None = None
        self.relay: OutboxRelay | None = None
        self.consumer: ConsumerRunner | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._kafka_admin: AIOKafkaAdminClient | None = None
        self._kafka_ok_until = 0.0

    async def start(self, run_workers: bool) -> None:
        s = self.settings
        await upgrade_to_head(self.spec.service_dir, s.database_url)
        self.engine = make_engine(s.database_url, s.db_pool_size, f"rcm-{self.spec.name}")
        self.sessions = make_sessionmaker(self.engine)
        if not run_workers:
            return
        self.relay = OutboxRelay(
            self.engine,
            service=self.spec.name,
            bootstrap=s.kafka_bootstrap,
            topic_prefix=s.kafka_prefix,
            batch_size=s.relay_batch_size,
            poll_seconds=s.relay_poll_seconds,
        )
        self._tasks.append(asyncio.create_task(self.relay.run(self._stop), name="relay"))
        if self.spec.subscriptions and (self.spec.handlers or self.spec.batch_handlers):
            self.consumer = ConsumerRunner(
                self.sessions,
                service=self.spec.name,
                group=s.consumer_group or self.spec.name,
                topics=list(self.spec.subscriptions),
                handlers=self.spec.handlers,
                bootstrap=s.kafka_bootstrap,
                prefix=s.kafka_prefix,
                max_attempts=s.consumer_max_attempts,
                backoff_seconds=s.consumer_backoff_seconds,
                batch_handlers=self.spec.batch_handlers,
            )
            self._tasks.append(asyncio.create_task(self.consumer.run(self._stop), name="consumer"))
        for worker in self.spec.workers:
            name = getattr(worker, "__name__", "worker")
            self._tasks.append(asyncio.create_task(worker(self, self._stop), name=name))

    async def stop(self) -> None:
        self._stop.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=15)
            for task in pending:
                task.cancel()
        if self._kafka_admin is not None:
            with contextlib.suppress(Exception):
                await self._kafka_admin.close()
        if self.engine is not None:
            await self.engine.dispose()

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            assert self.engine is not None
            async with self.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), 3)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        checks["kafka"] = await self._kafka_check()
        return checks

    async def _kafka_check(self) -> str:
        if time.monotonic() < self._kafka_ok_until:
            return "ok"
        try:
            if self._kafka_admin is None:
                self._kafka_admin = AIOKafkaAdminClient(
                    bootstrap_servers=self.settings.kafka_bootstrap, request_timeout_ms=3000
                )
                await asyncio.wait_for(self._kafka_admin.start(), 5)
            await asyncio.wait_for(self._kafka_admin.describe_cluster(), 5)
        except Exception as exc:
            admin, self._kafka_admin = self._kafka_admin, None
            if admin is not None:
                with contextlib.suppress(Exception):
                    await admin.close()
            return f"error: {type(exc).__name__}"
        self._kafka_ok_until = time.monotonic() + 2.0
        return "ok"


def build_app(spec: ServiceSpec, run_workers: bool | None = None) -> FastAPI:
    """The service's FastAPI app. Workers (relay, consumers) run in-process unless the
    role is `api`, or the caller says otherwise (tests drive workers themselves)."""
    settings = spec.settings
    configure_logging(spec.name, settings.log_level)
    workers = settings.role in ("all", "worker") if run_workers is None else run_workers
    runtime = Runtime(spec)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start(run_workers=workers)
        # What start-up loaded (code sets, app, pools) lives as long as the process: out
        # of the cyclic GC's reach, a full collection no longer walks ~700,000 objects
        # (200 ms) in the middle of a request.
        gc.collect()
        gc.freeze()
        # A request allocates thousands of short-lived objects (parsed bodies, models,
        # rows), so the default youngest-generation threshold of 700 ran a collection
        # several times a request. At 50,000 it runs every few dozen requests: about a
        # sixth less CPU per claim taken in, with a collection still well under a ms.
        gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
        log.info("started", extra={"role": settings.role, "workers": workers})
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=f"RCM {spec.name}",
        version=spec.version,
        description=spec.description,
        lifespan=lifespan,
        # Metrics and logs are ours (rcm_shared.observability). FastAPI's own OpenTelemetry
        # hooks would otherwise look for a configured provider on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.runtime = runtime
    install_error_handlers(app)
    install_observability(app, spec.name)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": spec.name}

    @app.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    if settings.role != "worker":
        for router in spec.routers:
            app.include_router(router)
        serve_directly(app, spec.direct_routes)
    document_errors(app)
    return app


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Request-scoped unit of work: commits when the endpoint returns, rolls back if it
    raises. Business code never commits."""
    sessions = request.app.state.runtime.sessions
    async with sessions() as session, session.begin():
        yield session


# scope="function": the commit runs before the response is sent. FastAPI's default scope
# closes a yield dependency after the response has gone out, so a client could read a
# 201 for a row not yet committed (its next GET a 404), or for one whose commit failed.
Session = Annotated[AsyncSession, Depends(db_session, scope="function")]


def serve_main(service: str, app_factory: str, default_port: int, settings: Any) -> None:
    """`python -m rcm_<service> serve [--role all|api|worker] [--port N]`."""
    parser = argparse.ArgumentParser(prog=f"rcm-{service}")
    sub = parser.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve", help="run the HTTP API and/or the worker")
    serve.add_argument("--role", choices=["all", "api", "worker"], default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--host", default=None)
    args = parser.parse_args()
    prefix = f"RCM_{service.upper()}_"
    if args.role:
        os.environ[f"{prefix}ROLE"] = args.role
    port = args.port or settings.port or default_port
    host = args.host or settings.host
    uvicorn.run(
        app_factory,
        factory=True,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
    )
