"""Accounts, their ledger and visits, patient payments, refunds and payment plans."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse

from rcm_patients.api.deps import IdempotencyKey, Reader, Session, Writer
from rcm_patients.models import Account, PaymentPlan, PlanInstallment, Refund
from rcm_patients.repository import (
    AccountRepository,
    LedgerRepository,
    PlanRepository,
    one_snapshot,
)
from rcm_patients.schemas import (
    AccountIn,
    AccountOut,
    AccountPage,
    AccountSummary,
    ApplicationOut,
    EntryOut,
    InstallmentOut,
    PatientOut,
    PaymentIn,
    PaymentOut,
    PlanIn,
    PlanOut,
    RefundIn,
    RefundOut,
    VisitOut,
)
from rcm_patients.service import accounts as svc
from rcm_patients.service.accounts import VisitView
from rcm_shared.auth import Principal
from rcm_shared.errors import NotFound
from rcm_shared.idempotency import once

router = APIRouter(prefix="/v1", tags=["accounts"])


def visit_out(view: VisitView) -> VisitOut:
    v = view.visit
    return VisitOut(
        claim_id=v.id,
        claim_ids=view.claim_ids,
        patient_control_number=v.patient_control_number,
        service_date_from=v.service_date_from,
        service_date_to=v.service_date_to,
        total_charge=v.total_charge,
        insurance_paid=view.insurance_paid,
        patient_responsibility=view.responsibility,
        patient_paid=view.patient_paid,
        balance=view.balance,
        pending_insurance=v.pending_insurance,
        patient_due_since=v.patient_due_since,
    )


def installment_out(i: PlanInstallment) -> InstallmentOut:
    return InstallmentOut(
        number=i.number, due_date=i.due_date, amount=i.amount, paid=i.paid, status=i.status
    )


def refund_out(r: Refund) -> RefundOut:
    return RefundOut(
        id=r.id,
        amount=r.amount,
        status=r.status,
        method=r.method,
        reference=r.reference,
        issued_on=r.issued_on,
    )


async def idempotent(
    session: Session,
    principal: Principal,
    key: str | None,
    body: dict[str, Any],
    run: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
) -> JSONResponse:
    """A creating POST under Idempotency-Key (rcm_shared.idempotency), as JSON."""
    code, payload = await once(session, principal.tenant_id, key, body, run)
    return JSONResponse(payload, status_code=code)


def plan_out(plan: PaymentPlan, items: list[PlanInstallment]) -> PlanOut:
    return PlanOut(
        id=plan.id,
        account_id=plan.account_id,
        total=plan.total,
        installment_amount=plan.installment_amount,
        installments=plan.installments,
        day_of_month=plan.day_of_month,
        status=plan.status,
        missed=plan.missed,
        schedule=[installment_out(i) for i in items if i.plan_id == plan.id],
    )


async def account_out(session: Session, principal: Principal, account: Account) -> AccountOut:
    tenant = principal.tenant_id
    repo = AccountRepository(session, tenant)
    views = await svc.visit_views(session, tenant, await repo.visits_of([account.id]))
    due, pending = svc.due_and_pending(views)
    plan_repo = PlanRepository(session, tenant)
    plans = await plan_repo.of_account(account.id)
    items = await plan_repo.installments(p.id for p in plans)
    return AccountOut(
        id=account.id,
        clinic_id=account.clinic_id,
        account_number=account.account_number,
        registered=account.registered,
        guarantor=svc.guarantor_view(account),
        patients=[
            PatientOut(
                first_name=p.first_name,
                last_name=p.last_name,
                birth_date=p.birth_date,
                payer_id=p.payer_id,
            )
            for p in await repo.patients_of(account.id)
        ],
        balance=await svc.balance_of(session, tenant, account.id),
        due=due,
        pending_insurance=pending,
        collections_flagged_on=account.collections_flagged_on,
        visits=[visit_out(v) for v in views],
        refunds=[refund_out(r) for r in await repo.account_refunds(account.id)],
        plans=[plan_out(p, items) for p in plans],
        created_at=account.created_at,
    )


@router.post(
    "/accounts",
    status_code=status.HTTP_201_CREATED,
    response_model=AccountOut,
    summary="Register a guarantor and their patients (adopts what claims opened before)",
)
async def register_account(
    body: AccountIn, session: Session, principal: Writer, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def run() -> tuple[int, dict[str, Any]]:
        account = await svc.register(session, principal, body)
        return 201, (await account_out(session, principal, account)).model_dump(mode="json")

    return await idempotent(session, principal, idempotency_key, body.model_dump(mode="json"), run)


@router.get("/accounts", response_model=AccountPage, summary="Accounts, with their balances")
async def list_accounts(
    session: Session,
    principal: Reader,
    clinic_id: str | None = None,
    cursor: str | None = Query(default=None, description="the next_cursor of the last page"),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AccountPage:
    await one_snapshot(session)
    repo = AccountRepository(session, principal.tenant_id)
    rows = await repo.page(principal.clinic_ids, clinic_id, cursor, limit)
    page, more = rows[:limit], len(rows) > limit
    balances = await LedgerRepository(session, principal.tenant_id).account_balances(
        a.id for a in page
    )
    return AccountPage(
        items=[
            AccountSummary(
                id=a.id,
                clinic_id=a.clinic_id,
                account_number=a.account_number,
                registered=a.registered,
                balance=balances[a.id],
                collections_flagged_on=a.collections_flagged_on,
            )
            for a in page
        ],
        next_cursor=page[-1].id if more and page else None,
    )


@router.get("/accounts/{account_id}", response_model=AccountOut)
async def get_account(account_id: str, session: Session, principal: Reader) -> AccountOut:
    await one_snapshot(session)
    account = await svc.get_account(session, principal, account_id)
    return await account_out(session, principal, account)


@router.get(
    "/accounts/{account_id}/ledger",
    response_model=list[EntryOut],
    summary="Every ledger entry, oldest first, each with the event and 835 behind it",
)
async def get_ledger(account_id: str, session: Session, principal: Reader) -> list[EntryOut]:
    await one_snapshot(session)
    await svc.get_account(session, principal, account_id)
    rows = await AccountRepository(session, principal.tenant_id).ledger(account_id)
    return [
        EntryOut(
            id=e.id,
            posted_on=e.posted_on,
            kind=e.kind,
            category=e.category,
            amount=e.amount,
            claim_id=e.claim_id,
            visit_id=e.visit_id,
            line_key=e.line_key,
            event_id=e.event_id,
            remittance_id=e.remittance_id,
            payment_id=e.payment_id,
            patient_payment_id=e.patient_payment_id,
            refund_id=e.refund_id,
        )
        for e in rows
    ]


@router.get(
    "/visits/{claim_id}",
    response_model=VisitOut,
    summary="The visit a claim belongs to (by any of its claims), with the patient's side",
)
async def get_visit(claim_id: str, session: Session, principal: Reader) -> VisitOut:
    await one_snapshot(session)
    visit = await AccountRepository(session, principal.tenant_id).visit_of_claim(claim_id)
    if visit is None or not principal.may_see_clinic(visit.clinic_id):
        raise NotFound("no visit has that claim")
    [view] = await svc.visit_views(session, principal.tenant_id, [visit])
    return visit_out(view)


@router.post(
    "/accounts/{account_id}/payments",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentOut,
    summary="Post a patient payment: applied oldest first, or to the visit of claim_id",
)
async def post_payment(
    account_id: str,
    body: PaymentIn,
    session: Session,
    principal: Writer,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def run() -> tuple[int, dict[str, Any]]:
        payment, applied, installments, after = await svc.post_payment(
            session, principal, account_id, body
        )
        out = PaymentOut(
            id=payment.id,
            account_id=account_id,
            amount=payment.amount,
            method=payment.method,
            reference=payment.reference,
            received_on=payment.received_on,
            applied=[ApplicationOut(claim_id=c, amount=a) for c, a in applied],
            installments=[installment_out(i) for i in installments],
            balance_after=after,
        )
        return 201, out.model_dump(mode="json")

    body_json = {"account_id": account_id, **body.model_dump(mode="json")}
    return await idempotent(session, principal, idempotency_key, body_json, run)


@router.post(
    "/accounts/{account_id}/refunds",
    status_code=status.HTTP_201_CREATED,
    response_model=RefundOut,
    summary="Refund (part of) the account's credit",
)
async def post_refund(
    account_id: str,
    body: RefundIn,
    session: Session,
    principal: Writer,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def run() -> tuple[int, dict[str, Any]]:
        refund = await svc.issue_refund(session, principal, account_id, body)
        return 201, refund_out(refund).model_dump(mode="json")

    body_json = {"account_id": account_id, **body.model_dump(mode="json")}
    return await idempotent(session, principal, idempotency_key, body_json, run)


@router.post(
    "/accounts/{account_id}/payment-plans",
    status_code=status.HTTP_201_CREATED,
    response_model=PlanOut,
    summary="Set up a payment plan over what the patient owes",
)
async def create_plan(
    account_id: str,
    body: PlanIn,
    session: Session,
    principal: Writer,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def run() -> tuple[int, dict[str, Any]]:
        plan, items = await svc.create_plan(
            session, principal, account_id, body.installments, body.day_of_month, body.total,
            body.start,
        )  # fmt: skip
        return 201, plan_out(plan, items).model_dump(mode="json")

    body_json = {"account_id": account_id, **body.model_dump(mode="json")}
    return await idempotent(session, principal, idempotency_key, body_json, run)


@router.get("/payment-plans/{plan_id}", response_model=PlanOut)
async def get_plan(plan_id: str, session: Session, principal: Reader) -> PlanOut:
    await one_snapshot(session)
    repo = PlanRepository(session, principal.tenant_id)
    plan = await repo.get(plan_id)
    if plan is None:
        raise NotFound("payment plan not found")
    await svc.get_account(session, principal, plan.account_id)  # clinic scope
    return plan_out(plan, await repo.installments([plan.id]))


@router.post("/payment-plans/{plan_id}/cancel", response_model=PlanOut)
async def cancel_plan(plan_id: str, session: Session, principal: Writer) -> PlanOut:
    repo = PlanRepository(session, principal.tenant_id)
    plan = await repo.get(plan_id, for_update=True)
    if plan is None:
        raise NotFound("payment plan not found")
    await svc.get_account(session, principal, plan.account_id)
    if plan.status == "active":
        plan.status = "cancelled"
    return plan_out(plan, await repo.installments([plan.id]))
