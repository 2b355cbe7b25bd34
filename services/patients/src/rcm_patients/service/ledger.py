"""Claims and adjudications in, the patient's ledger out. Set-based per tenant: a consumer
batch costs a handful of statements however many events it carries.

Idempotency: the inbox drops a redelivered event; the adjudications table (one row per
tenant and payment id) drops the same payment published twice under new event ids, and
visit_claims drops a claim seen twice. An adjudication whose claim is not known yet waits
(no visit) until the claim's ClaimCreated arrives from the other topic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_patients.domain import ledger
from rcm_patients.domain.ledger import Payment
from rcm_patients.models import (
    Account,
    AccountPatient,
    Adjudication,
    LedgerEntry,
    Refund,
    Visit,
    VisitClaim,
)
from rcm_patients.repository import LedgerRepository
from rcm_patients.service.common import today
from rcm_shared.events.claims import ClaimCreated
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.remittance import ClaimPaymentAdjudicated
from rcm_shared.ids import uuid4_strings

LEVEL = {"P": 1, "S": 2, "T": 3}
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class IncomingClaim:
    event: CloudEvent
    claim: ClaimCreated


@dataclass(frozen=True, slots=True)
class IncomingPayment:
    event: CloudEvent
    payment: ClaimPaymentAdjudicated


def _by_tenant(items: Sequence[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        out[item.event.tenantid].append(item)
    return out


async def record_claims(session: AsyncSession, incoming: Sequence[IncomingClaim]) -> None:
    for tenant_id, items in _by_tenant(incoming).items():
        await _claims_of_tenant(LedgerRepository(session, tenant_id), items)


async def _claims_of_tenant(repo: LedgerRepository, items: list[IncomingClaim]) -> None:
    firsts = [c for i in items for c in (i.claim.prior_claim_id, i.claim.original_claim_id) if c]
    await repo.lock_claims([i.claim.claim_id for i in items] + firsts)
    known = await repo.claims([i.claim.claim_id for i in items] + firsts)
    accounts = await repo.accounts_of_keys(i.claim.patient_key for i in items)
    visit_of: dict[str, tuple[str, bool]] = {k: (c.visit_id, c.linked) for k, c in known.items()}
    claims, visits, new_accounts, new_patients = [], [], [], []
    for item in items:
        claim = item.claim
        if claim.claim_id in visit_of:
            continue  # seen before
        first = claim.prior_claim_id or claim.original_claim_id
        if first is not None:
            # the visit of the claim it follows; that claim itself when it is not here yet
            visit_id, linked = visit_of.get(first, (first, False))
        else:
            visit_id, linked = claim.claim_id, True
            account_id = accounts.get(claim.patient_key)
            if account_id is None:  # nobody registered this patient yet
                [account_id] = uuid4_strings(1)
                accounts[claim.patient_key] = account_id
                new_accounts.append(
                    {
                        "tenant_id": repo.tenant_id,
                        "id": account_id,
                        "clinic_id": claim.clinic_id,
                        "registered": False,
                    }
                )
                new_patients.append(
                    {
                        "tenant_id": repo.tenant_id,
                        "patient_key": claim.patient_key,
                        "account_id": account_id,
                        "payer_id": claim.payer_id,
                    }
                )
            visits.append(
                {
                    "tenant_id": repo.tenant_id,
                    "id": visit_id,
                    "account_id": account_id,
                    "clinic_id": claim.clinic_id,
                    "patient_key": claim.patient_key,
                    "patient_control_number": claim.patient_control_number,
                    "service_date_from": claim.service_date_from,
                    "service_date_to": claim.service_date_to,
                    "total_charge": claim.total_charge,
                    "lines": to_jsonable_python([ln.model_dump() for ln in claim.lines]),
                    "pending_insurance": False,
                }
            )
        visit_of[claim.claim_id] = (visit_id, linked)
        claims.append(
            {
                "tenant_id": repo.tenant_id,
                "claim_id": claim.claim_id,
                "visit_id": visit_id,
                "level": LEVEL.get(claim.payer_responsibility, 1),
                "payer_id": claim.payer_id,
                "next_payer_id": claim.next_payer_id,
                "frequency_code": claim.frequency_code,
                "linked": linked,
            }
        )
    await repo.insert_ignore(Account, new_accounts)
    await repo.insert_ignore(AccountPatient, new_patients)
    await repo.insert_ignore(Visit, visits)
    inserted = set(await repo.insert_ignore(VisitClaim, claims))
    linked_now: set[str] = {
        str(c["claim_id"]) for c in claims if c["claim_id"] in inserted and c["linked"]
    }
    joined = set(linked_now)
    while linked_now:  # claims that waited for these, and the ones that waited for those
        linked_now = set(await repo.relink(linked_now))
        joined |= linked_now
    waiting = await repo.attach_waiting(joined)
    if waiting:
        await settle(repo, {v for v, _ in waiting}, {p for _, p in waiting})


def _row(item: IncomingPayment, visit_id: str | None) -> dict[str, Any]:
    p = item.payment
    shares, paid = ledger.shares_of(p)
    return {
        "tenant_id": item.event.tenantid,
        "payment_id": p.payment_id,
        "claim_id": p.claim_id,
        "visit_id": visit_id,
        "event_id": item.event.id,
        "remittance_id": p.remittance_id,
        "payer_id": p.payer_id,
        "claim_status_code": p.claim_status_code,
        "is_reversal": p.is_reversal,
        "reversed_payment_id": p.reversed_payment_id,
        "crossover_payer": p.crossover_payer,
        "paid_amount": p.paid_amount,
        "patient_responsibility": p.patient_responsibility,
        "shares": {ledger.encode(k): str(v) for k, v in shares.items()},
        "line_paid": {k: str(v) for k, v in paid.items()},
        "remittance_date": p.remittance_date,
    }


async def record_adjudications(session: AsyncSession, incoming: Sequence[IncomingPayment]) -> None:
    for tenant_id, items in _by_tenant(incoming).items():
        repo = LedgerRepository(session, tenant_id)
        matched = [i for i in items if i.payment.claim_id]  # an unmatched one has no patient
        claim_ids = [i.payment.claim_id for i in matched if i.payment.claim_id]
        await repo.lock_claims(claim_ids)
        claims = {k: c for k, c in (await repo.claims(claim_ids)).items() if c.linked}
        rows = [
            _row(i, claims[i.payment.claim_id].visit_id if i.payment.claim_id in claims else None)
            for i in matched
        ]
        new = set(await repo.insert_ignore(Adjudication, rows))
        visits = {r["visit_id"] for r in rows if r["payment_id"] in new and r["visit_id"]}
        if visits:
            await settle(repo, visits, new)


def payment_of(row: Adjudication, claim: VisitClaim) -> Payment:
    return Payment(
        payment_id=row.payment_id,
        claim_id=row.claim_id,
        level=claim.level,
        claim_seq=claim.seq,
        is_reversal=row.is_reversal,
        reversed_payment_id=row.reversed_payment_id,
        shares={ledger.decode(k): Decimal(v) for k, v in row.shares.items()},
        line_paid={k: Decimal(v) for k, v in row.line_paid.items()},
        forwarded=bool(row.crossover_payer or claim.next_payer_id),
        paid=row.paid_amount,
    )


async def settle(repo: LedgerRepository, visit_ids: set[str], new_payment_ids: set[str]) -> None:
    """Moves each visit's ledger to what its payers decided, one new payment at a time in
    arrival order (so each entry names the payment that caused it)."""
    visits = await repo.lock_visits(visit_ids)
    history = await repo.adjudications_of(visits)
    current: dict[str, dict[ledger.Key, Decimal]] = defaultdict(dict)
    for visit_id, line, category, total in await repo.insurance_side(visits):
        current[visit_id][line, category] = total
    by_visit: dict[str, list[tuple[Adjudication, VisitClaim]]] = defaultdict(list)
    for row, claim in history:
        by_visit[row.visit_id or ""].append((row, claim))
    entries: list[dict[str, Any]] = []
    states: list[tuple[str, bool, date | None]] = []  # visits whose state moved
    for visit_id, visit in visits.items():
        rows = by_visit.get(visit_id, [])
        seen: list[Payment] = []
        for row, claim in rows:
            payment = payment_of(row, claim)
            seen.append(payment)
            if row.payment_id not in new_payment_ids:
                continue
            decision = ledger.decide(seen)
            later = decision is not None and any(p.level < decision.level for p in seen)
            balance = current[visit_id]
            for change in ledger.changes(
                balance, decision, reversal=row.is_reversal, later_payer=later
            ):
                entries.append(_entry(repo.tenant_id, visit, row, change))
                key = (change.line_key, change.category)
                balance[key] = balance.get(key, ZERO) + change.amount
        decision = ledger.decide(seen)
        pending = bool(decision and decision.awaiting_next_payer)
        owed = sum(current[visit_id].values(), ZERO)
        due_since = visit.patient_due_since
        if owed > 0 and due_since is None and not pending:
            due_since = rows[-1][0].remittance_date if rows else today()
        if (pending, due_since) != (visit.pending_insurance, visit.patient_due_since):
            states.append((visit_id, pending, due_since))
    await repo.insert_many(LedgerEntry, entries)
    await repo.set_visit_states(states)
    await reconcile_credit(repo, {v.account_id for v in visits.values()})


def _entry(
    tenant_id: str, visit: Visit, row: Adjudication, change: ledger.Change
) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "account_id": visit.account_id,
        "visit_id": visit.id,
        "claim_id": row.claim_id,
        "line_key": change.line_key,
        "category": change.category,
        "kind": change.kind,
        "amount": change.amount,
        "posted_on": row.remittance_date,
        "event_id": row.event_id,
        "remittance_id": row.remittance_id,
        "payment_id": row.payment_id,
    }


async def reconcile_credit(repo: LedgerRepository, account_ids: set[str]) -> None:
    """A balance below zero is a credit the patient is owed: the account's open refund
    (status due) always equals it, so a balance never goes negative without a refund
    record. A credit that charges later use up voids the record."""
    balances = await repo.account_balances(account_ids)
    refunds = await repo.open_refunds(account_ids)
    for account_id, balance in balances.items():
        credit = -balance if balance < 0 else ZERO
        refund = refunds.get(account_id)
        if refund is None and credit > 0:
            [refund_id] = uuid4_strings(1)
            repo.session.add(
                Refund(
                    tenant_id=repo.tenant_id,
                    id=refund_id,
                    account_id=account_id,
                    amount=credit,
                    status="due",
                )
            )
        elif refund is not None and credit > 0:
            refund.amount = credit
        elif refund is not None:
            refund.status = "void"
