"""Statement cycles: plan installments checked, then a statement or notice for every
account that owes enough, or the collections flag when dunning ran out; each one an event.
Runs on demand (POST /v1/statement-runs) or by the worker when a clinic's cycle is due."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_patients.config import PatientsSettings
from rcm_patients.domain import dunning, plans
from rcm_patients.domain.dunning import LastLetter, Rules
from rcm_patients.models import (
    Account,
    AccountPatient,
    ClinicDirectoryEntry,
    PaymentPlan,
    PlanInstallment,
    Statement,
    StatementRun,
)
from rcm_patients.repository import (
    AccountRepository,
    PlanRepository,
    ReferenceRepository,
    StatementRepository,
    tenants_with_clinics,
)
from rcm_patients.service.accounts import VisitView, due_and_pending, visit_views
from rcm_patients.service.common import publish, today
from rcm_shared.errors import NotFound
from rcm_shared.events.catalog import EventPayload
from rcm_shared.events.patients import AccountSentToCollections, InstallmentMissed, StatementIssued
from rcm_shared.ids import uuid4_strings
from rcm_shared.runtime import Runtime
from rcm_shared.workers import repeat

log = logging.getLogger(__name__)
ZERO = Decimal("0.00")


async def rules_for(session: AsyncSession, tenant_id: str, clinic_id: str) -> Rules:
    stored = await StatementRepository(session, tenant_id).policy(clinic_id)
    return dunning.rules_of(stored.rules if stored else None, Rules())


async def evaluate_plans(
    session: AsyncSession,
    tenant_id: str,
    accounts: dict[str, Account],
    as_of: date,
    rules: Rules,
    events: list[EventPayload],
) -> tuple[int, int, dict[str, PaymentPlan]]:
    """Marks installments missed; breaks a plan at the policy's count. Returns (missed,
    broken, the plans still active by account)."""
    repo = PlanRepository(session, tenant_id)
    active = await repo.active_of(accounts)
    missed = broken = 0
    by_plan: dict[str, list[PlanInstallment]] = {}
    for item in await repo.installments((p.id for p in active.values()), for_update=True):
        by_plan.setdefault(item.plan_id, []).append(item)
    for account_id, plan in list(active.items()):
        for item in by_plan.get(plan.id, []):
            if item.status != "due":
                continue
            if not plans.is_missed(
                item.due_date, item.amount, item.paid, as_of, rules.plan_grace_days
            ):
                continue
            item.status = "missed"
            plan.missed += 1
            missed += 1
            if plan.missed >= rules.plan_missed_to_break:
                plan.status = "broken"
            events.append(
                InstallmentMissed(
                    account_id=account_id,
                    clinic_id=accounts[account_id].clinic_id,
                    plan_id=plan.id,
                    installment=item.number,
                    due_date=item.due_date,
                    amount=item.amount,
                    unpaid=item.amount - item.paid,
                    plan_status=plan.status,
                )
            )
        if plan.status == "broken":
            broken += 1
            del active[account_id]
    return missed, broken, active


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def document(
    *,
    statement_id: str,
    clinic: ClinicDirectoryEntry | None,
    account: Account,
    patients: dict[str, AccountPatient],
    views: list[VisitView],
    step: dunning.Step,
    issued_on: date,
    due_date: date,
    balance: Decimal,
    amount_due: Decimal,
    pending: Decimal,
    payments: list[dict[str, Any]],
    plan: dict[str, Any] | None,
    rules: Rules,
) -> dict[str, Any]:
    """The statement as a print vendor takes it (and as the PDF draws it)."""
    guarantor = account.guarantor or {}
    visits = []
    for v in views:
        if v.balance == 0 and v.visit.patient_due_since is None:
            continue
        who = patients.get(v.visit.patient_key)
        name = f"{who.first_name} {who.last_name}" if who and who.first_name else None
        visits.append(
            {
                "claim_id": v.visit.id,
                "service_date": v.visit.service_date_from.isoformat(),
                "patient": name,
                "services": [
                    {"code": ln["procedure_code"], "charge": ln["charge"]} for ln in v.visit.lines
                ],
                "charges": _money(v.visit.total_charge),
                "insurance_paid": _money(v.insurance_paid),
                "insurance_adjusted": _money(
                    v.visit.total_charge - v.insurance_paid - v.responsibility
                ),
                "patient_responsibility": _money(v.responsibility),
                "patient_paid": _money(v.patient_paid),
                "balance": _money(v.balance),
                "pending_insurance": v.visit.pending_insurance,
            }
        )
    return {
        "statement_id": statement_id,
        "notice": step.notice,
        "level": step.level,
        "issued_on": issued_on.isoformat(),
        "due_date": due_date.isoformat(),
        "clinic": {
            "name": clinic.name if clinic else None,
            "npi": clinic.npi if clinic else None,
            "address": clinic.address if clinic else None,
            "remit_to": (clinic.pay_to_address or clinic.address) if clinic else None,
        },
        "account": {"id": account.id, "number": account.account_number},
        "guarantor": {
            "name": f"{guarantor.get('first_name', '')} {guarantor.get('last_name', '')}".strip(),
            "address": guarantor.get("address"),
        },
        "visits": visits,
        "payments_since_last_statement": payments,
        "balance": _money(balance),
        "pending_insurance": _money(pending),
        "amount_due": _money(amount_due),
        "plan": plan,
        "how_to_pay": rules.payment_instructions,
        "message": MESSAGES[step.notice],
    }


MESSAGES = {
    "statement": "This is a statement of your account. Please pay the amount due by the due date.",
    "second_notice": "Our records show your account is past due. Please pay the amount due now.",
    "final_notice": (
        "FINAL NOTICE: your account is seriously past due. Unless it is paid by the due date, "
        "it may be referred to a collection agency."
    ),
    "plan_statement": "Thank you for keeping your payment plan. Your next installment is due.",
}


@dataclass
class _Cycle:
    """What one clinic's run knows while it goes through the accounts."""

    session: AsyncSession
    tenant_id: str
    clinic_id: str
    clinic: ClinicDirectoryEntry | None
    rules: Rules
    as_of: date
    run_id: str
    events: list[EventPayload] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    notices: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    collections: int = 0


