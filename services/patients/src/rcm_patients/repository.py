"""Every query of the patients service; each one filters by tenant."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from rcm_patients.domain.ledger import INSURANCE_KINDS, PATIENT_PAYMENT
from rcm_patients.models import (
    Account,
    AccountPatient,
    Adjudication,
    ClinicDirectoryEntry,
    LedgerEntry,
    PatientPayment,
    PaymentPlan,
    PlanInstallment,
    Refund,
    Statement,
    StatementPolicy,
    StatementRun,
    Visit,
    VisitClaim,
)

ZERO = Decimal("0.00")


async def one_snapshot(session: AsyncSession) -> None:
    """The rest of this transaction reads one snapshot: an account's balance, its visits and
    their sums agree even while a consumer commits a settlement between two of the reads.
    Must come before the transaction's first query."""
    await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))


class _Repo:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id


class ReferenceRepository(_Repo):
    async def clinic(self, clinic_id: str, for_update: bool = False) -> ClinicDirectoryEntry | None:
        stmt = select(ClinicDirectoryEntry).where(
            ClinicDirectoryEntry.tenant_id == self.tenant_id,
            ClinicDirectoryEntry.clinic_id == clinic_id,
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def clinic_ids(self) -> list[str]:
        stmt = select(ClinicDirectoryEntry.clinic_id).where(
            ClinicDirectoryEntry.tenant_id == self.tenant_id
        )
        return list((await self.session.execute(stmt)).scalars())

    async def upsert_clinic(self, values: dict[str, Any]) -> None:
        stmt = insert(ClinicDirectoryEntry).values(tenant_id=self.tenant_id, **values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "clinic_id"],
                set_={k: stmt.excluded[k] for k in values if k != "clinic_id"},
            )
        )


async def tenants_with_clinics(session: AsyncSession) -> list[str]:
    stmt = select(ClinicDirectoryEntry.tenant_id).distinct()
    return list((await session.execute(stmt)).scalars())


