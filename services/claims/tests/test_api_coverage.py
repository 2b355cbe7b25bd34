"""The claims service's HTTP API beyond claim intake, against the real claims_test database:
providers and payers, listing claims, edits and their re-scrub, the lifecycle's events and
history, submitting by clinic or payer, KPIs and corrections. Each test has its own tenant."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from rcm_shared.messaging.tables import outbox
from rcm_shared.testing.fixtures import bearer

from .acks import ClaimAnswer, ack_277ca, ack_999
from .factories import (
    DOS,
    NPIS,
    TODAY,
    claim_body,
    claim_of,
    clinic_body,
    payer_body,
    setup_tenant,
)

OTHER_PAYER = "60054"


# ---------------------------------------------------------------------- helpers


async def outbox_events(
    stack: dict[str, Any], tenant: str, aggregateid: str | None = None
) -> list[tuple[str, str, dict[str, Any]]]:
    """(type, aggregate id, event data) of the tenant's outbox rows, in publish order."""
    stmt = select(outbox.c.type, outbox.c.aggregateid, outbox.c.payload).where(
        outbox.c.tenant_id == tenant
    )
    if aggregateid is not None:
        stmt = stmt.where(outbox.c.aggregateid == aggregateid)
    async with stack["engines"]["claims"].connect() as conn:
        rows = await conn.execute(stmt.order_by(outbox.c.seq))
        return [(r.type, r.aggregateid, dict(r.payload.get("data") or {})) for r in rows]


async def types_for(stack: dict[str, Any], tenant: str, aggregateid: str) -> list[str]:
    return [t for t, _, _ in await outbox_events(stack, tenant, aggregateid)]


def provider_body(npi: str = NPIS[1], **extra: Any) -> dict[str, Any]:
    return {
        "npi": npi,
        "first_name": "Gregory",
        "last_name": "House",
        "taxonomy_code": "207R00000X",
        **extra,
    }


def dated_claim(
    clinic_id: str, payer_id: str = "87726", dos: date = DOS, **extra: Any
) -> dict[str, Any]:
    body = claim_body(clinic_id, payer_id, **extra)
    for line in body["lines"]:
        line["service_date_from"] = dos.isoformat()
    return body


async def new_claim(
    api: httpx.AsyncClient, tenant: str, body: dict[str, Any], expected: str = "ready"
) -> dict[str, Any]:
    created = await api.post("/v1/claims", json=body, headers=bearer(tenant))
    assert created.status_code == 201, created.text
    claim = dict(created.json())
    assert claim["status"] == expected, claim["edits"]
    return claim


async def add_clinic(api: httpx.AsyncClient, tenant: str, npi: str) -> str:
    created = await api.post("/v1/clinics", json=clinic_body(npi), headers=bearer(tenant))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def add_payer(api: httpx.AsyncClient, tenant: str, payer_id: str) -> None:
    created = await api.post("/v1/payers", json=payer_body(payer_id), headers=bearer(tenant))
    assert created.status_code == 201, created.text


async def listed_ids(api: httpx.AsyncClient, tenant: str, **params: Any) -> set[str]:
    response = await api.get("/v1/claims", params=params, headers=bearer(tenant))
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["next_cursor"] is None
    return {c["id"] for c in page["items"]}


