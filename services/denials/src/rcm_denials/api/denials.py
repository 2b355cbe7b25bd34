from __future__ import annotations

import base64
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_denials.domain.codes import codebook
from rcm_denials.domain.workflow import CATEGORY_NAMES, STATUS_NAMES, priority
from rcm_denials.models import Appeal, Denial, DenialHistory, DenialLine
from rcm_denials.repository import DenialRepository, ReferenceRepository
from rcm_denials.schemas import (
    AdjustmentOut,
    AnalyticsOut,
    AppealIn,
    AppealOut,
    AssignIn,
    ClaimFactsOut,
    CodeListsOut,
    DenialLineOut,
    DenialOut,
    DenialPage,
    DenialSummary,
    HistoryOut,
    NoteIn,
    RemarkOut,
    ResolveIn,
    ResubmitIn,
    RiskBatchIn,
    RiskBatchOut,
    RiskItemIn,
    RiskOut,
    WriteOffIn,
)
from rcm_denials.service import analytics as stats
from rcm_denials.service.common import now
from rcm_denials.service.workqueue import WorkQueue
from rcm_shared.auth import Principal, requires
from rcm_shared.errors import Forbidden, InvalidInput, NotFound, ValidationFailed, field_path
from rcm_shared.runtime import Session

router = APIRouter(prefix="/v1/denials", tags=["denials"])
Reader = Annotated[Principal, Depends(requires("denials:read"))]
Writer = Annotated[Principal, Depends(requires("denials:write"))]
Sort = Literal["priority", "deadline", "amount"]
GroupBy = Literal[
    "payer", "category", "carc", "clinic", "rendering_provider", "procedure_code", "all"
]


def queue(session: AsyncSession, principal: Principal) -> WorkQueue:
    return WorkQueue(session, principal.tenant_id, principal.subject, principal.clinic_ids)


def _adjustments(items: list[dict[str, Any]]) -> list[AdjustmentOut]:
    book = codebook()
    return [
        AdjustmentOut(
            group_code=a["group_code"],
            carc=a["carc"],
            description=book.carc_description(a["carc"]),
            amount=Decimal(a["amount"]),
            category=a["category"],
            action=a["action"],
            remark_codes=a["remark_codes"],
            refined_by=a["refined_by"],
        )
        for a in items
    ]


def summary(denial: Denial, prio: Decimal | None = None) -> DenialSummary:
    today = now().date()
    return DenialSummary(
        id=denial.id,
        claim_key=denial.claim_key,
        claim_id=denial.claim_id,
        patient_control_number=denial.patient_control_number,
        payer_id=denial.payer_id,
        payer_claim_control_number=denial.payer_claim_control_number,
        clinic_id=denial.clinic_id,
        status=denial.status,
        category=denial.category,
        carc=denial.carc,
        carc_description=codebook().carc_description(denial.carc) if denial.carc else None,
        group_code=denial.group_code,
        carcs=list(denial.carcs),
        remark_codes=list(denial.remark_codes),
        recommended_action=denial.recommended_action,
        denied_amount=denial.denied_amount,
        recovered_amount=denial.recovered_amount,
        total_charge=denial.total_charge,
        paid_amount=denial.paid_amount,
        recoverability=denial.recoverability,
        priority=prio
        if prio is not None
        else priority(denial.denied_amount, denial.recoverability, denial.deadline, today),
        remittance_date=denial.remittance_date,
        deadline=denial.deadline,
        days_left=(denial.deadline - today).days,
        assignee=denial.assignee,
        opened_at=denial.opened_at,
        resolved_at=denial.resolved_at,
        resolution_reason=denial.resolution_reason,
    )


def _history(rows: list[DenialHistory]) -> list[HistoryOut]:
    return [
        HistoryOut(
            at=h.at,
            actor=h.actor,
            action=h.action,
            from_status=h.from_status,
            to_status=h.to_status,
            detail=h.detail,
        )
        for h in rows
    ]


def _line(line: DenialLine) -> DenialLineOut:
    book = codebook()
    return DenialLineOut(
        line_number=line.line_number,
        procedure_code=line.procedure_code,
        modifiers=list(line.modifiers),
        charge=line.charge,
        paid=line.paid,
        allowed=line.allowed,
        denied_amount=line.denied_amount,
        category=line.category,
        carc=line.carc,
        recommended_action=line.recommended_action,
        adjustments=_adjustments(line.adjustments),
        remarks=[
            RemarkOut(code=c, description=book.rarc_description(c)) for c in line.remark_codes
        ],
    )


