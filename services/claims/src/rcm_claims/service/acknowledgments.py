"""999 and 277CA ingestion, from the API or the inbound folder.

The raw file is stored first, in its own transaction, so that it is kept for inspection
even when it does not parse (the caller gets a 422 naming the segment and element). The
same file twice is applied once (sha256 per tenant)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from rcm_claims.config import ClaimsSettings
from rcm_claims.domain import lifecycle
from rcm_claims.domain.acknowledgments import (
    Ack999,
    ClaimStatus,
    detect_kind,
    parse_277ca,
    parse_999,
)
from rcm_claims.domain.lifecycle import Status
from rcm_claims.models import Acknowledgment, Claim
from rcm_claims.repository import ClaimRepository, SubmissionRepository
from rcm_claims.service.claims import ClaimService, now
from rcm_claims.service.common import publish
from rcm_shared.errors import InvalidInput
from rcm_shared.events.claims import ClaimAccepted, ClaimRejected
from rcm_shared.mailbox import file_away, pending_files
from rcm_shared.runtime import Runtime
from rcm_shared.workers import repeat
from rcm_shared.x12.errors import X12SyntaxError

log = logging.getLogger("rcm.claims.acks")


@dataclass
class IngestResult:
    acknowledgment: Acknowledgment
    duplicate: bool


async def ingest(
    sessions: async_sessionmaker[AsyncSession],
    tenant_id: str,
    raw: str,
    source: str,
    file_name: str | None = None,
    actor: str = "clearinghouse",
) -> IngestResult:
    digest = hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()
    ack_id = str(uuid.uuid4())
    try:
        async with sessions() as session, session.begin():
            session.add(
                Acknowledgment(
                    id=ack_id,
                    tenant_id=tenant_id,
                    sha256=digest,
                    kind="unknown",
                    status="received",
                    source=source,
                    file_name=file_name,
                    # PostgreSQL text cannot hold NUL: kept visibly replaced, parsed as sent
                    raw=raw.replace("\x00", "\ufffd"),
                    summary={},
                )
            )
    except IntegrityError:
        async with sessions() as session:
            seen = (
                await session.execute(
                    select(Acknowledgment).where(
                        Acknowledgment.tenant_id == tenant_id, Acknowledgment.sha256 == digest
                    )
                )
            ).scalar_one()
        if seen.status == "invalid" and seen.error:
            # the same broken file again is as broken as the first time: the same 422
            first = X12SyntaxError.from_dict(seen.error)
            raise InvalidInput(
                f"acknowledgment does not parse: {first}",
                {"acknowledgment_id": seen.id, "duplicate": True, **first.to_dict()},
            ) from None
        return IngestResult(seen, duplicate=True)

    try:
        async with sessions() as session, session.begin():
            ack = await session.get_one(Acknowledgment, ack_id, with_for_update=True)
            kind = detect_kind(raw)
            svc = ClaimService(session, tenant_id, actor=actor)
            if kind == "999":
                summary = await _apply_999(session, svc, parse_999(raw), ack_id)
            else:
                summary = await _apply_277ca(session, svc, parse_277ca(raw), ack_id)
            ack.kind, ack.status, ack.summary = kind, "processed", summary
    except X12SyntaxError as exc:
        async with sessions() as session, session.begin():
            ack = await session.get_one(Acknowledgment, ack_id, with_for_update=True)
            ack.status, ack.error = "invalid", exc.to_dict()
        raise InvalidInput(
            f"acknowledgment does not parse: {exc}", {"acknowledgment_id": ack_id, **exc.to_dict()}
        ) from exc
    async with sessions() as session:
        stored = await session.get_one(Acknowledgment, ack_id)
    return IngestResult(stored, duplicate=False)


async def _apply_999(
    session: AsyncSession, svc: ClaimService, ack: Ack999, ack_id: str
) -> dict[str, Any]:
    # each history entry names the acknowledgment it came from (a biller opens it)
    submissions = SubmissionRepository(session, svc.tenant_id)
    rejected, accepted, unknown = 0, 0, 0
    for group in ack.groups:
        for tx in group.transactions:
            links = await submissions.links_for_transaction(
                group.group_control, tx.transaction_control
            )
            if not links:
                unknown += 1
                continue
            for link in links:
                claim = await svc.claims.get(link.claim_id, for_update=True)
                if claim is None:
                    continue
                if tx.accepted:
                    accepted += 1
                    await svc.note(
                        claim, "999 accepted", {"status": tx.status, "acknowledgment_id": ack_id}
                    )
                else:
                    rejected += await _reject(svc, claim, "999", tx.errors or [tx.status], ack_id)
    return {
        "transactions_accepted": accepted,
        "claims_rejected": rejected,
        "transactions_unknown": unknown,
    }


async def _apply_277ca(
    session: AsyncSession, svc: ClaimService, statuses: list[ClaimStatus], ack_id: str
) -> dict[str, Any]:
    found = {
        c.patient_control_number: c
        for c in await ClaimRepository(session, svc.tenant_id).by_control_numbers(
            [s.patient_control_number for s in statuses], for_update=True
        )
    }
    accepted = rejected = unknown = 0
    for status in statuses:
        claim = found.get(status.patient_control_number)
        if claim is None:
            unknown += 1
            continue
        if status.accepted:
            accepted += await _accept(svc, claim, status, ack_id)
        else:
            rejected += await _reject(
                svc, claim, "277CA", status.reasons or status.statuses, ack_id
            )
    return {"claims_accepted": accepted, "claims_rejected": rejected, "claims_unknown": unknown}


async def _accept(svc: ClaimService, claim: Claim, status: ClaimStatus, ack_id: str) -> int:
    if status.payer_claim_control_number:
        claim.payer_claim_control_number = status.payer_claim_control_number
    if claim.first_acceptance is None:
        claim.first_acceptance = True
    # Only a submitted claim is moved: a 277CA can arrive after the 835 (paid to accepted
    # is a reversal's move, not an acknowledgment's).
    if Status(claim.status) != Status.SUBMITTED:
        await svc.note(
            claim, "277CA accepted", {"statuses": status.statuses, "acknowledgment_id": ack_id}
        )
        return 0
    previous = claim.status
    claim.accepted_at = claim.accepted_at or now()
    await svc.transition(
        claim,
        previous,
        Status.ACCEPTED,
        ClaimAccepted.event_type,
        {"source": "277CA", "statuses": status.statuses, "acknowledgment_id": ack_id},
    )
    await publish(
        svc.session,
        svc.tenant_id,
        ClaimAccepted(
            **svc.ids(claim),
            source="277CA",
            payer_claim_control_number=claim.payer_claim_control_number,
        ),
    )
    return 1


async def _reject(
    svc: ClaimService, claim: Claim, source: str, reasons: list[str], ack_id: str
) -> int:
    if claim.first_acceptance is None:
        claim.first_acceptance = False
    if not lifecycle.can_move(Status(claim.status), Status.REJECTED):
        await svc.note(
            claim,
            f"{source} rejection not applied",
            {"reasons": reasons, "acknowledgment_id": ack_id},
        )
        return 0
    previous = claim.status
    claim.rejection_reasons = reasons
    await svc.transition(
        claim,
        previous,
        Status.REJECTED,
        ClaimRejected.event_type,
        {"source": source, "reasons": reasons, "acknowledgment_id": ack_id},
    )
    await publish(
        svc.session, svc.tenant_id, ClaimRejected(**svc.ids(claim), source=source, reasons=reasons)
    )
    return 1


async def get_acknowledgment(
    session: AsyncSession, tenant_id: str, ack_id: str
) -> Acknowledgment | None:
    return (
        await session.execute(
            select(Acknowledgment).where(
                Acknowledgment.tenant_id == tenant_id, Acknowledgment.id == ack_id
            )
        )
    ).scalar_one_or_none()


async def scan_inbound(runtime: Runtime, inbound: Path) -> int:
    """One pass over <inbound>/<tenant>/*: each file ingested, then moved to processed/ or
    failed/ beside it. A crash between the two re-reads the file next time: the sha256
    check makes that harmless. File system calls run in a thread."""
    assert runtime.sessions is not None
    files = await asyncio.to_thread(pending_files, inbound)
    for tenant, path in files:
        raw = await asyncio.to_thread(path.read_text, encoding="latin-1")
        outcome = "processed"
        try:
            await ingest(runtime.sessions, tenant, raw, "folder", path.name)
        except InvalidInput:
            outcome = "failed"
        await asyncio.to_thread(file_away, path, outcome)
    return len(files)


async def inbound_worker(runtime: Runtime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, ClaimsSettings)
    inbound = Path(settings.inbound_dir)

    async def step() -> int:
        # a pass that found files waits anyway: a file still being written will be there
        await scan_inbound(runtime, inbound)
        return 0

    await repeat(step, stop, settings.inbound_poll_seconds, "inbound scan")