async def run_cycle(
    session: AsyncSession, tenant_id: str, clinic_id: str, as_of: date
) -> StatementRun:
    """One clinic's statement cycle on `as_of`. Idempotent per cycle: an account that had a
    letter within the cycle gets none, so a run repeated the same day issues nothing."""
    statements = StatementRepository(session, tenant_id)
    await statements.lock_clinic_cycle(clinic_id)
    rules = await rules_for(session, tenant_id, clinic_id)
    accounts_repo = AccountRepository(session, tenant_id)
    accounts = {a.id: a for a in await accounts_repo.of_clinic(clinic_id)}
    [run_id] = uuid4_strings(1)
    cycle = _Cycle(
        session,
        tenant_id,
        clinic_id,
        await ReferenceRepository(session, tenant_id).clinic(clinic_id),
        rules,
        as_of,
        run_id,
    )
    missed, broken, active = await evaluate_plans(
        session, tenant_id, accounts, as_of, rules, cycle.events
    )
    views_by_account: dict[str, list[VisitView]] = {}
    for view in await visit_views(session, tenant_id, await accounts_repo.visits_of(accounts)):
        views_by_account.setdefault(view.visit.account_id, []).append(view)
    letters = await statements.last_letters(accounts)
    last_paid = await accounts_repo.last_payment_day(accounts)
    plan_items = await PlanRepository(session, tenant_id).installments(
        p.id for p in active.values()
    )
    next_item: dict[str, PlanInstallment] = {}
    for item in plan_items:  # the earliest unpaid installment of each plan
        if item.status == "due":
            next_item.setdefault(item.plan_id, item)
    for account_id, account in accounts.items():
        if account.collections_flagged_on is not None:
            cycle.skipped["in_collections"] += 1
            continue
        if not account.registered or not account.guarantor:
            cycle.skipped["not_registered"] += 1
            continue
        views = views_by_account.get(account_id, [])
        last = letters.get(account_id)
        plan = active.get(account_id)
        paid_on = last_paid.get(account_id)
        step = dunning.next_step(
            as_of=as_of,
            due_balance=due_and_pending(views)[0],
            last=LastLetter(last.issued_on, last.due_date, last.level, last.id) if last else None,
            paid_since_last=bool(last and paid_on and paid_on > last.issued_on),
            keeping_plan=plan is not None,
            rules=rules,
        )
        if step.action == "none":
            cycle.skipped[step.reason.replace(" ", "_")] += 1
        elif step.action == "collections":
            assert last is not None
            _to_collections(cycle, account, due_and_pending(views)[0], last.id)
        else:
            upcoming = next_item.get(plan.id) if plan else None
            await _issue(cycle, account, views, step, last, plan, upcoming)
    run = StatementRun(
        tenant_id=tenant_id,
        id=run_id,
        clinic_id=clinic_id,
        as_of=as_of,
        summary={
            "statements": len(cycle.issued),
            "notices": dict(cycle.notices),
            "sent_to_collections": cycle.collections,
            "installments_missed": missed,
            "plans_broken": broken,
            "skipped": dict(cycle.skipped),
            "statement_ids": cycle.issued,
        },
    )
    session.add(run)
    await session.flush()
    await publish(session, tenant_id, cycle.events)
    return run