async def detail(session: AsyncSession, tenant_id: str, denial: Denial) -> DenialOut:
    repo = DenialRepository(session, tenant_id)
    ref = ReferenceRepository(session, tenant_id)
    claim_out = None
    if denial.claim_id:
        claim = await ref.claim_fact(denial.claim_id)
        if claim is not None:
            clinic = await ref.clinic(claim.clinic_id)
            claim_out = ClaimFactsOut(
                claim_id=claim.claim_id,
                clinic_id=claim.clinic_id,
                clinic_name=clinic.name if clinic else None,
                rendering_provider_id=claim.rendering_provider_id,
                frequency_code=claim.frequency_code,
                original_claim_id=claim.original_claim_id,
                total_charge=claim.total_charge,
                service_date_from=claim.service_date_from,
                service_date_to=claim.service_date_to,
                diagnosis_codes=list(claim.diagnosis_codes),
                lines=claim.lines,
            )
    history = list(await repo.history(denial.id))
    return DenialOut(
        **summary(denial).model_dump(),
        claim=claim_out,
        claim_adjustments=_adjustments(denial.claim_adjustments),
        lines=[_line(ln) for ln in await repo.lines(denial.id)],
        notes=_history([h for h in history if h.action == "note"]),
    )


@router.get("", response_model=DenialPage)
async def list_denials(
    session: Session,
    principal: Reader,
    status_: Annotated[str | None, Query(alias="status", max_length=16)] = None,
    category: Annotated[str | None, Query(max_length=32)] = None,
    carc: Annotated[str | None, Query(max_length=8)] = None,
    payer_id: Annotated[str | None, Query(max_length=80)] = None,
    clinic_id: Annotated[str | None, Query(max_length=36)] = None,
    assignee: Annotated[str | None, Query(max_length=120)] = None,
    min_amount: Annotated[Decimal | None, Query(ge=0)] = None,
    max_amount: Annotated[Decimal | None, Query(ge=0)] = None,
    deadline_from: date | None = None,
    deadline_to: date | None = None,
    sort: Sort = "priority",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DenialPage:
    problems = []
    if status_ is not None and status_ not in STATUS_NAMES:
        problems.append({"path": "query.status", "message": f"one of {sorted(STATUS_NAMES)}"})
    if category is not None and category not in CATEGORY_NAMES:
        problems.append({"path": "query.category", "message": f"one of {sorted(CATEGORY_NAMES)}"})
    if min_amount is not None and max_amount is not None and min_amount > max_amount:
        problems.append({"path": "query.min_amount", "message": "greater than max_amount"})
    if problems:
        raise InvalidInput("invalid filter", problems)
    after = _decode_cursor(cursor, sort) if cursor else None
    filters = {
        "status": status_,
        "category": category,
        "carc": carc,
        "payer_id": payer_id,
        "clinic_id": clinic_id,
        "assignee": assignee,
        "min_amount": min_amount,
        "max_amount": max_amount,
        "deadline_from": deadline_from,
        "deadline_to": deadline_to,
    }
    rows = await DenialRepository(session, principal.tenant_id).page(
        filters, sort, after, limit + 1, now().date(), principal.clinic_ids
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_cursor(*rows[-1], sort) if more and rows else None
    return DenialPage(items=[summary(d, p) for d, p in rows], next_cursor=next_cursor)


def _encode_cursor(denial: Denial, prio: Decimal, sort: str) -> str:
    value = {
        "priority": str(prio),
        "deadline": denial.deadline.isoformat(),
        "amount": str(denial.denied_amount),
    }[sort]
    return base64.urlsafe_b64encode(f"{sort}|{value}|{denial.id}".encode()).decode()


def _decode_cursor(cursor: str, sort: str) -> tuple[Decimal | date, str]:
    try:
        kind, value, denial_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 2)
        if kind != sort:
            raise ValueError("cursor of another sort")
        parsed: Decimal | date = date.fromisoformat(value) if sort == "deadline" else Decimal(value)
        return parsed, denial_id
    except (ValueError, UnicodeDecodeError, InvalidOperation) as exc:
        raise InvalidInput(
            "bad cursor",
            [{"path": "query.cursor", "message": "not a cursor from this API for this sort"}],
        ) from exc


@router.get("/analytics", response_model=AnalyticsOut)
async def denial_analytics(
    session: Session,
    principal: Reader,
    group_by: GroupBy = "payer",
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    interval: Literal["day", "week"] | None = None,
    clinic_id: Annotated[str | None, Query(max_length=36)] = None,
) -> AnalyticsOut:
    """Denial rate by count and by dollars per group (and per day or week), the top
    reasons, the recovery rate and the days to resolve, over remittance dates; for one
    clinic when `clinic_id` is given."""
    end = date_to or now().date()
    start = date_from or end - timedelta(days=90)
    if start > end:
        raise InvalidInput("invalid period", [{"path": "query.from", "message": "after to"}])
    clinics = principal.clinic_ids
    if clinic_id is not None:
        if not principal.may_see_clinic(clinic_id):
            raise Forbidden("this token does not cover that clinic", [{"path": "query.clinic_id"}])
        clinics = frozenset({clinic_id})
    return await stats.analytics(
        session, principal.tenant_id, group_by, start, end, interval, clinics
    )


@router.get("/risk", response_model=RiskOut)
async def denial_risk(
    session: Session,
    principal: Reader,
    payer_id: Annotated[str, Query(min_length=1, max_length=80)],
    procedure_code: Annotated[str, Query(pattern=r"^[A-Z0-9]{5}$")],
    modifier: Annotated[list[str] | None, Query(max_length=4)] = None,
    no_modifiers: bool = False,
    window_days: Annotated[int, Query(ge=1, le=730)] = 90,
) -> RiskOut:
    """The share of this payer's adjudicated lines of the procedure (with exactly these
    modifiers; `no_modifiers=true` for none; neither for any) that it denied in the window."""
    if no_modifiers and modifier:
        raise InvalidInput(
            "contradictory filter",
            [{"path": "query.no_modifiers", "message": "not with query.modifier"}],
        )
    try:
        item = RiskItemIn(
            payer_id=payer_id,
            procedure_code=procedure_code,
            modifiers=[] if no_modifiers else modifier,
        )
    except ValidationError as exc:
        # the modifier rule lives in RiskItemIn only: a bad one is the caller's 422, not a 500
        raise ValidationFailed(
            "request is invalid",
            [
                {
                    "path": field_path(
                        [
                            "query",
                            "modifier" if e["loc"][:1] == ("modifiers",) else e["loc"][0],
                            *e["loc"][1:],
                        ]
                    ),
                    "message": e["msg"],
                    "type": e["type"],
                }
                for e in exc.errors(include_input=False, include_url=False)
            ],
        ) from None
    return await stats.risk(session, principal.tenant_id, item, window_days, now().date())


@router.post("/risk/batch", response_model=RiskBatchOut)
async def denial_risk_batch(body: RiskBatchIn, session: Session, principal: Reader) -> RiskBatchOut:
    """One answer per item, in order: what the claims scrubber asks for each line of a
    claim before submission."""
    today = now().date()
    return RiskBatchOut(
        results=[
            await stats.risk(session, principal.tenant_id, item, body.window_days, today)
            for item in body.items
        ]
    )


@router.get("/code-lists", response_model=CodeListsOut)
async def code_lists(principal: Reader) -> CodeListsOut:
    book = codebook()
    return CodeListsOut(
        carc_publication=book.carc_publication,
        rarc_publication=book.rarc_publication,
        carcs=len(book.carcs),
        rarcs=len(book.rarcs),
    )


@router.get("/{denial_id}", response_model=DenialOut)
async def get_denial(denial_id: str, session: Session, principal: Reader) -> DenialOut:
    denial = await queue(session, principal).get(denial_id)
    return await detail(session, principal.tenant_id, denial)


@router.get("/{denial_id}/history", response_model=list[HistoryOut])
async def denial_history(denial_id: str, session: Session, principal: Reader) -> list[HistoryOut]:
    denial = await queue(session, principal).get(denial_id)
    return _history(list(await DenialRepository(session, principal.tenant_id).history(denial.id)))


@router.post("/{denial_id}/assign", response_model=DenialOut)
async def assign(denial_id: str, body: AssignIn, session: Session, principal: Writer) -> DenialOut:
    denial = await queue(session, principal).assign(denial_id, body.assignee)
    return await detail(session, principal.tenant_id, denial)


@router.post("/{denial_id}/start", response_model=DenialOut)
async def start(denial_id: str, session: Session, principal: Writer) -> DenialOut:
    denial = await queue(session, principal).start(denial_id)
    return await detail(session, principal.tenant_id, denial)


@router.post("/{denial_id}/notes", response_model=DenialOut, status_code=status.HTTP_201_CREATED)
async def add_note(denial_id: str, body: NoteIn, session: Session, principal: Writer) -> DenialOut:
    denial = await queue(session, principal).note(denial_id, body.text)
    return await detail(session, principal.tenant_id, denial)


def appeal_out(appeal: Appeal, with_text: bool = False) -> AppealOut:
    base = f"/v1/denials/{appeal.denial_id}/appeals/{appeal.id}"
    return AppealOut(
        id=appeal.id,
        denial_id=appeal.denial_id,
        created_at=appeal.created_at,
        created_by=appeal.created_by,
        category=appeal.category,
        markdown_url=f"{base}/letter.md",
        pdf_url=f"{base}/letter.pdf",
        markdown=appeal.markdown if with_text else None,
    )


@router.post("/{denial_id}/appeals", response_model=AppealOut, status_code=status.HTTP_201_CREATED)
async def appeal(denial_id: str, body: AppealIn, session: Session, principal: Writer) -> AppealOut:
    """Writes the appeal letter (Markdown and PDF) from the claim's facts, the payer's codes
    and the argument for the denial's category, stores it, and marks the denial appealed."""
    return appeal_out(await queue(session, principal).appeal(denial_id, body), with_text=True)


@router.get("/{denial_id}/appeals", response_model=list[AppealOut])
async def list_appeals(denial_id: str, session: Session, principal: Reader) -> list[AppealOut]:
    denial = await queue(session, principal).get(denial_id)
    rows = await DenialRepository(session, principal.tenant_id).appeals(denial.id)
    return [
        AppealOut(
            id=r.id,
            denial_id=denial.id,
            created_at=r.created_at,
            created_by=r.created_by,
            category=r.category,
            markdown_url=f"/v1/denials/{denial.id}/appeals/{r.id}/letter.md",
            pdf_url=f"/v1/denials/{denial.id}/appeals/{r.id}/letter.pdf",
        )
        for r in rows
    ]


async def _appeal(
    session: AsyncSession, principal: Principal, denial_id: str, appeal_id: str
) -> Appeal:
    denial = await queue(session, principal).get(denial_id)
    found = await DenialRepository(session, principal.tenant_id).appeal(denial.id, appeal_id)
    if found is None:
        raise NotFound("appeal not found")
    return found


@router.get("/{denial_id}/appeals/{appeal_id}", response_model=AppealOut)
async def get_appeal(
    denial_id: str, appeal_id: str, session: Session, principal: Reader
) -> AppealOut:
    return appeal_out(await _appeal(session, principal, denial_id, appeal_id), with_text=True)


@router.get("/{denial_id}/appeals/{appeal_id}/letter.md", response_class=Response)
async def appeal_markdown(
    denial_id: str, appeal_id: str, session: Session, principal: Reader
) -> Response:
    found = await _appeal(session, principal, denial_id, appeal_id)
    return Response(found.markdown, media_type="text/markdown; charset=utf-8")


@router.get("/{denial_id}/appeals/{appeal_id}/letter.pdf", response_class=Response)
async def appeal_pdf(
    denial_id: str, appeal_id: str, session: Session, principal: Reader
) -> Response:
    found = await _appeal(session, principal, denial_id, appeal_id)
    return Response(
        found.pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="appeal-{found.id}.pdf"'},
    )


@router.post("/{denial_id}/resubmit", response_model=DenialOut)
async def resubmit(
    denial_id: str, body: ResubmitIn, session: Session, principal: Writer
) -> DenialOut:
    """Asks the claims service for a corrected (frequency 7) claim with these changes
    (rcm.denial.resubmission_requested.v1); its payment resolves this denial."""
    denial = await queue(session, principal).resubmit(denial_id, body)
    return await detail(session, principal.tenant_id, denial)


@router.post("/{denial_id}/write-off", response_model=DenialOut)
async def write_off(
    denial_id: str, body: WriteOffIn, session: Session, principal: Writer
) -> DenialOut:
    denial = await queue(session, principal).write_off(denial_id, body)
    return await detail(session, principal.tenant_id, denial)


@router.post("/{denial_id}/resolve", response_model=DenialOut)
async def resolve(
    denial_id: str, body: ResolveIn, session: Session, principal: Writer
) -> DenialOut:
    denial = await queue(session, principal).resolve(denial_id, body)
    return await detail(session, principal.tenant_id, denial)
