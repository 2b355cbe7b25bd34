"""Accounts: registration (adopting what claims opened before it), the account's view,
patient payments and refunds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_patients.domain import ledger, plans
from rcm_patients.domain.payments import looks_like_a_card_number
from rcm_patients.models import (
    Account,
    AccountPatient,
    LedgerEntry,
    PatientPayment,
    PaymentPlan,
    PlanInstallment,
    Refund,
    Visit,
    VisitClaim,
)
from rcm_patients.repository import AccountRepository, LedgerRepository, PlanRepository
from rcm_patients.schemas import AccountIn, PaymentIn, RefundIn
from rcm_patients.service.common import publish, today
from rcm_patients.service.ledger import payment_of, reconcile_credit
from rcm_shared.auth import Principal
from rcm_shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from rcm_shared.events.patients import Application, PatientPaymentReceived
from rcm_shared.identity import patient_key
from rcm_shared.ids import uuid4_strings

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class VisitView:
    visit: Visit
    claim_ids: list[str]
    insurance_paid: Decimal
    responsibility: Decimal  # what the payers made the patient owe
    patient_paid: Decimal  # patient payments less refunds
    balance: Decimal
    last_paid_on: date | None


def _check_clinic(principal: Principal, clinic_id: str) -> None:
    if not principal.may_see_clinic(clinic_id):
        raise Forbidden("this token does not cover that clinic", [{"path": "body.clinic_id"}])


async def get_account(
    session: AsyncSession, principal: Principal, account_id: str, for_update: bool = False
) -> Account:
    account = await AccountRepository(session, principal.tenant_id).get(account_id, for_update)
    if account is None or not principal.may_see_clinic(account.clinic_id):
        raise NotFound("account not found")
    return account


async def register(session: AsyncSession, principal: Principal, body: AccountIn) -> Account:
    """A guarantor and their patients. A coverage that claims met first (an unregistered
    account) is adopted with its visits and ledger; one registered already is a 409."""
    _check_clinic(principal, body.clinic_id)
    tenant = principal.tenant_id
    keys: dict[str, tuple[int, int, str]] = {}
    for i, patient in enumerate(body.patients):
        for j, coverage in enumerate(patient.coverages):
            key = patient_key(tenant, coverage.payer_id, coverage.member_id, patient.birth_date)
            if key in keys:
                raise InvalidInput(
                    "the same coverage twice",
                    [{"path": f"body.patients[{i}].coverages[{j}]", "message": "listed twice"}],
                )
            keys[key] = (i, j, coverage.payer_id)
    repo = AccountRepository(session, tenant)
    existing = await repo.patients_by_key(keys)
    [account_id] = uuid4_strings(1)
    adopt: set[str] = set()
    for key, row in existing.items():
        owner = await repo.get(row.account_id, for_update=True)
        if owner is not None and owner.registered:
            i, j, _ = keys[key]
            raise Conflict(
                "this coverage belongs to another account",
                [{"path": f"body.patients[{i}].coverages[{j}]", "account_id": owner.id}],
            )
        adopt.add(row.account_id)
    account = Account(
        tenant_id=tenant,
        id=account_id,
        clinic_id=body.clinic_id,
        account_number=body.account_number,
        registered=True,
        guarantor=body.guarantor.model_dump(mode="json"),
    )
    session.add(account)
    await session.flush()
    ledger_repo = LedgerRepository(session, tenant)
    for old in sorted(adopt):
        await ledger_repo.move_account(old, account_id)
    for key, (i, _, payer_id) in keys.items():
        patient = body.patients[i]
        values = {
            "account_id": account_id,
            "payer_id": payer_id,
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "birth_date": patient.birth_date,
        }
        known = existing.get(key)
        if known is None:
            session.add(AccountPatient(tenant_id=tenant, patient_key=key, **values))
        else:
            for name, value in values.items():
                setattr(known, name, value)
    await session.flush()
    if adopt:
        await reconcile_credit(ledger_repo, {account_id})
    return account


async def visit_views(
    session: AsyncSession, tenant_id: str, visits: list[Visit]
) -> list[VisitView]:
    repo = AccountRepository(session, tenant_id)
    ids = [v.id for v in visits]
    sums = await repo.visit_sums(ids)
    claims: dict[str, list[VisitClaim]] = defaultdict(list)
    for claim in await repo.claims_of_visits(ids):
        claims[claim.visit_id].append(claim)
    by_claim = {c.claim_id: c for cs in claims.values() for c in cs}
    payments: dict[str, list[ledger.Payment]] = defaultdict(list)
    for row in await repo.live_adjudications(ids):
        if row.visit_id and row.claim_id in by_claim:
            payments[row.visit_id].append(payment_of(row, by_claim[row.claim_id]))
    last_paid = await repo.last_patient_payment_days(ids)
    out = []
    for visit in visits:
        kinds = sums.get(visit.id, {})
        responsibility = sum((kinds.get(k, ZERO) for k in ledger.INSURANCE_KINDS), ZERO)
        paid = -kinds.get(ledger.PATIENT_PAYMENT, ZERO) - kinds.get(ledger.REFUND, ZERO)
        out.append(
            VisitView(
                visit=visit,
                claim_ids=[c.claim_id for c in claims.get(visit.id, [])],
                insurance_paid=ledger.paid_by_insurance(payments.get(visit.id, [])),
                responsibility=responsibility,
                patient_paid=paid,
                balance=sum(kinds.values(), ZERO),
                last_paid_on=last_paid.get(visit.id),
            )
        )
    return out


def due_and_pending(views: list[VisitView]) -> tuple[Decimal, Decimal]:
    due = sum((v.balance for v in views if v.balance > 0 and not v.visit.pending_insurance), ZERO)
    pending = sum((v.balance for v in views if v.balance > 0 and v.visit.pending_insurance), ZERO)
    return due, pending


async def balance_of(session: AsyncSession, tenant_id: str, account_id: str) -> Decimal:
    return (await LedgerRepository(session, tenant_id).account_balances([account_id]))[account_id]


async def post_payment(
    session: AsyncSession, principal: Principal, account_id: str, body: PaymentIn
) -> tuple[PatientPayment, list[tuple[str, Decimal]], list[PlanInstallment], Decimal]:
    """Applies the payment to the visits, oldest first (or to the one named), and to the
    plan's installments. More than the account owes is refused: a credit only comes from a
    payer's later decision, and then with its refund record."""
    if body.reference and looks_like_a_card_number(body.reference):
        raise InvalidInput(
            "card numbers are not stored here",
            [{"path": "body.reference", "message": "give the card processor's transaction id"}],
        )
    account = await get_account(session, principal, account_id, for_update=True)
    if not account.registered:
        raise Conflict("register the account before taking payments", [{"path": "account_id"}])
    tenant = principal.tenant_id
    repo = AccountRepository(session, tenant)
    visits = await repo.visits_of([account_id])
    # the locks a settlement of these visits takes: the balance read next cannot move
    # under the payment, and a settlement after it sees the payment (and its refund record)
    claims = await repo.claims_of_visits(v.id for v in visits)
    await LedgerRepository(session, tenant).lock_claims(c.claim_id for c in claims)
    views = await visit_views(session, tenant, visits)
    balance = await balance_of(session, tenant, account_id)
    if body.claim_id is not None:
        chosen = [v for v in views if body.claim_id in v.claim_ids]
        if not chosen:
            raise InvalidInput(
                "no visit of this account has that claim", [{"path": "body.claim_id"}]
            )
        spread = ledger.oldest_first([(chosen[0].visit.id, chosen[0].balance)], body.amount)
        limit = chosen[0].balance
    else:
        ordered = ledger.payment_order(
            ledger.OpenVisit(
                v.visit.id,
                v.balance,
                v.visit.pending_insurance,
                v.visit.patient_due_since,
                v.visit.service_date_from,
            )
            for v in views
        )
        spread = ledger.oldest_first(ordered, body.amount)
        limit = balance
    if body.amount > limit:
        raise InvalidInput(
            "the payment is more than is owed",
            [{"path": "body.amount", "message": f"at most {limit} is owed"}],
        )
    received = body.received_on or today()
    [payment_id] = uuid4_strings(1)
    payment = PatientPayment(
        tenant_id=tenant,
        id=payment_id,
        account_id=account_id,
        amount=body.amount,
        method=body.method,
        reference=body.reference,
        received_on=received,
        claim_id=body.claim_id,
    )
    session.add(payment)
    session.add_all(
        LedgerEntry(
            tenant_id=tenant,
            account_id=account_id,
            visit_id=visit_id,
            kind=ledger.PATIENT_PAYMENT,
            amount=-amount,
            posted_on=received,
            patient_payment_id=payment_id,
        )
        for visit_id, amount in spread
    )
    paid_installments = await _pay_installments(session, tenant, account_id, body.amount)
    await session.flush()
    applied = list(spread)  # a visit is named by its first claim's id
    await publish(
        session,
        tenant,
        [
            PatientPaymentReceived(
                account_id=account_id,
                clinic_id=account.clinic_id,
                payment_id=payment_id,
                amount=body.amount,
                method=body.method,
                received_on=received,
                applied=[Application(claim_id=c, amount=a) for c, a in applied],
            )
        ],
    )
    return payment, applied, paid_installments, balance - body.amount


