"""Intake writes a claim, its lines, history and events with one statement: what that
statement leaves in the database, and what it leaves when it fails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

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
from rcm_shared.messaging.tables import outbox
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
    first = await api.post(
        "/v1/claims",
        json=claim_body(refs["clinic_id"], patient_control_number="RACE-1"),
        headers=bearer(tenant),
    )
    assert first.status_code == 201, first.text
    data = ClaimData.model_validate(claim_body(refs["clinic_id"], patient_control_number="RACE-1"))
    sessions = app.state.runtime.sessions
    async with sessions() as session:
        svc = ClaimService(session, tenant, actor="test")
        intake = IntakeRepository(session, tenant)
        # the facts of an empty tenant: as if read before the first claim went in
        facts = await intake.facts([], *svc._fact_keys([(data, svc.patient_key_of(data))]))
        rows = IntakeRows()
        late = svc._take(data, svc.patient_key_of(data), None, facts, data.first_date, rows)
        with pytest.raises(Conflict):
            await intake.insert(rows)
        await session.rollback()
    async with stack["engines"]["claims"].connect() as conn:
        for model in (Claim, ClaimLine, ClaimHistory):
            column = model.id if model is Claim else model.claim_id
            count = await conn.scalar(select(func.count()).where(column == late.id))
            assert count == 0, model.__name__
    assert [r.aggregateid for r in await outbox_rows(stack, tenant)] == [first.json()["id"]] * 2
