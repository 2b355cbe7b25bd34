"""What billers do with a work item: assign, start, note, appeal, resubmit, write off,
resolve. Every change writes a history row and an event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_denials.domain.codes import codebook
from rcm_denials.domain.letters import AppealFacts, LetterLine, appeal_letter
from rcm_denials.domain.workflow import Status, move
from rcm_denials.models import Appeal, Denial, DenialHistory
from rcm_denials.pdf import render_pdf
from rcm_denials.repository import DenialRepository, ReferenceRepository
from rcm_denials.schemas import AppealIn, ResolveIn, ResubmitIn, WriteOffIn
from rcm_denials.service.common import now, publish
from rcm_denials.service.ingest import resolved_event, updated_event
from rcm_shared.errors import Conflict, InvalidInput, NotFound
from rcm_shared.events.denials import Corrections, ResubmissionRequested


@dataclass
class WorkQueue:
    session: AsyncSession
    tenant_id: str
    actor: str
    clinics: frozenset[str] | None = None

    @property
    def repo(self) -> DenialRepository:
        return DenialRepository(self.session, self.tenant_id)

    async def get(self, denial_id: str, for_update: bool = False) -> Denial:
        denial = await self.repo.get(denial_id, self.clinics, for_update=for_update)
        if denial is None:
            raise NotFound("denial not found")
        return denial

    async def _record(
        self,
        denial: Denial,
        action: str,
        before: str | None,
        detail: dict[str, Any],
    ) -> None:
        await self.repo.add(
            DenialHistory(
                tenant_id=self.tenant_id,
                denial_id=denial.id,
                at=now(),
                actor=self.actor,
                action=action,
                from_status=before,
                to_status=denial.status,
                detail=detail,
            )
        )

    async def _moved(
        self, denial: Denial, target: Status, change: str, detail: dict[str, Any]
    ) -> None:
        before = denial.status
        denial.status = move(before, target).value
        await self._record(denial, change, before, detail)
        if target in (Status.RESOLVED, Status.WRITTEN_OFF):
            await publish(self.session, self.tenant_id, resolved_event(denial))
        else:
            await publish(
                self.session, self.tenant_id, updated_event(denial, change, before, self.actor)
            )

    async def assign(self, denial_id: str, assignee: str | None) -> Denial:
        denial = await self.get(denial_id, for_update=True)
        previous = denial.assignee
        denial.assignee = assignee
        await self._record(
            denial, "assigned", denial.status, {"assignee": assignee, "previous_assignee": previous}
        )
        await publish(
            self.session,
            self.tenant_id,
            updated_event(denial, "assigned", denial.status, self.actor),
        )
        return denial

    async def start(self, denial_id: str) -> Denial:
        denial = await self.get(denial_id, for_update=True)
        if denial.assignee is None:
            denial.assignee = self.actor  # whoever starts the work owns it until reassigned
        await self._moved(denial, Status.IN_PROGRESS, "started", {"assignee": denial.assignee})
        return denial

    async def note(self, denial_id: str, text: str) -> Denial:
        denial = await self.get(denial_id)
        await self._record(denial, "note", denial.status, {"text": text})
        return denial

    async def appeal(self, denial_id: str, body: AppealIn) -> Appeal:
        denial = await self.get(denial_id, for_update=True)
        move(denial.status, Status.APPEALED)  # refuse before doing the work
        facts = await self._facts(denial)
        markdown = appeal_letter(facts, codebook(), now().date(), body.argument)
        appeal = Appeal(
            id=str(uuid.uuid4()),
            tenant_id=self.tenant_id,
            denial_id=denial.id,
            created_at=now(),
            created_by=self.actor,
            category=denial.category,
            markdown=markdown,
            pdf=render_pdf(markdown, f"Appeal {denial.payer_claim_control_number or denial.id}"),
        )
        await self.repo.add(appeal)
        await self._moved(denial, Status.APPEALED, "appealed", {"appeal_id": appeal.id})
        return appeal

    async def _facts(self, denial: Denial) -> AppealFacts:
        ref = ReferenceRepository(self.session, self.tenant_id)
        claim = await ref.claim_fact(denial.claim_id) if denial.claim_id else None
        clinic_id = denial.clinic_id or (claim.clinic_id if claim else None)
        clinic = await ref.clinic(clinic_id) if clinic_id else None
        payer = await ref.payer(denial.payer_id)
        provider = (
            await ref.provider(claim.rendering_provider_id)
            if claim and claim.rendering_provider_id
            else None
        )
        lines = await self.repo.lines(denial.id)
        return AppealFacts(
            denial_id=denial.id,
            claim_id=denial.claim_id,
            patient_control_number=denial.patient_control_number,
            payer_claim_control_number=denial.payer_claim_control_number,
            payer_id=denial.payer_id,
            payer_name=payer.name if payer else None,
            clinic_name=clinic.name if clinic else None,
            clinic_npi=clinic.npi if clinic else None,
            rendering_provider=(
                f"{provider.first_name} {provider.last_name}, NPI {provider.npi}"
                if provider
                else None
            ),
            service_date_from=claim.service_date_from if claim else None,
            service_date_to=claim.service_date_to if claim else None,
            diagnosis_codes=list(claim.diagnosis_codes) if claim else [],
            total_charge=denial.total_charge,
            denied_amount=denial.denied_amount,
            remittance_date=denial.remittance_date,
            deadline=denial.deadline,
            category=denial.category,
            claim_reasons=[(a["group_code"], a["carc"]) for a in denial.claim_adjustments],
            remark_codes=list(denial.remark_codes),
            lines=[
                LetterLine(
                    line_number=ln.line_number,
                    procedure_code=ln.procedure_code,
                    modifiers=list(ln.modifiers),
                    charge=ln.charge,
                    denied_amount=ln.denied_amount,
                    reasons=[(a["group_code"], a["carc"]) for a in ln.adjustments],
                    remark_codes=list(ln.remark_codes),
                )
                for ln in lines
            ],
        )

    async def resubmit(self, denial_id: str, body: ResubmitIn) -> Denial:
        changes = body.model_dump(exclude_none=True)
        if not changes or set(changes) == {"note"}:
            raise InvalidInput(
                "nothing to correct",
                [{"path": "body", "message": "name at least one correction"}],
            )
        denial = await self.get(denial_id, for_update=True)
        move(denial.status, Status.RESUBMITTED)
        if denial.claim_id is None:
            raise Conflict("the payment matched no claim: there is no claim to correct")
        if not denial.payer_claim_control_number:
            raise Conflict(
                "the payer's claim control number is not known: a corrected claim must name it"
            )
        claim = await ReferenceRepository(self.session, self.tenant_id).claim_fact(denial.claim_id)
        if body.line_modifiers and claim is not None:
            bad = [n for n in body.line_modifiers if n > len(claim.lines)]
            if bad:
                raise InvalidInput(
                    "no such line",
                    [{"path": f"body.line_modifiers.{n}", "message": "no such line"} for n in bad],
                )
        corrections = Corrections(
            diagnosis_codes=[c.replace(".", "") for c in body.diagnosis_codes]
            if body.diagnosis_codes
            else None,
            prior_authorization_number=body.prior_authorization_number,
            referral_number=body.referral_number,
            line_modifiers=body.line_modifiers,
            note=body.note,
        )
        await publish(
            self.session,
            self.tenant_id,
            ResubmissionRequested(
                denial_id=denial.id,
                claim_id=denial.claim_id,
                payer_claim_control_number=denial.payer_claim_control_number,
                corrections=corrections,
            ),
        )
        await self._moved(
            denial,
            Status.RESUBMITTED,
            "resubmitted",
            {"corrections": corrections.model_dump(mode="json", exclude_none=True)},
        )
        return denial

    async def write_off(self, denial_id: str, body: WriteOffIn) -> Denial:
        denial = await self.get(denial_id, for_update=True)
        move(denial.status, Status.WRITTEN_OFF)
        denial.resolved_at = now()
        denial.resolution_reason = body.reason
        await self._moved(
            denial, Status.WRITTEN_OFF, "written_off", {"reason": body.reason, "note": body.note}
        )
        return denial

    async def resolve(self, denial_id: str, body: ResolveIn) -> Denial:
        """By hand, e.g. a payer that pays an appeal by check outside the 835."""
        denial = await self.get(denial_id, for_update=True)
        move(denial.status, Status.RESOLVED)
        denial.resolved_at = now()
        denial.recovered_amount = body.recovered_amount
        denial.resolution_reason = "resolved by hand"
        await self._moved(
            denial,
            Status.RESOLVED,
            "resolved",
            {"recovered_amount": str(body.recovered_amount), "note": body.note},
        )
        return denial
