from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from rcm_denials.config import DenialsSettings
from rcm_denials.handlers import HANDLERS
from rcm_shared.messaging.topology import SUBSCRIPTIONS
from rcm_shared.runtime import ServiceSpec, build_app

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: DenialsSettings | None = None, run_workers: bool | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="denials",
        settings=settings or DenialsSettings(),
        service_dir=SERVICE_DIR,
        routers=[],
        handlers=HANDLERS,
        subscriptions=SUBSCRIPTIONS["denials"],
        description=(
            "Denial classification by CARC/RARC, work queue, appeals, corrected "
            "resubmissions, analytics."
        ),
    )
    return build_app(spec, run_workers)
