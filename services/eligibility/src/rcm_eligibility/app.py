from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from rcm_eligibility.config import EligibilitySettings
from rcm_eligibility.handlers import HANDLERS
from rcm_shared.messaging.topology import SUBSCRIPTIONS
from rcm_shared.runtime import ServiceSpec, build_app

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(
    settings: EligibilitySettings | None = None, run_workers: bool | None = None
) -> FastAPI:
    spec = ServiceSpec(
        name="eligibility",
        settings=settings or EligibilitySettings(),
        service_dir=SERVICE_DIR,
        routers=[],
        handlers=HANDLERS,
        subscriptions=SUBSCRIPTIONS["eligibility"],
        description=("Coverage checks before the visit: X12 270 out, 271 in, real time and batch."),
    )
    return build_app(spec, run_workers)
