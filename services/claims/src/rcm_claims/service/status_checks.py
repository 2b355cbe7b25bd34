"""Claim status follow-up (276/277): ask the payer about claims it has had too long without
an 835, record each answer on the claim and its history, and open a follow-up item when
the answer needs a person (the payer cannot find the claim, wants more information, or
sent it back). Asked on demand (the API) or by the worker for what is due."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_claims.clearinghouse import DeliveryError, StatusConnector, status_connector_for
from rcm_claims.config import ClaimsSettings
from rcm_claims.domain import claim_status
from rcm_claims.domain.claim import ClaimData
from rcm_claims.domain.claim_status import StatusAnswer, parse_277
from rcm_claims.domain.lifecycle import AT_PAYER, Status
from rcm_claims.domain.x276 import Envelope276, Inquiry276, build_276
from rcm_claims.models import Claim, StatusCheck
from rcm_claims.repository import ControlNumbers, FollowUpRepository, StatusQueue
from rcm_claims.service.claims import ClaimService, now
from rcm_shared.errors import Conflict
from rcm_shared.runtime import Runtime
from rcm_shared.workers import repeat
from rcm_shared.x12.errors import X12SyntaxError


async def ask(
    session: AsyncSession,
    settings: ClaimsSettings,
    tenant_id: str,
    claims: Sequence[Claim],
    actor: str,
    connector: StatusConnector | None = None,
) -> list[StatusCheck]:
    """One 276 for these claims of one tenant, its 277 applied; a check per claim."""
    connector = connector or status_connector_for(settings)
    if connector is None:
        raise Conflict("no claim status endpoint is configured (RCM_CLAIMS_STATUS_URL)")
    svc = ClaimService(session, tenant_id, actor=actor)
    checks: list[StatusCheck] = []
    inquiries: list[Inquiry276] = []
    at = now()
    for claim in claims:
        clinic = await svc.refs.clinic(claim.clinic_id)
        payer = await svc.refs.payer(claim.payer_id)
        if clinic is None or payer is None:
            continue
        check_id = str(uuid.uuid4())
        trace = check_id.replace("-", "")[:30]
        checks.append(
            StatusCheck(
                id=check_id,
                tenant_id=tenant_id,
                claim_id=claim.id,
                trace=trace,
                asked_at=at,
                x276="",
            )
        )
        inquiries.append(
            Inquiry276(
                trace=trace,
                data=ClaimData.model_validate(claim.data),
                patient_control_number=claim.patient_control_number,
                payer_claim_control_number=claim.payer_claim_control_number,
                payer_id=payer.payer_id,
                payer_name=payer.name,
                billing_name=clinic.name,
                billing_npi=clinic.npi,
            )
        )
    if not inquiries:
        return []
    numbers = ControlNumbers(session)
    x276 = build_276(
        inquiries,
        Envelope276(
            sender_id=settings.sender_id,
            receiver_id=settings.receiver_id,
            submitter_name=settings.submitter_name,
            interchange_control=await numbers.next_interchange(),
            group_control=await numbers.next_group(),
            timestamp=at,
            usage=settings.usage,
        ),
    )
    repo = FollowUpRepository(session, tenant_id)
    for check in checks:
        check.x276 = x276
        await repo.add_check(check)
    answers: dict[str, StatusAnswer] = {}
    x277: str | None = None
    error: str | None = None
    try:
        x277 = await connector.ask(tenant_id, x276)
        answers = {a.trace: a for a in parse_277(x277) if a.trace}
    except DeliveryError as exc:
        error = str(exc)
    except X12SyntaxError as exc:
        error = f"the 277 is malformed: {exc}"
    by_id = {c.id: c for c in claims}
    for check in checks:
        check.x277 = x277
        answer = answers.get(check.trace)
        if answer is None:
            check.error = error or "the 277 does not answer this claim"
            continue
        await _apply(svc, repo, by_id[check.claim_id], check, answer)
    await session.flush()
    return checks


async def _apply(
    svc: ClaimService,
    repo: FollowUpRepository,
    claim: Claim,
    check: StatusCheck,
    answer: StatusAnswer,
) -> None:
    at = now()
    outcome = answer.outcome
    check.answered_at = at
    check.outcome, check.category, check.status_code = outcome, answer.category, answer.status_code
    claim.last_status_outcome = outcome
    claim.last_status_code = f"{answer.category}:{answer.status_code}"
    claim.last_status_at = at
    detail = {
        "status_check_id": check.id,
        "outcome": outcome,
        "stc": claim.last_status_code,
        "paid": str(answer.paid) if answer.paid is not None else None,
    }
    await svc.note(claim, "claim status answered", detail)
    # "not found" counts only once the payer accepted the claim: before, the 277CA says it
    if outcome in claim_status.NEEDS_FOLLOW_UP and (
        outcome != "not_found" or Status(claim.status) in AT_PAYER
    ):
        await repo.open_item(claim.id, outcome, at, detail)


async def ask_now(
    session: AsyncSession, settings: ClaimsSettings, svc: ClaimService, claim_id: str
) -> StatusCheck:
    claim = await svc.get(claim_id, for_update=True)
    if Status(claim.status) not in AT_PAYER:
        raise Conflict(
            f"only a claim at the payer has a status to ask about, not a {claim.status} one",
            {"status": claim.status},
        )
    [check] = await ask(session, settings, svc.tenant_id, [claim], svc.actor)
    return check


async def ask_due(
    runtime: Runtime, settings: ClaimsSettings, connector: StatusConnector, limit: int = 200
) -> int:
    """Asks about every claim past its payer's days without an 835 (and not asked in the
    last status_recheck_days): one 276 per tenant. Locked while asked: two workers never
    ask about the same claim."""
    assert runtime.sessions is not None
    asked = 0
    async with runtime.sessions() as session, session.begin():
        due = await StatusQueue(session).claim_due(now(), settings.status_recheck_days, limit)
        by_tenant: dict[str, list[Claim]] = {}
        for claim in due:
            by_tenant.setdefault(claim.tenant_id, []).append(claim)
        for tenant_id, claims in by_tenant.items():
            checks = await ask(session, settings, tenant_id, claims, "status-worker", connector)
            unanswered = {c.claim_id for c in checks if c.answered_at is None}
            for claim in claims:
                if claim.id in unanswered or claim.last_status_at is None:
                    # not asked again before the recheck interval, answer or not
                    claim.last_status_at = now()
            asked += len(checks)
    return asked


async def status_worker(runtime: Runtime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, ClaimsSettings)
    connector = status_connector_for(settings)
    if connector is None or settings.status_poll_seconds <= 0:
        return  # asked on demand only
    await repeat(
        lambda: ask_due(runtime, settings, connector),
        stop,
        settings.status_poll_seconds,
        "claim status loop",
    )