def _to_collections(cycle: _Cycle, account: Account, due: Decimal, final_notice_id: str) -> None:
    account.collections_flagged_on = cycle.as_of
    cycle.collections += 1
    cycle.events.append(
        AccountSentToCollections(
            account_id=account.id,
            clinic_id=cycle.clinic_id,
            balance=due,
            final_notice_id=final_notice_id,
            flagged_on=cycle.as_of,
        )
    )


async def _issue(
    cycle: _Cycle,
    account: Account,
    views: list[VisitView],
    step: dunning.Step,
    last: Statement | None,
    plan: PaymentPlan | None,
    next_item: PlanInstallment | None,
) -> None:
    repo = AccountRepository(cycle.session, cycle.tenant_id)
    due, pending = due_and_pending(views)
    balance = sum((v.balance for v in views), ZERO)
    [statement_id] = uuid4_strings(1)
    due_date = cycle.as_of + timedelta(days=cycle.rules.due_days)
    amount_due = due
    plan_doc = None
    if plan is not None:
        amount_due = (next_item.amount - next_item.paid) if next_item else ZERO
        due_date = next_item.due_date if next_item else due_date
        plan_doc = {
            "plan_id": plan.id,
            "installment": next_item.number if next_item else None,
            "of": plan.installments,
            "installment_amount": _money(plan.installment_amount),
        }
    payments = [
        {"received_on": p.received_on.isoformat(), "amount": _money(p.amount), "method": p.method}
        for p in await repo.payments_of(account.id)
        if last is None or p.received_on > last.issued_on
    ]
    doc = document(
        statement_id=statement_id,
        clinic=cycle.clinic,
        account=account,
        patients={p.patient_key: p for p in await repo.patients_of(account.id)},
        views=views,
        step=step,
        issued_on=cycle.as_of,
        due_date=due_date,
        balance=balance,
        amount_due=amount_due,
        pending=pending,
        payments=payments,
        plan=plan_doc,
        rules=cycle.rules,
    )
    cycle.session.add(
        Statement(
            tenant_id=cycle.tenant_id,
            id=statement_id,
            account_id=account.id,
            clinic_id=cycle.clinic_id,
            run_id=cycle.run_id,
            notice=step.notice,
            level=step.level,
            issued_on=cycle.as_of,
            due_date=due_date,
            balance=balance,
            amount_due=amount_due,
            pending_insurance=pending,
            document=doc,
        )
    )
    cycle.issued.append(statement_id)
    cycle.notices[step.notice] += 1
    cycle.events.append(
        StatementIssued(
            account_id=account.id,
            clinic_id=cycle.clinic_id,
            statement_id=statement_id,
            run_id=cycle.run_id,
            notice=step.notice,
            issued_on=cycle.as_of,
            due_date=due_date,
            balance=balance,
            amount_due=amount_due,
            pending_insurance=pending,
        )
    )


async def get_run(session: AsyncSession, tenant_id: str, run_id: str) -> StatementRun:
    run = await StatementRepository(session, tenant_id).run(run_id)
    if run is None:
        raise NotFound("statement run not found")
    return run


async def due_cycles(runtime: Runtime) -> int:
    """Every clinic whose cycle has come round gets its run (one transaction each).
    Returns 0: nothing is left waiting for the next poll."""
    assert runtime.sessions is not None
    async with runtime.sessions() as session:
        tenants = await tenants_with_clinics(session)
    for tenant_id in tenants:
        async with runtime.sessions() as session:
            clinics = await ReferenceRepository(session, tenant_id).clinic_ids()
        for clinic_id in clinics:
            async with runtime.sessions() as session, session.begin():
                rules = await rules_for(session, tenant_id, clinic_id)
                last = await StatementRepository(session, tenant_id).last_run(clinic_id)
                day = today()
                if last is not None and day < last.as_of + timedelta(days=rules.cycle_days):
                    continue
                run = await run_cycle(session, tenant_id, clinic_id, day)
                log.info(
                    "statement cycle ran",
                    extra={"tenant": tenant_id, "statements": run.summary["statements"]},
                )
    return 0


async def statement_worker(runtime: Runtime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, PatientsSettings)
    await repeat(lambda: due_cycles(runtime), stop, settings.statement_poll_seconds, "statements")
