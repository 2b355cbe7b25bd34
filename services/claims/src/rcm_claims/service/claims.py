"""Claim intake, scrubbing, edits, corrections, voids, and what the claim learns from
eligibility, remittance and denials events."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_claims.domain import cob, lifecycle
from rcm_claims.domain.claim import (
    FREQUENCY_REPLACEMENT,
    FREQUENCY_VOID,
    ClaimData,
    patched_claim,
)
from rcm_claims.domain.lifecycle import Status
from rcm_claims.domain.scrubbing import (
    BillingProvider,
    CoverageFact,
    Edit,
    PayerRules,
    ScrubContext,
    has_errors,
    scrub,
)
from rcm_claims.models import Claim, Clinic, Payer, Provider
from rcm_claims.repository import (
    ClaimRepository,
    ClinicRepository,
    FollowUpRepository,
    IntakeFacts,
    IntakeRepository,
    IntakeRows,
    NewClaim,
    PayerRepository,
    ProviderRepository,
)
from rcm_claims.service.common import SOURCE, publish
from rcm_shared.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    RcmError,
    ValidationFailed,
    field_path,
)
from rcm_shared.events.catalog import unchecked_envelope
from rcm_shared.events.claims import (
    ClaimAccepted,
    ClaimAdjudicated,
    ClaimClosed,
    ClaimCorrected,
    ClaimCreated,
    ClaimScrubbed,
    ClaimVoided,
)
from rcm_shared.events.claims import Edit as EditPayload
from rcm_shared.events.denials import Corrections
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.remittance import ClaimPaymentAdjudicated
from rcm_shared.identity import patient_key
from rcm_shared.ids import uuid4_strings
from rcm_shared.workers import cyclic_gc_paused

# Claims per intake statement: large enough that a statement's fixed cost is shared,
# small enough that scrubbing the next chunk overlaps the database's work on this one.
WRITE_CHUNK = 100


def now() -> datetime:
    return datetime.now(UTC)


def new_pcns(count: int) -> list[str]:
    """CLM01s: at most 20 characters; 'C' + the first 16 hex digits of a random UUID is
    unique enough, and the database's (tenant, pcn) constraint guards the rest."""
    return ["C" + u[:8].upper() + u[9:13].upper() + u[14:18].upper() for u in uuid4_strings(count)]


