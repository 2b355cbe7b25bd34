"""Real-time and batch eligibility checks.

A check is stored (with its 270) before the payer is asked, the payer is asked outside any
database transaction, and the answer (271, coverage read model, event) is stored in one
transaction afterwards: a crash never loses a question, and a slow payer never holds a
database connection."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from rcm_eligibility.config import EligibilitySettings
from rcm_eligibility.domain import checks as rules
from rcm_eligibility.domain.x270 import (
    Envelope270,
    Person270,
    Request270,
    Request270Error,
    build_270,
)
from rcm_eligibility.domain.x271 import CoverageAnswer, parse_271, summarize
from rcm_eligibility.models import EligibilityBatch, EligibilityCheck
from rcm_eligibility.payer import HttpPayerConnector, PayerUnavailable
from rcm_eligibility.repository import BatchQueue, CheckRepository
from rcm_eligibility.schemas import CheckIn
from rcm_shared.errors import InvalidInput, NotFound
from rcm_shared.events.catalog import new_event
from rcm_shared.events.eligibility import CostShare, EligibilityChecked
from rcm_shared.events.eligibility import OtherPayer as OtherPayerEvent
from rcm_shared.identity import patient_key
from rcm_shared.messaging import outbox
from rcm_shared.runtime import Runtime
from rcm_shared.workers import repeat
from rcm_shared.x12.errors import X12SyntaxError

log = logging.getLogger("rcm.eligibility.checks")
SOURCE = "/rcm/eligibility"


def now() -> datetime:
    return datetime.now(UTC)


def _person(p: Any) -> Person270:
    return Person270(
        first_name=p.first_name, last_name=p.last_name, birth_date=p.birth_date, gender=p.gender
    )


def new_check(tenant_id: str, request: CheckIn, batch_id: str | None = None) -> EligibilityCheck:
    patient = request.dependent or request.subscriber
    key = patient_key(
        tenant_id, request.payer.payer_id, request.subscriber.member_id, patient.birth_date
    )
    at = now()
    return EligibilityCheck(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        batch_id=batch_id,
        state="pending",
        patient_key=key,
        payer_id=request.payer.payer_id,
        service_date=request.service_date,
        cache_key=rules.cache_key(
            key, request.payer.payer_id, request.service_date, request.service_types
        ),
        request=request.model_dump(mode="json"),
        attempts=0,
        created_at=at,
        updated_at=at,
    )


async def _attach_270(
    repo: CheckRepository, check: EligibilityCheck, settings: EligibilitySettings
) -> str:
    request = CheckIn.model_validate(check.request)
    control = await repo.next_control()
    x270 = build_270(
        Request270(
            trace_number=check.id.replace("-", "")[:30],
            payer_id=request.payer.payer_id,
            payer_name=request.payer.name,
            provider_npi=request.provider.npi,
            provider_name=request.provider.name,
            provider_first_name=request.provider.first_name,
            member_id=request.subscriber.member_id,
            subscriber=_person(request.subscriber),
            dependent=_person(request.dependent) if request.dependent else None,
            service_types=tuple(request.service_types),
            service_date=request.service_date,
        ),
        Envelope270(
            sender_id=settings.sender_id,
            receiver_id=settings.receiver_id,
            interchange_control=control,
            group_control=control,
            timestamp=now(),
            usage=settings.usage,
        ),
    )
    check.x12_270 = x270
    return x270


async def check_now(
    sessions: async_sessionmaker[AsyncSession],
    tenant_id: str,
    request: CheckIn,
    force: bool,
    settings: EligibilitySettings,
    payer: HttpPayerConnector,
) -> tuple[EligibilityCheck, bool]:
    """Returns the check and whether it is a stored answer."""
    fresh = new_check(tenant_id, request)
    async with sessions() as session, session.begin():
        repo = CheckRepository(session, tenant_id)
        if not force:
            since = now() - timedelta(seconds=settings.cache_ttl_seconds)
            cached = await repo.fresh_answer(fresh.cache_key, since)
            if cached is not None:
                return cached, True
        try:
            x270 = await _attach_270(repo, fresh, settings)
        except Request270Error as exc:
            # a request the schema takes but no 270 can carry (an NPI check digit, a
            # blank name): the caller's 422, before anything is stored
            raise InvalidInput(
                f"no 270 can be built: {exc}", [{"path": "body", "message": str(exc)}]
            ) from None
        await repo.add(fresh)
    return await ask_payer(sessions, tenant_id, fresh.id, x270, payer), False


async def ask_payer(
    sessions: async_sessionmaker[AsyncSession],
    tenant_id: str,
    check_id: str,
    x270: str,
    payer: HttpPayerConnector,
) -> EligibilityCheck:
    try:
        x271: str | None = await payer.exchange(x270, check_id)
        failure = None
    except PayerUnavailable as exc:
        x271, failure = None, str(exc)
    async with sessions() as session, session.begin():
        repo = CheckRepository(session, tenant_id)
        check = await repo.get(check_id, for_update=True)
        assert check is not None
        await record_answer(session, repo, check, x271, failure)
        return check


async def record_answer(
    session: AsyncSession,
    repo: CheckRepository,
    check: EligibilityCheck,
    x271: str | None,
    failure: str | None,
) -> None:
    request = CheckIn.model_validate(check.request)
    check.attempts += 1
    # PostgreSQL text cannot hold NUL: kept visibly replaced, parsed as received
    check.x12_271 = x271.replace("\x00", "\ufffd") if x271 is not None else None
    answer: CoverageAnswer | None = None
    if x271 is None:
        outcome = rules.unreachable(failure or "no answer")
    else:
        try:
            responses = parse_271(x271)
        except X12SyntaxError as exc:
            outcome = rules.unreadable(exc.to_dict())
        else:
            trace = check.id.replace("-", "")[:30]
            # our trace comes back in the loop of the person asked about; without it,
            # the response about that person (the dependent's, when we asked for one)
            wanted_dependent = request.dependent is not None
            chosen = next(
                (r for r in responses if trace in r.trace_numbers),
                next(
                    (r for r in responses if r.is_dependent == wanted_dependent),
                    responses[0] if responses else None,
                ),
            )
            if chosen is None:
                outcome = rules.unreadable({"reason": "the 271 answers no subscriber"})
            else:
                answer = summarize(chosen, request.service_types)
                outcome = rules.from_answer(answer.status, answer.rejections)
    at = now()
    check.state = outcome.state
    check.coverage_status = outcome.coverage_status
    check.retryable = outcome.retryable
    check.error = outcome.error
    check.answer = _answer_json(answer) if answer else None
    check.completed_at = at
    if outcome.state == "complete" and answer is not None:
        await repo.upsert_coverage(
            {
                "patient_key": check.patient_key,
                "payer_id": check.payer_id,
                "check_id": check.id,
                "status": answer.status,
                "answer": check.answer,
                "checked_at": at,
            }
        )
    await outbox.add(
        session,
        new_event(
            EligibilityChecked(
                check_id=check.id,
                patient_key=check.patient_key,
                payer_id=check.payer_id,
                status=outcome.coverage_status if outcome.state == "complete" else "error",
                service_date=check.service_date,
                plan_name=answer.plan_name if answer else None,
                group_number=answer.group_number if answer else None,
                coverage_start=answer.coverage_start if answer else None,
                coverage_end=answer.coverage_end if answer else None,
                cost_share=[_cost_share(c) for c in answer.cost_share] if answer else [],
                other_payers=[
                    OtherPayerEvent(
                        order=o.order,
                        name=o.name,
                        payer_id=o.payer_id,
                        insurance_type=o.insurance_type,
                    )
                    for o in (answer.other_payers if answer else ())
                ],
                checked_at=at,
            ),
            tenant_id=check.tenant_id,
            source=SOURCE,
        ),
    )


def _cost_share(c: Any) -> CostShare:
    return CostShare(
        service_type=c.service_type,
        coverage_level=c.coverage_level,
        copay=c.copay,
        coinsurance_percent=c.coinsurance_percent,
        deductible=c.deductible,
        deductible_remaining=c.deductible_remaining,
        out_of_pocket_max=c.out_of_pocket_max,
        out_of_pocket_remaining=c.out_of_pocket_remaining,
        in_network=c.in_network,
    )


def _answer_json(answer: CoverageAnswer) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value

    return dict(plain(asdict(answer)))


async def get_check(session: AsyncSession, tenant_id: str, check_id: str) -> EligibilityCheck:
    check = await CheckRepository(session, tenant_id).get(check_id)
    if check is None:
        raise NotFound("eligibility check not found")
    return check


async def start_batch(
    session: AsyncSession, tenant_id: str, requests: list[CheckIn]
) -> EligibilityBatch:
    batch = EligibilityBatch(
        id=str(uuid.uuid4()), tenant_id=tenant_id, total=len(requests), state="running"
    )
    checks = [new_check(tenant_id, r, batch.id) for r in requests]
    await CheckRepository(session, tenant_id).add(batch, *checks)
    return batch


async def run_batch_once(
    runtime: Runtime,
    payer: HttpPayerConnector,
    limits: dict[str, asyncio.Semaphore],
    limit: int = 200,
) -> int:
    """Claims pending batch checks and asks their payers, at most
    batch_concurrency_per_payer at a time per payer."""
    settings = runtime.settings
    assert isinstance(settings, EligibilitySettings)
    sessions = runtime.sessions
    assert sessions is not None
    async with sessions() as session, session.begin():
        claimed = await BatchQueue(session).claim(limit, now() - timedelta(minutes=10))
    if not claimed:
        return 0

    async def one(check_id: str, tenant_id: str) -> None:
        async with sessions() as session, session.begin():
            repo = CheckRepository(session, tenant_id)
            check = await repo.get(check_id, for_update=True)
            if check is None:
                return
            x270 = check.x12_270 or await _attach_270(repo, check, settings)
            payer_id = check.payer_id
        gate = limits.setdefault(payer_id, asyncio.Semaphore(settings.batch_concurrency_per_payer))
        async with gate:
            await ask_payer(sessions, tenant_id, check_id, x270, payer)

    results = await asyncio.gather(*(one(c, t) for c, t in claimed), return_exceptions=True)
    for failure in (r for r in results if isinstance(r, BaseException)):
        log.warning("batch check failed", extra={"exc_type": type(failure).__name__})
    async with sessions() as session, session.begin():
        await BatchQueue(session).finish_batches()
    return len(claimed)


async def batch_worker(runtime: Runtime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    assert isinstance(settings, EligibilitySettings)
    payer = HttpPayerConnector(
        settings.payer_url, settings.payer_timeout_seconds, settings.payer_attempts
    )
    limits: dict[str, asyncio.Semaphore] = defaultdict(
        lambda: asyncio.Semaphore(settings.batch_concurrency_per_payer)
    )
    try:
        await repeat(
            lambda: run_batch_once(runtime, payer, limits),
            stop,
            settings.batch_poll_seconds,
            "batch loop",
        )
    finally:
        await payer.close()