async def submit(api: httpx.AsyncClient, tenant: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.post("/v1/submissions", json=body, headers=bearer(tenant))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def post_ack(api: httpx.AsyncClient, tenant: str, x12: str) -> dict[str, Any]:
    posted = await api.post(
        "/v1/acknowledgments",
        content=x12,
        headers={**bearer(tenant), "content-type": "application/edi-x12"},
    )
    assert posted.status_code == 201, posted.text
    return dict(posted.json())


async def history_of(
    api: httpx.AsyncClient, tenant: str, claim_id: str
) -> list[tuple[str | None, str, str]]:
    response = await api.get(f"/v1/claims/{claim_id}/history", headers=bearer(tenant))
    assert response.status_code == 200, response.text
    return [(h["from_status"], h["to_status"], h["event_type"]) for h in response.json()]


async def walk(
    api: httpx.AsyncClient, tenant: str, path: str, limit: int, key: str
) -> list[list[str]]:
    """Every page of a listing, following next_cursor; each page as its items' keys."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await api.get(path, params=params, headers=bearer(tenant))
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append([item[key] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor never ends"


# ---------------------------------------------------------------------- providers


async def test_provider_create_get_update_each_with_its_event(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    created = await api.post("/v1/providers", json=provider_body(), headers=bearer(tenant))
    assert created.status_code == 201, created.text
    provider = created.json()
    assert provider["version"] == 1
    assert (provider["npi"], provider["last_name"]) == (NPIS[1], "House")

    got = await api.get(f"/v1/providers/{provider['id']}", headers=bearer(tenant))
    assert got.status_code == 200
    assert got.json() == provider

    changed = await api.put(
        f"/v1/providers/{provider['id']}",
        json=provider_body(NPIS[2], last_name="Wilson", taxonomy_code=None),
        headers=bearer(tenant),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        **provider,
        "npi": NPIS[2],
        "last_name": "Wilson",
        "taxonomy_code": None,
        "version": 2,
    }
    again = (await api.get(f"/v1/providers/{provider['id']}", headers=bearer(tenant))).json()
    assert again == changed.json()

    events = await outbox_events(stack, tenant, provider["id"])
    assert [t for t, _, _ in events] == ["rcm.provider.registered.v1", "rcm.provider.updated.v1"]
    assert (events[0][2]["version"], events[0][2]["last_name"]) == (1, "House")
    assert (events[1][2]["version"], events[1][2]["last_name"], events[1][2]["npi"]) == (
        2,
        "Wilson",
        NPIS[2],
    )


async def test_provider_update_that_fails_changes_nothing_and_writes_no_event(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    first = (await api.post("/v1/providers", json=provider_body(), headers=bearer(tenant))).json()
    second = (
        await api.post("/v1/providers", json=provider_body(NPIS[2]), headers=bearer(tenant))
    ).json()
    taken = await api.put(
        f"/v1/providers/{second['id']}", json=provider_body(NPIS[1]), headers=bearer(tenant)
    )
    assert taken.status_code == 409
    bad_digit = await api.put(
        f"/v1/providers/{second['id']}", json=provider_body("1245319598"), headers=bearer(tenant)
    )
    assert bad_digit.status_code == 422
    assert [d["path"] for d in bad_digit.json()["detail"]] == ["body.npi"]
    unchanged = (await api.get(f"/v1/providers/{second['id']}", headers=bearer(tenant))).json()
    assert (unchanged["npi"], unchanged["version"]) == (NPIS[2], 1)
    assert [t for t, _, _ in await outbox_events(stack, tenant)] == [
        "rcm.provider.registered.v1",
        "rcm.provider.registered.v1",
    ]
    assert first["id"] != second["id"]


async def test_another_tenants_provider_is_not_found(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    provider = (
        await api.post("/v1/providers", json=provider_body(), headers=bearer(tenant))
    ).json()
    other = f"other-{tenant}"
    got = await api.get(f"/v1/providers/{provider['id']}", headers=bearer(other))
    assert got.status_code == 404
    assert got.json()["error"] == "not_found"
    put = await api.put(
        f"/v1/providers/{provider['id']}",
        json=provider_body(last_name="Hijacked"),
        headers=bearer(other),
    )
    assert put.status_code == 404
    assert (await api.get("/v1/providers", headers=bearer(other))).json()["items"] == []
    mine = (await api.get(f"/v1/providers/{provider['id']}", headers=bearer(tenant))).json()
    assert (mine["last_name"], mine["version"]) == ("House", 1)
    assert await outbox_events(stack, other) == []


async def test_providers_list_one_per_page_with_the_cursor(
    api: httpx.AsyncClient, tenant: str
) -> None:
    ids = []
    for npi in NPIS[:4]:
        created = await api.post("/v1/providers", json=provider_body(npi), headers=bearer(tenant))
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    pages = await walk(api, tenant, "/v1/providers", 1, "id")
    assert [len(p) for p in pages] == [1, 1, 1, 1]
    seen = [i for p in pages for i in p]
    assert seen == sorted(ids)  # in id order, each once
    first = (await api.get("/v1/providers", params={"limit": 1}, headers=bearer(tenant))).json()
    after = (
        await api.get(
            "/v1/providers",
            params={"limit": 1, "cursor": first["next_cursor"]},
            headers=bearer(tenant),
        )
    ).json()
    assert after["items"][0]["id"] == seen[1] != first["items"][0]["id"]
    whole = (await api.get("/v1/providers", headers=bearer(tenant))).json()
    assert [p["id"] for p in whole["items"]] == seen and whole["next_cursor"] is None


# ---------------------------------------------------------------------- payers


async def test_payer_create_get_update_each_with_its_event(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    created = await api.post("/v1/payers", json=payer_body(), headers=bearer(tenant))
    assert created.status_code == 201, created.text
    payer = created.json()
    assert (payer["payer_id"], payer["version"], payer["timely_filing_days"]) == ("87726", 1, 365)
    got = await api.get("/v1/payers/87726", headers=bearer(tenant))
    assert got.status_code == 200 and got.json() == payer

    dup = await api.post("/v1/payers", json=payer_body(), headers=bearer(tenant))
    assert dup.status_code == 409

    changed = await api.put(
        "/v1/payers/87726",
        json=payer_body(timely_filing_days=90, prior_auth_procedures=["72148", "70551"]),
        headers=bearer(tenant),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        **payer,
        "timely_filing_days": 90,
        "prior_auth_procedures": ["72148", "70551"],
        "version": 2,
    }
    assert (await api.get("/v1/payers/87726", headers=bearer(tenant))).json() == changed.json()

    renamed_id = await api.put("/v1/payers/87726", json=payer_body("99999"), headers=bearer(tenant))
    assert renamed_id.status_code == 422
    assert [d["path"] for d in renamed_id.json()["detail"]] == ["body.payer_id"]

    events = await outbox_events(stack, tenant, "87726")
    assert [t for t, _, _ in events] == ["rcm.payer.registered.v1", "rcm.payer.updated.v1"]
    assert (events[1][2]["version"], events[1][2]["timely_filing_days"]) == (2, 90)


async def test_a_payer_update_reaches_the_scrubber(api: httpx.AsyncClient, tenant: str) -> None:
    """A shorter filing limit makes an older claim late: the PUT is not just stored."""
    refs = await setup_tenant(api, tenant)
    old = dated_claim(refs["clinic_id"], dos=TODAY - timedelta(days=120))
    await new_claim(api, tenant, old)
    await api.put(
        "/v1/payers/87726", json=payer_body(timely_filing_days=90), headers=bearer(tenant)
    )
    late = await new_claim(
        api, tenant, dated_claim(refs["clinic_id"], dos=TODAY - timedelta(days=120)), "scrub_failed"
    )
    assert "TIMELY_FILING" in {e["code"] for e in late["edits"]}


async def test_another_tenants_payer_is_not_found(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    await api.post("/v1/payers", json=payer_body(), headers=bearer(tenant))
    other = f"other-{tenant}"
    assert (await api.get("/v1/payers/87726", headers=bearer(other))).status_code == 404
    put = await api.put(
        "/v1/payers/87726", json=payer_body(timely_filing_days=1), headers=bearer(other)
    )
    assert put.status_code == 404
    assert (await api.get("/v1/payers", headers=bearer(other))).json()["items"] == []
    mine = (await api.get("/v1/payers/87726", headers=bearer(tenant))).json()
    assert (mine["timely_filing_days"], mine["version"]) == (365, 1)
    assert await outbox_events(stack, other) == []


async def test_payers_list_one_per_page_with_the_cursor(
    api: httpx.AsyncClient, tenant: str
) -> None:
    payer_ids = ["BCBS01", "87726", "AETNA", "60054"]
    for payer_id in payer_ids:
        await add_payer(api, tenant, payer_id)
    pages = await walk(api, tenant, "/v1/payers", 1, "payer_id")
    assert pages == [[p] for p in sorted(payer_ids)]
    two = await walk(api, tenant, "/v1/payers", 3, "payer_id")
    assert two == [sorted(payer_ids)[:3], sorted(payer_ids)[3:]]


# ---------------------------------------------------------------------- listing claims


async def test_claim_list_filters_each_narrow_the_result(
    api: httpx.AsyncClient, tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    clinic, second_clinic = refs["clinic_id"], await add_clinic(api, tenant, NPIS[2])
    await add_payer(api, tenant, OTHER_PAYER)
    recent, older = TODAY - timedelta(days=10), TODAY - timedelta(days=40)
    a = await new_claim(api, tenant, dated_claim(clinic, dos=recent))
    b = await new_claim(api, tenant, dated_claim(second_clinic, dos=recent))
    c = await new_claim(api, tenant, dated_claim(clinic, OTHER_PAYER, dos=older))
    d = await new_claim(
        api, tenant, dated_claim(clinic, dos=recent, total_charge="999.00"), "scrub_failed"
    )
    everything = {a["id"], b["id"], c["id"], d["id"]}
    assert await listed_ids(api, tenant) == everything

    assert await listed_ids(api, tenant, status="ready") == {a["id"], b["id"], c["id"]}
    assert await listed_ids(api, tenant, status="scrub_failed") == {d["id"]}
    assert await listed_ids(api, tenant, status="submitted") == set()
    assert await listed_ids(api, tenant, clinic_id=second_clinic) == {b["id"]}
    assert await listed_ids(api, tenant, clinic_id=clinic) == {a["id"], c["id"], d["id"]}
    assert await listed_ids(api, tenant, payer_id=OTHER_PAYER) == {c["id"]}
    assert await listed_ids(api, tenant, payer_id="87726") == {a["id"], b["id"], d["id"]}
    cut = (TODAY - timedelta(days=20)).isoformat()
    assert await listed_ids(api, tenant, service_date_from=cut) == {a["id"], b["id"], d["id"]}
    assert await listed_ids(api, tenant, service_date_to=cut) == {c["id"]}
    # the bounds are inclusive
    assert await listed_ids(
        api, tenant, service_date_from=older.isoformat(), service_date_to=older.isoformat()
    ) == {c["id"]}
    assert await listed_ids(
        api, tenant, service_date_from=recent.isoformat(), service_date_to=recent.isoformat()
    ) == {a["id"], b["id"], d["id"]}
    # filters combine
    assert await listed_ids(api, tenant, clinic_id=clinic, status="ready") == {a["id"], c["id"]}
    assert await listed_ids(
        api, tenant, clinic_id=clinic, payer_id="87726", service_date_from=cut
    ) == {a["id"], d["id"]}


async def test_claim_list_rejects_bad_filters_and_cursors(
    api: httpx.AsyncClient, tenant: str
) -> None:
    bad_date = await api.get(
        "/v1/claims", params={"service_date_from": "2024-13-01"}, headers=bearer(tenant)
    )
    assert bad_date.status_code == 422
    assert [d["path"] for d in bad_date.json()["detail"]] == ["query.service_date_from"]
    bad_cursor = await api.get("/v1/claims", params={"cursor": "!!nope"}, headers=bearer(tenant))
    assert bad_cursor.status_code == 422
    assert [d["path"] for d in bad_cursor.json()["detail"]] == ["query.cursor"]
    too_many = await api.get("/v1/claims", params={"limit": 501}, headers=bearer(tenant))
    assert too_many.status_code == 422


@pytest.mark.parametrize("limit", [1, 2, 3, 7])
async def test_claim_list_cursor_walks_every_page_without_repeats_or_gaps(
    api: httpx.AsyncClient, tenant: str, limit: int
) -> None:
    refs = await setup_tenant(api, tenant)
    ids = [(await new_claim(api, tenant, claim_body(refs["clinic_id"])))["id"] for _ in range(3)]
    # a batch writes its claims in one statement: created_at values close together
    batch = await api.post(
        "/v1/claims/batch",
        json={"claims": [claim_body(refs["clinic_id"]) for _ in range(4)]},
        headers=bearer(tenant),
    )
    assert batch.json()["created"] == 4, batch.text
    ids += [r["claim"]["id"] for r in batch.json()["results"]]

    pages = await walk(api, tenant, "/v1/claims", limit, "id")
    seen = [i for p in pages for i in p]
    assert len(seen) == len(set(seen)), "a claim came twice"
    assert set(seen) == set(ids), "a claim was skipped"
    assert all(len(p) == limit for p in pages[:-1]) and 1 <= len(pages[-1]) <= limit
    assert len(pages) == -(-len(ids) // limit)
    # the pages hold the claims in creation order
    whole = (await api.get("/v1/claims", params={"limit": 50}, headers=bearer(tenant))).json()
    assert seen == [c["id"] for c in whole["items"]]


async def test_claim_list_cursor_with_a_filter_stays_inside_it(
    api: httpx.AsyncClient, tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    ready = []
    for i in range(5):
        if i % 2:
            await new_claim(
                api, tenant, claim_body(refs["clinic_id"], total_charge="1.00"), "scrub_failed"
            )
        ready.append((await new_claim(api, tenant, claim_body(refs["clinic_id"])))["id"])
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"status": "ready", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get("/v1/claims", params=params, headers=bearer(tenant))).json()
        assert all(c["status"] == "ready" for c in page["items"])
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ready


# ---------------------------------------------------------------------- edits


async def test_put_rescrubs_fixing_and_breaking_a_claim(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    body = claim_body(refs["clinic_id"], total_charge="999.00")
    claim = await new_claim(api, tenant, body, "scrub_failed")
    assert "TOTAL_MISMATCH" in {e["code"] for e in claim["edits"]}

    fixed_body = {**body, "total_charge": "195.50"}
    fixed = await api.put(f"/v1/claims/{claim['id']}", json=fixed_body, headers=bearer(tenant))
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["status"], fixed.json()["version"]) == ("ready", 2)
    assert all(e["severity"] != "error" for e in fixed.json()["edits"])
    assert fixed.json()["patient_control_number"] == claim["patient_control_number"]
    assert fixed.json()["total_charge"] == "195.50"

    broken_body = {**fixed_body, "diagnosis_codes": ["E11", "I10"]}
    broken = await api.put(f"/v1/claims/{claim['id']}", json=broken_body, headers=bearer(tenant))
    assert broken.status_code == 200, broken.text
    assert (broken.json()["status"], broken.json()["version"]) == ("scrub_failed", 3)
    assert ("ICD10_NOT_BILLABLE", "diagnosis_codes[0]") in {
        (e["code"], e["path"]) for e in broken.json()["edits"]
    }
    assert (await claim_of(api, tenant, claim["id"])) == broken.json()

    assert await types_for(stack, tenant, claim["id"]) == [
        "rcm.claim.created.v1",
        "rcm.claim.scrubbed.v1",
        "rcm.claim.scrubbed.v1",
        "rcm.claim.scrubbed.v1",
    ]
    scrubbed = [d for t, _, d in await outbox_events(stack, tenant, claim["id"]) if "scrub" in t]
    assert [(d["passed"], d["first_pass"]) for d in scrubbed] == [
        (False, True),
        (True, False),
        (False, False),
    ]
    assert [(f, t) for f, t, _ in await history_of(api, tenant, claim["id"])] == [
        (None, "draft"),
        ("draft", "scrub_failed"),
        ("scrub_failed", "ready"),
        ("ready", "scrub_failed"),
    ]


async def test_put_with_an_invalid_body_is_422_and_leaves_the_claim(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    body = claim_body(refs["clinic_id"])
    claim = await new_claim(api, tenant, body)
    bad = {**body, "place_of_service": "office"}
    response = await api.put(f"/v1/claims/{claim['id']}", json=bad, headers=bearer(tenant))
    assert response.status_code == 422
    assert [d["path"] for d in response.json()["detail"]] == ["body.place_of_service"]
    assert (await claim_of(api, tenant, claim["id"]))["version"] == 1
    missing = await api.put("/v1/claims/no-such-claim", json=body, headers=bearer(tenant))
    assert missing.status_code == 404
    assert len(await types_for(stack, tenant, claim["id"])) == 2


async def test_patch_and_put_on_a_voided_claim_are_409(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    body = claim_body(refs["clinic_id"])
    claim = await new_claim(api, tenant, body)
    voided = await api.post(
        f"/v1/claims/{claim['id']}/void", json={"reason": "entered twice"}, headers=bearer(tenant)
    )
    assert voided.json()["status"] == "voided", voided.text
    patched = await api.patch(
        f"/v1/claims/{claim['id']}", json={"place_of_service": "22"}, headers=bearer(tenant)
    )
    assert patched.status_code == 409
    assert patched.json()["error"] == "conflict"
    put = await api.put(f"/v1/claims/{claim['id']}", json=body, headers=bearer(tenant))
    assert put.status_code == 409
    after = await claim_of(api, tenant, claim["id"])
    assert (after["status"], after["version"], after["claim"]["place_of_service"]) == (
        "voided",
        1,
        "11",
    )
    assert (await types_for(stack, tenant, claim["id"]))[-1] == "rcm.claim.voided.v1"
    assert len(await types_for(stack, tenant, claim["id"])) == 3


async def test_patch_on_a_submitted_claim_is_409(api: httpx.AsyncClient, tenant: str) -> None:
    refs = await setup_tenant(api, tenant)
    claim = await new_claim(api, tenant, claim_body(refs["clinic_id"]))
    await submit(api, tenant, {"claim_ids": [claim["id"]]})
    patched = await api.patch(
        f"/v1/claims/{claim['id']}", json={"place_of_service": "22"}, headers=bearer(tenant)
    )
    assert patched.status_code == 409
    assert (await claim_of(api, tenant, claim["id"]))["status"] == "submitted"


async def test_an_invalid_patch_is_422_with_the_field_path(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    claim = await new_claim(api, tenant, claim_body(refs["clinic_id"]))
    response = await api.patch(
        f"/v1/claims/{claim['id']}",
        json={"subscriber": {"gender": "X"}, "total_charge": "abc"},
        headers=bearer(tenant),
    )
    assert response.status_code == 422
    # the same body as any other validation error
    assert response.json()["error"] == "validation_error"
    assert {d["path"] for d in response.json()["detail"]} == {
        "body.subscriber.gender",
        "body.total_charge",
    }
    # a line nested in a list keeps its index in the path
    lines = claim["claim"]["lines"]
    lines[1]["charge"] = "-"
    nested = await api.patch(
        f"/v1/claims/{claim['id']}", json={"lines": lines}, headers=bearer(tenant)
    )
    assert nested.status_code == 422
    assert [d["path"] for d in nested.json()["detail"]] == ["body.lines[1].charge"]
    after = await claim_of(api, tenant, claim["id"])
    assert (after["version"], after["status"]) == (1, "ready")
    assert after["claim"]["subscriber"]["gender"] == "F"
    assert len(await types_for(stack, tenant, claim["id"])) == 2


# ---------------------------------------------------------------------- lifecycle


async def test_accepted_then_voided_claim_events_and_history(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    claim = await new_claim(api, tenant, claim_body(refs["clinic_id"]))
    sub = await submit(api, tenant, {"claim_ids": [claim["id"]]})
    await post_ack(
        api,
        tenant,
        ack_277ca([ClaimAnswer(claim["patient_control_number"], "195.5", True, "ICN5150")]),
    )
    accepted = await claim_of(api, tenant, claim["id"])
    assert (accepted["status"], accepted["payer_claim_control_number"]) == ("accepted", "ICN5150")
    voided = await api.post(
        f"/v1/claims/{claim['id']}/void", json={"reason": "wrong patient"}, headers=bearer(tenant)
    )
    assert voided.status_code == 200, voided.text

    events = await outbox_events(stack, tenant, claim["id"])
    assert [t for t, _, _ in events] == [
        "rcm.claim.created.v1",
        "rcm.claim.scrubbed.v1",
        "rcm.claim.submitted.v1",
        "rcm.claim.accepted.v1",
        "rcm.claim.voided.v1",
    ]
    data = {t: d for t, _, d in events}
    assert data["rcm.claim.submitted.v1"]["submission_id"] == sub["id"]
    assert data["rcm.claim.accepted.v1"]["payer_claim_control_number"] == "ICN5150"
    assert data["rcm.claim.voided.v1"]["reason"] == "wrong patient"
    void_claim_id = data["rcm.claim.voided.v1"]["void_claim_id"]
    assert void_claim_id and void_claim_id != claim["id"]
    assert (await claim_of(api, tenant, void_claim_id))["frequency_code"] == "8"

    assert await history_of(api, tenant, claim["id"]) == [
        (None, "draft", "rcm.claim.created.v1"),
        ("draft", "ready", "rcm.claim.scrubbed.v1"),
        ("ready", "submitted", "rcm.claim.submitted.v1"),
        ("submitted", "accepted", "rcm.claim.accepted.v1"),
        ("accepted", "voided", "rcm.claim.voided.v1"),
    ]
    other = await api.get(f"/v1/claims/{claim['id']}/history", headers=bearer(f"x-{tenant}"))
    assert other.status_code == 404


async def test_277ca_rejection_events_history_and_resubmission(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    claim = await new_claim(api, tenant, claim_body(refs["clinic_id"]))
    await submit(api, tenant, {"claim_ids": [claim["id"]]})
    await post_ack(
        api, tenant, ack_277ca([ClaimAnswer(claim["patient_control_number"], "195.5", False)])
    )
    rejected = await claim_of(api, tenant, claim["id"])
    assert rejected["status"] == "rejected"

    types = await types_for(stack, tenant, claim["id"])
    assert types == [
        "rcm.claim.created.v1",
        "rcm.claim.scrubbed.v1",
        "rcm.claim.submitted.v1",
        "rcm.claim.rejected.v1",
    ]
    [(_, _, reject)] = [
        e for e in await outbox_events(stack, tenant, claim["id"]) if e[0].endswith("rejected.v1")
    ]
    assert reject["source"] == "277CA" and reject["reasons"] == rejected["rejection_reasons"]

    # fixed and sent again: the timeline shows the second round after the first
    fixed = await api.patch(
        f"/v1/claims/{claim['id']}", json={"place_of_service": "11"}, headers=bearer(tenant)
    )
    assert fixed.json()["status"] == "ready", fixed.text
    await submit(api, tenant, {"claim_ids": [claim["id"]]})
    assert await history_of(api, tenant, claim["id"]) == [
        (None, "draft", "rcm.claim.created.v1"),
        ("draft", "ready", "rcm.claim.scrubbed.v1"),
        ("ready", "submitted", "rcm.claim.submitted.v1"),
        ("submitted", "rejected", "rcm.claim.rejected.v1"),
        ("rejected", "ready", "rcm.claim.scrubbed.v1"),
        ("ready", "submitted", "rcm.claim.submitted.v1"),
    ]
    assert (await types_for(stack, tenant, claim["id"]))[4:] == [
        "rcm.claim.scrubbed.v1",
        "rcm.claim.submitted.v1",
    ]


async def test_999_rejection_events_and_history(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    claim = await new_claim(api, tenant, claim_body(refs["clinic_id"]))
    untouched = await new_claim(api, tenant, claim_body(refs["clinic_id"]))
    sub = await submit(api, tenant, {"claim_ids": [claim["id"]]})
    posted = await post_ack(api, tenant, ack_999(sub["group_control_number"], {"0001": False}))
    assert posted["kind"] == "999" and posted["summary"]["claims_rejected"] == 1
    assert (await claim_of(api, tenant, claim["id"]))["status"] == "rejected"
    events = await outbox_events(stack, tenant, claim["id"])
    assert [t for t, _, _ in events][-2:] == ["rcm.claim.submitted.v1", "rcm.claim.rejected.v1"]
    assert events[-1][2]["source"] == "999"
    assert (await history_of(api, tenant, claim["id"]))[-2:] == [
        ("ready", "submitted", "rcm.claim.submitted.v1"),
        ("submitted", "rejected", "rcm.claim.rejected.v1"),
    ]
    assert (await claim_of(api, tenant, untouched["id"]))["status"] == "ready"
    assert await types_for(stack, tenant, untouched["id"]) == [
        "rcm.claim.created.v1",
        "rcm.claim.scrubbed.v1",
    ]


# ---------------------------------------------------------------------- submissions


async def test_submitting_a_clinics_ready_claims_takes_exactly_those(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    clinic, elsewhere = refs["clinic_id"], await add_clinic(api, tenant, NPIS[2])
    await add_payer(api, tenant, OTHER_PAYER)
    mine = [
        await new_claim(api, tenant, claim_body(clinic)),
        await new_claim(api, tenant, claim_body(clinic, OTHER_PAYER)),
    ]
    failing = await new_claim(api, tenant, claim_body(clinic, total_charge="1.00"), "scrub_failed")
    other_clinic = await new_claim(api, tenant, claim_body(elsewhere))

    sub = await submit(api, tenant, {"clinic_id": clinic})
    assert sorted(sub["claim_ids"]) == sorted(c["id"] for c in mine)
    assert sub["claim_count"] == 2 and sub["skipped"] == []
    assert sub["total_charge"] == "391.00"
    for c in mine:
        assert (await claim_of(api, tenant, c["id"]))["status"] == "submitted"
        assert (await types_for(stack, tenant, c["id"]))[-1] == "rcm.claim.submitted.v1"
    assert (await claim_of(api, tenant, failing["id"]))["status"] == "scrub_failed"
    assert (await claim_of(api, tenant, other_clinic["id"]))["status"] == "ready"
    x12 = (await api.get(f"/v1/submissions/{sub['id']}/x12", headers=bearer(tenant))).text
    assert other_clinic["patient_control_number"] not in x12
    assert all(f"CLM*{c['patient_control_number']}*" in x12 for c in mine)

    nothing_left = await api.post(
        "/v1/submissions", json={"clinic_id": clinic}, headers=bearer(tenant)
    )
    assert nothing_left.status_code == 409
    rest = await submit(api, tenant, {"clinic_id": elsewhere})
    assert rest["claim_ids"] == [other_clinic["id"]]


async def test_submitting_a_payers_ready_claims_takes_exactly_those(
    api: httpx.AsyncClient, tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    clinic, second_clinic = refs["clinic_id"], await add_clinic(api, tenant, NPIS[2])
    await add_payer(api, tenant, OTHER_PAYER)
    theirs = [
        await new_claim(api, tenant, claim_body(clinic, OTHER_PAYER)),
        await new_claim(api, tenant, claim_body(second_clinic, OTHER_PAYER)),
    ]
    acme = await new_claim(api, tenant, claim_body(clinic))
    failing = await new_claim(
        api, tenant, claim_body(clinic, OTHER_PAYER, total_charge="1.00"), "scrub_failed"
    )
    other_tenant = f"other-{tenant}"
    other_refs = await setup_tenant(api, other_tenant)
    await add_payer(api, other_tenant, OTHER_PAYER)
    foreign = await new_claim(api, other_tenant, claim_body(other_refs["clinic_id"], OTHER_PAYER))

    sub = await submit(api, tenant, {"payer_id": OTHER_PAYER})
    assert sorted(sub["claim_ids"]) == sorted(c["id"] for c in theirs)
    assert sub["claim_count"] == 2
    assert (await claim_of(api, tenant, acme["id"]))["status"] == "ready"
    assert (await claim_of(api, tenant, failing["id"]))["status"] == "scrub_failed"
    assert (await claim_of(api, other_tenant, foreign["id"]))["status"] == "ready"

    # clinic and payer together: the intersection
    await new_claim(api, tenant, claim_body(second_clinic))
    both = await new_claim(api, tenant, claim_body(clinic))
    narrowed = await submit(api, tenant, {"clinic_id": clinic, "payer_id": "87726"})
    assert sorted(narrowed["claim_ids"]) == sorted([acme["id"], both["id"]])


# ---------------------------------------------------------------------- KPIs


async def test_kpis_grouped_by_clinic(api: httpx.AsyncClient, tenant: str) -> None:
    refs = await setup_tenant(api, tenant)
    clinic, second_clinic = refs["clinic_id"], await add_clinic(api, tenant, NPIS[2])
    for _ in range(3):
        await new_claim(api, tenant, claim_body(clinic))
    await new_claim(api, tenant, claim_body(second_clinic))
    await new_claim(api, tenant, claim_body(second_clinic, total_charge="1.00"), "scrub_failed")
    response = await api.get("/v1/kpis", params={"group_by": "clinic"}, headers=bearer(tenant))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["group_by"] == "clinic"
    assert set(report["groups"]) == {clinic, second_clinic}
    first, second = report["groups"][clinic], report["groups"][second_clinic]
    assert (first["claims"], first["clean_claim_rate"]) == (3, "1.0000")
    assert (second["claims"], second["clean_claim_rate"]) == (2, "0.5000")
    assert first["charges"] == "586.50" and second["charges"] == "196.50"
    assert report["total"]["claims"] == 5
    assert report["total"]["clean_claim_rate"] == "0.8000"

    by_payer = (
        await api.get("/v1/kpis", params={"group_by": "payer"}, headers=bearer(tenant))
    ).json()
    assert list(by_payer["groups"]) == ["87726"]
    assert by_payer["groups"]["87726"]["claims"] == 5


async def test_kpis_count_only_claims_inside_the_range(api: httpx.AsyncClient, tenant: str) -> None:
    refs = await setup_tenant(api, tenant)
    clinic = refs["clinic_id"]
    recent, old = TODAY - timedelta(days=10), TODAY - timedelta(days=200)
    await new_claim(api, tenant, dated_claim(clinic, dos=recent))
    await new_claim(api, tenant, dated_claim(clinic, dos=recent))
    await new_claim(api, tenant, dated_claim(clinic, dos=old, total_charge="1.00"), "scrub_failed")

    async def kpis(**params: Any) -> dict[str, Any]:
        response = await api.get(
            "/v1/kpis", params={"group_by": "none", **params}, headers=bearer(tenant)
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    default = await kpis()  # the last 90 days
    assert default["total"]["claims"] == 2
    assert default["total"]["clean_claim_rate"] == "1.0000"
    assert default["from"] == (TODAY - timedelta(days=89)).isoformat()
    old_only = await kpis(**{"from": (old - timedelta(days=5)).isoformat(), "to": old.isoformat()})
    assert (old_only["total"]["claims"], old_only["total"]["clean_claim_rate"]) == (1, "0.0000")
    assert old_only["groups"]["all"]["claims"] == 1
    day = await kpis(**{"from": recent.isoformat(), "to": recent.isoformat()})
    assert day["total"]["claims"] == 2
    everything = await kpis(**{"from": old.isoformat(), "to": TODAY.isoformat()})
    assert everything["total"]["claims"] == 3
    empty = await kpis(
        **{
            "from": (old + timedelta(days=1)).isoformat(),
            "to": (recent - timedelta(days=1)).isoformat(),
        }
    )
    assert empty["total"]["claims"] == 0 and empty["groups"] == {}


async def test_kpis_from_after_to_is_422(api: httpx.AsyncClient, tenant: str) -> None:
    response = await api.get(
        "/v1/kpis",
        params={"from": TODAY.isoformat(), "to": (TODAY - timedelta(days=1)).isoformat()},
        headers=bearer(tenant),
    )
    assert response.status_code == 422
    assert [d["path"] for d in response.json()["detail"]] == ["query.from"]
    same_day = await api.get(
        "/v1/kpis",
        params={"from": TODAY.isoformat(), "to": TODAY.isoformat()},
        headers=bearer(tenant),
    )
    assert same_day.status_code == 200
    bad_group = await api.get("/v1/kpis", params={"group_by": "provider"}, headers=bearer(tenant))
    assert bad_group.status_code == 422
    assert [d["path"] for d in bad_group.json()["detail"]] == ["query.group_by"]


# ---------------------------------------------------------------------- corrections


async def test_correcting_a_claim_never_adjudicated_is_409(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    ready = await new_claim(api, tenant, claim_body(refs["clinic_id"]))
    accepted = await new_claim(api, tenant, claim_body(refs["clinic_id"]))
    await submit(api, tenant, {"claim_ids": [accepted["id"]]})
    await post_ack(
        api,
        tenant,
        ack_277ca([ClaimAnswer(accepted["patient_control_number"], "195.5", True, "ICN77")]),
    )
    assert (await claim_of(api, tenant, accepted["id"]))["status"] == "accepted"

    for claim, status in ((ready, "ready"), (accepted, "accepted")):
        before = await types_for(stack, tenant, claim["id"])
        response = await api.post(
            f"/v1/claims/{claim['id']}/corrections",
            json={"prior_authorization_number": "AUTH1"},
            headers=bearer(tenant),
        )
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "conflict"
        after = await claim_of(api, tenant, claim["id"])
        assert (after["status"], after["replaced_by_claim_id"]) == (status, None)
        assert await types_for(stack, tenant, claim["id"]) == before
    replacements = (
        await api.get("/v1/claims", params={"frequency_code": "7"}, headers=bearer(tenant))
    ).json()
    assert replacements["items"] == []
    missing = await api.post(
        "/v1/claims/no-such-claim/corrections", json={}, headers=bearer(tenant)
    )
    assert missing.status_code == 404


async def test_a_patch_moving_the_lines_moves_the_claim_period(
    api: httpx.AsyncClient, tenant: str
) -> None:
    """The stored period was worked out from the lines: it follows them unless the patch
    sets it (a claim moved to another day must not fail LINE_DATE_OUTSIDE_CLAIM)."""
    refs = await setup_tenant(api, tenant)
    claim = await new_claim(api, tenant, claim_body(refs["clinic_id"]))
    earlier = (date.fromisoformat(claim["service_date_from"]) - timedelta(days=20)).isoformat()
    lines = [{**ln, "service_date_from": earlier} for ln in claim["claim"]["lines"]]
    moved = await api.patch(
        f"/v1/claims/{claim['id']}", json={"lines": lines}, headers=bearer(tenant)
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "ready", moved.json()["edits"]
    assert not [e for e in moved.json()["edits"] if e["severity"] == "error"]
    assert moved.json()["service_date_from"] == moved.json()["service_date_to"] == earlier


async def test_a_token_of_one_clinic_submits_and_sees_only_that_clinics_claims(
    api: httpx.AsyncClient, tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    mine_clinic, other_clinic = refs["clinic_id"], await add_clinic(api, tenant, NPIS[2])
    mine = await new_claim(api, tenant, claim_body(mine_clinic))
    theirs = await new_claim(api, tenant, claim_body(other_clinic))
    limited = bearer(tenant, clinics=[mine_clinic])
    refused = await api.post("/v1/submissions", json={"clinic_id": other_clinic}, headers=limited)
    assert refused.status_code == 409
    assert theirs["id"] not in refused.text
    by_payer = await api.post("/v1/submissions", json={"payer_id": "87726"}, headers=limited)
    assert by_payer.status_code == 201, by_payer.text
    assert by_payer.json()["claim_ids"] == [mine["id"]]
    assert theirs["id"] not in by_payer.text
    assert (await claim_of(api, tenant, theirs["id"]))["status"] == "ready"
