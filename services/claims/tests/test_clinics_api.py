"""Clinics through the HTTP API against the real claims_test database: tenancy, auth,
validation, and that a change and its event commit together."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from rcm_claims.app import create_app
from rcm_claims.config import ClaimsSettings
from rcm_shared.messaging.tables import outbox
from rcm_shared.testing.fixtures import bearer, running, settings_for

ADDRESS = {"line1": "1 Main St", "city": "Springfield", "state": "IL", "postal_code": "62701"}


def body(npi: str = "1245319599", **extra: Any) -> dict[str, Any]:
    return {
        "name": "Main St Clinic",
        "npi": npi,
        "tax_id": "123456789",
        "taxonomy_code": "207Q00000X",
        "address": ADDRESS,
        **extra,
    }


@pytest.fixture
async def api(stack: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings_for(ClaimsSettings, "claims"), run_workers=False)
    async with running(app) as client:
        yield client


async def events_of(stack: dict[str, Any], tenant: str) -> list[str]:
    async with stack["engines"]["claims"].connect() as conn:
        rows = await conn.execute(
            select(outbox.c.type).where(outbox.c.tenant_id == tenant).order_by(outbox.c.seq)
        )
        return [r.type for r in rows]


async def test_tenant_never_sees_another_tenants_clinic(api: httpx.AsyncClient) -> None:
    tenant_a, tenant_b = f"a-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    created = await api.post("/v1/clinics", json=body(), headers=bearer(tenant_a))
    assert created.status_code == 201
    clinic_id = created.json()["id"]

    assert (await api.get(f"/v1/clinics/{clinic_id}", headers=bearer(tenant_a))).status_code == 200
    other = await api.get(f"/v1/clinics/{clinic_id}", headers=bearer(tenant_b))
    assert other.status_code == 404
    assert other.json()["error"] == "not_found"
    put = await api.put(f"/v1/clinics/{clinic_id}", json=body(), headers=bearer(tenant_b))
    assert put.status_code == 404
    listed = await api.get("/v1/clinics", headers=bearer(tenant_b))
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    # the same NPI is a different clinic in another tenant, not a conflict
    assert (await api.post("/v1/clinics", json=body(), headers=bearer(tenant_b))).status_code == 201


async def test_missing_token_is_401_and_wrong_scope_403(
    api: httpx.AsyncClient, tenant: str
) -> None:
    assert (await api.get("/v1/clinics")).status_code == 401
    bad = await api.get("/v1/clinics", headers={"authorization": "Bearer not-a-jwt"})
    assert bad.status_code == 401
    read_only = bearer(tenant, scopes=["claims:read"])
    assert (await api.post("/v1/clinics", json=body(), headers=read_only)).status_code == 403
    elsewhere = bearer(tenant, scopes=["eligibility:read", "eligibility:write"])
    assert (await api.get("/v1/clinics", headers=elsewhere)).status_code == 403
    for open_path in ("/healthz", "/readyz", "/metrics", "/docs", "/openapi.json"):
        assert (await api.get(open_path)).status_code == 200, open_path


async def test_clinic_limited_token_sees_only_its_clinics(
    api: httpx.AsyncClient, tenant: str
) -> None:
    first = (await api.post("/v1/clinics", json=body("1245319599"), headers=bearer(tenant))).json()
    second = (await api.post("/v1/clinics", json=body("1234567893"), headers=bearer(tenant))).json()
    limited = bearer(tenant, clinics=[first["id"]])
    listed = (await api.get("/v1/clinics", headers=limited)).json()["items"]
    assert [c["id"] for c in listed] == [first["id"]]
    assert (await api.get(f"/v1/clinics/{second['id']}", headers=limited)).status_code == 404


async def test_invalid_clinic_is_422_with_paths_and_nothing_saved(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    bad_shape = body(tax_id="12-3456789")
    bad_shape["address"] = {**ADDRESS, "state": "Illinois"}
    response = await api.post("/v1/clinics", json=bad_shape, headers=bearer(tenant))
    assert response.status_code == 422
    paths = {d["path"] for d in response.json()["detail"]}
    assert paths == {"body.tax_id", "body.address.state"}

    wrong_digit = await api.post("/v1/clinics", json=body("1245319598"), headers=bearer(tenant))
    assert wrong_digit.status_code == 422
    assert [d["path"] for d in wrong_digit.json()["detail"]] == ["body.npi"]

    listed = await api.get("/v1/clinics", headers=bearer(tenant))
    assert listed.json()["items"] == []
    assert await events_of(stack, tenant) == []


async def test_changes_commit_with_their_events(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    created = (await api.post("/v1/clinics", json=body(), headers=bearer(tenant))).json()
    dup = await api.post("/v1/clinics", json=body(), headers=bearer(tenant))
    assert dup.status_code == 409
    changed = await api.put(
        f"/v1/clinics/{created['id']}", json=body(name="Renamed"), headers=bearer(tenant)
    )
    assert changed.json()["version"] == 2
    assert await events_of(stack, tenant) == ["rcm.clinic.registered.v1", "rcm.clinic.updated.v1"]


async def test_list_pages_with_a_cursor(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    npis = ["1245319599", "1234567893", "1003000126", "1003000134", "1003000142"]
    for npi in npis:
        created = await api.post("/v1/clinics", json=body(npi), headers=bearer(tenant))
        assert created.status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/v1/clinics", params=params, headers=bearer(tenant))).json()
        seen += [c["npi"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(npis)
    async with stack["engines"]["claims"].connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.tenant_id == tenant)
        )
    assert count == len(npis)


async def test_logs_carry_no_submitted_values(
    api: httpx.AsyncClient, tenant: str, caplog: pytest.LogCaptureFixture
) -> None:
    marker = "SMITH-PHI-4711"
    caplog.set_level("DEBUG")
    bad = body(name=marker * 10)  # too long: rejected with its path, value not echoed
    response = await api.post("/v1/clinics", json=bad, headers=bearer(tenant))
    assert response.status_code == 422
    assert marker not in response.text
    ok = await api.post(
        "/v1/clinics", json=body(name=marker), headers=bearer(tenant), params={"q": marker}
    )
    assert ok.status_code == 201
    assert caplog.records, "the request log should have been written"
    for record in caplog.records:
        assert marker not in repr(record.__dict__), record.__dict__


async def test_pay_to_address_round_trips(api: httpx.AsyncClient, tenant: str) -> None:
    lockbox = {"line1": "PO Box 4400", "city": "Springfield", "state": "IL", "postal_code": "62708"}
    created = await api.post(
        "/v1/clinics", json=body(pay_to_address=lockbox), headers=bearer(tenant)
    )
    assert created.status_code == 201, created.text
    got = (await api.get(f"/v1/clinics/{created.json()['id']}", headers=bearer(tenant))).json()
    assert got["pay_to_address"] == {**lockbox, "line2": None}
    cleared = await api.put(f"/v1/clinics/{got['id']}", json=body(), headers=bearer(tenant))
    assert cleared.json()["pay_to_address"] is None


async def test_each_answer_carries_a_request_id_and_lands_on_its_routes_histogram(
    api: httpx.AsyncClient, tenant: str
) -> None:
    fresh = await api.get("/v1/clinics", headers=bearer(tenant))
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["x-request-id"])
    assert fresh.headers["x-correlation-id"] == fresh.headers["x-request-id"]
    given = await api.get("/v1/clinics", headers={**bearer(tenant), "X-Request-Id": "visit-7"})
    assert given.headers["x-request-id"] == "visit-7"
    before = _count(await api.get("/metrics"))
    await api.get("/v1/clinics", headers=bearer(tenant))
    # the same series again (remembered by the middleware), one request more
    assert _count(await api.get("/metrics")) == before + 1


def _count(metrics: httpx.Response) -> float:
    for line in metrics.text.splitlines():
        if line.startswith("rcm_http_request_duration_seconds_count{") and all(
            part in line for part in ('method="GET"', 'route="/v1/clinics"', 'status="200"')
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
