"""Statement policies, cycles, statements (JSON and PDF), patient A/R figures."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from rcm_patients.api.deps import Reader, Session, Writer
from rcm_patients.domain.dunning import Rules
from rcm_patients.models import Statement, StatementRun
from rcm_patients.pdf import render_statement
from rcm_patients.repository import StatementRepository, one_snapshot
from rcm_patients.schemas import (
    KpisOut,
    PolicyOut,
    RunIn,
    RunOut,
    StatementOut,
    StatementSummary,
)
from rcm_patients.service import statements as svc
from rcm_patients.service.common import today
from rcm_patients.service.kpis import patient_kpis
from rcm_shared.auth import Principal
from rcm_shared.errors import Forbidden, NotFound

router = APIRouter(prefix="/v1", tags=["statements"])


def _clinic(principal: Principal, clinic_id: str, path: str) -> None:
    if not principal.may_see_clinic(clinic_id):
        raise Forbidden("this token does not cover that clinic", [{"path": path}])


@router.get("/clinics/{clinic_id}/statement-policy", response_model=PolicyOut)
async def get_policy(clinic_id: str, session: Session, principal: Reader) -> PolicyOut:
    _clinic(principal, clinic_id, "clinic_id")
    return PolicyOut(
        clinic_id=clinic_id, rules=await svc.rules_for(session, principal.tenant_id, clinic_id)
    )


@router.put(
    "/clinics/{clinic_id}/statement-policy",
    response_model=PolicyOut,
    summary="The clinic's statement cycle and dunning rules (all fields; defaults if left out)",
)
async def put_policy(clinic_id: str, body: Rules, session: Session, principal: Writer) -> PolicyOut:
    _clinic(principal, clinic_id, "clinic_id")
    await StatementRepository(session, principal.tenant_id).save_policy(
        clinic_id, body.model_dump(mode="json")
    )
    return PolicyOut(clinic_id=clinic_id, rules=body)


def run_out(run: StatementRun) -> RunOut:
    s = run.summary
    return RunOut(
        id=run.id,
        clinic_id=run.clinic_id,
        as_of=run.as_of,
        statements=s["statements"],
        notices=s["notices"],
        sent_to_collections=s["sent_to_collections"],
        installments_missed=s["installments_missed"],
        plans_broken=s["plans_broken"],
        skipped=s["skipped"],
        statement_ids=s["statement_ids"],
    )


@router.post(
    "/statement-runs",
    status_code=status.HTTP_201_CREATED,
    response_model=RunOut,
    summary="Run a clinic's statement cycle now (plans checked, statements and notices out)",
)
async def run_statements(body: RunIn, session: Session, principal: Writer) -> RunOut:
    _clinic(principal, body.clinic_id, "body.clinic_id")
    run = await svc.run_cycle(session, principal.tenant_id, body.clinic_id, body.as_of or today())
    return run_out(run)


@router.get("/statement-runs/{run_id}", response_model=RunOut)
async def get_run(run_id: str, session: Session, principal: Reader) -> RunOut:
    run = await svc.get_run(session, principal.tenant_id, run_id)
    _clinic(principal, run.clinic_id, "run_id")
    return run_out(run)


@router.get("/statements", response_model=list[StatementSummary])
async def list_statements(
    session: Session,
    principal: Reader,
    account_id: str | None = None,
    run_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[StatementSummary]:
    rows = await StatementRepository(session, principal.tenant_id).find(
        account_id, run_id, principal.clinic_ids, limit
    )
    return [
        StatementSummary(
            id=s.id,
            account_id=s.account_id,
            notice=s.notice,
            issued_on=s.issued_on,
            due_date=s.due_date,
            balance=s.balance,
            amount_due=s.amount_due,
        )
        for s in rows
    ]


async def _statement(session: Session, principal: Principal, statement_id: str) -> Statement:
    found = await StatementRepository(session, principal.tenant_id).get(statement_id)
    if found is None or not principal.may_see_clinic(found.clinic_id):
        raise NotFound("statement not found")
    return found


@router.get(
    "/statements/{statement_id}",
    response_model=StatementOut,
    summary="The statement; `document` is the structured form for print vendors",
)
async def get_statement(statement_id: str, session: Session, principal: Reader) -> StatementOut:
    s = await _statement(session, principal, statement_id)
    return StatementOut(
        id=s.id,
        account_id=s.account_id,
        clinic_id=s.clinic_id,
        run_id=s.run_id,
        notice=s.notice,
        issued_on=s.issued_on,
        due_date=s.due_date,
        balance=s.balance,
        amount_due=s.amount_due,
        pending_insurance=s.pending_insurance,
        document=s.document,
    )


@router.get(
    "/statements/{statement_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    summary="The statement as the patient gets it (one Letter page)",
)
async def get_statement_pdf(statement_id: str, session: Session, principal: Reader) -> Response:
    s = await _statement(session, principal, statement_id)
    return Response(
        render_statement(s.document),
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="statement-{s.id}.pdf"'},
    )


@router.get("/kpis", response_model=KpisOut, summary="Patient A/R, aging, collection measures")
async def kpis(
    session: Session,
    principal: Reader,
    as_of: date | None = None,
    clinic_id: str | None = None,
) -> KpisOut:
    if clinic_id is not None:
        _clinic(principal, clinic_id, "query.clinic_id")
    await one_snapshot(session)
    return await patient_kpis(session, principal, as_of or today(), clinic_id)
