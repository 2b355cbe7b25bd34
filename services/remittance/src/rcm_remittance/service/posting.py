"""Posting a stored 835 file: all of it in one transaction, or nothing.

The parser streams; claim payments are written (COPY) and their events staged in the
outbox in batches as they come, inside the one transaction. Whatever goes wrong (an
imbalance under a policy that refuses it, a malformed segment, a crash) rolls it all back,
and the file's state says why. A transaction already posted (same payer, trace number and
amount) is skipped and reported as a duplicate.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from rcm_remittance.config import RemittanceSettings
from rcm_remittance.domain import posting as rules
from rcm_remittance.domain.posting import (
    ClaimMatch,
    PostingContext,
    PriorPayment,
    Unbalanced,
)
from rcm_remittance.domain.x835 import (
    ClaimPayment,
    Imbalance,
    ProviderAdjustment,
    RemittanceHeader,
    TransactionEnd,
)
from rcm_remittance.repository import RemittanceRepository
from rcm_remittance.service.reading import read_in_batches
from rcm_shared.errors import Conflict, NotFound
from rcm_shared.events.catalog import new_event, new_events_from_data
from rcm_shared.events.remittance import ClaimPaymentAdjudicated, RemittanceReceived
from rcm_shared.ids import uuid4_strings
from rcm_shared.messaging import outbox
from rcm_shared.workers import cyclic_gc_paused
from rcm_shared.x12.errors import X12SyntaxError

log = logging.getLogger("rcm.remittance.posting")
SOURCE = "rcm/remittance"


@dataclass
class PostingOutcome:
    file_id: str
    state: str  # posted, duplicate, rejected, quarantined
    remittance_ids: list[str] = field(default_factory=list)  # new and duplicate, file order
    duplicate_ids: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None


@dataclass
class _Open:
    """The transaction set being read."""

    header: RemittanceHeader
    ctx: PostingContext | None  # None: a duplicate, skipped
    batch: list[ClaimPayment] = field(default_factory=list)
    plbs: list[ProviderAdjustment] = field(default_factory=list)
    seq: int = 0
    matched: int = 0
    unmatched: int = 0
    # per patient control number, postings a later reversal in this file could undo;
    # `loaded`: control numbers whose earlier postings were read from the database
    reversible: dict[str, list[PriorPayment]] = field(default_factory=lambda: defaultdict(list))
    loaded: set[str] = field(default_factory=set)


class _Poster:
    def __init__(
        self, session: AsyncSession, tenant_id: str, file_id: str, batch_size: int
    ) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.file_id = file_id
        self.repo = RemittanceRepository(session, tenant_id)
        self.batch_size = batch_size
        self.open: _Open | None = None
        self.imbalances: list[Imbalance] = []
        self.outcome = PostingOutcome(file_id, "posted")
        self.now = datetime.now(UTC)

    async def run(self, spool: BinaryIO) -> None:
        async for events in read_in_batches(spool):
            for event in events:
                if isinstance(event, ClaimPayment):
                    current = self.open
                    assert current is not None  # claims live inside a transaction
                    if current.ctx is not None:
                        current.batch.append(event)
                        if len(current.batch) >= self.batch_size:
                            await self._flush(current)
                elif isinstance(event, RemittanceHeader):
                    await self._begin(event)
                elif isinstance(event, ProviderAdjustment):
                    assert self.open is not None
                    self.open.plbs.append(event)
                else:
                    await self._end(event)

    async def _begin(self, header: RemittanceHeader) -> None:
        key = rules.payer_key(header)
        remittance_id = str(uuid.uuid4())
        claimed = await self.repo.claim_era(
            {
                "id": remittance_id,
                "file_id": self.file_id,
                "payer_key": key,
                "payer_id": header.payer_id,
                "payer_name": header.payer_name,
                "trace_number": header.trace_number,
                "payer_trace_id": header.payer_trace_id,
                "payment_amount": header.total_paid,
                "credit_debit": header.credit_debit,
                "payment_method": header.payment_method,
                "handling_code": header.handling_code,
                "payment_date": header.payment_date,
                "production_date": header.production_date,
                "payee_npi": header.payee_npi,
                "transaction_control": header.transaction_control,
                "warnings": list(header.warnings),
            }
        )
        if claimed is None:
            existing = await self.repo.era(key, header.trace_number, header.total_paid)
            assert existing is not None  # the conflict that refused the insert
            self.outcome.remittance_ids.append(existing.id)
            self.outcome.duplicate_ids.append(existing.id)
            log.info("duplicate ERA skipped", extra={"remittance_id": existing.id})
            self.open = _Open(header, None)
            return
        self.outcome.remittance_ids.append(remittance_id)
        ctx = PostingContext(
            remittance_id=remittance_id,
            payer_id=key,
            trace_number=header.trace_number,
            remittance_date=rules.remittance_date(header, date.today()),
        )
        self.open = _Open(header, ctx)

    async def _flush(self, current: _Open) -> None:
        batch, current.batch = current.batch, []
        ctx = current.ctx
        if not batch or ctx is None:
            return
        matches = await self.repo.claims_by_control_number(
            {p.patient_control_number for p in batch}
        )
        to_load = {p.patient_control_number for p in batch if p.is_reversal} - current.loaded
        if to_load:
            # what is stored includes the earlier batches of this file (same transaction)
            stored = await self.repo.reversible_payments(to_load)
            for pcn in to_load:
                current.reversible[pcn] = stored.get(pcn, [])
            current.loaded |= to_load
        rows: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        event_ids: list[str] = []
        reversed_pairs: list[tuple[str, str]] = []
        ids = uuid4_strings(2 * len(batch))  # a payment id and an event id each
        for n, payment in enumerate(batch):
            current.seq += 1
            match = matches.get(payment.patient_control_number)
            row = self._row(ctx, ids[2 * n], current.seq, payment, match)
            row["event_id"] = ids[2 * n + 1]
            rows.append(row)
            if row["claim_id"] is None:
                current.unmatched += 1
                continue
            current.matched += 1
            prior = current.reversible[payment.patient_control_number]
            if payment.is_reversal:
                undone = rules.reversed_payment(payment, prior)
                if undone is not None:
                    prior.remove(undone)
                    row["reversed_payment_id"] = undone.id
                    reversed_pairs.append((undone.id, row["id"]))
            else:
                prior.append(
                    PriorPayment(row["id"], payment.payer_claim_control_number, payment.paid)
                )
            events.append(rules.adjudication_data(ctx, row))
            event_ids.append(row["event_id"])
        await self.repo.insert_payments(rows)
        # after the COPY: a reversal may undo a payment of this very batch
        await self.repo.mark_reversed(reversed_pairs)
        await outbox.add_all(
            self.session,
            new_events_from_data(
                ClaimPaymentAdjudicated,
                events,
                event_ids,
                tenant_id=self.tenant_id,
                source=SOURCE,
            ),
        )

    def _row(
        self,
        ctx: PostingContext,
        payment_id: str,
        seq: int,
        payment: ClaimPayment,
        match: ClaimMatch | None,
    ) -> dict[str, Any]:
        return {
            "id": payment_id,
            "tenant_id": self.tenant_id,
            "remittance_id": ctx.remittance_id,
            "seq": seq,
            "state": "posted" if match else "unmatched",
            "claim_id": match.claim_id if match else None,
            "clinic_id": match.clinic_id if match else None,
            "reversed_payment_id": None,
            "reversed_by_payment_id": None,
            "matched_by": None,
            "created_at": self.now,
            "posted_at": self.now if match else None,
            **rules.payment_doc(payment),
        }

    async def _end(self, end: TransactionEnd) -> None:
        current = self.open
        assert current is not None
        self.open = None
        self.imbalances.extend(end.imbalances)
        ctx = current.ctx
        if ctx is None:
            return
        await self._flush(current)
        await self.repo.insert_provider_adjustments(
            [
                {
                    "id": str(uuid.uuid4()),
                    "remittance_id": ctx.remittance_id,
                    "seq": n,
                    "provider_id": p.provider_id,
                    "fiscal_period_date": p.fiscal_period_date,
                    "reason_code": p.reason,
                    "reference": p.reference,
                    "amount": p.amount,
                }
                for n, p in enumerate(current.plbs, 1)
            ]
        )
        await self.repo.finish_remittance(
            ctx.remittance_id,
            claim_count=end.claim_count,
            matched_count=current.matched,
            unmatched_count=current.unmatched,
            total_claim_paid=end.total_claim_paid,
            total_plb=end.total_plb,
        )
        header = current.header
        received = RemittanceReceived(
            remittance_id=ctx.remittance_id,
            file_id=self.file_id,
            payer_id=ctx.payer_id,
            payer_name=header.payer_name,
            trace_number=header.trace_number,
            payment_amount=header.total_paid,
            credit_debit=header.credit_debit,
            payment_method=header.payment_method,
            payment_date=header.payment_date,
            payee_npi=header.payee_npi,
            claim_count=end.claim_count,
            matched_count=current.matched,
            unmatched_count=current.unmatched,
            total_claim_paid=end.total_claim_paid,
            provider_adjustments=[rules.plb_event(p) for p in current.plbs],
        )
        await outbox.add(self.session, new_event(received, tenant_id=self.tenant_id, source=SOURCE))


async def post_file(
    sessions: async_sessionmaker[AsyncSession],
    tenant_id: str,
    file_id: str,
    spool: BinaryIO,
    settings: RemittanceSettings,
) -> PostingOutcome:
    """Posts a stored file (state `received`) from its spool copy. Returns what became of
    it; a file posted (or being posted) by someone else is a Conflict."""
    error: dict[str, Any]
    try:
        async with sessions() as session, session.begin():
            repo = RemittanceRepository(session, tenant_id)
            file = await repo.file(file_id, lock=True)
            if file is None:
                raise NotFound("remittance file not found")
            if file.state != "received":
                raise Conflict(f"file already {file.state}")
            poster = _Poster(session, tenant_id, file_id, settings.posting_batch_size)
            with cyclic_gc_paused():
                await poster.run(spool)
            if poster.imbalances:
                raise Unbalanced(poster.imbalances)
            outcome = poster.outcome
            new = len(outcome.remittance_ids) - len(outcome.duplicate_ids)
            outcome.state = "posted" if new or not outcome.remittance_ids else "duplicate"
            file.state, file.remittance_count = outcome.state, new
            return outcome
    except X12SyntaxError as exc:
        state, error = "quarantined", {"kind": "malformed", "message": str(exc), **exc.to_dict()}
    except Unbalanced as exc:
        state = "rejected" if settings.unbalanced_policy == "reject" else "quarantined"
        error = {
            "kind": "unbalanced",
            "message": "the 835's amounts do not balance; nothing was posted",
            "imbalances": [rules.imbalance_doc(i) for i in exc.imbalances],
        }
    async with sessions() as session, session.begin():
        file = await RemittanceRepository(session, tenant_id).file(file_id, lock=True)
        assert file is not None
        file.state, file.error = state, error
    log.info("remittance file not posted", extra={"file_id": file_id, "state": state})
    return PostingOutcome(file_id, state, error=error)