async def _pay_installments(
    session: AsyncSession, tenant_id: str, account_id: str, amount: Decimal
) -> list[PlanInstallment]:
    """The installments the payment went to, oldest unpaid first."""
    repo = PlanRepository(session, tenant_id)
    plan = (await repo.active_of([account_id])).get(account_id)
    if plan is None:
        return []
    items = await repo.installments([plan.id], for_update=True)
    spread = plans.spread([(i.number, i.amount, i.paid) for i in items], amount)
    by_number = {i.number: i for i in items}
    for number, take in spread:
        item = by_number[number]
        item.paid += take
        if item.paid >= item.amount:
            item.status = "paid"
    if all(i.status == "paid" for i in items):
        plan.status = "completed"
    return [by_number[number] for number, _ in spread]


async def issue_refund(
    session: AsyncSession, principal: Principal, account_id: str, body: RefundIn
) -> Refund:
    await get_account(session, principal, account_id, for_update=True)
    tenant = principal.tenant_id
    balance = await balance_of(session, tenant, account_id)
    credit = -balance if balance < 0 else ZERO
    if body.amount > credit:
        raise InvalidInput(
            "the refund is more than the account's credit",
            [{"path": "body.amount", "message": f"the credit is {credit}"}],
        )
    [refund_id] = uuid4_strings(1)
    issued_on = body.issued_on or today()
    refund = Refund(
        tenant_id=tenant,
        id=refund_id,
        account_id=account_id,
        amount=body.amount,
        status="issued",
        method=body.method,
        reference=body.reference,
        issued_on=issued_on,
    )
    session.add(refund)
    session.add(
        LedgerEntry(
            tenant_id=tenant,
            account_id=account_id,
            kind=ledger.REFUND,
            amount=body.amount,
            posted_on=issued_on,
            refund_id=refund_id,
        )
    )
    await session.flush()
    await reconcile_credit(LedgerRepository(session, tenant), {account_id})
    return refund


