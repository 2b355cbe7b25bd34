from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from rcm_denials.api import router
from rcm_denials.config import DenialsSettings
from rcm_denials.domain.codes import codebook
from rcm_denials.handlers import BATCH_HANDLERS, HANDLERS
from rcm_shared.messaging.topology import SUBSCRIPTIONS
from rcm_shared.runtime import ServiceSpec, build_app

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: DenialsSettings | None = None, run_workers: bool | None = None) -> FastAPI:
    settings = settings or DenialsSettings()
    codebook()  # the code lists are read now: a broken data file stops the start
    spec = ServiceSpec(
        name="denials",
        settings=settings,
        service_dir=SERVICE_DIR,
        routers=[router],
        handlers=HANDLERS,
        batch_handlers=BATCH_HANDLERS if settings.consumer_batch else {},
        subscriptions=SUBSCRIPTIONS["denials"],
        description=(
            "Denial classification by CARC/RARC, work queue, appeals, corrected "
            "resubmissions, analytics, pre-submission risk."
        ),
    )
    return build_app(spec, run_workers)
