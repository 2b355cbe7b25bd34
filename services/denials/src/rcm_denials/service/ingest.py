"""Adjudications in, work items out. Set-based: one call takes a whole consumer batch (many
tenants), so the hot path is a handful of statements however many events it carries.

Idempotency: the inbox drops a redelivered event; the adjudications table (one row per
tenant and payment_id) drops the same payment published twice under new event ids."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_denials.domain.classification import Decision, Reason, decide
from rcm_denials.domain.codes import codebook
from rcm_denials.domain.workflow import WORKING, Status, appeal_deadline, move
from rcm_denials.models import AdjudicationLine, Denial, DenialHistory, DenialLine
from rcm_denials.repository import IngestRepository
from rcm_denials.service.common import events_for, events_from_data, now
from rcm_denials.service.reference import ensure_known_tenants
from rcm_shared.events.catalog import EventPayload
from rcm_shared.events.denials import (
    DenialOpened,
    DenialResolved,
    DenialUpdated,
)
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.remittance import ClaimPaymentAdjudicated
from rcm_shared.ids import uuid4_strings
from rcm_shared.messaging import outbox

ACTOR = "remittance"
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Incoming:
    event: CloudEvent
    payment: ClaimPaymentAdjudicated
    tenant_id: str  # event.tenantid, read often enough on the hot path to keep at hand


def reason_json(reason: Reason) -> dict[str, Any]:
    return {
        "group_code": reason.group_code,
        "carc": reason.carc,
        "amount": str(reason.amount),
        "category": reason.category,
        "action": reason.action,
        "remark_codes": list(reason.remark_codes),
        "refined_by": reason.refined_by,
        "known_code": reason.known_code,
    }


class _Batch:
    """What one round of payments writes: new rows go in with one insert per table."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = IngestRepository(session)
        self.denials: list[dict[str, Any]] = []
        self.lines: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []
        self.events: list[CloudEvent] = []
        self.opened: list[tuple[str, dict[str, Any], CloudEvent]] = []  # (tenant, data, cause)

    def publish(self, tenant_id: str, payload: EventPayload, cause: CloudEvent) -> None:
        self.events.extend(events_for(tenant_id, [payload], cause))

    def publish_opened(self, tenant_id: str, data: dict[str, Any], cause: CloudEvent) -> None:
        """denial.opened is one event per new work item: its JSON is built directly and
        enveloped in bulk at flush (see opened_data)."""
        self.opened.append((tenant_id, data, cause))

    def note(
        self,
        tenant_id: str,
        denial_id: str,
        action: str,
        before: str | None,
        after: str | None,
        detail: dict[str, Any],
        at: datetime,
    ) -> None:
        self.history.append(
            {
                "tenant_id": tenant_id,
                "denial_id": denial_id,
                "at": at,
                "actor": ACTOR,
                "action": action,
                "from_status": before,
                "to_status": after,
                "detail": detail,
            }
        )

    async def flush(self) -> None:
        await self.repo.insert_many(Denial, self.denials)
        await self.repo.insert_many(DenialLine, self.lines)
        await self.repo.insert_many(DenialHistory, self.history)
        await outbox.add_all(
            self.session, [*events_from_data(DenialOpened, self.opened), *self.events]
        )
        self.denials, self.lines, self.history, self.events = [], [], [], []
        self.opened = []


def _line_rows(tenant_id: str, denial_id: str, decision: Decision) -> list[dict[str, Any]]:
    rows = []
    for line in decision.lines:
        primary = line.primary
        reasons = line.reasons or decision.claim_reasons
        rows.append(
            {
                "tenant_id": tenant_id,
                "denial_id": denial_id,
                "line_index": line.line_index,
                "line_number": line.line_number,
                "procedure_code": line.procedure_code,
                "modifiers": list(line.modifiers),
                "charge": line.charge,
                "paid": line.paid,
                "allowed": line.allowed,
                "denied_amount": line.denied_amount,
                "category": (primary.category if primary else decision.category) or "other",
                "carc": primary.carc if primary else decision.carc,
                "recommended_action": (primary.action if primary else decision.action) or "appeal",
                "adjustments": [reason_json(r) for r in reasons],
                "remark_codes": sorted({c for r in reasons for c in r.remark_codes}),
            }
        )
    return rows


