"""Claims through the HTTP API against the real claims_test database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from rcm_claims.app import create_app
from rcm_claims.config import ClaimsSettings
from rcm_claims.schemas import ClaimOut
from rcm_shared.direct_routes import DirectRoute
from rcm_shared.messaging.tables import outbox
from rcm_shared.testing.fixtures import bearer, documented_operations, running, settings_for

from .factories import claim_body, setup_tenant


@pytest.fixture
async def api(stack: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings_for(ClaimsSettings, "claims"), run_workers=False)
    async with running(app) as client:
        yield client


async def event_types(stack: dict[str, Any], tenant: str) -> list[str]:
    async with stack["engines"]["claims"].connect() as conn:
        rows = await conn.execute(
            select(outbox.c.type)
            .where(outbox.c.tenant_id == tenant)
            .where(outbox.c.aggregatetype == "rcm.claims")
            .order_by(outbox.c.seq)
        )
        return [r.type for r in rows]


async def test_clean_claim_is_ready_with_events(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    body = claim_body(refs["clinic_id"], rendering_provider_id=refs["provider_id"])
    created = await api.post("/v1/claims", json=body, headers=bearer(tenant))
    assert created.status_code == 201, created.text
    claim = created.json()
    assert claim["status"] == "ready"
    # no eligibility answer on file yet: a warning, not an error
    assert [e["code"] for e in claim["edits"]] == ["COVERAGE_UNKNOWN"]
    assert len(claim["patient_control_number"]) <= 20
    assert claim["claim"]["diagnosis_codes"] == ["E119", "I10"]
    assert await event_types(stack, tenant) == ["rcm.claim.created.v1", "rcm.claim.scrubbed.v1"]
    history = (await api.get(f"/v1/claims/{claim['id']}/history", headers=bearer(tenant))).json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "draft"),
        ("draft", "ready"),
    ]


async def test_failing_claim_keeps_all_edits_and_rescrubs(
    api: httpx.AsyncClient, tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    body = claim_body(refs["clinic_id"], diagnosis_codes=["E11", "I10"], total_charge="999.00")
    claim = (await api.post("/v1/claims", json=body, headers=bearer(tenant))).json()
    assert claim["status"] == "scrub_failed"
    codes = {(e["code"], e["path"]) for e in claim["edits"]}
    assert ("ICD10_NOT_BILLABLE", "diagnosis_codes[0]") in codes
    assert ("TOTAL_MISMATCH", "total_charge") in codes
    fixed = await api.patch(
        f"/v1/claims/{claim['id']}",
        headers=bearer(tenant),
        json={"diagnosis_codes": ["E11.9", "I10"], "total_charge": "195.50"},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["status"] == "ready"
    assert fixed.json()["version"] == 2


async def test_invalid_claim_is_422_with_paths_and_nothing_saved(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    body = claim_body(refs["clinic_id"])
    body["lines"][1]["charge"] = "abc"
    body["subscriber"]["gender"] = "X"
    response = await api.post("/v1/claims", json=body, headers=bearer(tenant))
    assert response.status_code == 422
    paths = {d["path"] for d in response.json()["detail"]}
    assert paths == {"body.lines[1].charge", "body.subscriber.gender"}
    listed = (await api.get("/v1/claims", headers=bearer(tenant))).json()
    assert listed["items"] == []
    assert await event_types(stack, tenant) == []


async def test_idempotency_key(api: httpx.AsyncClient, tenant: str) -> None:
    refs = await setup_tenant(api, tenant)
    body = claim_body(refs["clinic_id"])
    headers = {**bearer(tenant), "Idempotency-Key": "visit-42"}
    first = await api.post("/v1/claims", json=body, headers=headers)
    again = await api.post("/v1/claims", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    other = await api.post("/v1/claims", json={**body, "total_charge": "1.00"}, headers=headers)
    assert other.status_code == 409
    listed = (await api.get("/v1/claims", headers=bearer(tenant))).json()
    assert len(listed["items"]) == 1


async def test_idempotency_key_on_a_batch(api: httpx.AsyncClient, tenant: str) -> None:
    """A batch retried after a timeout must not take its claims in twice."""
    refs = await setup_tenant(api, tenant)
    bad = claim_body(refs["clinic_id"])
    bad["lines"][0]["diagnosis_pointers"] = []
    body = {"claims": [claim_body(refs["clinic_id"]), bad, claim_body(refs["clinic_id"])]}
    headers = {**bearer(tenant), "Idempotency-Key": "upload-2026-12-02"}
    first = await api.post("/v1/claims/batch", json=body, headers=headers)
    again = await api.post("/v1/claims/batch", json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert [r["status"] for r in first.json()["results"]] == [201, 422, 201]
    other = await api.post("/v1/claims/batch", json={"claims": body["claims"][:1]}, headers=headers)
    assert other.status_code == 409
    listed = (await api.get("/v1/claims", headers=bearer(tenant))).json()
    assert sorted(c["id"] for c in listed["items"]) == sorted(
        r["claim"]["id"] for r in first.json()["results"] if r["status"] == 201
    )
    # without a key, the same batch is taken in again (its claims get new numbers)
    plain = await api.post("/v1/claims/batch", json=body, headers=bearer(tenant))
    assert plain.json()["created"] == 2


async def test_a_batch_error_naming_a_nul_key_is_stored_and_replayed(
    api: httpx.AsyncClient, tenant: str
) -> None:
    """An unknown key is named in its item's error; PostgreSQL cannot store a NUL, so the
    path spells it out, and the idempotency record of the batch keeps the answer."""
    body = {"claims": [{"bad\u0000key": 1}]}
    headers = {**bearer(tenant), "Idempotency-Key": "nul-keys", "content-type": "application/json"}
    raw = json.dumps(body)  # the escapes stay escapes: what a client's JSON would carry
    first = await api.post("/v1/claims/batch", content=raw, headers=headers)
    again = await api.post("/v1/claims/batch", content=raw, headers=headers)
    assert first.status_code == again.status_code == 200, first.text
    assert again.json() == first.json()
    paths = [d["path"] for d in first.json()["results"][0]["error"]["detail"]]
    assert "body.claims[0].bad\\u0000key" in paths


async def test_a_new_claim_answers_as_claim_out_encodes_it_and_as_it_reads_back(
    api: httpx.AsyncClient, tenant: str
) -> None:
    # the answer is spliced from the stored `data` text (api/claims.py created_json)
    refs = await setup_tenant(api, tenant)
    body = claim_body(refs["clinic_id"], diagnosis_codes=["E11", "I10"], total_charge="999.00")
    created = await api.post("/v1/claims", json=body, headers=bearer(tenant))
    assert created.status_code == 201
    encoded = ClaimOut.model_validate_json(created.content).model_dump_json()
    assert created.content == encoded.encode()
    assert created.json()["edits"] and created.json()["status"] == "scrub_failed"
    fetched = await api.get(f"/v1/claims/{created.json()['id']}", headers=bearer(tenant))
    assert fetched.json() == created.json()


async def test_claim_intake_checks_token_scope_and_idempotency_key_before_reading(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    body = claim_body(refs["clinic_id"])
    unsigned = await api.post("/v1/claims", json=body)
    assert unsigned.status_code == 401
    reader = await api.post("/v1/claims", json=body, headers=bearer(tenant, ["claims:read"]))
    assert reader.status_code == 403
    too_long = await api.post(
        "/v1/claims", json=body, headers={**bearer(tenant), "Idempotency-Key": "k" * 201}
    )
    assert too_long.status_code == 422
    assert [d["path"] for d in too_long.json()["detail"]] == ["header.Idempotency-Key"]
    assert await event_types(stack, tenant) == []


async def test_the_docs_show_the_idempotency_key_header_of_claim_intake(
    api: httpx.AsyncClient,
) -> None:
    spec = (await api.get("/openapi.json")).json()
    for path in ("/v1/claims", "/v1/claims/batch"):
        parameters = spec["paths"][path]["post"]["parameters"]
        assert [(p["name"], p["in"], p["schema"]["maxLength"]) for p in parameters] == [
            ("Idempotency-Key", "header", 200)
        ]


def test_claim_intake_is_served_directly_and_every_direct_route_is_documented() -> None:
    app = create_app(settings_for(ClaimsSettings, "claims"), run_workers=False)
    direct = [
        (route.path, method)
        for route in app.router.routes
        if isinstance(route, DirectRoute)
        for method in route.methods or ()
        if method != "HEAD"
    ]
    assert ("/v1/claims", "POST") in direct
    assert set(direct) <= documented_operations(app)


async def test_batch_reports_each_claim(api: httpx.AsyncClient, tenant: str) -> None:
    refs = await setup_tenant(api, tenant)
    good = claim_body(refs["clinic_id"])
    bad = claim_body(refs["clinic_id"])
    bad["lines"][0]["diagnosis_pointers"] = []
    taken = claim_body(refs["clinic_id"], patient_control_number="PCN-1")
    same_pcn = claim_body(refs["clinic_id"], patient_control_number="PCN-1")
    response = await api.post(
        "/v1/claims/batch", headers=bearer(tenant), json={"claims": [good, bad, taken, same_pcn]}
    )
    assert response.status_code == 200, response.text
    out = response.json()
    assert [r["status"] for r in out["results"]] == [201, 422, 201, 409]
    assert out["results"][1]["error"]["detail"][0]["path"] == (
        "body.claims[1].lines[0].diagnosis_pointers"
    )
    assert (out["created"], out["failed"]) == (2, 2)


async def test_other_tenant_sees_no_claim(api: httpx.AsyncClient, tenant: str) -> None:
    refs = await setup_tenant(api, tenant)
    claim = (
        await api.post("/v1/claims", json=claim_body(refs["clinic_id"]), headers=bearer(tenant))
    ).json()
    other = bearer(f"other-{tenant}")
    assert (await api.get(f"/v1/claims/{claim['id']}", headers=other)).status_code == 404
    assert (await api.get("/v1/claims", headers=other)).json()["items"] == []
    # a clinic the other tenant does not own cannot carry its claims either
    foreign = await api.post("/v1/claims", json=claim_body(refs["clinic_id"]), headers=other)
    assert foreign.json()["status"] == "scrub_failed"
    assert "BILLING_PROVIDER_UNKNOWN" in {e["code"] for e in foreign.json()["edits"]}


@pytest.mark.parametrize(
    ("path", "field"), [("/v1/claims", "subscriber"), ("/v1/claims/batch", "claims")]
)
async def test_the_docs_show_the_bodies_the_intake_endpoints_read_themselves(
    api: httpx.AsyncClient, path: str, field: str
) -> None:
    """The intake endpoints validate their bodies from the raw bytes; the OpenAPI document
    must still describe those bodies, with schemas that resolve."""
    spec = (await api.get("/openapi.json")).json()
    body = spec["paths"][path]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    assert body["required"] and field in schema["properties"]
    assert "$defs" not in schema  # an inline schema must not point at definitions it lacks


async def test_a_claim_body_that_is_not_json_is_a_422_naming_the_body(
    api: httpx.AsyncClient, tenant: str
) -> None:
    response = await api.post(
        "/v1/claims",
        content=b'{"clinic_id": ',
        headers={**bearer(tenant), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["path"] == "body"