class ReferenceCache:
    """Clinics, payers and providers looked up once per request or batch."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.clinics = ClinicRepository(session, tenant_id)
        self.payers = PayerRepository(session, tenant_id)
        self.providers = ProviderRepository(session, tenant_id)
        self._clinic: dict[str, Clinic | None] = {}
        self._payer: dict[str, Payer | None] = {}
        self._provider: dict[str, Provider | None] = {}

    async def clinic(self, clinic_id: str) -> Clinic | None:
        if clinic_id not in self._clinic:
            self._clinic[clinic_id] = await self.clinics.get(clinic_id)
        return self._clinic[clinic_id]

    async def payer(self, payer_id: str) -> Payer | None:
        if payer_id not in self._payer:
            self._payer[payer_id] = await self.payers.get(payer_id)
        return self._payer[payer_id]

    async def provider(self, provider_id: str | None) -> Provider | None:
        if provider_id is None:
            return None
        if provider_id not in self._provider:
            self._provider[provider_id] = await self.providers.get(provider_id)
        return self._provider[provider_id]


class ClaimService:
    def __init__(
        self,
        session: AsyncSession,
        tenant_id: str,
        actor: str,
        clinics: frozenset[str] | None = None,
        cause: CloudEvent | None = None,
        intake: IntakeRepository | None = None,
    ) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.actor = actor
        self.clinics = clinics  # None: every clinic of the tenant
        self.cause = cause
        self.claims = ClaimRepository(session, tenant_id)
        self.refs = ReferenceCache(session, tenant_id)
        self.intake = intake or IntakeRepository(session, tenant_id)

    # ------------------------------------------------------------------ reads

    async def get(self, claim_id: str, for_update: bool = False) -> Claim:
        claim = await self.claims.get(claim_id, for_update)
        if claim is None or (self.clinics is not None and claim.clinic_id not in self.clinics):
            raise NotFound("claim not found")
        return claim

    # ------------------------------------------------------------------ intake

    async def create(
        self, data: ClaimData, original: Claim | None = None, prior: Claim | None = None
    ) -> NewClaim:
        """`original`: the claim a correction or void stands for; `prior`: the prior
        payer's claim this next payer's claim follows."""
        [result] = await self.create_many([data], original, prior)
        if isinstance(result, RcmError):
            raise result
        return result

    async def create_many(
        self,
        datas: Sequence[ClaimData],
        original: Claim | None = None,
        prior: Claim | None = None,
    ) -> list[NewClaim | RcmError]:
        """Takes in and scrubs claims as a set: one read (control numbers, reference data,
        coverage, duplicates) for the batch and one write (claims, lines, history, events)
        per WRITE_CHUNK claims, not per claim. While one chunk is written, the next is
        scrubbed, so Python and PostgreSQL work side by side; the writes share one
        transaction. A claim that cannot be taken gets its error in its place; the others
        go in."""
        results: list[NewClaim | RcmError] = [NotFound("claim not found")] * len(datas)
        candidates: list[tuple[int, ClaimData, str]] = []
        fresh = iter(new_pcns(sum(1 for d in datas if not d.patient_control_number)))
        for index, given in enumerate(datas):
            if self.clinics is not None and given.clinic_id not in self.clinics:
                results[index] = NotFound("clinic not found", [{"path": "body.clinic_id"}])
                continue
            pcn = given.patient_control_number or next(fresh)
            data = given.model_copy(update={"patient_control_number": pcn})
            candidates.append((index, data, self.patient_key_of(data)))
        if not candidates:
            return results
        # A batch that fits one statement needs neither a transaction (the statement is
        # atomic on its own) nor a GC pause (for a few claims it only moves the collection).
        chunked = len(candidates) > WRITE_CHUNK
        with cyclic_gc_paused() if chunked else contextlib.nullcontext():
            facts = await self.intake.facts(
                [d.patient_control_number or "" for _, d, _ in candidates],
                *self._fact_keys([(d, key) for _, d, key in candidates]),
            )
            async with self.intake.atomic() if chunked else contextlib.nullcontext():
                await self._write_in_chunks(candidates, facts, original, prior, results)
        return results

    async def _write_in_chunks(
        self,
        candidates: list[tuple[int, ClaimData, str]],
        facts: IntakeFacts,
        original: Claim | None,
        prior: Claim | None,
        results: list[NewClaim | RcmError],
    ) -> None:
        """Scrubs chunk k+1 while chunk k's statement runs; fills `results` in place."""
        today = now().date()
        seen: set[str] = set()
        ids = iter(uuid4_strings(3 * len(candidates)))  # each claim and its two events
        writing: asyncio.Future[None] | None = None
        try:
            for start in range(0, len(candidates), WRITE_CHUNK):
                rows = IntakeRows()
                for index, data, key in candidates[start : start + WRITE_CHUNK]:
                    pcn = data.patient_control_number or ""
                    if pcn in facts.taken_pcns or pcn in seen:
                        results[index] = Conflict(
                            "patient control number already used",
                            [{"path": "body.patient_control_number"}],
                        )
                        continue
                    seen.add(pcn)
                    results[index] = self._take(data, key, original, prior, facts, today, rows, ids)
                if writing is not None:
                    await writing
                writing = asyncio.ensure_future(self.intake.insert(rows))
                await asyncio.sleep(0)  # the statement leaves before the next chunk
            if writing is not None:
                await writing
        finally:
            # whatever failed, the connection is free again before the rollback
            if writing is not None and not writing.done():
                await asyncio.wait([writing])

    def _take(
        self,
        data: ClaimData,
        key: str,
        original: Claim | None,
        prior: Claim | None,
        facts: IntakeFacts,
        today: date,
        rows: IntakeRows,
        ids: Iterator[str],
    ) -> NewClaim:
        """A new claim, scrubbed, with the rows and events that record it. `ids` gives
        the claim's id and its two events' ids (drawn in bulk for the batch)."""
        claim_id = next(ids)
        edits = scrub(data, self._context(claim_id, key, data, facts, today))
        target = Status.SCRUB_FAILED if has_errors(edits) else Status.READY
        at = now()
        edit_rows = [e.as_dict() for e in edits]
        claim = NewClaim(
            id=claim_id,
            patient_control_number=data.patient_control_number or "",
            clinic_id=data.clinic_id,
            payer_id=data.payer_id,
            rendering_provider_id=data.rendering_provider_id,
            patient_key=key,
            status=target.value,
            frequency_code=data.frequency_code,
            original_claim_id=original.id if original else None,
            payer_responsibility=data.payer_responsibility,
            prior_claim_id=prior.id if prior else None,
            total_charge=data.total_charge,
            paid_amount=Decimal("0.00"),
            patient_responsibility=Decimal("0.00"),
            service_date_from=data.first_date,
            service_date_to=data.last_date,
            first_pass_clean=target is Status.READY,
            edits=edit_rows,
            rejection_reasons=[],
            version=1,
            created_at=at,
            updated_at=at,
            claim=data,
            # pydantic encodes it several times faster than json.dumps would its dict
            data_json=data.model_dump_json(),
        )
        rows.claims.append(claim)
        rows.lines += self._line_rows(claim.id, data)
        rows.history += [
            self.history_row(claim.id, None, Status.DRAFT, ClaimCreated.event_type, {}),
            self.history_row(
                claim.id,
                Status.DRAFT.value,
                target,
                ClaimScrubbed.event_type,
                {"edits": len(edits)},
            ),
        ]
        # ClaimCreated tells what was taken in (a draft); ClaimScrubbed, what became of it.
        # Payloads and envelopes are built in JSON form and not validated again: intake
        # makes two events per claim, and tests/test_intake.py checks the envelope and
        # both payload models accept them.
        common = {
            "claim_id": claim.id,
            "patient_control_number": claim.patient_control_number,
            "clinic_id": claim.clinic_id,
            "payer_id": claim.payer_id,
            "occurred_at": at.isoformat(),
        }
        created = {
            **common,
            "status": Status.DRAFT.value,
            "patient_key": key,
            "rendering_provider_id": data.rendering_provider_id,
            "frequency_code": data.frequency_code,
            "original_claim_id": claim.original_claim_id,
            "payer_responsibility": data.payer_responsibility,
            "prior_claim_id": claim.prior_claim_id,
            "next_payer_id": next_payer.payer_id if (next_payer := data.next_payer) else None,
            "total_charge": str(data.total_charge),
            "service_date_from": data.first_date.isoformat(),
            "service_date_to": data.last_date.isoformat(),
            "diagnosis_codes": list(data.diagnosis_codes),
            "lines": [
                {
                    "line_number": i + 1,
                    "procedure_code": ln.procedure_code,
                    "modifiers": list(ln.modifiers),
                    "charge": str(ln.charge),
                    "units": str(ln.units),
                    "service_date": ln.service_date_from.isoformat(),
                }
                for i, ln in enumerate(data.lines)
            ],
        }
        scrubbed = {
            **common,
            "status": target.value,
            "passed": target is Status.READY,
            "first_pass": True,
            "edits": edit_rows,
        }
        rows.events += [
            unchecked_envelope(
                model,
                payload,
                event_id=next(ids),
                tenant_id=self.tenant_id,
                source=SOURCE,
                time=at,
                cause=self.cause,
            )
            for model, payload in ((ClaimCreated, created), (ClaimScrubbed, scrubbed))
        ]
        return claim

    async def replace(self, claim_id: str, data: ClaimData) -> Claim:
        claim = await self.get(claim_id, for_update=True)
        if Status(claim.status) not in lifecycle.EDITABLE:
            raise Conflict(f"a {claim.status} claim cannot be edited", {"status": claim.status})
        if self.clinics is not None and data.clinic_id not in self.clinics:
            raise NotFound("clinic not found", [{"path": "body.clinic_id"}])
        pcn = data.patient_control_number or claim.patient_control_number
        if pcn != claim.patient_control_number and await self.claims.pcn_taken([pcn]):
            raise Conflict(
                "patient control number already used", [{"path": "body.patient_control_number"}]
            )
        data = data.model_copy(update={"patient_control_number": pcn})
        claim.patient_control_number = pcn
        self._apply_data(claim, data)
        claim.version += 1
        await self._store_lines(claim, data)
        await self.scrub(claim, data, first=False)
        return claim

    async def patch(self, claim_id: str, changes: dict[str, Any]) -> Claim:
        claim = await self.get(claim_id)
        merged = patched_claim(claim.data, changes)
        try:
            data = ClaimData.model_validate(merged)
        except ValidationError as exc:
            raise ValidationFailed(
                "the patched claim is invalid",
                [
                    {
                        "path": field_path(["body", *err["loc"]]),
                        "message": err["msg"],
                        "type": err["type"],
                    }
                    for err in exc.errors(include_input=False, include_url=False)
                ],
            ) from exc
        return await self.replace(claim_id, data)

    def patient_key_of(self, data: ClaimData) -> str:
        return patient_key(
            self.tenant_id, data.payer_id, data.subscriber.member_id, data.patient_person.birth_date
        )

    def _apply_data(self, claim: Claim, data: ClaimData) -> None:
        claim.clinic_id = data.clinic_id
        claim.payer_id = data.payer_id
        claim.payer_responsibility = data.payer_responsibility
        claim.rendering_provider_id = data.rendering_provider_id
        claim.patient_key = self.patient_key_of(data)
        claim.frequency_code = data.frequency_code
        claim.total_charge = data.total_charge
        claim.service_date_from = data.first_date
        claim.service_date_to = data.last_date
        claim.data = data.model_dump(mode="json")

    def history_row(
        self,
        claim_id: str,
        previous: str | None,
        target: Status,
        event_type: str,
        detail: dict[str, Any],
    ) -> dict[str, Any]:
        """A claim_history row as column values, for a set insert (no ORM object: a batch
        makes thousands)."""
        return {
            "tenant_id": self.tenant_id,
            "claim_id": claim_id,
            "from_status": previous,
            "to_status": target.value,
            "event_type": event_type,
            "actor": self.actor,
            "detail": detail,
        }

    @staticmethod
    def _line_rows(claim_id: str, data: ClaimData) -> list[dict[str, Any]]:
        return [
            {
                "claim_id": claim_id,
                "line_number": i + 1,
                "procedure_code": line.procedure_code,
                "modifiers": ":".join(line.modifiers),
                "charge": line.charge,
                "service_date": line.service_date_from,
            }
            for i, line in enumerate(data.lines)
        ]

    async def _store_lines(self, claim: Claim, data: ClaimData) -> None:
        await self.claims.replace_lines(claim.id, self._line_rows(claim.id, data))

    # ------------------------------------------------------------------ scrubbing

    @staticmethod
    def _fact_keys(
        items: Sequence[tuple[ClaimData, str]],
    ) -> tuple[set[str], set[str], set[str], set[tuple[str, str]], list[str]]:
        """What to look up for these (claim, patient key) pairs: clinics, payers,
        providers, coverage keys, and the statuses a duplicate must be in."""
        providers = {
            p for d, _ in items for p in (d.rendering_provider_id, d.referring_provider_id) if p
        }
        return (
            {d.clinic_id for d, _ in items},
            {p for d, _ in items for p in (d.payer_id, *(c.payer_id for c in d.other_coverages))},
            providers,
            {(key, d.payer_id) for d, key in items},
            [s.value for s in lifecycle.SENT_NOT_VOIDED],
        )

    @staticmethod
    def _context(
        claim_id: str, key: str, data: ClaimData, facts: IntakeFacts, today: date
    ) -> ScrubContext:
        """The scrubber's view of one claim, from the facts loaded for its batch."""
        clinic = facts.clinics.get(data.clinic_id)
        payer = facts.payers.get(data.payer_id)
        rendering = facts.provider_npis.get(data.rendering_provider_id or "")
        referring = facts.provider_npis.get(data.referring_provider_id or "")
        cov = facts.coverage.get((key, data.payer_id))
        duplicates: set[str] = set()
        if data.frequency_code not in (FREQUENCY_REPLACEMENT, FREQUENCY_VOID):
            for ln in data.lines:
                duplicates |= facts.lines_at_payer.get(
                    (key, data.payer_id, ln.procedure_code, ln.service_date_from, ln.charge),
                    set(),
                )
        duplicates.discard(claim_id)
        return ScrubContext(
            today=today,
            billing=BillingProvider(clinic.npi, clinic.postal_code, clinic.address_line1)
            if clinic
            else None,
            payer=PayerRules(data.payer_id, payer.timely_filing_days, payer.prior_auth_procedures)
            if payer
            else None,
            rendering_npi=rendering,
            referring_npi=referring,
            rendering_known=data.rendering_provider_id is None or rendering is not None,
            referring_known=data.referring_provider_id is None or referring is not None,
            coverage=CoverageFact(cov.status, cov.coverage_start, cov.coverage_end)
            if cov
            else None,
            duplicate_of=sorted(duplicates),
            known_payers=frozenset(
                c.payer_id for c in data.other_coverages if c.payer_id in facts.payers
            ),
        )

    async def scrub(self, claim: Claim, data: ClaimData, first: bool) -> list[Edit]:
        facts = await self.intake.facts([], *self._fact_keys([(data, claim.patient_key)]))
        ctx = self._context(claim.id, claim.patient_key, data, facts, now().date())
        edits = scrub(data, ctx)
        target = Status.SCRUB_FAILED if has_errors(edits) else Status.READY
        previous = claim.status
        lifecycle.move(previous, target)
        claim.edits = [e.as_dict() for e in edits]
        if claim.first_pass_clean is None:
            claim.first_pass_clean = target is Status.READY
        await self.transition(
            claim, previous, target, ClaimScrubbed.event_type, {"edits": len(edits)}
        )
        await publish(
            self.session,
            self.tenant_id,
            ClaimScrubbed(
                **self.ids(claim),
                passed=target is Status.READY,
                first_pass=first,
                edits=[EditPayload(**e.as_dict()) for e in edits],
            ),
            self.cause,
        )
        return edits

    # ------------------------------------------------------------------ corrections, voids

    async def correct(
        self, claim_id: str, changes: Corrections, denial_id: str | None = None
    ) -> NewClaim:
        original = await self.get(claim_id, for_update=True)
        if Status(original.status) not in lifecycle.ADJUDICATED:
            raise Conflict(
                f"only an adjudicated claim can be corrected, not a {original.status} one",
                {"status": original.status},
            )
        if not original.payer_claim_control_number:
            raise Conflict("the payer's claim control number is not known yet")
        data = apply_corrections(ClaimData.model_validate(original.data), changes).model_copy(
            update={
                "frequency_code": FREQUENCY_REPLACEMENT,
                "payer_claim_control_number": original.payer_claim_control_number,
                "patient_control_number": None,
            }
        )
        replacement = await self.create(data, original=original)
        previous = original.status
        lifecycle.move(previous, Status.CORRECTED)
        original.replaced_by_claim_id = replacement.id
        await self.transition(
            original,
            previous,
            Status.CORRECTED,
            ClaimCorrected.event_type,
            {"replacement_claim_id": replacement.id, "denial_id": denial_id},
        )
        await publish(
            self.session,
            self.tenant_id,
            ClaimCorrected(
                **self.ids(original),
                replacement_claim_id=replacement.id,
                denial_id=denial_id,
            ),
            self.cause,
        )
        return replacement

    async def void(self, claim_id: str, reason: str) -> Claim:
        claim = await self.get(claim_id, for_update=True)
        current = Status(claim.status)
        void_claim: NewClaim | None = None
        if current in lifecycle.AT_PAYER:
            if not claim.payer_claim_control_number:
                raise Conflict(
                    "the payer's claim control number is not known yet: a void "
                    "(frequency 8) must name it"
                )
            data = ClaimData.model_validate(claim.data).model_copy(
                update={
                    "frequency_code": FREQUENCY_VOID,
                    "patient_control_number": None,
                    "payer_claim_control_number": claim.payer_claim_control_number,
                }
            )
            void_claim = await self.create(data, original=claim)
        previous = claim.status
        lifecycle.move(previous, Status.VOIDED)
        await self.transition(
            claim,
            previous,
            Status.VOIDED,
            ClaimVoided.event_type,
            {"reason": reason, "void_claim_id": void_claim.id if void_claim else None},
        )
        await publish(
            self.session,
            self.tenant_id,
            ClaimVoided(
                **self.ids(claim),
                void_claim_id=void_claim.id if void_claim else None,
                reason=reason,
            ),
            self.cause,
        )
        return claim

    async def close(self, claim_id: str, reason: str) -> Claim:
        """Adjudicated claims only (paid, partially paid, denied): closing one that is
        still at the payer would hide money not yet decided."""
        claim = await self.get(claim_id, for_update=True)
        previous = claim.status
        lifecycle.move(previous, Status.CLOSED)
        await self.transition(
            claim, previous, Status.CLOSED, ClaimClosed.event_type, {"reason": reason}
        )
        await publish(
            self.session,
            self.tenant_id,
            ClaimClosed(
                **self.ids(claim),
                reason=reason,
                paid_amount=claim.paid_amount,
                patient_responsibility=claim.patient_responsibility,
            ),
            self.cause,
        )
        return claim

    # ------------------------------------------------------------------ consumed facts

    async def record_adjudication(self, payment: ClaimPaymentAdjudicated) -> bool:
        """Applies one 835 claim payment. Amounts accumulate (a reversal carries negative
        ones); the status follows the latest payment. False when nothing applied."""
        claim = (
            await self.claims.get(payment.claim_id, for_update=True) if (payment.claim_id) else None
        )
        if claim is None:
            found = await self.claims.by_control_numbers([payment.patient_control_number], True)
            claim = found[0] if found else None
        if claim is None:
            return False
        claim = await self._claim_of_payer(claim, payment)
        target = lifecycle.status_for_adjudication(
            payment.claim_status_code,
            payment.paid_amount,
            [(a.group_code, a.reason_code) for a in payment.adjustments]
            + [(a.group_code, a.reason_code) for ln in payment.lines for a in ln.adjustments],
            payment.patient_responsibility,
        )
        previous = claim.status
        if payment.is_reversal and Status(previous) in lifecycle.FINAL:
            # The payer took back the payment of a claim since corrected or voided: the
            # money moves, the status stays (the replacement carries the claim on).
            claim.paid_amount += payment.paid_amount
            claim.patient_responsibility += payment.patient_responsibility
            await self.note(
                claim,
                "reversal applied to a closed claim",
                {"payment_id": payment.payment_id, "paid": str(payment.paid_amount)},
            )
            return True
        if not lifecycle.can_move(Status(previous), target):
            await self.note(
                claim,
                "adjudication not applied",
                {"payment_id": payment.payment_id, "to": target.value},
            )
            return False
        at = now()
        claim.paid_amount += payment.paid_amount
        claim.patient_responsibility += payment.patient_responsibility
        claim.payer_claim_control_number = (
            payment.payer_claim_control_number or claim.payer_claim_control_number
        )
        claim.adjudicated_at = at
        claim.first_adjudication = claim.first_adjudication or target.value
        if target in (Status.PAID, Status.PARTIALLY_PAID) and claim.paid_at is None:
            claim.paid_at = at
        claim.status = target.value
        await self.transition(
            claim,
            previous,
            target,
            ClaimAdjudicated.event_type,
            {
                "payment_id": payment.payment_id,
                "clp02": payment.claim_status_code,
                "paid": str(payment.paid_amount),
            },
        )
        await publish(
            self.session,
            self.tenant_id,
            ClaimAdjudicated(
                **self.ids(claim),
                claim_status_code=payment.claim_status_code,
                total_charge=payment.total_charge,
                paid_amount=payment.paid_amount,
                patient_responsibility=payment.patient_responsibility,
                payer_claim_control_number=claim.payer_claim_control_number,
            ),
            self.cause,
        )
        # an 835 answers whatever a claim status follow-up was waiting for
        await FollowUpRepository(self.session, self.tenant_id).resolve_items(claim.id, at)
        if not payment.is_reversal:
            await self._bill_next_payer(claim, payment)
        return True

    # ------------------------------------------------------------------ next payers

    async def _claim_of_payer(self, claim: Claim, payment: ClaimPaymentAdjudicated) -> Claim:
        """The claim of the chain this payment is for: a crossed-over claim's next payer
        remits under the number of the claim we sent the first payer. Known by its payer
        id, or by CLP02 (2 processed as secondary, 3 as tertiary) when the 835 names its
        payer only by name."""
        wanted = {"2": "S", "3": "T"}.get(payment.claim_status_code)
        found = claim
        for _ in range(2):  # primary -> secondary -> tertiary
            if found.payer_id == payment.payer_id or found.payer_responsibility == wanted:
                return found
            if not found.next_claim_id:
                break
            following = await self.claims.get(found.next_claim_id, for_update=True)
            if following is None:
                break
            found = following
        if found.payer_id == payment.payer_id or found.payer_responsibility == wanted:
            return found
        return claim

    async def _bill_next_payer(self, claim: Claim, payment: ClaimPaymentAdjudicated) -> None:
        """After this payer's decision, the claim for the next payer on file: sent by us,
        or, when this payer forwarded it (a crossover), recorded as accepted there
        without an 837 of ours. Once per claim: a second 835 bills nobody again."""
        if claim.next_claim_id or Status(claim.status) not in lifecycle.ADJUDICATED:
            return
        data = ClaimData.model_validate(claim.data)
        if data.next_payer is None:
            return
        decision = cob.decision_from_835(payment, data)
        left = cob.billable_onward(decision)
        crossed = payment.claim_status_code in cob.FORWARDED or bool(payment.crossover_payer)
        if left <= 0 and not crossed:
            await self.note(
                claim,
                "nothing left for the next payer",
                {"after_payment_id": payment.payment_id, "next_payer_id": data.next_payer.payer_id},
            )
            return
        next_data = cob.next_payer_claim(data, decision)
        assert next_data is not None
        following = await self.create(next_data, prior=claim)
        claim.next_claim_id = following.id
        await self.note(
            claim,
            "next payer billed" if not crossed else "crossed over to the next payer",
            {
                "next_claim_id": following.id,
                "next_payer_id": next_data.payer_id,
                "billable": str(left),
                "clp02": payment.claim_status_code,
            },
        )
        if crossed:
            await self._crossed_over(following.id)

    async def _crossed_over(self, claim_id: str) -> None:
        """The prior payer sent the claim on: the next payer has it, so it is accepted
        there and is never sent by us (that would be a duplicate)."""
        claim = await self.get(claim_id, for_update=True)
        if Status(claim.status) is not Status.READY:
            return  # scrub failed: a biller looks at it before the 835 comes
        previous = claim.status
        lifecycle.move(previous, Status.ACCEPTED)
        claim.accepted_at = now()
        await self.transition(
            claim, previous, Status.ACCEPTED, ClaimAccepted.event_type, {"source": "crossover"}
        )
        await publish(
            self.session,
            self.tenant_id,
            ClaimAccepted(**self.ids(claim), source="crossover"),
            self.cause,
        )

    # ------------------------------------------------------------------ helpers

    async def transition(
        self,
        claim: Claim,
        previous: str | None,
        target: Status,
        event_type: str,
        detail: dict[str, Any],
    ) -> None:
        claim.status = target.value
        await self.claims.record(claim.id, previous, target.value, event_type, self.actor, detail)

    async def note(self, claim: Claim, what: str, detail: dict[str, Any]) -> None:
        await self.claims.record(claim.id, claim.status, claim.status, what, self.actor, detail)

    def ids(self, claim: Claim | NewClaim) -> dict[str, Any]:
        return {
            "claim_id": claim.id,
            "patient_control_number": claim.patient_control_number,
            "clinic_id": claim.clinic_id,
            "payer_id": claim.payer_id,
            "status": claim.status,
            "occurred_at": now(),
        }


def apply_corrections(data: ClaimData, changes: Corrections) -> ClaimData:
    update: dict[str, Any] = {}
    if changes.diagnosis_codes is not None:
        update["diagnosis_codes"] = [c.replace(".", "").upper() for c in changes.diagnosis_codes]
    if changes.prior_authorization_number is not None:
        update["prior_authorization_number"] = changes.prior_authorization_number
    if changes.referral_number is not None:
        update["referral_number"] = changes.referral_number
    if changes.line_modifiers:
        lines = list(data.lines)
        for number, modifiers in changes.line_modifiers.items():
            if not 1 <= number <= len(lines):
                raise InvalidInput(
                    "no such line",
                    [{"path": f"body.line_modifiers.{number}", "message": "no such line"}],
                )
            lines[number - 1] = lines[number - 1].model_copy(
                update={"modifiers": [m.upper() for m in modifiers]}
            )
        update["lines"] = lines
    # Validate the result as a whole: a correction must itself be a valid claim.
    return ClaimData.model_validate(
        {
            **data.model_dump(),
            **{
                k: ([ln.model_dump() for ln in v] if k == "lines" else v) for k, v in update.items()
            },
        }
    )
