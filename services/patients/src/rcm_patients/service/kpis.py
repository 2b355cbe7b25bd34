"""Patient A/R, its aging, collection rate and days to collect, for a clinic or all."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from rcm_patients.domain.kpis import VisitFigures, measure
from rcm_patients.repository import AccountRepository, PlanRepository, StatementRepository
from rcm_patients.schemas import KpisOut
from rcm_patients.service.accounts import visit_views
from rcm_shared.auth import Principal


async def patient_kpis(
    session: AsyncSession, principal: Principal, as_of: date, clinic_id: str | None
) -> KpisOut:
    tenant = principal.tenant_id
    visits = await AccountRepository(session, tenant).all_visits(clinic_id, principal.clinic_ids)
    views = await visit_views(session, tenant, visits)
    figures = measure(
        (
            VisitFigures(
                responsibility=v.responsibility,
                collected=v.patient_paid,
                balance=v.balance,
                pending_insurance=v.visit.pending_insurance,
                due_since=v.visit.patient_due_since,
                last_paid_on=v.last_paid_on,
            )
            for v in views
        ),
        as_of,
    )
    statements = StatementRepository(session, tenant)
    return KpisOut(
        as_of=as_of,
        clinic_id=clinic_id,
        patient_ar=figures.patient_ar,
        pending_insurance=figures.pending_insurance,
        aging=figures.aging,
        patient_responsibility=figures.responsibility,
        collected=figures.collected,
        collection_rate=figures.collection_rate,
        days_to_collect=figures.days_to_collect,
        visits_collected=figures.visits_collected,
        statements=await statements.counts(clinic_id),
        accounts_in_collections=await statements.flagged(clinic_id),
        plans=await PlanRepository(session, tenant).counts(clinic_id),
    )
