"""Every query of the claims service; each one filters by tenant."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast

from asyncpg import UniqueViolationError
from pydantic_core import to_json
from sqlalchemy import (
    Select,
    Table,
    and_,
    case,
    delete,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_claims.domain.claim import ClaimData
from rcm_claims.models import (
    MONEY,
    Acknowledgment,
    Base,
    Claim,
    ClaimHistory,
    ClaimLine,
    Clinic,
    Coverage,
    FollowUp,
    Payer,
    Provider,
    StatusCheck,
    Submission,
    SubmissionClaim,
)
from rcm_shared.errors import Conflict
from rcm_shared.events.catalog import CATALOG

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

    async def _driver(self) -> Any:
        """The session's asyncpg connection, for the intake statements that SQLAlchemy's
        per-statement overhead would dominate. Pending ORM changes are flushed first, as
        an ORM query would; statements then run inside the session's transaction when one
        is open, and each is atomic on its own when none is."""
        await self.session.flush()
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        return raw.driver_connection


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

    async def ready_ids(
        self,
        clinic_id: str | None,
        payer_id: str | None,
        limit: int,
        clinics: frozenset[str] | None,
    ) -> list[str]:
        stmt = select(Claim.id).where(Claim.tenant_id == self.tenant_id, Claim.status == "ready")
        if clinics is not None:  # a token limited to some clinics sees only theirs
            stmt = stmt.where(Claim.clinic_id.in_(clinics))
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
        first date of service in the range. The rates and charges count a visit's first
        claim only (what a first attempt achieved); paid counts every dollar the payers
        paid for those visits, replacements included, so that it is the same money the
        remittance service posted."""
        # a visit's first claim: the original to its primary payer (a secondary payer's
        # claim for the same visit is not a second attempt)
        first = and_(Claim.frequency_code == "1", Claim.payer_responsibility == "P")
        stmt = (
            select(
                Claim.payer_id,
                Claim.clinic_id,
                func.count().filter(first).label("claims"),
                func.count().filter(first, Claim.first_pass_clean.is_(True)).label("clean"),
                func.count().filter(first, Claim.first_pass_clean.is_not(None)).label("scrubbed"),
                func.count()
                .filter(first, Claim.first_submitted_at.is_not(None))
                .label("submitted"),
                func.count()
                .filter(first, Claim.first_acceptance.is_(True))
                .label("accepted_first"),
                func.count().filter(first, Claim.first_acceptance.is_not(None)).label("acked"),
                func.count().filter(first, Claim.adjudicated_at.is_not(None)).label("adjudicated"),
                func.count().filter(first, Claim.first_adjudication == "denied").label("denied"),
                func.coalesce(func.sum(Claim.total_charge).filter(first), 0).label("charges"),
                func.coalesce(
                    func.sum(Claim.total_charge).filter(
                        first, Claim.first_adjudication == "denied"
                    ),
                    0,
                ).label("denied_charges"),
                func.coalesce(func.sum(Claim.paid_amount), 0).label("paid"),
                func.coalesce(
                    func.sum(Claim.paid_amount).filter(Claim.frequency_code == "7"), 0
                ).label("paid_on_corrections"),
                func.coalesce(
                    func.sum(Claim.paid_amount).filter(Claim.payer_responsibility != "P"), 0
                ).label("paid_by_later_payers"),
            )
            .where(
                Claim.tenant_id == self.tenant_id,
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
                func.sum(_expected(Claim) - Claim.paid_amount).label("balance"),
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


class CoverageRepository(_Repo):
    async def get(self, patient_key: str, payer_id: str) -> Coverage | None:
        return await self._one(
            select(Coverage).where(
                Coverage.tenant_id == self.tenant_id,
                Coverage.patient_key == patient_key,
                Coverage.payer_id == payer_id,
            )
        )

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


# What a claim can still bring in: its charge, or, for a secondary or tertiary claim,
# what the prior payers left to the patient (the smallest remaining liability along the
# chain is the last payer's): the charge again would count the visit's A/R twice.
_LEFT_BY_PRIORS = literal_column(
    "(SELECT min((c->'adjudication'->>'remaining_patient_liability')::numeric)"
    " FROM jsonb_array_elements(claims.data->'other_coverages') AS c"
    " WHERE c->'adjudication'->>'remaining_patient_liability' IS NOT NULL)",
    MONEY,
)


def _expected(claim: type[Claim]) -> Any:
    return case(
        (claim.payer_responsibility == "P", claim.total_charge),
        else_=func.coalesce(_LEFT_BY_PRIORS, claim.total_charge),
    )


# claims at the payer and not decided: the ones a claim status inquiry is about
AWAITING_DECISION = ("submitted", "accepted")


def _days_waiting(at: datetime) -> Any:
    return func.extract("epoch", at - Claim.submitted_at) / 86400


class StatusQueue:
    """Claims past their payer's days without an 835, across tenants (the worker's view)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim_due(self, at: datetime, recheck_days: int, limit: int) -> Sequence[Claim]:
        stmt = (
            select(Claim)
            .join(
                Payer,
                and_(Payer.tenant_id == Claim.tenant_id, Payer.payer_id == Claim.payer_id),
            )
            .where(
                Claim.status.in_(AWAITING_DECISION),
                Claim.submitted_at.is_not(None),
                _days_waiting(at) >= Payer.claim_status_after_days,
                or_(
                    Claim.last_status_at.is_(None),
                    Claim.last_status_at < at - timedelta(days=recheck_days),
                ),
            )
            .order_by(Claim.submitted_at, Claim.id)
            .limit(limit)
            .with_for_update(of=Claim, skip_locked=True)
        )
        return (await self.session.execute(stmt)).scalars().all()


class FollowUpRepository(_Repo):
    async def add_check(self, check: StatusCheck) -> None:
        self.session.add(check)

    async def check(self, check_id: str) -> StatusCheck | None:
        row = await self.session.get(StatusCheck, check_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    async def checks_of(self, claim_id: str) -> Sequence[StatusCheck]:
        stmt = (
            select(StatusCheck)
            .where(StatusCheck.tenant_id == self.tenant_id, StatusCheck.claim_id == claim_id)
            .order_by(StatusCheck.asked_at.desc())
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def open_item(
        self, claim_id: str, reason: str, at: datetime, detail: dict[str, Any]
    ) -> None:
        """Opens the item unless one for this claim and reason is open already."""
        await self.session.execute(
            insert(FollowUp)
            .values(
                id=str(uuid.uuid4()),
                tenant_id=self.tenant_id,
                claim_id=claim_id,
                reason=reason,
                opened_at=at,
                detail=detail,
            )
            .on_conflict_do_nothing(
                index_elements=["tenant_id", "claim_id", "reason"],
                index_where=text("resolved_at IS NULL"),
            )
        )

    async def resolve_items(self, claim_id: str, at: datetime) -> None:
        await self.session.execute(
            update(FollowUp)
            .where(
                FollowUp.tenant_id == self.tenant_id,
                FollowUp.claim_id == claim_id,
                FollowUp.resolved_at.is_(None),
            )
            .values(resolved_at=at)
        )

    async def work_list(
        self, at: datetime, limit: int, clinics: frozenset[str] | None
    ) -> Sequence[Any]:
        """The aging A/R work list: claims at the payer past its days without an 835, and
        claims with an open item; most dollars first, then the longest waiting."""
        balance = _expected(Claim) - Claim.paid_amount
        has_open = (
            select(FollowUp.id)
            .where(
                FollowUp.tenant_id == Claim.tenant_id,
                FollowUp.claim_id == Claim.id,
                FollowUp.resolved_at.is_(None),
            )
            .exists()
        )
        stmt = (
            select(
                Claim,
                Payer.claim_status_after_days.label("expected_days"),
                _days_waiting(at).label("days_waiting"),
            )
            .join(
                Payer,
                and_(Payer.tenant_id == Claim.tenant_id, Payer.payer_id == Claim.payer_id),
            )
            .where(
                Claim.tenant_id == self.tenant_id,
                Claim.submitted_at.is_not(None),
                or_(
                    and_(
                        Claim.status.in_(AWAITING_DECISION),
                        _days_waiting(at) >= Payer.claim_status_after_days,
                    ),
                    has_open,
                ),
            )
            .order_by(balance.desc(), Claim.submitted_at, Claim.id)
            .limit(limit)
        )
        if clinics is not None:
            stmt = stmt.where(Claim.clinic_id.in_(clinics))
        return (await self.session.execute(stmt)).all()

    async def open_items(self, claim_ids: list[str]) -> Sequence[FollowUp]:
        if not claim_ids:
            return []
        stmt = (
            select(FollowUp)
            .where(
                FollowUp.tenant_id == self.tenant_id,
                FollowUp.claim_id.in_(claim_ids),
                FollowUp.resolved_at.is_(None),
            )
            .order_by(FollowUp.opened_at)
        )
        return (await self.session.execute(stmt)).scalars().all()


class AcknowledgmentRepository(_Repo):
    async def get(self, ack_id: str) -> Acknowledgment | None:
        return await self._one(
            select(Acknowledgment).where(
                Acknowledgment.tenant_id == self.tenant_id, Acknowledgment.id == ack_id
            )
        )


# ----------------------------------------------------------------------------- intake
#
# Taking claims in is the hot path (a clinic system posts them one by one, all day), so it
# costs one read and one write per request or batch, straight on the asyncpg connection:
# SQLAlchemy's compile and result machinery cost more CPU than the statements themselves.


@dataclass(frozen=True)
class ClinicFacts:
    npi: str
    postal_code: str
    address_line1: str


@dataclass(frozen=True)
class PayerFacts:
    timely_filing_days: int
    prior_auth_procedures: frozenset[str]


@dataclass(frozen=True)
class CoverageFacts:
    status: str
    coverage_start: date | None
    coverage_end: date | None


# (patient key, payer id, procedure code, service date, charge) of a line at the payer
LineKey = tuple[str, str, str, date, Decimal]


@dataclass
class IntakeFacts:
    """What intake and the scrubber need to know about a set of claims, from one query."""

    taken_pcns: set[str] = field(default_factory=set)
    clinics: dict[str, ClinicFacts] = field(default_factory=dict)
    payers: dict[str, PayerFacts] = field(default_factory=dict)
    provider_npis: dict[str, str] = field(default_factory=dict)
    coverage: dict[tuple[str, str], CoverageFacts] = field(default_factory=dict)
    lines_at_payer: dict[LineKey, set[str]] = field(default_factory=dict)  # -> claim ids


_INTAKE_FACTS = """
SELECT
  ARRAY(SELECT patient_control_number FROM claims
        WHERE tenant_id = $1 AND patient_control_number = ANY($2::text[])),
  ARRAY(SELECT row(id, npi, address->>'postal_code', address->>'line1') FROM clinics
        WHERE tenant_id = $1 AND id = ANY($3::text[])),
  ARRAY(SELECT row(payer_id, timely_filing_days,
                   ARRAY(SELECT jsonb_array_elements_text(prior_auth_procedures)))
        FROM payers WHERE tenant_id = $1 AND payer_id = ANY($4::text[])),
  ARRAY(SELECT row(id, npi) FROM providers WHERE tenant_id = $1 AND id = ANY($5::text[])),
  ARRAY(SELECT row(patient_key, payer_id, status, coverage_start, coverage_end)
        FROM coverages
        WHERE tenant_id = $1 AND patient_key = ANY($6::text[])  -- the key's index path
          AND (patient_key, payer_id) IN (SELECT * FROM unnest($6::text[], $7::text[]))),
  ARRAY(SELECT row(c.id, c.patient_key, c.payer_id, l.procedure_code, l.service_date,
                   l.charge)
        FROM claims c
        JOIN claim_lines l ON l.claim_id = c.id AND l.tenant_id = c.tenant_id
        WHERE c.tenant_id = $1 AND c.patient_key = ANY($8::text[])
          AND c.status = ANY($9::text[]))
"""


def _rowset_insert(
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: int,
    encoded: tuple[str, str, int] | None = None,
) -> str:
    """INSERT of many rows as one statement: the rows as one JSON array of objects ($rows),
    typed by json_to_recordset, and $1, the tenant, for every row. asyncpg encodes an array
    parameter element by element, each with a few isinstance checks against abstract base
    classes; one JSON text per table costs a fraction of that, and PostgreSQL's JSON parser
    has time to spare. `encoded` (column, type, parameter) is a column whose values are JSON
    text already: they travel as a text[] beside the rows (ROWS FROM zips the two), not
    encoded a second time."""
    names = [name for name, _ in columns]
    values = [f"r.{name}" for name in names]
    definitions = ", ".join(f"{name} {kind}" for name, kind in columns)
    source = f"json_to_recordset(${rows}::json) AS r({definitions})"
    if encoded is not None:
        name, kind, param = encoded
        source = (
            f"ROWS FROM (json_to_recordset(${rows}::json) AS ({definitions}), "
            f"unnest(${param}::text[])) AS r"
        )
        names.append(name)
        values.append(f"r.unnest::{kind}")
    return (
        f"INSERT INTO {table} (tenant_id, {', '.join(names)}) "
        f"SELECT $1, {', '.join(values)} FROM {source}"
    )


# Columns a new claim has; the others (replaced_by_claim_id, submitted_at, ...) start NULL.
_CLAIM_COLUMNS = (
    ("id", "text"),
    ("patient_control_number", "text"),
    ("clinic_id", "text"),
    ("payer_id", "text"),
    ("rendering_provider_id", "text"),
    ("patient_key", "text"),
    ("status", "text"),
    ("frequency_code", "text"),
    ("original_claim_id", "text"),
    ("payer_responsibility", "text"),
    ("prior_claim_id", "text"),
    ("payer_claim_control_number", "text"),
    ("total_charge", "numeric"),
    ("paid_amount", "numeric"),
    ("patient_responsibility", "numeric"),
    ("service_date_from", "date"),
    ("service_date_to", "date"),
    ("first_pass_clean", "bool"),
    ("edits", "jsonb"),
    ("rejection_reasons", "jsonb"),
    ("version", "int4"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
)
_LINE_COLUMNS = (
    ("claim_id", "text"),
    ("line_number", "int4"),
    ("procedure_code", "text"),
    ("modifiers", "text"),
    ("charge", "numeric"),
    ("service_date", "date"),
)
_HISTORY_COLUMNS = (
    ("claim_id", "text"),
    ("from_status", "text"),
    ("to_status", "text"),
    ("event_type", "text"),
    ("actor", "text"),
    ("detail", "jsonb"),
)
# rcm_shared.messaging.tables.outbox: the Debezium-named columns the relay reads.
_OUTBOX_COLUMNS = (
    ("id", "uuid"),
    ("aggregatetype", "text"),
    ("aggregateid", "text"),
    ("type", "text"),
)


def _intake_insert() -> str:
    """Claims ($2, their `data` in $3), lines ($4), history ($5) and outbox events ($6,
    their envelopes in $7): one statement."""
    claims = _rowset_insert("claims", _CLAIM_COLUMNS, 2, ("data", "jsonb", 3))
    lines = _rowset_insert("claim_lines", _LINE_COLUMNS, 4)
    history = _rowset_insert("claim_history", _HISTORY_COLUMNS, 5)
    # the payload is stored as the text it is (json, not jsonb): no parse on the way in
    events = _rowset_insert("outbox", _OUTBOX_COLUMNS, 6, ("payload", "json", 7))
    return f"WITH s0 AS ({claims}), s1 AS ({lines}), s2 AS ({history}) {events}"


_INTAKE_INSERT = _intake_insert()
_CLAIM_NAMES = tuple(name for name, _ in _CLAIM_COLUMNS)
_PCN_CONSTRAINT = "uq_claims_tenant_id_patient_control_number"


@dataclass(frozen=True, slots=True)
class NewClaim:
    """A claim as intake writes it: the column values an ORM Claim would carry, without
    the ORM's per-attribute bookkeeping (which cost more than scrubbing the claim). The
    columns a new claim leaves empty read None."""

    id: str
    patient_control_number: str
    clinic_id: str
    payer_id: str
    rendering_provider_id: str | None
    patient_key: str
    status: str
    frequency_code: str
    original_claim_id: str | None
    total_charge: Decimal
    paid_amount: Decimal
    patient_responsibility: Decimal
    service_date_from: date
    service_date_to: date
    first_pass_clean: bool
    edits: list[dict[str, str]]
    rejection_reasons: list[str]
    version: int
    created_at: datetime
    updated_at: datetime
    claim: ClaimData  # the `data` column, validated
    data_json: str  # the same, encoded: the `data` column's text and the answer's "claim"
    payer_responsibility: str = "P"
    prior_claim_id: str | None = None
    payer_claim_control_number: str | None = None
    replaced_by_claim_id: str | None = None
    next_claim_id: str | None = None
    submitted_at: datetime | None = None


@dataclass
class IntakeRows:
    """New claims with their lines, history and events, written by one statement."""

    claims: list[NewClaim] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    # CloudEvent envelopes in JSON form (rcm_shared.events.catalog.unchecked_envelope)
    events: list[dict[str, Any]] = field(default_factory=list)


class IntakeRepository(_Repo):
    """Intake's set-based statements. On the session's connection, or on an asyncpg
    `connection` of its own, when no ORM work shares the transaction."""

    def __init__(self, session: AsyncSession, tenant_id: str, connection: Any = None) -> None:
        super().__init__(session, tenant_id)
        self._connection = connection

    async def _driver(self) -> Any:
        if self._connection is not None:
            return self._connection
        return await super()._driver()

    async def facts(
        self,
        pcns: Sequence[str],
        clinic_ids: set[str],
        payer_ids: set[str],
        provider_ids: set[str],
        coverage_keys: set[tuple[str, str]],
        duplicate_statuses: Sequence[str],
    ) -> IntakeFacts:
        """Taken control numbers, reference data, coverage and every line of the patients'
        claims in `duplicate_statuses` (matched in memory by the scrubber): one round trip."""
        pairs = list(coverage_keys)
        pg = await self._driver()
        row = await pg.fetchrow(
            _INTAKE_FACTS,
            self.tenant_id,
            list(pcns),
            list(clinic_ids),
            list(payer_ids),
            list(provider_ids),
            [k for k, _ in pairs],
            [p for _, p in pairs],
            list({k for k, _ in pairs}),
            list(duplicate_statuses),
        )
        taken, clinics, payers, providers, coverage, lines = row
        facts = IntakeFacts(
            taken_pcns=set(taken),
            clinics={r[0]: ClinicFacts(r[1], r[2], r[3]) for r in clinics},
            payers={r[0]: PayerFacts(r[1], frozenset(r[2])) for r in payers},
            provider_npis={r[0]: r[1] for r in providers},
            coverage={(r[0], r[1]): CoverageFacts(r[2], r[3], r[4]) for r in coverage},
        )
        for claim_id, *key in lines:
            facts.lines_at_payer.setdefault(tuple(key), set()).add(claim_id)
        return facts

    @contextlib.asynccontextmanager
    async def atomic(self) -> AsyncIterator[None]:
        """Several intake statements as one: inside the session's transaction when one is
        open, else in a transaction of their own."""
        pg = await self._driver()
        if pg.is_in_transaction():
            yield
            return
        async with pg.transaction():
            yield

    async def insert(self, rows: IntakeRows) -> None:
        """Claims, lines, history and outbox events in one statement: atomic on its own,
        and part of the caller's transaction when one is open."""
        if not rows.claims:
            return
        args = [
            to_json([{k: getattr(c, k) for k in _CLAIM_NAMES} for c in rows.claims]).decode(),
            [c.data_json for c in rows.claims],
            to_json(rows.lines).decode(),
            to_json(rows.history).decode(),
            to_json(
                [
                    {
                        "id": e["id"],
                        "aggregatetype": CATALOG[e["type"]].topic,
                        "aggregateid": e["subject"],
                        "type": e["type"],
                    }
                    for e in rows.events
                ]
            ).decode(),
            [to_json(e).decode() for e in rows.events],
        ]
        pg = await self._driver()
        try:
            await pg.execute(_INTAKE_INSERT, self.tenant_id, *args)
        except UniqueViolationError as exc:
            if exc.constraint_name != _PCN_CONSTRAINT:
                raise
            # another request took the number between our check and this insert
            raise Conflict(
                "patient control number already used", [{"path": "body.patient_control_number"}]
            ) from exc
