"""The local stack as the services see it: each one ready against the real PostgreSQL
and Kafka, each database reachable only by its own service's role."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from rcm_claims.app import create_app as claims_app
from rcm_claims.config import ClaimsSettings
from rcm_denials.app import create_app as denials_app
from rcm_denials.config import DenialsSettings
from rcm_eligibility.app import create_app as eligibility_app
from rcm_eligibility.config import EligibilitySettings
from rcm_patients.app import create_app as patients_app
from rcm_patients.config import PatientsSettings
from rcm_remittance.app import create_app as remittance_app
from rcm_remittance.config import RemittanceSettings
from rcm_shared.testing.fixtures import SERVICES, database_url, running, settings_for

APPS: list[tuple[str, Any, Any]] = [
    ("eligibility", eligibility_app, EligibilitySettings),
    ("claims", claims_app, ClaimsSettings),
    ("remittance", remittance_app, RemittanceSettings),
    ("denials", denials_app, DenialsSettings),
    ("patients", patients_app, PatientsSettings),
]


@pytest.mark.parametrize(("name", "factory", "settings"), APPS, ids=[a[0] for a in APPS])
async def test_service_is_ready(
    stack: dict[str, Any], name: str, factory: Any, settings: Any
) -> None:
    app = factory(settings_for(settings, name), run_workers=False)
    async with running(app) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "kafka": "ok"}
        assert (await client.get("/healthz")).json() == {"status": "ok", "service": name}
        metrics = await client.get("/metrics")
        assert "rcm_http_request_duration_seconds" in metrics.text


async def test_readiness_reports_an_unreachable_kafka(stack: dict[str, Any]) -> None:
    app = claims_app(
        settings_for(ClaimsSettings, "claims", kafka_bootstrap="127.0.0.1:1"), run_workers=False
    )
    async with running(app) as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["kafka"].startswith("error")


@pytest.mark.parametrize("owner", SERVICES)
async def test_a_role_reaches_only_its_own_database(stack: dict[str, Any], owner: str) -> None:
    url = make_url(database_url(owner, test=False))
    for other in SERVICES:
        target = f"rcm_{other}"
        connect = asyncpg.connect(
            host=url.host, port=url.port, user=url.username, password=url.password, database=target
        )
        if other == owner:
            conn = await connect
            assert await conn.fetchval("SELECT current_database()") == target
            await conn.close()
        else:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connect
