"""Eligibility checks through the API against the real eligibility_test database, with a
real HTTP payer (tests/payer.py) answering 271s; the production connector is used."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from rcm_eligibility.app import create_app
from rcm_eligibility.config import EligibilitySettings
from rcm_shared.messaging.tables import outbox
from rcm_shared.testing.fixtures import bearer, running, settings_for, wait_for
from rcm_shared.x12.reader import read_interchange

from .payer import Payer, running_payer


def check_body(member: str, **extra: Any) -> dict[str, Any]:
    return {
        "subscriber": {
            "member_id": member,
            "first_name": "Jane",
            "last_name": "Doe",
            "birth_date": "1980-04-02",
            "gender": "F",
        },
        "payer": {"payer_id": "87726", "name": "Acme Health Plan"},
        "provider": {"npi": "1245319599", "name": "Springfield Clinic"},
        "service_date": "2026-11-24",
        **extra,
    }


def member(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


@pytest.fixture
async def payer() -> AsyncIterator[tuple[Payer, str]]:
    async with running_payer() as running_one:
        yield running_one


@pytest.fixture
async def api(stack: dict[str, Any], payer: tuple[Payer, str]) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(
        EligibilitySettings,
        "eligibility",
        payer_url=payer[1],
        payer_timeout_seconds=2.5,
        payer_attempts=2,
        batch_concurrency_per_payer=3,
        batch_poll_seconds=0.1,
    )
    app = create_app(settings, run_workers=True)
    async with running(app) as client:
        yield client


async def test_active_coverage_with_cost_share(
    api: httpx.AsyncClient, payer: tuple[Payer, str], stack: dict[str, Any], tenant: str
) -> None:
    response = await api.post(
        "/v1/eligibility/checks", json=check_body(member("ACT")), headers=bearer(tenant)
    )
    assert response.status_code == 201, response.text
    check = response.json()
    assert (check["state"], check["coverage_status"]) == ("complete", "active")
    answer = check["answer"]
    assert answer["plan_name"] == "GOLD PPO" and answer["group_number"] == "GRP100"
    assert answer["coverage_start"] == "2026-01-01"
    [share] = answer["cost_share"]
    assert (
        share["service_type"],
        share["copay"],
        share["coinsurance_percent"],
        share["deductible"],
        share["deductible_remaining"],
    ) == ("30", "25", "20.0", "1500", "300")
    # the 270 that went out passes the implementation guide and carries our trace
    x12 = (
        await api.get(f"/v1/eligibility/checks/{check['id']}/x12", headers=bearer(tenant))
    ).json()
    segments = read_interchange(x12["x12_270"]).groups[0].transactions[0].segments
    assert any(s.id == "TRN" and s.get(2) == check["id"].replace("-", "")[:30] for s in segments)
    assert x12["x12_271"].startswith("ISA")
    async with stack["engines"]["eligibility"].connect() as conn:
        events = (
            await conn.execute(
                select(outbox.c.type, outbox.c.payload).where(outbox.c.tenant_id == tenant)
            )
        ).all()
    assert [e.type for e in events] == ["rcm.eligibility.checked.v1"]
    data = events[0].payload["data"]
    assert data["status"] == "active" and "member_id" not in str(data)


async def test_other_coverage_found_is_on_the_check_and_in_the_event(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    response = await api.post(
        "/v1/eligibility/checks", json=check_body(member("COB")), headers=bearer(tenant)
    )
    assert response.status_code == 201, response.text
    check = response.json()
    assert (check["coverage_status"], check["other_coverage_found"]) == ("active", True)
    assert check["answer"]["other_payers"] == [
        {"order": "primary", "name": "MEDICARE B", "payer_id": "00952", "insurance_type": "MB"}
    ]
    async with stack["engines"]["eligibility"].connect() as conn:
        payload = (
            await conn.execute(select(outbox.c.payload).where(outbox.c.tenant_id == tenant))
        ).scalar_one()
    assert payload["data"]["other_payers"] == check["answer"]["other_payers"]
    plain = await api.post(
        "/v1/eligibility/checks", json=check_body(member("ACT")), headers=bearer(tenant)
    )
    assert plain.json()["other_coverage_found"] is False


async def test_repeat_inside_ttl_is_served_from_store(
    api: httpx.AsyncClient, payer: tuple[Payer, str], tenant: str
) -> None:
    body = check_body(member("ACT"))
    first = (await api.post("/v1/eligibility/checks", json=body, headers=bearer(tenant))).json()
    asked = len(payer[0].received)
    again = await api.post("/v1/eligibility/checks", json=body, headers=bearer(tenant))
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["from_cache"] is True
    assert len(payer[0].received) == asked
    forced = await api.post(
        "/v1/eligibility/checks", params={"force": "true"}, json=body, headers=bearer(tenant)
    )
    assert forced.status_code == 201 and forced.json()["id"] != first["id"]
    assert len(payer[0].received) == asked + 1


@pytest.mark.parametrize(
    ("prefix", "state", "coverage", "retryable", "code"),
    [
        ("INA", "complete", "inactive", None, None),
        ("BAD", "error", "unknown", False, "72"),
        ("NOF", "error", "unknown", False, "75"),
        ("BUSY", "error", "unknown", True, "42"),
    ],
)
async def test_payer_answers(
    api: httpx.AsyncClient,
    tenant: str,
    prefix: str,
    state: str,
    coverage: str,
    retryable: bool | None,
    code: str | None,
) -> None:
    check = (
        await api.post(
            "/v1/eligibility/checks", json=check_body(member(prefix)), headers=bearer(tenant)
        )
    ).json()
    assert (check["state"], check["coverage_status"], check["retryable"]) == (
        state,
        coverage,
        retryable,
    )
    if code:
        assert check["error"]["code"] == "payer_rejected"
        assert [r["code"] for r in check["error"]["rejections"]] == [code]


async def test_payer_timeout_is_a_retryable_error(api: httpx.AsyncClient, tenant: str) -> None:
    response = await api.post(
        "/v1/eligibility/checks", json=check_body(member("SLOW")), headers=bearer(tenant)
    )
    assert response.status_code == 201
    check = response.json()
    assert (check["state"], check["retryable"]) == ("error", True)
    assert check["error"]["code"] == "payer_unavailable"


async def test_malformed_271_is_stored_with_its_position(
    api: httpx.AsyncClient, tenant: str
) -> None:
    check = (
        await api.post(
            "/v1/eligibility/checks", json=check_body(member("JUNK")), headers=bearer(tenant)
        )
    ).json()
    assert (check["state"], check["retryable"]) == ("error", False)
    assert check["error"]["code"] == "malformed_271"
    assert check["error"]["segment_id"] == "EB" and check["error"]["element_position"] == 7
    x12 = (
        await api.get(f"/v1/eligibility/checks/{check['id']}/x12", headers=bearer(tenant))
    ).json()
    assert "2X5" in x12["x12_271"]


async def test_invalid_request_is_422_with_paths(api: httpx.AsyncClient, tenant: str) -> None:
    body = check_body("M1")
    body["subscriber"]["birth_date"] = "not-a-date"
    del body["payer"]
    response = await api.post("/v1/eligibility/checks", json=body, headers=bearer(tenant))
    assert response.status_code == 422
    assert {d["path"] for d in response.json()["detail"]} == {
        "body.subscriber.birth_date",
        "body.payer",
    }


async def test_batch_respects_the_payer_bound(
    api: httpx.AsyncClient, payer: tuple[Payer, str], tenant: str
) -> None:
    bodies = [check_body(member("ACT")) for _ in range(20)] + [check_body(member("BAD"))]
    started = await api.post(
        "/v1/eligibility/batches", json={"checks": bodies}, headers=bearer(tenant)
    )
    assert started.status_code == 202, started.text
    batch_id = started.json()["id"]

    async def finished() -> bool:
        got = (await api.get(f"/v1/eligibility/batches/{batch_id}", headers=bearer(tenant))).json()
        return bool(got["state"] == "complete")

    await wait_for(finished, timeout=60, what="the batch to finish")
    done = (
        await api.get(
            f"/v1/eligibility/batches/{batch_id}", params={"results": 100}, headers=bearer(tenant)
        )
    ).json()
    assert done["counts"] == {"complete": 20, "error": 1}
    assert len(done["results"]) == 21
    assert 1 < payer[0].max_in_flight <= 3  # concurrent, and never above the bound
    other = await api.get(f"/v1/eligibility/batches/{batch_id}", headers=bearer("other"))
    assert other.status_code == 404


async def test_coverage_read_model(api: httpx.AsyncClient, tenant: str) -> None:
    who = member("ACT")
    check = (
        await api.post("/v1/eligibility/checks", json=check_body(who), headers=bearer(tenant))
    ).json()
    query = {"payer_id": "87726", "member_id": who, "birth_date": "1980-04-02"}
    found = await api.post("/v1/eligibility/coverage/lookup", json=query, headers=bearer(tenant))
    assert found.status_code == 200, found.text
    assert (found.json()["status"], found.json()["check_id"]) == ("active", check["id"])
    other_tenant = await api.post(
        "/v1/eligibility/coverage/lookup", json=query, headers=bearer(f"other-{tenant}")
    )
    assert other_tenant.status_code == 404
    unknown = await api.post(
        "/v1/eligibility/coverage/lookup",
        headers=bearer(tenant),
        json={**query, "member_id": member("ACT")},
    )
    assert unknown.status_code == 404