def _headline(
    payment: ClaimPaymentAdjudicated, decision: Decision, window: int | None
) -> dict[str, Any]:
    """The work item's fields that come from the denying payment."""
    book = codebook()
    category = decision.category or "other"
    return {
        "payment_id": payment.payment_id,
        "claim_status_code": payment.claim_status_code,
        "payer_claim_control_number": payment.payer_claim_control_number,
        "total_charge": payment.total_charge,
        "paid_amount": payment.paid_amount,
        "denied_amount": decision.denied_amount,
        "category": category,
        "carc": decision.carc,
        "group_code": decision.group_code,
        "carcs": decision.all_carcs,
        "remark_codes": sorted(
            {*payment.remark_codes, *(c for ln in payment.lines for c in ln.remark_codes)}
        ),
        "recommended_action": decision.action or "appeal",
        "recoverability": book.recoverability.get(category, Decimal("0.40")),
        "claim_adjustments": [reason_json(r) for r in decision.claim_reasons],
        "remittance_date": payment.remittance_date,
        "deadline": appeal_deadline(payment.remittance_date, window),
    }


def opened_data(denial: dict[str, Any], decision: Decision, at: str) -> dict[str, Any]:
    """The JSON form of the DenialOpened payload of a new work item (`at` already in JSON
    form): what DenialOpened(...).model_dump(mode="json") gives, without validating values
    that came from our own row (a test holds the two equal)."""
    category, carc = denial["category"], denial["carc"]
    lines = []
    for ln in decision.lines:
        primary = ln.primary
        lines.append(
            {
                "line_number": ln.line_number,
                "procedure_code": ln.procedure_code,
                "modifiers": list(ln.modifiers),
                "denied_amount": str(ln.denied_amount),
                "category": primary.category if primary else category,
                "carc": primary.carc if primary else carc,
            }
        )
    return {
        "denial_id": denial["id"],
        "claim_key": denial["claim_key"],
        "claim_id": denial["claim_id"],
        "payer_id": denial["payer_id"],
        "clinic_id": denial["clinic_id"],
        "status": denial["status"],
        "occurred_at": at,
        "payment_id": denial["payment_id"],
        "category": category,
        "carc": carc,
        "group_code": denial["group_code"],
        "remark_codes": list(denial["remark_codes"]),
        "recommended_action": denial["recommended_action"],
        "denied_amount": str(denial["denied_amount"]),
        "total_charge": str(denial["total_charge"]),
        "remittance_date": denial["remittance_date"].isoformat(),
        "appeal_deadline": denial["deadline"].isoformat(),
        "lines": lines,
    }


def updated_event(denial: Denial, change: str, previous: str, actor: str) -> DenialUpdated:
    return DenialUpdated(
        denial_id=denial.id,
        claim_key=denial.claim_key,
        claim_id=denial.claim_id,
        payer_id=denial.payer_id,
        clinic_id=denial.clinic_id,
        status=denial.status,
        occurred_at=now(),
        change=change,
        previous_status=previous,
        assignee=denial.assignee,
        actor=actor,
    )


def resolved_event(denial: Denial) -> DenialResolved:
    at = denial.resolved_at or now()
    return DenialResolved(
        denial_id=denial.id,
        claim_key=denial.claim_key,
        claim_id=denial.claim_id,
        payer_id=denial.payer_id,
        clinic_id=denial.clinic_id,
        status=denial.status,
        occurred_at=at,
        outcome=denial.status,
        denied_amount=denial.denied_amount,
        recovered_amount=denial.recovered_amount,
        reason=denial.resolution_reason,
        resolving_payment_id=denial.resolving_payment_id,
        days_to_resolve=max(0, (at - denial.opened_at).days),
    )