async def create_plan(
    session: AsyncSession,
    principal: Principal,
    account_id: str,
    installments: int,
    day_of_month: int,
    total: Decimal | None,
    start: date | None,
) -> tuple[PaymentPlan, list[PlanInstallment]]:
    account = await get_account(session, principal, account_id, for_update=True)
    if not account.registered:
        raise Conflict("register the account before setting up a plan", [{"path": "account_id"}])
    tenant = principal.tenant_id
    repo = PlanRepository(session, tenant)
    if (await repo.active_of([account_id])).get(account_id) is not None:
        raise Conflict("the account keeps a plan already", [{"path": "account_id"}])
    views = await visit_views(
        session, tenant, await AccountRepository(session, tenant).visits_of([account_id])
    )
    due, _ = due_and_pending(views)
    amount = total if total is not None else due
    if amount <= 0 or amount > due:
        raise InvalidInput(
            "a plan is over what the patient owes now",
            [{"path": "body.total", "message": f"{due} is due"}],
        )
    first = plans.first_due(start or today(), day_of_month)
    schedule = plans.schedule(amount, installments, day_of_month, first)
    [plan_id] = uuid4_strings(1)
    plan = PaymentPlan(
        tenant_id=tenant,
        id=plan_id,
        account_id=account_id,
        total=amount,
        installment_amount=schedule[0].amount,
        installments=installments,
        day_of_month=day_of_month,
        status="active",
        missed=0,
    )
    rows = [
        PlanInstallment(
            tenant_id=tenant,
            plan_id=plan_id,
            number=i.number,
            due_date=i.due_date,
            amount=i.amount,
            paid=ZERO,
            status="due",
        )
        for i in schedule
    ]
    session.add(plan)
    session.add_all(rows)
    await session.flush()
    return plan, rows


def guarantor_view(account: Account) -> dict[str, Any] | None:
    return dict(account.guarantor) if account.guarantor else None
