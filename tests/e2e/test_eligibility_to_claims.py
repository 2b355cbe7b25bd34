"""Across services, through Kafka: an eligibility check's answer reaches the claims
service, whose scrubber then knows the patient's coverage."""

from __future__ import annotations

import importlib.util
import uuid
from datetime import date, timedelta
from types import ModuleType
from typing import Any

from rcm_claims.app import create_app as claims_app
from rcm_claims.config import ClaimsSettings
from rcm_eligibility.app import create_app as eligibility_app
from rcm_eligibility.config import EligibilitySettings
from rcm_shared.testing.fixtures import REPO, bearer, running, settings_for, wait_for


def load(path: str, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_coverage_answer_reaches_the_claims_scrubber(
    stack: dict[str, Any], tenant: str, tmp_path: Any
) -> None:
    payer_module = load("services/eligibility/tests/payer.py", "e2e_payer")
    factories = load("services/claims/tests/factories.py", "e2e_factories")
    dos = date.today() - timedelta(days=3)
    async with payer_module.running_payer() as (_, url):
        eligibility = eligibility_app(
            settings_for(EligibilitySettings, "eligibility", payer_url=url), run_workers=True
        )
        claims = claims_app(
            settings_for(
                ClaimsSettings,
                "claims",
                outbound_dir=str(tmp_path / "o"),
                inbound_dir=str(tmp_path / "i"),
            ),
            run_workers=True,
        )
        async with running(eligibility) as elig_api, running(claims) as claims_api:
            refs = await factories.setup_tenant(claims_api, tenant)
            for prefix, expected in (("ACT", None), ("INA", "COVERAGE_INACTIVE")):
                member = f"{prefix}{uuid.uuid4().hex[:8].upper()}"
                check = await elig_api.post(
                    "/v1/eligibility/checks",
                    headers=bearer(tenant),
                    json={
                        "subscriber": {
                            "member_id": member,
                            "first_name": "Jane",
                            "last_name": "Doe",
                            "birth_date": "1980-04-02",
                        },
                        "payer": {"payer_id": "87726", "name": "Acme Health Plan"},
                        "provider": {"npi": "1245319599", "name": "Springfield Clinic"},
                        "service_date": dos.isoformat(),
                    },
                )
                assert check.status_code == 201, check.text
                body = factories.claim_body(refs["clinic_id"])
                body["subscriber"]["member_id"] = member
                for line in body["lines"]:
                    line["service_date_from"] = dos.isoformat()

                async def scrubbed_with_coverage(body: dict[str, Any] = body) -> bool:
                    # the claim is re-scrubbed until the eligibility event has arrived
                    created = (
                        await claims_api.post("/v1/claims", json=body, headers=bearer(tenant))
                    ).json()
                    codes = {e["code"] for e in created["edits"]}
                    await claims_api.post(
                        f"/v1/claims/{created['id']}/void",
                        json={"reason": "probe"},
                        headers=bearer(tenant),
                    )
                    return "COVERAGE_UNKNOWN" not in codes

                await wait_for(
                    scrubbed_with_coverage,
                    timeout=60,
                    interval=0.5,
                    what="the eligibility answer in the claims service",
                )
                final = (
                    await claims_api.post("/v1/claims", json=body, headers=bearer(tenant))
                ).json()
                codes = [e["code"] for e in final["edits"]]
                assert codes == ([expected] if expected else []), codes