async def record_adjudications(session: AsyncSession, incoming: Sequence[Incoming]) -> None:
    if not incoming:
        return
    await ensure_known_tenants(session, {i.tenant_id for i in incoming})
    book = codebook()
    repo = IngestRepository(session)
    unique: dict[tuple[str, str], Incoming] = {}
    for item in incoming:
        unique.setdefault((item.tenant_id, item.payment.payment_id), item)
    decisions = {key: decide(book, item.payment) for key, item in unique.items()}
    fresh_keys = await repo.insert_adjudications(
        [_adjudication_row(item, decisions[key]) for key, item in unique.items()]
    )
    fresh = [(unique[k], decisions[k]) for k in unique if k in fresh_keys]
    if not fresh:
        return
    await repo.insert_many(
        AdjudicationLine,
        [
            {
                "tenant_id": item.tenant_id,
                "payment_id": item.payment.payment_id,
                "line_index": outcome.line_index,
                "payer_id": item.payment.payer_id,
                "procedure_code": outcome.procedure_code,
                "modifiers": ",".join(outcome.modifiers),
                "charge": outcome.charge,
                "paid": outcome.paid,
                "denied": outcome.denied,
                "denied_amount": outcome.denied_amount,
                "category": outcome.category,
                "carc": outcome.carc,
                "remittance_date": item.payment.remittance_date,
            }
            for item, decision in fresh
            for outcome in decision.outcomes
        ],
    )
    # A payment of a corrected claim concerns the work item of the claim it corrects.
    originals = await repo.originals(
        {(i.tenant_id, i.payment.claim_id) for i, _ in fresh if i.payment.claim_id}
    )
    windows = await repo.appeal_windows({(i.tenant_id, i.payment.payer_id) for i, _ in fresh})
    # Rounds: a work item is touched once per round, so two payments of one claim in one
    # batch act in order (the second sees what the first did).
    rounds: list[list[tuple[tuple[str, str], Incoming, Decision]]] = []
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for item, decision in fresh:
        claim = item.payment.claim_id
        root = originals.get((item.tenant_id, claim), claim) if claim else None
        target = (item.tenant_id, root or item.payment.claim_key)
        n = seen[target]
        seen[target] += 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append((target, item, decision))
    for round_items in rounds:
        await _round(session, round_items, windows)


def _adjudication_row(item: Incoming, decision: Decision) -> dict[str, Any]:
    p = item.payment
    return {
        "tenant_id": item.tenant_id,
        "payment_id": p.payment_id,
        "claim_key": p.claim_key,
        "claim_id": p.claim_id,
        "payer_id": p.payer_id,
        "clinic_id": p.clinic_id,
        "claim_status_code": p.claim_status_code,
        "total_charge": p.total_charge,
        "paid_amount": p.paid_amount,
        "denied": decision.denied,
        "denied_amount": decision.denied_amount,
        "category": decision.category,
        "carc": decision.carc,
        "remittance_date": p.remittance_date,
        "is_reversal": p.is_reversal or p.claim_status_code == "22",
        "reversed_payment_id": p.reversed_payment_id,
    }


async def _round(
    session: AsyncSession,
    items: list[tuple[tuple[str, str], Incoming, Decision]],
    windows: dict[tuple[str, str], int],
) -> None:
    batch = _Batch(session)
    existing = await batch.repo.denials_for_update(t for t, _, _ in items)
    at = now()
    new_ids = iter(uuid4_strings(len(items)))  # one read of the OS's randomness per round
    for target, item, decision in items:
        p, tenant = item.payment, item.tenant_id
        window = windows.get((tenant, p.payer_id))
        if p.is_reversal or p.claim_status_code == "22":
            await _reversal(batch, item, at)
            continue
        denial = existing.get(target)
        if denial is None:
            if decision.denied:
                _open(batch, next(new_ids), target, item, decision, window, at)
            continue
        await _follow_up(batch, denial, item, decision, window, at)
    await batch.flush()


def new_denial_row(
    denial_id: str,
    claim_key: str,
    item: Incoming,
    decision: Decision,
    window: int | None,
    at: datetime,
) -> dict[str, Any]:
    """The denials row of the work item a denying payment opens."""
    p = item.payment
    return {
        "id": denial_id,
        "tenant_id": item.tenant_id,
        "claim_key": claim_key,
        "claim_id": p.claim_id,
        "patient_control_number": p.patient_control_number,
        "payer_id": p.payer_id,
        "clinic_id": p.clinic_id,
        "status": Status.OPEN.value,
        "assignee": None,
        "recovered_amount": ZERO,
        "resolution_reason": None,
        "resolving_payment_id": None,
        "opened_at": at,
        "resolved_at": None,
        **_headline(p, decision, window),
    }


