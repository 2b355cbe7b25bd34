"""Intake writes a claim, its lines, history and events with one statement: what that
statement leaves in the database, and what it leaves when it fails."""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text

from rcm_claims.app import create_app
from rcm_claims.config import ClaimsSettings
from rcm_claims.domain.claim import ClaimData
from rcm_claims.models import Claim, ClaimHistory, ClaimLine
from rcm_claims.repository import IntakeRepository, IntakeRows
from rcm_claims.service.claims import ClaimService
from rcm_shared.errors import Conflict
from rcm_shared.events.catalog import payload_of
from rcm_shared.events.claims import ClaimCreated, ClaimScrubbed
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.ids import uuid4_strings
from rcm_shared.messaging.tables import outbox
from rcm_shared.runtime import GC_YOUNG_THRESHOLD
from rcm_shared.testing.fixtures import bearer, running, settings_for

from .factories import claim_body, setup_tenant


@pytest.fixture
async def app(stack: dict[str, Any]) -> AsyncIterator[FastAPI]:
    app = create_app(settings_for(ClaimsSettings, "claims"), run_workers=False)
    yield app


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app) as client:
        yield client


async def outbox_rows(stack: dict[str, Any], tenant: str) -> list[Any]:
    """The tenant's claim events (reference data has events of its own)."""
    async with stack["engines"]["claims"].connect() as conn:
        rows = await conn.execute(
            select(outbox)
            .where(outbox.c.tenant_id == tenant, outbox.c.aggregatetype == "rcm.claims")
            .order_by(outbox.c.seq)
        )
        return list(rows)


async def post_claim(
    api: httpx.AsyncClient, tenant: str, clinic_id: str, pcn: str
) -> httpx.Response:
    response = await api.post(
        "/v1/claims",
        json=claim_body(clinic_id, patient_control_number=pcn),
        headers=bearer(tenant),
    )
    assert response.status_code == 201, response.text
    return response


