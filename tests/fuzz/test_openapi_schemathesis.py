"""schemathesis against the four OpenAPI documents, in process, against the real test
PostgreSQL and Kafka: for a bounded number of generated requests per operation (a fresh
tenant's token with every scope), no 5xx, and every response is documented (status code,
content type, body schema)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

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
from rcm_shared.testing.fixtures import bearer, settings_for

from .conftest import count

EXAMPLES = 8  # per operation: bounded for the suite's time budget
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# the payer is unreachable on purpose: a check fails fast with a retryable error
NO_PAYER = "http://127.0.0.1:9/270"


def make(service: str, tmp_path: Path) -> FastAPI:
    factories: dict[str, Callable[[], FastAPI]] = {
        "claims": lambda: claims_app(
            settings_for(
                ClaimsSettings,
                "claims",
                outbound_dir=str(tmp_path / "o"),
                inbound_dir=str(tmp_path / "i"),
            ),
            run_workers=False,
        ),
        "eligibility": lambda: eligibility_app(
            settings_for(
                EligibilitySettings,
                "eligibility",
                payer_url=NO_PAYER,
                payer_attempts=1,
                payer_timeout_seconds=1,
            ),
            run_workers=False,
        ),
        "remittance": lambda: remittance_app(
            settings_for(RemittanceSettings, "remittance", inbound_dir=str(tmp_path / "r")),
            run_workers=False,
        ),
        "denials": lambda: denials_app(settings_for(DenialsSettings, "denials"), run_workers=False),
        "patients": lambda: patients_app(
            settings_for(PatientsSettings, "patients", statement_poll_seconds=0),
            run_workers=False,
        ),
    }
    return factories[service]()


def cases_of(schema: Any) -> list[Any]:
    """EXAMPLES generated cases of every operation, the same on every run."""
    cases: list[Any] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def collect(case: Any) -> None:
            cases.append(case)

        collect()
    return cases


def httpx_kwargs(case: Any, headers: dict[str, str]) -> dict[str, Any]:
    """schemathesis's request-style keyword arguments, as httpx takes them."""
    kwargs = case.as_transport_kwargs(base_url="http://test", headers=headers)
    out: dict[str, Any] = {
        k: kwargs[k] for k in ("method", "url", "headers", "params", "cookies") if kwargs.get(k)
    }
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, (bytes, str)):
        out["content"] = data
    elif data is not None:
        out["data"] = data
    if kwargs.get("files"):
        out["files"] = kwargs["files"]
    return out


@pytest.mark.integration
@pytest.mark.parametrize("service", ["eligibility", "claims", "remittance", "denials", "patients"])
async def test_openapi_conformance(
    stack: dict[str, Any], tenant: str, tmp_path: Path, service: str
) -> None:
    app = make(service, tmp_path)
    schema = schemathesis.openapi.from_dict(app.openapi())
    cases = cases_of(schema)
    failures: list[str] = []
    async with app.router.lifespan_context(app):
        # a 5xx is counted and reported, not raised into the test (the default transport's)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        api = httpx.AsyncClient(transport=transport, base_url="http://test")
        for case in cases:
            kwargs = httpx_kwargs(case, bearer(tenant))
            response = await api.request(**kwargs, timeout=60)
            count("schemathesis", service, tried=1)
            if response.status_code >= 500:
                count("schemathesis", service, **{"5xx": 1})
                sent = {k: v for k, v in kwargs.items() if k != "headers"}
                failures.append(f"5xx {case.method} {case.path}: {sent!r}"[:600])
            try:
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:  # every check failure is collected
                count("schemathesis", service, failed=1)
                first = str(exc).strip().splitlines()
                failures.append(
                    f"{case.method} {case.path} -> {response.status_code}: "
                    + " | ".join(first[:6])[:500]
                )
        assert (await api.get("/readyz")).status_code == 200
        await api.aclose()
    assert not failures, f"{len(failures)} of {len(cases)}:\n" + "\n".join(
        sorted(set(failures))[:60]
    )
