"""Every query of the claims service; each one filters by tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Select, Table, and_, case, delete, func, or_, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_claims.models import (
    Acknowledgment,
    Base,
    Claim,
    ClaimHistory,
    ClaimLine,
    Clinic,
    Coverage,
    IdempotencyRecord,
    Payer,
    Provider,
    Submission,
    SubmissionClaim,
)

T = TypeVar("T", bound=Base)


class _Repo:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def _one(self, stmt: Select[T]) -> T | None:
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add(self, *rows: Base) -> None:
        self.session.add_all(rows)
        await self.session.flush()


class ClinicRepository(_Repo):
    async def get(self, clinic_id: str, for_update: bool = False) -> Clinic | None:
        stmt = select(Clinic).where(Clinic.tenant_id == self.tenant_id, Clinic.id == clinic_id)
        return await self._one(stmt.with_for_update() if for_update else stmt)

    async def by_npi(self, npi: str) -> Clinic | None:
        return await self._one(
            select(Clinic).where(Clinic.tenant_id == self.tenant_id, Clinic.npi == npi)
        )

    async def page(
        self, after: str | None, limit: int, only: frozenset[str] | None
    ) -> Sequence[Clinic]:
        stmt = select(Clinic).where(Clinic.tenant_id == self.tenant_id)
        if only is not None:
            stmt = stmt.where(Clinic.id.in_(only))
        if after:
            stmt = stmt.where(Clinic.id > after)
        return (await self.session.execute(stmt.order_by(Clinic.id).limit(limit))).scalars().all()


class ProviderRepository(_Repo):
    async def get(self, provider_id: str, for_update: bool = False) -> Provider | None:
        stmt = select(Provider).where(
            Provider.tenant_id == self.tenant_id, Provider.id == provider_id
        )
        return await self._one(stmt.with_for_update() if for_update else stmt)

    async def by_npi(self, npi: str) -> Provider | None:
        return await self._one(
            select(Provider).where(Provider.tenant_id == self.tenant_id, Provider.npi == npi)
        )

    async def page(self, after: str | None, limit: int) -> Sequence[Provider]:
        stmt = select(Provider).where(Provider.tenant_id == self.tenant_id)
        if after:
            stmt = stmt.where(Provider.id > after)
        stmt = stmt.order_by(Provider.id).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()


class PayerRepository(_Repo):
    async def get(self, payer_id: str, for_update: bool = False) -> Payer | None:
        """By the payer's own id (as the clearinghouse knows it)."""
        stmt = select(Payer).where(Payer.tenant_id == self.tenant_id, Payer.payer_id == payer_id)
        return await self._one(stmt.with_for_update() if for_update else stmt)

    async def page(self, after: str | None, limit: int) -> Sequence[Payer]:
        stmt = select(Payer).where(Payer.tenant_id == self.tenant_id)
        if after:
            stmt = stmt.where(Payer.payer_id > after)
        stmt = stmt.order_by(Payer.payer_id).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()


