from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from rcm_patients.api import routers
from rcm_patients.config import PatientsSettings
from rcm_patients.handlers import BATCH_HANDLERS, HANDLERS
from rcm_patients.service.statements import statement_worker
from rcm_shared.messaging.topology import SUBSCRIPTIONS
from rcm_shared.runtime import ServiceSpec, build_app

SERVICE_DIR = Path(__file__).resolve().parents[2]


def create_app(
    settings: PatientsSettings | None = None, run_workers: bool | None = None
) -> FastAPI:
    settings = settings or PatientsSettings()
    spec = ServiceSpec(
        name="patients",
        settings=settings,
        service_dir=SERVICE_DIR,
        routers=routers,
        handlers=HANDLERS,
        batch_handlers=BATCH_HANDLERS,
        subscriptions=SUBSCRIPTIONS["patients"],
        workers=[statement_worker] if settings.statement_poll_seconds > 0 else [],
        description=(
            "Patient accounts: the patient side of the ledger from the payers' adjudications, "
            "patient payments and refunds, statements and dunning, payment plans, patient A/R."
        ),
    )
    return build_app(spec, run_workers)
