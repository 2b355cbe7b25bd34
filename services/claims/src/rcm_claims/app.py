from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from rcm_claims.api import direct_routes, routers
from rcm_claims.config import ClaimsSettings
from rcm_claims.domain import codes
from rcm_claims.handlers import HANDLERS
from rcm_claims.service.acknowledgments import inbound_worker
from rcm_claims.service.intake import claim_intake
from rcm_claims.service.status_checks import status_worker
from rcm_claims.service.submissions import delivery_worker
from rcm_shared.messaging.topology import SUBSCRIPTIONS
from rcm_shared.runtime import ServiceSpec, build_app

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(settings: ClaimsSettings | None = None, run_workers: bool | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="claims",
        settings=settings or ClaimsSettings(),
        service_dir=SERVICE_DIR,
        routers=routers,
        direct_routes=direct_routes,
        handlers=HANDLERS,
        subscriptions=SUBSCRIPTIONS["claims"],
        workers=[delivery_worker, inbound_worker, status_worker],
        description=("Professional claims: intake, scrubbing, 837P, acknowledgments, lifecycle."),
    )
    codes.load()  # the ICD-10-CM code set, once, before the first request
    app = build_app(spec, run_workers)
    app.state.claim_intake = claim_intake(app.state.runtime)
    return app