def _open(
    batch: _Batch,
    denial_id: str,
    target: tuple[str, str],
    item: Incoming,
    decision: Decision,
    window: int | None,
    at: datetime,
) -> None:
    p, tenant = item.payment, item.tenant_id
    row = new_denial_row(denial_id, target[1], item, decision, window, at)
    batch.denials.append(row)
    batch.lines.extend(_line_rows(tenant, row["id"], decision))
    batch.note(
        tenant,
        row["id"],
        "opened",
        None,
        Status.OPEN.value,
        {
            "payment_id": p.payment_id,
            "carc": decision.carc,
            "category": row["category"],
            "denied_amount": str(decision.denied_amount),
        },
        at,
    )
    batch.publish_opened(tenant, opened_data(row, decision, to_jsonable_python(at)), item.event)


async def _refresh(
    batch: _Batch, denial: Denial, item: Incoming, decision: Decision, window: int | None
) -> None:
    for name, value in _headline(item.payment, decision, window).items():
        setattr(denial, name, value)
    await batch.repo.replace_lines(denial.id, _line_rows(denial.tenant_id, denial.id, decision))


async def _follow_up(
    batch: _Batch,
    denial: Denial,
    item: Incoming,
    decision: Decision,
    window: int | None,
    at: datetime,
) -> None:
    """A later payment for a claim that has a work item: paid -> resolved by itself with
    what it recovered; denied again -> back to open with the new reasons."""
    p, before = item.payment, denial.status
    if Status(before) in WORKING and not decision.denied:
        denial.status = move(before, Status.RESOLVED).value
        denial.recovered_amount = max(p.paid_amount - denial.paid_amount, ZERO)
        denial.resolved_at = at
        denial.resolving_payment_id = p.payment_id
        denial.resolution_reason = (
            "corrected claim paid" if p.claim_id != denial.claim_id else "claim paid on review"
        )
        batch.note(
            denial.tenant_id,
            denial.id,
            "paid",
            before,
            denial.status,
            {
                "payment_id": p.payment_id,
                "recovered_amount": str(denial.recovered_amount),
                "claim_id": p.claim_id,
            },
            at,
        )
        batch.publish(denial.tenant_id, resolved_event(denial), item.event)
        return
    if not decision.denied:
        return  # a payment for a claim whose denial is already closed: nothing to do
    await _refresh(batch, denial, item, decision, window)
    denial.status = move(before, Status.OPEN).value
    denial.resolved_at = None
    denial.resolving_payment_id = None
    denial.resolution_reason = None
    change = "denied_again" if Status(before) in WORKING else "reopened"
    batch.note(
        denial.tenant_id,
        denial.id,
        change,
        before,
        denial.status,
        {
            "payment_id": p.payment_id,
            "carc": decision.carc,
            "category": denial.category,
            "denied_amount": str(decision.denied_amount),
            "claim_id": p.claim_id,
        },
        at,
    )
    batch.publish(denial.tenant_id, updated_event(denial, change, before, ACTOR), item.event)


async def _reversal(batch: _Batch, item: Incoming, at: datetime) -> None:
    """A reversal (CLP02 22) undoes an earlier payment: if that payment had resolved a work
    item, the work item is open again and its recovery is gone."""
    p, tenant = item.payment, item.tenant_id
    if not p.reversed_payment_id:
        return
    resolved = await batch.repo.denial_resolved_by(tenant, p.reversed_payment_id)
    if resolved is not None and resolved.status == Status.RESOLVED.value:
        before = resolved.status
        resolved.status = move(before, Status.OPEN).value
        recovered = resolved.recovered_amount
        resolved.recovered_amount = ZERO
        resolved.resolved_at = None
        resolved.resolving_payment_id = None
        resolved.resolution_reason = None
        batch.note(
            tenant,
            resolved.id,
            "reopened",
            before,
            resolved.status,
            {
                "reversal_payment_id": p.payment_id,
                "reversed_payment_id": p.reversed_payment_id,
                "recovered_amount_reversed": str(recovered),
            },
            at,
        )
        batch.publish(tenant, updated_event(resolved, "reopened", before, ACTOR), item.event)
        return
    opened = await batch.repo.denial_opened_by(tenant, p.reversed_payment_id)
    if opened is not None:
        # the payer took back the decision that denied it; its new decision will follow
        batch.note(
            tenant,
            opened.id,
            "denying_payment_reversed",
            opened.status,
            opened.status,
            {"reversal_payment_id": p.payment_id, "reversed_payment_id": p.reversed_payment_id},
            at,
        )