class ClaimRepository(_Repo):
    async def get(self, claim_id: str, for_update: bool = False) -> Claim | None:
        stmt = select(Claim).where(Claim.tenant_id == self.tenant_id, Claim.id == claim_id)
        return await self._one(stmt.with_for_update() if for_update else stmt)

    async def by_control_numbers(
        self, pcns: Sequence[str], for_update: bool = False
    ) -> Sequence[Claim]:
        stmt = select(Claim).where(
            Claim.tenant_id == self.tenant_id, Claim.patient_control_number.in_(pcns)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalars().all()

    async def pcn_taken(self, pcns: Sequence[str]) -> set[str]:
        rows = await self.session.execute(
            select(Claim.patient_control_number).where(
                Claim.tenant_id == self.tenant_id, Claim.patient_control_number.in_(pcns)
            )
        )
        return set(rows.scalars().all())

    async def replace_lines(self, claim_id: str, lines: list[dict[str, Any]]) -> None:
        await self.session.execute(
            delete(ClaimLine).where(
                ClaimLine.tenant_id == self.tenant_id, ClaimLine.claim_id == claim_id
            )
        )
        if lines:
            await self.session.execute(
                insert(cast(Table, ClaimLine.__table__)),
                [{**line, "tenant_id": self.tenant_id} for line in lines],
            )

    async def insert_rows(self, model: type[Base], rows: list[dict[str, Any]]) -> None:
        # the Table, not the mapped class: a plain executemany without ORM bulk machinery
        if rows:
            await self.session.execute(insert(cast(Table, model.__table__)), rows)

    async def insert_lines(self, lines: list[dict[str, Any]]) -> None:
        if lines:
            await self.session.execute(
                insert(cast(Table, ClaimLine.__table__)),
                [{**line, "tenant_id": self.tenant_id} for line in lines],
            )

    async def duplicate_candidates(
        self, patient_keys: set[str], statuses: Sequence[str]
    ) -> Sequence[Any]:
        """Every line of the patients' claims in `statuses`: the scrubber matches payer,
        procedure, date and charge in memory, for a whole batch in one query."""
        stmt = (
            select(
                Claim.id.label("claim_id"),
                Claim.patient_key,
                Claim.payer_id,
                ClaimLine.procedure_code,
                ClaimLine.service_date,
                ClaimLine.charge,
            )
            .join(
                ClaimLine,
                and_(ClaimLine.claim_id == Claim.id, ClaimLine.tenant_id == Claim.tenant_id),
            )
            .where(
                Claim.tenant_id == self.tenant_id,
                Claim.patient_key.in_(patient_keys),
                Claim.status.in_(statuses),
            )
        )
        return (await self.session.execute(stmt)).all()

    async def page(
        self,
        filters: dict[str, Any],
        after: tuple[datetime, str] | None,
        limit: int,
        clinics: frozenset[str] | None,
    ) -> Sequence[Claim]:
        stmt = select(Claim).where(Claim.tenant_id == self.tenant_id)
        if clinics is not None:
            stmt = stmt.where(Claim.clinic_id.in_(clinics))
        for column in (
            "status",
            "clinic_id",
            "payer_id",
            "patient_control_number",
            "rendering_provider_id",
            "frequency_code",
        ):
            if filters.get(column):
                stmt = stmt.where(getattr(Claim, column) == filters[column])
        if filters.get("service_date_from"):
            stmt = stmt.where(Claim.service_date_from >= filters["service_date_from"])
        if filters.get("service_date_to"):
            stmt = stmt.where(Claim.service_date_from <= filters["service_date_to"])
        if after:
            stmt = stmt.where(
                or_(
                    Claim.created_at > after[0],
                    and_(Claim.created_at == after[0], Claim.id > after[1]),
                )
            )
        stmt = stmt.order_by(Claim.created_at, Claim.id).limit(limit)
        return (await self.session.execute(stmt)).scalars().all()

    async def ready_ids(self, clinic_id: str | None, payer_id: str | None, limit: int) -> list[str]:
        stmt = select(Claim.id).where(Claim.tenant_id == self.tenant_id, Claim.status == "ready")
        if clinic_id:
            stmt = stmt.where(Claim.clinic_id == clinic_id)
        if payer_id:
            stmt = stmt.where(Claim.payer_id == payer_id)
        stmt = stmt.order_by(Claim.created_at, Claim.id).limit(limit)
        return list((await self.session.execute(stmt)).scalars().all())

    async def lock_many(self, claim_ids: Sequence[str]) -> Sequence[Claim]:
        """Locked in id order (no deadlock between two submissions of overlapping sets);
        SKIP LOCKED so a claim another submission is taking is simply not taken twice."""
        stmt = (
            select(Claim)
            .where(Claim.tenant_id == self.tenant_id, Claim.id.in_(claim_ids))
            .order_by(Claim.id)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def history(self, claim_id: str) -> Sequence[ClaimHistory]:
        stmt = (
            select(ClaimHistory)
            .where(ClaimHistory.tenant_id == self.tenant_id, ClaimHistory.claim_id == claim_id)
            .order_by(ClaimHistory.id)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def record(
        self,
        claim_id: str,
        from_status: str | None,
        to_status: str,
        event_type: str,
        actor: str,
        detail: dict[str, Any],
    ) -> None:
        self.session.add(
            ClaimHistory(
                tenant_id=self.tenant_id,
                claim_id=claim_id,
                from_status=from_status,
                to_status=to_status,
                event_type=event_type,
                actor=actor,
                detail=detail,
            )
        )

    async def kpi_rows(
        self, date_from: date, date_to: date, clinics: frozenset[str] | None
    ) -> Sequence[Any]:
        """Per (payer, clinic): counts and dollars the KPI rules need, for claims with a
        first date of service in the range. Replacements and voids are left out: a
        claim's first attempt is what the rates measure."""
        stmt = (
            select(
                Claim.payer_id,
                Claim.clinic_id,
                func.count().label("claims"),
                func.count().filter(Claim.first_pass_clean.is_(True)).label("clean"),
                func.count().filter(Claim.first_pass_clean.is_not(None)).label("scrubbed"),
                func.count().filter(Claim.first_submitted_at.is_not(None)).label("submitted"),
                func.count().filter(Claim.first_acceptance.is_(True)).label("accepted_first"),
                func.count().filter(Claim.first_acceptance.is_not(None)).label("acked"),
                func.count().filter(Claim.adjudicated_at.is_not(None)).label("adjudicated"),
                func.count().filter(Claim.first_adjudication == "denied").label("denied"),
                func.coalesce(func.sum(Claim.total_charge), 0).label("charges"),
                func.coalesce(
                    func.sum(Claim.total_charge).filter(Claim.first_adjudication == "denied"), 0
                ).label("denied_charges"),
                func.coalesce(func.sum(Claim.paid_amount), 0).label("paid"),
            )
            .where(
                Claim.tenant_id == self.tenant_id,
                Claim.frequency_code == "1",
                Claim.service_date_from.between(date_from, date_to),
            )
            .group_by(Claim.payer_id, Claim.clinic_id)
        )
        if clinics is not None:
            stmt = stmt.where(Claim.clinic_id.in_(clinics))
        return (await self.session.execute(stmt)).all()

    async def open_receivables(self, as_of: date, clinics: frozenset[str] | None) -> Sequence[Any]:
        """Claims at the payer and not settled: what is still owed, by age bucket."""
        age = func.greatest(0, as_of - Claim.service_date_from)
        bucket = case(
            (age <= 30, "0-30"),
            (age <= 60, "31-60"),
            (age <= 90, "61-90"),
            (age <= 120, "91-120"),
            else_="120+",
        )
        stmt = (
            select(
                Claim.payer_id,
                Claim.clinic_id,
                bucket.label("bucket"),
                func.count().label("claims"),
                func.sum(Claim.total_charge - Claim.paid_amount).label("balance"),
            )
            .where(
                Claim.tenant_id == self.tenant_id,
                Claim.status.in_(("submitted", "accepted", "partially_paid")),
            )
            .group_by(Claim.payer_id, Claim.clinic_id, bucket)
        )
        if clinics is not None:
            stmt = stmt.where(Claim.clinic_id.in_(clinics))
        return (await self.session.execute(stmt)).all()

    async def days_to_payment(
        self, date_from: date, date_to: date, clinics: frozenset[str] | None
    ) -> Sequence[Any]:
        """Days from first submission to payment, per payer and clinic."""
        days = func.extract("epoch", Claim.paid_at - Claim.first_submitted_at) / 86400
        stmt = (
            select(
                Claim.payer_id,
                Claim.clinic_id,
                func.avg(days).label("days"),
                func.count().label("claims"),
            )
            .where(
                Claim.tenant_id == self.tenant_id,
                Claim.paid_at.is_not(None),
                Claim.first_submitted_at.is_not(None),
                Claim.service_date_from.between(date_from, date_to),
            )
            .group_by(Claim.payer_id, Claim.clinic_id)
        )
        if clinics is not None:
            stmt = stmt.where(Claim.clinic_id.in_(clinics))
        return (await self.session.execute(stmt)).all()


class IdempotencyRepository(_Repo):
    async def get(self, key: str) -> IdempotencyRecord | None:
        return await self._one(
            select(IdempotencyRecord).where(
                IdempotencyRecord.tenant_id == self.tenant_id, IdempotencyRecord.key == key
            )
        )

    async def lock(self, key: str) -> None:
        """Serialise requests carrying the same key until this transaction ends."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
            {"k": f"{self.tenant_id}|{key}"},
        )

    async def save(
        self, key: str, request_hash: str, status_code: int, response: dict[str, Any]
    ) -> None:
        self.session.add(
            IdempotencyRecord(
                tenant_id=self.tenant_id,
                key=key,
                request_hash=request_hash,
                status_code=status_code,
                response=response,
            )
        )


class CoverageRepository(_Repo):
    async def get(self, patient_key: str, payer_id: str) -> Coverage | None:
        return await self._one(
            select(Coverage).where(
                Coverage.tenant_id == self.tenant_id,
                Coverage.patient_key == patient_key,
                Coverage.payer_id == payer_id,
            )
        )

    async def get_many(self, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], Coverage]:
        if not pairs:
            return {}
        stmt = select(Coverage).where(
            Coverage.tenant_id == self.tenant_id,
            tuple_(Coverage.patient_key, Coverage.payer_id).in_(list(pairs)),
        )
        rows = (await self.session.execute(stmt)).scalars().all()
        return {(r.patient_key, r.payer_id): r for r in rows}

    async def upsert_if_newer(self, values: dict[str, Any]) -> None:
        stmt = insert(Coverage).values(tenant_id=self.tenant_id, **values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "patient_key", "payer_id"],
                set_={k: stmt.excluded[k] for k in values if k not in ("patient_key", "payer_id")},
                where=Coverage.checked_at < stmt.excluded.checked_at,
            )
        )


class SubmissionRepository(_Repo):
    async def get(self, submission_id: str) -> Submission | None:
        return await self._one(
            select(Submission).where(
                Submission.tenant_id == self.tenant_id, Submission.id == submission_id
            )
        )

    async def claims_of(self, submission_id: str) -> Sequence[SubmissionClaim]:
        stmt = (
            select(SubmissionClaim)
            .where(
                SubmissionClaim.tenant_id == self.tenant_id,
                SubmissionClaim.submission_id == submission_id,
            )
            .order_by(SubmissionClaim.transaction_control_number, SubmissionClaim.claim_id)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def links_for_transaction(
        self, group_control: str, transaction_control: str
    ) -> Sequence[SubmissionClaim]:
        """The claims a 999 speaks of: AK102 is our GS06, AK202 our ST02."""
        group = str(int(group_control)) if group_control.isdigit() else group_control
        stmt = (
            select(SubmissionClaim)
            .join(
                Submission,
                and_(
                    Submission.id == SubmissionClaim.submission_id,
                    Submission.tenant_id == SubmissionClaim.tenant_id,
                ),
            )
            .where(
                SubmissionClaim.tenant_id == self.tenant_id,
                Submission.group_control_number == group,
                SubmissionClaim.transaction_control_number == transaction_control,
            )
        )
        return (await self.session.execute(stmt)).scalars().all()


class ControlNumbers:
    """Interchange and group control numbers from database sequences: unique and never
    reused, across processes and restarts."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_interchange(self) -> int:
        return int(await self.session.scalar(text("SELECT nextval('x12_interchange_control_seq')")))

    async def next_group(self) -> int:
        return int(await self.session.scalar(text("SELECT nextval('x12_group_control_seq')")))


class DeliveryQueue:
    """Submissions waiting for their connector, across tenants (the worker's view)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim_due(self, now: datetime, limit: int) -> Sequence[Submission]:
        stmt = (
            select(Submission)
            .where(
                Submission.delivery_status == "pending",
                or_(Submission.next_attempt_at.is_(None), Submission.next_attempt_at <= now),
            )
            .order_by(Submission.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def mark(self, submission_id: str, **values: Any) -> None:
        await self.session.execute(
            update(Submission).where(Submission.id == submission_id).values(**values)
        )


class AcknowledgmentRepository(_Repo):
    async def get(self, ack_id: str) -> Acknowledgment | None:
        return await self._one(
            select(Acknowledgment).where(
                Acknowledgment.tenant_id == self.tenant_id, Acknowledgment.id == ack_id
            )
        )
