from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from rcm_eligibility.api import router
from rcm_eligibility.config import EligibilitySettings
from rcm_eligibility.handlers import HANDLERS
from rcm_eligibility.payer import HttpPayerConnector
from rcm_eligibility.service.checks import batch_worker
from rcm_shared.messaging.topology import SUBSCRIPTIONS
from rcm_shared.runtime import ServiceSpec, build_app

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(
    settings: EligibilitySettings | None = None, run_workers: bool | None = None
) -> FastAPI:
    settings = settings or EligibilitySettings()
    spec = ServiceSpec(
        name="eligibility",
        settings=settings,
        service_dir=SERVICE_DIR,
        routers=[router],
        handlers=HANDLERS,
        subscriptions=SUBSCRIPTIONS["eligibility"],
        workers=[batch_worker],
        description=("Coverage checks before the visit: X12 270 out, 271 in, real time and batch."),
    )
    app = build_app(spec, run_workers)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        # one HTTP client (connection pool) to the payer for the process's real-time checks
        application.state.payer = HttpPayerConnector(
            settings.payer_url, settings.payer_timeout_seconds, settings.payer_attempts
        )
        try:
            async with inner(application):
                yield
        finally:
            await application.state.payer.close()

    app.router.lifespan_context = lifespan
    return app
