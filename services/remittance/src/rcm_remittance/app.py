from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from rcm_remittance.api import router
from rcm_remittance.config import RemittanceSettings
from rcm_remittance.handlers import HANDLERS
from rcm_remittance.service.ingestion import inbound_worker
from rcm_shared.messaging.topology import SUBSCRIPTIONS
from rcm_shared.runtime import ServiceSpec, build_app

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(
    settings: RemittanceSettings | None = None, run_workers: bool | None = None
) -> FastAPI:
    spec = ServiceSpec(
        name="remittance",
        settings=settings or RemittanceSettings(),
        service_dir=SERVICE_DIR,
        routers=[router],
        handlers=HANDLERS,
        subscriptions=SUBSCRIPTIONS["remittance"],
        workers=[inbound_worker],
        description=(
            "835 electronic remittance advice: ingestion, balancing, posting, duplicate ERAs."
        ),
    )
    return build_app(spec, run_workers)
