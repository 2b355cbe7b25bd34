"""Every query of the remittance service. Each method filters by the repository's tenant."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from pydantic_core import to_json
from sqlalchemy import String, and_, any_, cast, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_remittance.domain.posting import ClaimMatch, PriorPayment
from rcm_remittance.models import (
    ClaimPaymentRow,
    ClaimRef,
    ProviderAdjustmentRow,
    Remittance,
    RemittanceFile,
    RemittanceFileChunk,
)

# claim_payments columns in COPY order: plain values, then JSON documents (sent as text)
PLAIN_COLUMNS = (
    "id",
    "tenant_id",
    "remittance_id",
    "seq",
    "segment_number",
    "state",
    "claim_id",
    "clinic_id",
    "patient_control_number",
    "status_code",
    "charge",
    "paid",
    "patient_responsibility",
    "payer_claim_control_number",
    "filing_indicator",
    "facility_type",
    "frequency",
    "crossover_payer",
    "rendering_npi",
    "is_reversal",
    "reversed_payment_id",
    "reversed_by_payment_id",
    "matched_by",
    "created_at",
    "posted_at",
)
JSON_COLUMNS = ("adjustments", "remark_codes", "dates", "amounts", "lines")


class RemittanceRepository:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    # --- the claims copy ---------------------------------------------------------------

    async def record_claim(
        self, claim_id: str, patient_control_number: str, clinic_id: str, payer_id: str
    ) -> None:
        await self.session.execute(
            insert(ClaimRef)
            .values(
                tenant_id=self.tenant_id,
                claim_id=claim_id,
                patient_control_number=patient_control_number,
                clinic_id=clinic_id,
                payer_id=payer_id,
                voided=False,
            )
            .on_conflict_do_nothing()
        )

    async def mark_claim_voided(self, claim_id: str) -> None:
        await self.session.execute(
            update(ClaimRef)
            .where(ClaimRef.tenant_id == self.tenant_id, ClaimRef.claim_id == claim_id)
            .values(voided=True)
        )

    async def claims_by_control_number(self, pcns: Iterable[str]) -> dict[str, ClaimMatch]:
        # one array parameter, not one bind parameter per control number
        rows = await self.session.execute(
            select(ClaimRef.patient_control_number, ClaimRef.claim_id, ClaimRef.clinic_id).where(
                ClaimRef.tenant_id == self.tenant_id,
                ClaimRef.patient_control_number == any_(cast(list(pcns), ARRAY(String))),
            )
        )
        return {pcn: ClaimMatch(claim_id, clinic_id) for pcn, claim_id, clinic_id in rows}

    async def claim(self, claim_id: str) -> ClaimRef | None:
        return await self.session.get(ClaimRef, (self.tenant_id, claim_id))

    # --- files -------------------------------------------------------------------------

    async def add_file(self, file: RemittanceFile) -> None:
        self.session.add(file)
        await self.session.flush()

    async def add_chunk(self, file_id: str, seq: int, data: bytes) -> None:
        await self.session.execute(
            insert(RemittanceFileChunk).values(file_id=file_id, seq=seq, data=data)
        )

    async def file(self, file_id: str, lock: bool = False) -> RemittanceFile | None:
        query = select(RemittanceFile).where(
            RemittanceFile.tenant_id == self.tenant_id, RemittanceFile.id == file_id
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def chunk_numbers(self, file_id: str) -> list[int]:
        rows = await self.session.execute(
            select(RemittanceFileChunk.seq)
            .where(RemittanceFileChunk.file_id == file_id)
            .order_by(RemittanceFileChunk.seq)
        )
        return list(rows.scalars())

    async def chunk(self, file_id: str, seq: int) -> bytes:
        row = await self.session.get(RemittanceFileChunk, (file_id, seq))
        return row.data if row is not None else b""

    async def files_page(
        self, state: str | None, after: tuple[datetime, str] | None, limit: int
    ) -> Sequence[RemittanceFile]:
        query = select(RemittanceFile).where(RemittanceFile.tenant_id == self.tenant_id)
        if state:
            query = query.where(RemittanceFile.state == state)
        query = _after(query, RemittanceFile, after)
        rows = await self.session.execute(
            query.order_by(RemittanceFile.created_at.desc(), RemittanceFile.id.desc()).limit(
                limit + 1
            )
        )
        return rows.scalars().all()

    # --- remittances -------------------------------------------------------------------

    async def claim_era(self, values: dict[str, Any]) -> str | None:
        """Inserts the remittance unless the same ERA (payer, trace, amount) is already
        there; None then. A concurrent upload of the same ERA waits for the first."""
        inserted = await self.session.execute(
            insert(Remittance)
            .values(tenant_id=self.tenant_id, **values)
            .on_conflict_do_nothing(constraint="uq_remittances_era")
            .returning(Remittance.id)
        )
        return inserted.scalar_one_or_none()

    async def era(self, payer_key: str, trace_number: str, amount: Decimal) -> Remittance | None:
        rows = await self.session.execute(
            select(Remittance).where(
                Remittance.tenant_id == self.tenant_id,
                Remittance.payer_key == payer_key,
                Remittance.trace_number == trace_number,
                Remittance.payment_amount == amount,
            )
        )
        return rows.scalar_one_or_none()

    async def finish_remittance(self, remittance_id: str, **totals: Any) -> None:
        await self.session.execute(
            update(Remittance)
            .where(Remittance.tenant_id == self.tenant_id, Remittance.id == remittance_id)
            .values(**totals)
        )

    async def remittance(self, remittance_id: str) -> Remittance | None:
        rows = await self.session.execute(
            select(Remittance).where(
                Remittance.tenant_id == self.tenant_id, Remittance.id == remittance_id
            )
        )
        return rows.scalar_one_or_none()

    async def remittances(self, ids: Sequence[str]) -> Sequence[Remittance]:
        rows = await self.session.execute(
            select(Remittance)
            .where(Remittance.tenant_id == self.tenant_id, Remittance.id.in_(ids))
            .order_by(Remittance.created_at, Remittance.id)
        )
        return rows.scalars().all()

    async def remittances_page(
        self,
        filters: dict[str, Any],
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> Sequence[Remittance]:
        query = select(Remittance).where(Remittance.tenant_id == self.tenant_id)
        if filters.get("payer_id"):
            query = query.where(Remittance.payer_key == filters["payer_id"])
        if filters.get("trace_number"):
            query = query.where(Remittance.trace_number == filters["trace_number"])
        if filters.get("paid_from"):
            query = query.where(Remittance.payment_date >= filters["paid_from"])
        if filters.get("paid_to"):
            query = query.where(Remittance.payment_date <= filters["paid_to"])
        query = _after(query, Remittance, after)
        rows = await self.session.execute(
            query.order_by(Remittance.created_at.desc(), Remittance.id.desc()).limit(limit + 1)
        )
        return rows.scalars().all()

    # --- claim payments ----------------------------------------------------------------

    async def insert_payments(self, rows: Sequence[dict[str, Any]]) -> None:
        """COPY, not INSERT: an 835 brings thousands of claim payments at once."""
        if not rows:
            return
        # pydantic_core's JSON encoder (Rust) is several times faster than json.dumps here
        records = [
            (
                *itemgetter(*PLAIN_COLUMNS)(row),
                *(to_json(v).decode() for v in itemgetter(*JSON_COLUMNS)(row)),
            )
            for row in rows
        ]
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            "claim_payments", records=records, columns=(*PLAIN_COLUMNS, *JSON_COLUMNS)
        )

    async def reversible_payments(self, pcns: Iterable[str]) -> dict[str, list[PriorPayment]]:
        """Per patient control number, its postings a reversal could undo, oldest first."""
        rows = await self.session.execute(
            select(
                ClaimPaymentRow.patient_control_number,
                ClaimPaymentRow.id,
                ClaimPaymentRow.payer_claim_control_number,
                ClaimPaymentRow.paid,
            )
            .where(
                ClaimPaymentRow.tenant_id == self.tenant_id,
                ClaimPaymentRow.patient_control_number.in_(list(pcns)),
                ClaimPaymentRow.state == "posted",
                ClaimPaymentRow.is_reversal.is_(False),
            )
            .order_by(ClaimPaymentRow.created_at, ClaimPaymentRow.seq)
        )
        found: dict[str, list[PriorPayment]] = defaultdict(list)
        for pcn, payment_id, ccn, paid in rows:
            found[pcn].append(PriorPayment(payment_id, ccn, paid))
        return found

    async def mark_reversed(self, pairs: Sequence[tuple[str, str]]) -> None:
        """(reversed payment id, reversing payment id) pairs."""
        for reversed_id, by_id in pairs:
            await self.session.execute(
                update(ClaimPaymentRow)
                .where(
                    ClaimPaymentRow.tenant_id == self.tenant_id,
                    ClaimPaymentRow.id == reversed_id,
                )
                .values(state="reversed", reversed_by_payment_id=by_id)
            )

    async def payment(self, payment_id: str, lock: bool = False) -> ClaimPaymentRow | None:
        query = select(ClaimPaymentRow).where(
            ClaimPaymentRow.tenant_id == self.tenant_id, ClaimPaymentRow.id == payment_id
        )
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def payments_of_remittance(
        self, remittance_id: str, after_seq: int, limit: int
    ) -> Sequence[ClaimPaymentRow]:
        rows = await self.session.execute(
            select(ClaimPaymentRow)
            .where(
                ClaimPaymentRow.tenant_id == self.tenant_id,
                ClaimPaymentRow.remittance_id == remittance_id,
                ClaimPaymentRow.seq > after_seq,
            )
            .order_by(ClaimPaymentRow.seq)
            .limit(limit + 1)
        )
        return rows.scalars().all()

    async def payments_of_claim(self, claim_id: str) -> Sequence[ClaimPaymentRow]:
        rows = await self.session.execute(
            select(ClaimPaymentRow)
            .where(
                ClaimPaymentRow.tenant_id == self.tenant_id,
                ClaimPaymentRow.claim_id == claim_id,
            )
            .order_by(ClaimPaymentRow.created_at, ClaimPaymentRow.seq)
        )
        return rows.scalars().all()

    async def unmatched_page(
        self, pcn: str | None, after: tuple[datetime, str] | None, limit: int
    ) -> Sequence[ClaimPaymentRow]:
        query = select(ClaimPaymentRow).where(
            ClaimPaymentRow.tenant_id == self.tenant_id, ClaimPaymentRow.state == "unmatched"
        )
        if pcn:
            query = query.where(ClaimPaymentRow.patient_control_number == pcn)
        query = _after(query, ClaimPaymentRow, after)
        rows = await self.session.execute(
            query.order_by(ClaimPaymentRow.created_at.desc(), ClaimPaymentRow.id.desc()).limit(
                limit + 1
            )
        )
        return rows.scalars().all()

    async def unmatched_ids(self, pcn: str) -> list[str]:
        rows = await self.session.execute(
            select(ClaimPaymentRow.id)
            .where(
                ClaimPaymentRow.tenant_id == self.tenant_id,
                ClaimPaymentRow.patient_control_number == pcn,
                ClaimPaymentRow.state == "unmatched",
            )
            .order_by(ClaimPaymentRow.created_at, ClaimPaymentRow.seq)
        )
        return list(rows.scalars())

    # --- provider-level adjustments ----------------------------------------------------

    async def insert_provider_adjustments(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(
                insert(ProviderAdjustmentRow), [{"tenant_id": self.tenant_id, **r} for r in rows]
            )

    async def provider_adjustments(self, remittance_id: str) -> Sequence[ProviderAdjustmentRow]:
        rows = await self.session.execute(
            select(ProviderAdjustmentRow)
            .where(
                ProviderAdjustmentRow.tenant_id == self.tenant_id,
                ProviderAdjustmentRow.remittance_id == remittance_id,
            )
            .order_by(ProviderAdjustmentRow.seq)
        )
        return rows.scalars().all()


async def stale_received_files(session: AsyncSession, before: datetime) -> list[tuple[str, str]]:
    """(tenant, file id) of files stored but never posted: their poster died mid-way. Across
    tenants: the recovery worker serves them all."""
    rows = await session.execute(
        select(RemittanceFile.tenant_id, RemittanceFile.id)
        .where(RemittanceFile.state == "received", RemittanceFile.updated_at < before)
        .order_by(RemittanceFile.updated_at)
        .limit(20)
    )
    return [(t, i) for t, i in rows]


def _after(query: Any, model: Any, after: tuple[datetime, str] | None) -> Any:
    """Keyset condition for newest-first pages."""
    if after is None:
        return query
    created, row_id = after
    return query.where(
        or_(model.created_at < created, and_(model.created_at == created, model.id < row_id))
    )
