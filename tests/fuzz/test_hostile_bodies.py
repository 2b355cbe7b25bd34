"""Hostile JSON bodies into the JSON endpoints of all four services: each is a 4xx in our
error shape ({"error", "message", "detail"?}), never a 5xx, answered within the client's
timeout (a bound, not a speed assertion)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from rcm_claims.app import create_app as claims_app
from rcm_claims.config import ClaimsSettings
from rcm_denials.app import create_app as denials_app
from rcm_denials.config import DenialsSettings
from rcm_eligibility.app import create_app as eligibility_app
from rcm_eligibility.config import EligibilitySettings
from rcm_remittance.app import create_app as remittance_app
from rcm_remittance.config import RemittanceSettings
from rcm_shared.testing.fixtures import bearer, running, settings_for

from .conftest import count

DOS = (date.today() - timedelta(days=10)).isoformat()
TIMEOUT = httpx.Timeout(60.0)  # the bound; generous for 2 shared cores


def claim_body(lines: int = 1, charge: Any = "150.00") -> dict[str, Any]:
    line = {
        "procedure_code": "99214",
        "charge": charge,
        "service_date_from": DOS,
        "diagnosis_pointers": [1],
    }
    return {
        "clinic_id": "00000000-0000-0000-0000-000000000000",
        "payer_id": "87726",
        "subscriber": {
            "member_id": "M0001",
            "first_name": "Jane",
            "last_name": "Doe",
            "birth_date": "1980-04-02",
            "gender": "F",
            "address": {
                "line1": "5 Oak",
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62704",
            },
        },
        "place_of_service": "11",
        "diagnosis_codes": ["E11.9"],
        "lines": [line] * lines,
        "total_charge": charge,
    }


def check_body() -> dict[str, Any]:
    return {
        "subscriber": {
            "member_id": "M0001",
            "first_name": "Jane",
            "last_name": "Doe",
            "birth_date": "1980-04-02",
            "gender": "F",
        },
        "payer": {"payer_id": "87726", "name": "Acme Health Plan"},
        "provider": {"npi": "1245319599", "name": "Springfield Clinic"},
        "service_date": "2026-11-24",
    }


def raw(value: Any) -> bytes:
    # allow_nan: the literal NaN / Infinity tokens Python's json reads (not standard JSON)
    return json.dumps(value, allow_nan=True).encode()


def hostile(valid: dict[str, Any], amount_path: tuple[Any, ...] | None) -> dict[str, bytes]:
    """The hostile variants of one endpoint's valid body."""
    bodies = {
        "10 MB JSON": raw({**valid, "padding": "x" * (10 * 1024 * 1024)}),
        "depth 10,000": b"[" * 10_000 + b"]" * 10_000,
        "depth 10,000 object": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
        "invalid UTF-8": raw(valid)[:-1] + b', "x": "\xff\xfe\xc3"}',
        "not JSON": b'{"a": ',
    }
    if amount_path is not None:
        for name, token in (("1e400", b"1e400"), ("NaN", b"NaN"), ("Infinity", b"-Infinity")):
            body = json.loads(json.dumps(valid))
            target = body
            for key in amount_path[:-1]:
                target = target[key]
            target[amount_path[-1]] = "@@AMOUNT@@"
            bodies[f"amount {name}"] = raw(body).replace(b'"@@AMOUNT@@"', token)
    return bodies


async def _send_all(
    service: str, api: httpx.AsyncClient, tenant: str, path: str, bodies: dict[str, bytes]
) -> list[str]:
    problems = []
    headers = {**bearer(tenant), "content-type": "application/json"}
    for name, body in bodies.items():
        r = await api.post(path, content=body, headers=headers, timeout=TIMEOUT)
        count("bodies", f"{service} POST {path}", tried=1)
        answer = (
            r.json() if r.headers.get("content-type", "").startswith("application/json") else None
        )
        shaped = isinstance(answer, dict) and {"error", "message"} <= answer.keys()
        if r.status_code >= 500:
            count("bodies", f"{service} POST {path}", **{"5xx": 1})
        if r.status_code == 200 and isinstance(answer, dict) and "results" in answer:
            # a batch takes each item on its own: refused when every item is a shaped 4xx
            results = answer["results"]
            shaped = bool(results) and all(
                400 <= i.get("status", 0) < 500 and {"error", "message"} <= i["error"].keys()
                for i in results
            )
            if shaped and answer.get("created", 0) == 0:
                continue
        if not (400 <= r.status_code < 500 and shaped):
            problems.append(f"{service} POST {path} {name}: {r.status_code} {r.text[:200]}")
    return problems


@pytest.fixture
async def apps(
    stack: dict[str, Any], tmp_path: Path
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    made = {
        "claims": claims_app(
            settings_for(
                ClaimsSettings,
                "claims",
                outbound_dir=str(tmp_path / "o"),
                inbound_dir=str(tmp_path / "i"),
            ),
            run_workers=False,
        ),
        "eligibility": eligibility_app(
            settings_for(
                EligibilitySettings,
                "eligibility",
                payer_url="http://127.0.0.1:9/270",
                payer_attempts=1,
            ),
            run_workers=False,
        ),
        "remittance": remittance_app(
            settings_for(RemittanceSettings, "remittance", inbound_dir=str(tmp_path / "r")),
            run_workers=False,
        ),
        "denials": denials_app(settings_for(DenialsSettings, "denials"), run_workers=False),
    }
    async with (
        running(made["claims"]) as claims,
        running(made["eligibility"]) as eligibility,
        running(made["remittance"]) as remittance,
        running(made["denials"]) as denials,
    ):
        yield {
            "claims": claims,
            "eligibility": eligibility,
            "remittance": remittance,
            "denials": denials,
        }


@pytest.mark.integration
async def test_hostile_bodies_are_4xx(apps: dict[str, httpx.AsyncClient], tenant: str) -> None:
    claim = claim_body()
    targets: list[tuple[str, str, dict[str, Any], tuple[Any, ...] | None]] = [
        ("claims", "/v1/claims", claim, ("lines", 0, "charge")),
        ("claims", "/v1/claims/batch", {"claims": [claim]}, ("claims", 0, "total_charge")),
        ("eligibility", "/v1/eligibility/checks", check_body(), None),
        ("eligibility", "/v1/eligibility/batches", {"checks": [check_body()]}, None),
        ("eligibility", "/v1/eligibility/coverage/lookup", {"member_id": "M0001"}, None),
        ("remittance", "/v1/unmatched-payments/nope/match", {"claim_id": "x"}, None),
        ("denials", "/v1/denials/risk/batch", {"claims": [claim]}, ("claims", 0, "total_charge")),
    ]
    problems: list[str] = []
    for service, path, valid, amount in targets:
        problems += await _send_all(service, apps[service], tenant, path, hostile(valid, amount))
    # a claim with 10,000 lines (the 837P allows 50)
    big = {"claim with 10,000 lines": raw(claim_body(lines=10_000))}
    problems += await _send_all("claims", apps["claims"], tenant, "/v1/claims", big)
    problems += await _send_all(
        "claims",
        apps["claims"],
        tenant,
        "/v1/claims/batch",
        {"batch claim with 10,000 lines": raw({"claims": [claim_body(lines=10_000)]})},
    )
    for service, api in apps.items():
        assert (await api.get("/readyz")).status_code == 200, service
    assert not problems, "\n".join(problems)