async def test_events_are_whole_cloudevents_keyed_by_the_claim(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    refs = await setup_tenant(api, tenant)
    created = await api.post(
        "/v1/claims", json=claim_body(refs["clinic_id"]), headers=bearer(tenant)
    )
    assert created.status_code == 201, created.text
    claim = created.json()
    rows = await outbox_rows(stack, tenant)
    assert [r.type for r in rows] == [ClaimCreated.event_type, ClaimScrubbed.event_type]
    events = [CloudEvent.model_validate(r.payload) for r in rows]
    for row, event in zip(rows, events, strict=True):
        assert row.aggregatetype == "rcm.claims"
        assert row.aggregateid == event.subject == claim["id"]
        assert str(row.id) == event.id and event.tenantid == tenant
    taken, scrubbed = (payload_of(e) for e in events)
    assert isinstance(taken, ClaimCreated) and isinstance(scrubbed, ClaimScrubbed)
    # created says what came in (a draft), scrubbed what became of it
    assert taken.status == "draft" and scrubbed.status == claim["status"] == "ready"
    assert taken.patient_control_number == claim["patient_control_number"]
    assert [ln.procedure_code for ln in taken.lines] == ["99214", "93000"]
    assert scrubbed.passed and [e.code for e in scrubbed.edits] == ["COVERAGE_UNKNOWN"]


async def test_a_number_taken_after_the_check_is_a_conflict_and_writes_nothing(
    app: FastAPI, api: httpx.AsyncClient, stack: dict[str, Any], tenant: str
) -> None:
    """Two requests can both find a control number free; the second one's insert must
    fail whole (no lines, history or events of its claim), as a 409, not a 500."""
    refs = await setup_tenant(api, tenant)
    first = await post_claim(api, tenant, refs["clinic_id"], "RACE-1")
    data = ClaimData.model_validate(claim_body(refs["clinic_id"], patient_control_number="RACE-1"))
    sessions = app.state.runtime.sessions
    async with sessions() as session:
        svc = ClaimService(session, tenant, actor="test")
        intake = IntakeRepository(session, tenant)
        # the facts of an empty tenant: as if read before the first claim went in
        facts = await intake.facts([], *svc._fact_keys([(data, svc.patient_key_of(data))]))
        rows = IntakeRows()
        ids = iter(uuid4_strings(3))
        late = svc._take(
            data, svc.patient_key_of(data), None, None, facts, data.first_date, rows, ids
        )
        with pytest.raises(Conflict):
            await intake.insert(rows)
        await session.rollback()
    async with stack["engines"]["claims"].connect() as conn:
        for model in (Claim, ClaimLine, ClaimHistory):
            column = model.id if model is Claim else model.claim_id
            count = await conn.scalar(select(func.count()).where(column == late.id))
            assert count == 0, model.__name__
    assert [r.aggregateid for r in await outbox_rows(stack, tenant)] == [first.json()["id"]] * 2


async def test_concurrent_posts_are_taken_in_together_each_answered_on_its_own(
    api: httpx.AsyncClient, stack: dict[str, Any], tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """POST /v1/claims under load: claims of requests waiting at the same time share one
    read and one write, and each request still gets its own claim or its own error (a
    control number already taken is a 409 for that request alone)."""
    refs = await setup_tenant(api, tenant)
    taken = await post_claim(api, tenant, refs["clinic_id"], "TAKEN-1")
    sizes: list[int] = []
    create_many = ClaimService.create_many

    async def counted(self: ClaimService, datas: Any, original: Any = None) -> Any:
        sizes.append(len(datas))
        await asyncio.sleep(0.05)  # a slow write: the other requests queue up behind it
        return await create_many(self, datas, original)

    monkeypatch.setattr(ClaimService, "create_many", counted)
    pcns = [f"TOGETHER-{i}" for i in range(12)]
    pcns[5] = "TAKEN-1"
    user = bearer(tenant)  # one user: claims of different users are never written together
    responses = await asyncio.gather(
        *(
            api.post(
                "/v1/claims",
                json=claim_body(refs["clinic_id"], patient_control_number=pcn),
                headers=user,
            )
            for pcn in pcns
        )
    )
    assert max(sizes) > 1 and sum(sizes) == len(pcns)  # some went in together
    for pcn, response in zip(pcns, responses, strict=True):
        if pcn == "TAKEN-1":
            assert response.status_code == 409, response.text
            assert response.json()["detail"][0]["path"] == "body.patient_control_number"
        else:
            assert response.status_code == 201, response.text
            assert response.json()["patient_control_number"] == pcn
    ids = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(ids) == 11
    rows = await outbox_rows(stack, tenant)
    assert {r.aggregateid for r in rows} == ids | {taken.json()["id"]}
    assert len(rows) == 2 * 12  # created + scrubbed for each claim, nothing for the 409
    async with stack["engines"]["claims"].connect() as conn:
        count = await conn.scalar(
            select(func.count()).where(Claim.tenant_id == tenant, Claim.id.in_(ids))
        )
    assert count == 11


async def test_statements_run_with_plans_that_ignore_which_tenant_asks(app: FastAPI) -> None:
    # a custom plan would send a new tenant's control-number lookups through a scan of
    # all its claims (its statistics say it has none): see rcm_shared.db.make_engine
    async with running(app), app.state.runtime.sessions() as session:
        mode = (await session.execute(text("SHOW plan_cache_mode"))).scalar_one()
    assert mode == "force_generic_plan"


async def test_a_started_service_collects_young_garbage_in_large_sets(app: FastAPI) -> None:
    # the default (700) ran the cyclic collector several times per claim taken in
    async with running(app):
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD


async def test_intake_reads_are_planned_by_their_keys_whatever_the_tenant_sizes(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """The facts query runs as a generic plan, made once for any tenant. Its claims
    lookups must use the tenant *and* their own keys as index conditions: a
    plan that scans the tenant and filters the keys costs a big tenant a millisecond per
    claim (migration 0008)."""
    from rcm_claims.repository import _INTAKE_FACTS  # noqa: PLC0415 - the statement itself

    statuses = "{submitted,accepted,paid,partially_paid,denied,rejected,corrected,closed}"
    # What a billing company's database looks like: one big client among many small
    # ones. Enough rows that reading a table whole is no longer the cheapest plan.
    big = f"planned-big-{uuid.uuid4().hex[:8]}"
    refs = await setup_tenant(api, big)
    for _ in range(2):
        batch = {"claims": [claim_body(refs["clinic_id"]) for _ in range(500)]}
        taken = await api.post("/v1/claims/batch", json=batch, headers=bearer(big))
        assert taken.json()["created"] == 500
    small = f"planned-small-{uuid.uuid4().hex[:8]}"
    async with app.state.runtime.engine.begin() as conn:
        # 300 small tenants of one claim each, copied from one of the big tenant's
        await conn.execute(
            text(
                "INSERT INTO claims SELECT (jsonb_populate_record(NULL::claims,"
                " to_jsonb(c) || jsonb_build_object('id', gen_random_uuid()::text,"
                " 'tenant_id', :small || '-' || g, 'patient_control_number', 'P' || g))).*"
                " FROM (SELECT * FROM claims WHERE tenant_id = :big LIMIT 1) c,"
                " generate_series(1, 300) g"
            ),
            {"small": small, "big": big},
        )
    async with app.state.runtime.engine.connect() as conn:
        for table in ("claims", "claim_lines", "coverages"):  # as autovacuum would have
            await conn.execute(text(f"ANALYZE {table}"))
        await conn.execute(text("SET plan_cache_mode = force_generic_plan"))
        await conn.execute(
            text(
                "PREPARE facts(text, text[], text[], text[], text[], text[], text[], text[],"
                " text[]) AS " + _INTAKE_FACTS
            )
        )
        plan = (
            await conn.execute(
                text(
                    "EXPLAIN (FORMAT JSON) EXECUTE facts('t', '{a}', '{a}', '{a}', '{a}',"
                    f" '{{a}}', '{{a}}', '{{a}}', '{statuses}')"
                )
            )
        ).scalar_one()
        await conn.execute(text("DEALLOCATE facts"))
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(text("DELETE FROM claims WHERE tenant_id LIKE :s"), {"s": small + "-%"})

    def scans(node: dict[str, Any]) -> list[dict[str, Any]]:
        # claims only: coverages of the test database fit in a page, and a table that
        # small is rightly read whole
        found = [node] if node.get("Relation Name") == "claims" else []
        return found + [s for child in node.get("Plans", []) for s in scans(child)]

    lookups = scans(plan[0]["Plan"])
    conditions = [s.get("Index Cond", "") for s in lookups]
    assert len(lookups) == 2, lookups
    assert all("tenant_id" in c for c in conditions), conditions
    assert sum("patient_control_number" in c for c in conditions) == 1, conditions
    assert sum("patient_key" in c for c in conditions) == 1, conditions