class LedgerRepository(_Repo):
    """Visits, claims, adjudications and the ledger: what the consumers write."""

    async def insert_ignore(self, model: type[Any], rows: list[dict[str, Any]]) -> list[Any]:
        """Inserts the rows that are new; returns the primary keys (last column) inserted.
        Core, one statement with the rows as parameters: compiled once, sent in pages
        (SQLAlchemy's insertmanyvalues), not a VALUES list compiled per batch."""
        if not rows:
            return []
        table = model.__table__
        key = list(table.primary_key.columns)[-1]
        stmt = insert(table).on_conflict_do_nothing().returning(key)
        return list((await self.session.execute(stmt, rows)).scalars())

    async def insert_many(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(model.__table__), rows)

    async def claims(self, claim_ids: Iterable[str]) -> dict[str, VisitClaim]:
        ids = list(set(claim_ids))
        if not ids:
            return {}
        stmt = select(VisitClaim).where(
            VisitClaim.tenant_id == self.tenant_id, VisitClaim.claim_id.in_(ids)
        )
        return {c.claim_id: c for c in (await self.session.execute(stmt)).scalars()}

    async def lock_claims(self, claim_ids: Iterable[str]) -> None:
        """Serialises the transactions that touch the same claims (a claim, the claims that
        follow it, its payments) until commit, in one order: each one then sees what the
        other wrote, and a payment or a following claim is never left waiting for a claim
        that came in meanwhile."""
        keys = sorted({f"{self.tenant_id}|{c}" for c in claim_ids})
        if keys:
            await self.session.execute(
                text(
                    "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 2))) "
                    "FROM (SELECT unnest(CAST(:keys AS text[])) AS k ORDER BY 1) AS s"
                ),
                {"keys": keys},
            )

    async def relink(self, claim_ids: Iterable[str]) -> list[str]:
        """Claims waiting on one of `claim_ids` (linked now) join its visit; returns them."""
        ids = list(set(claim_ids))
        if not ids:
            return []
        waiting = aliased(VisitClaim)
        stmt = (
            update(waiting)
            .where(
                waiting.tenant_id == self.tenant_id,
                waiting.linked.is_(False),
                waiting.visit_id.in_(ids),
                VisitClaim.tenant_id == self.tenant_id,
                VisitClaim.claim_id == waiting.visit_id,
                VisitClaim.linked.is_(True),
            )
            .values(visit_id=VisitClaim.visit_id, linked=True)
            .returning(waiting.claim_id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def accounts_of_keys(self, keys: Iterable[str]) -> dict[str, str]:
        ids = list(set(keys))
        if not ids:
            return {}
        stmt = select(AccountPatient.patient_key, AccountPatient.account_id).where(
            AccountPatient.tenant_id == self.tenant_id, AccountPatient.patient_key.in_(ids)
        )
        return {k: a for k, a in (await self.session.execute(stmt)).all()}

    async def attach_waiting(self, claim_ids: Iterable[str]) -> list[tuple[str, str]]:
        """Adjudications that came before their claim get its visit: (visit, payment) of
        each."""
        ids = list(set(claim_ids))
        if not ids:
            return []
        stmt = (
            update(Adjudication)
            .where(
                Adjudication.tenant_id == self.tenant_id,
                Adjudication.claim_id.in_(ids),
                Adjudication.visit_id.is_(None),
                VisitClaim.tenant_id == self.tenant_id,
                VisitClaim.claim_id == Adjudication.claim_id,
            )
            .values(visit_id=VisitClaim.visit_id)
            .returning(Adjudication.visit_id, Adjudication.payment_id)
        )
        return [(str(v), p) for v, p in await self.session.execute(stmt)]

    async def lock_visits(self, visit_ids: Iterable[str]) -> dict[str, Visit]:
        """The visits, locked: two batches settling one visit take turns."""
        ids = sorted(set(visit_ids))
        if not ids:
            return {}
        stmt = (
            select(Visit)
            .where(Visit.tenant_id == self.tenant_id, Visit.id.in_(ids))
            .order_by(Visit.id)
            .with_for_update()
        )
        return {v.id: v for v in (await self.session.execute(stmt)).scalars()}

    async def set_visit_states(self, states: list[tuple[str, bool, date | None]]) -> None:
        """(visit, pending insurance, patient due since) of many visits, in one statement."""
        if not states:
            return
        await self.session.execute(
            text(
                "UPDATE visits AS v SET pending_insurance = u.pending, "
                "patient_due_since = u.due, updated_at = now() "
                "FROM (SELECT unnest(CAST(:ids AS text[])) AS id, "
                "unnest(CAST(:pending AS boolean[])) AS pending, "
                "unnest(CAST(:due AS date[])) AS due) AS u "
                "WHERE v.tenant_id = :tenant AND v.id = u.id"
            ),
            {
                "tenant": self.tenant_id,
                "ids": [s[0] for s in states],
                "pending": [s[1] for s in states],
                "due": [s[2] for s in states],
            },
        )

    async def adjudications_of(
        self, visit_ids: Iterable[str]
    ) -> list[tuple[Adjudication, VisitClaim]]:
        ids = list(set(visit_ids))
        if not ids:
            return []
        stmt = (
            select(Adjudication, VisitClaim)
            .join(
                VisitClaim,
                and_(
                    VisitClaim.tenant_id == Adjudication.tenant_id,
                    VisitClaim.claim_id == Adjudication.claim_id,
                ),
            )
            .where(Adjudication.tenant_id == self.tenant_id, Adjudication.visit_id.in_(ids))
            .order_by(Adjudication.seq)
        )
        return [(a, c) for a, c in (await self.session.execute(stmt)).tuples()]

    async def insurance_side(self, visit_ids: Iterable[str]) -> list[tuple[str, str, str, Decimal]]:
        """(visit, line key, category, sum) of the entries the payers caused."""
        ids = list(set(visit_ids))
        if not ids:
            return []
        stmt = (
            select(
                LedgerEntry.visit_id,
                LedgerEntry.line_key,
                LedgerEntry.category,
                func.sum(LedgerEntry.amount),
            )
            .where(
                LedgerEntry.tenant_id == self.tenant_id,
                LedgerEntry.visit_id.in_(ids),
                LedgerEntry.kind.in_(INSURANCE_KINDS),
            )
            .group_by(LedgerEntry.visit_id, LedgerEntry.line_key, LedgerEntry.category)
        )
        rows = await self.session.execute(stmt)
        return [(str(v), str(line), str(cat), total) for v, line, cat, total in rows]

    async def account_balances(self, account_ids: Iterable[str]) -> dict[str, Decimal]:
        ids = list(set(account_ids))
        if not ids:
            return {}
        stmt = (
            select(LedgerEntry.account_id, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.tenant_id == self.tenant_id, LedgerEntry.account_id.in_(ids))
            .group_by(LedgerEntry.account_id)
        )
        found = {a: total for a, total in await self.session.execute(stmt)}
        return {a: found.get(a, ZERO) for a in ids}

    async def open_refunds(self, account_ids: Iterable[str]) -> dict[str, Refund]:
        ids = list(set(account_ids))
        if not ids:
            return {}
        stmt = (
            select(Refund)
            .where(
                Refund.tenant_id == self.tenant_id,
                Refund.account_id.in_(ids),
                Refund.status == "due",
            )
            .with_for_update()
        )
        return {r.account_id: r for r in (await self.session.execute(stmt)).scalars()}

    async def move_account(self, old: str, new: str) -> None:
        """An unregistered account's visits and ledger go to the account that registers
        its patient."""
        for model in (Visit, LedgerEntry, Refund, AccountPatient):
            await self.session.execute(
                update(model)
                .where(model.tenant_id == self.tenant_id, model.account_id == old)
                .values(account_id=new)
            )
        await self.session.execute(
            delete(Account).where(Account.tenant_id == self.tenant_id, Account.id == old)
        )


class AccountRepository(_Repo):
    async def get(self, account_id: str, for_update: bool = False) -> Account | None:
        stmt = select(Account).where(Account.tenant_id == self.tenant_id, Account.id == account_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def patients_by_key(self, keys: Iterable[str]) -> dict[str, AccountPatient]:
        ids = list(set(keys))
        if not ids:
            return {}
        stmt = select(AccountPatient).where(
            AccountPatient.tenant_id == self.tenant_id, AccountPatient.patient_key.in_(ids)
        )
        return {p.patient_key: p for p in (await self.session.execute(stmt)).scalars()}

    async def patients_of(self, account_id: str) -> list[AccountPatient]:
        stmt = (
            select(AccountPatient)
            .where(
                AccountPatient.tenant_id == self.tenant_id, AccountPatient.account_id == account_id
            )
            .order_by(
                AccountPatient.last_name, AccountPatient.first_name, AccountPatient.patient_key
            )
        )
        return list((await self.session.execute(stmt)).scalars())

    async def page(
        self,
        clinics: frozenset[str] | None,
        clinic_id: str | None,
        after: str | None,
        limit: int,
    ) -> list[Account]:
        stmt = select(Account).where(Account.tenant_id == self.tenant_id)
        if clinics is not None:
            stmt = stmt.where(Account.clinic_id.in_(clinics))
        if clinic_id is not None:
            stmt = stmt.where(Account.clinic_id == clinic_id)
        if after is not None:
            stmt = stmt.where(Account.id > after)
        stmt = stmt.order_by(Account.id).limit(limit + 1)
        return list((await self.session.execute(stmt)).scalars())

    async def of_clinic(self, clinic_id: str) -> list[Account]:
        stmt = (
            select(Account)
            .where(Account.tenant_id == self.tenant_id, Account.clinic_id == clinic_id)
            .order_by(Account.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def visits_of(self, account_ids: Iterable[str]) -> list[Visit]:
        ids = list(set(account_ids))
        if not ids:
            return []
        stmt = (
            select(Visit)
            .where(Visit.tenant_id == self.tenant_id, Visit.account_id.in_(ids))
            .order_by(Visit.service_date_from, Visit.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def visit_of_claim(self, claim_id: str) -> Visit | None:
        stmt = (
            select(Visit)
            .join(
                VisitClaim,
                and_(VisitClaim.tenant_id == Visit.tenant_id, VisitClaim.visit_id == Visit.id),
            )
            .where(Visit.tenant_id == self.tenant_id, VisitClaim.claim_id == claim_id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def visit_sums(self, visit_ids: Iterable[str]) -> dict[str, dict[str, Decimal]]:
        """visit -> kind -> sum of its entries."""
        ids = list(set(visit_ids))
        out: dict[str, dict[str, Decimal]] = {v: {} for v in ids}
        if not ids:
            return out
        stmt = (
            select(LedgerEntry.visit_id, LedgerEntry.kind, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.tenant_id == self.tenant_id, LedgerEntry.visit_id.in_(ids))
            .group_by(LedgerEntry.visit_id, LedgerEntry.kind)
        )
        for visit_id, kind, total in await self.session.execute(stmt):
            out[str(visit_id)][kind] = total
        return out

    async def last_patient_payment_days(self, visit_ids: Iterable[str]) -> dict[str, date]:
        ids = list(set(visit_ids))
        if not ids:
            return {}
        stmt = (
            select(LedgerEntry.visit_id, func.max(LedgerEntry.posted_on))
            .where(
                LedgerEntry.tenant_id == self.tenant_id,
                LedgerEntry.visit_id.in_(ids),
                LedgerEntry.kind == PATIENT_PAYMENT,
            )
            .group_by(LedgerEntry.visit_id)
        )
        return {str(v): d for v, d in await self.session.execute(stmt)}

    async def account_refunds(self, account_id: str) -> list[Refund]:
        stmt = (
            select(Refund)
            .where(Refund.tenant_id == self.tenant_id, Refund.account_id == account_id)
            .order_by(Refund.created_at)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def ledger(self, account_id: str) -> list[LedgerEntry]:
        stmt = (
            select(LedgerEntry)
            .where(LedgerEntry.tenant_id == self.tenant_id, LedgerEntry.account_id == account_id)
            .order_by(LedgerEntry.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def claims_of_visits(self, visit_ids: Iterable[str]) -> list[VisitClaim]:
        ids = list(set(visit_ids))
        if not ids:
            return []
        stmt = (
            select(VisitClaim)
            .where(VisitClaim.tenant_id == self.tenant_id, VisitClaim.visit_id.in_(ids))
            .order_by(VisitClaim.seq)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def live_adjudications(self, visit_ids: Iterable[str]) -> list[Adjudication]:
        ids = list(set(visit_ids))
        if not ids:
            return []
        stmt = (
            select(Adjudication)
            .where(Adjudication.tenant_id == self.tenant_id, Adjudication.visit_id.in_(ids))
            .order_by(Adjudication.seq)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def payments_of(self, account_id: str) -> list[PatientPayment]:
        stmt = (
            select(PatientPayment)
            .where(
                PatientPayment.tenant_id == self.tenant_id, PatientPayment.account_id == account_id
            )
            .order_by(PatientPayment.created_at)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def last_payment_day(self, account_ids: Iterable[str]) -> dict[str, date]:
        ids = list(set(account_ids))
        if not ids:
            return {}
        stmt = (
            select(PatientPayment.account_id, func.max(PatientPayment.received_on))
            .where(PatientPayment.tenant_id == self.tenant_id, PatientPayment.account_id.in_(ids))
            .group_by(PatientPayment.account_id)
        )
        return {a: d for a, d in await self.session.execute(stmt)}

    async def all_visits(
        self, clinic_id: str | None, clinics: frozenset[str] | None
    ) -> list[Visit]:
        stmt = select(Visit).where(Visit.tenant_id == self.tenant_id)
        if clinic_id is not None:
            stmt = stmt.where(Visit.clinic_id == clinic_id)
        if clinics is not None:
            stmt = stmt.where(Visit.clinic_id.in_(clinics))
        return list((await self.session.execute(stmt)).scalars())


class PlanRepository(_Repo):
    async def get(self, plan_id: str, for_update: bool = False) -> PaymentPlan | None:
        stmt = select(PaymentPlan).where(
            PaymentPlan.tenant_id == self.tenant_id, PaymentPlan.id == plan_id
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def active_of(self, account_ids: Iterable[str]) -> dict[str, PaymentPlan]:
        ids = list(set(account_ids))
        if not ids:
            return {}
        stmt = (
            select(PaymentPlan)
            .where(
                PaymentPlan.tenant_id == self.tenant_id,
                PaymentPlan.account_id.in_(ids),
                PaymentPlan.status == "active",
            )
            .with_for_update()
        )
        return {p.account_id: p for p in (await self.session.execute(stmt)).scalars()}

    async def of_account(self, account_id: str) -> list[PaymentPlan]:
        stmt = (
            select(PaymentPlan)
            .where(PaymentPlan.tenant_id == self.tenant_id, PaymentPlan.account_id == account_id)
            .order_by(PaymentPlan.created_at)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def installments(
        self, plan_ids: Iterable[str], for_update: bool = False
    ) -> list[PlanInstallment]:
        ids = list(set(plan_ids))
        if not ids:
            return []
        stmt = (
            select(PlanInstallment)
            .where(PlanInstallment.tenant_id == self.tenant_id, PlanInstallment.plan_id.in_(ids))
            .order_by(PlanInstallment.plan_id, PlanInstallment.number)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return list((await self.session.execute(stmt)).scalars())

    async def counts(self, clinic_id: str | None) -> dict[str, int]:
        stmt = (
            select(PaymentPlan.status, func.count())
            .join(
                Account,
                and_(
                    Account.tenant_id == PaymentPlan.tenant_id, Account.id == PaymentPlan.account_id
                ),
            )
            .where(PaymentPlan.tenant_id == self.tenant_id)
            .group_by(PaymentPlan.status)
        )
        if clinic_id is not None:
            stmt = stmt.where(Account.clinic_id == clinic_id)
        return {s: n for s, n in await self.session.execute(stmt)}


class StatementRepository(_Repo):
    async def policy(self, clinic_id: str) -> StatementPolicy | None:
        stmt = select(StatementPolicy).where(
            StatementPolicy.tenant_id == self.tenant_id, StatementPolicy.clinic_id == clinic_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def save_policy(self, clinic_id: str, rules: dict[str, Any]) -> None:
        stmt = insert(StatementPolicy).values(
            tenant_id=self.tenant_id, clinic_id=clinic_id, rules=rules
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "clinic_id"],
                set_={"rules": stmt.excluded.rules, "updated_at": func.now()},
            )
        )

    async def lock_clinic_cycle(self, clinic_id: str) -> None:
        """One statement run per clinic at a time (the worker and an on-demand run)."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 1))"),
            {"k": f"{self.tenant_id}|{clinic_id}"},
        )

    async def last_run(self, clinic_id: str) -> StatementRun | None:
        stmt = (
            select(StatementRun)
            .where(StatementRun.tenant_id == self.tenant_id, StatementRun.clinic_id == clinic_id)
            .order_by(StatementRun.as_of.desc(), StatementRun.created_at.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def run(self, run_id: str) -> StatementRun | None:
        stmt = select(StatementRun).where(
            StatementRun.tenant_id == self.tenant_id, StatementRun.id == run_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def last_letters(self, account_ids: Iterable[str]) -> dict[str, Statement]:
        ids = list(set(account_ids))
        if not ids:
            return {}
        stmt = (
            select(Statement)
            .where(Statement.tenant_id == self.tenant_id, Statement.account_id.in_(ids))
            .order_by(Statement.account_id, Statement.issued_on.desc(), Statement.created_at.desc())
            .distinct(Statement.account_id)
        )
        return {s.account_id: s for s in (await self.session.execute(stmt)).scalars()}

    async def get(self, statement_id: str) -> Statement | None:
        stmt = select(Statement).where(
            Statement.tenant_id == self.tenant_id, Statement.id == statement_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def find(
        self,
        account_id: str | None,
        run_id: str | None,
        clinics: frozenset[str] | None,
        limit: int,
    ) -> Sequence[Statement]:
        stmt = select(Statement).where(Statement.tenant_id == self.tenant_id)
        if account_id is not None:
            stmt = stmt.where(Statement.account_id == account_id)
        if run_id is not None:
            stmt = stmt.where(Statement.run_id == run_id)
        if clinics is not None:
            stmt = stmt.where(Statement.clinic_id.in_(clinics))
        stmt = stmt.order_by(Statement.created_at.desc(), Statement.id).limit(limit)
        return list((await self.session.execute(stmt)).scalars())

    async def counts(self, clinic_id: str | None) -> dict[str, int]:
        stmt = (
            select(Statement.notice, func.count())
            .where(Statement.tenant_id == self.tenant_id)
            .group_by(Statement.notice)
        )
        if clinic_id is not None:
            stmt = stmt.where(Statement.clinic_id == clinic_id)
        return {n: c for n, c in await self.session.execute(stmt)}

    async def flagged(self, clinic_id: str | None) -> int:
        stmt = select(func.count()).where(
            Account.tenant_id == self.tenant_id, Account.collections_flagged_on.is_not(None)
        )
        if clinic_id is not None:
            stmt = stmt.where(Account.clinic_id == clinic_id)
        return int((await self.session.execute(stmt)).scalar_one())
