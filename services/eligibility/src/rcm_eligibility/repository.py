"""Every query of the eligibility service; each one filters by tenant, except the batch
worker's queue, which serves every tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_eligibility.models import Coverage, EligibilityBatch, EligibilityCheck


class CheckRepository:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def get(self, check_id: str, for_update: bool = False) -> EligibilityCheck | None:
        stmt = select(EligibilityCheck).where(
            EligibilityCheck.tenant_id == self.tenant_id, EligibilityCheck.id == check_id
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def fresh_answer(self, cache_key: str, since: datetime) -> EligibilityCheck | None:
        stmt = (
            select(EligibilityCheck)
            .where(
                EligibilityCheck.tenant_id == self.tenant_id,
                EligibilityCheck.cache_key == cache_key,
                EligibilityCheck.state == "complete",
                EligibilityCheck.completed_at >= since,
            )
            .order_by(EligibilityCheck.completed_at.desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add(self, *rows: Any) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def upsert_coverage(self, values: dict[str, Any]) -> None:
        stmt = insert(Coverage).values(tenant_id=self.tenant_id, **values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "patient_key", "payer_id"],
                set_={k: stmt.excluded[k] for k in ("check_id", "status", "answer", "checked_at")},
                where=Coverage.checked_at <= stmt.excluded.checked_at,
            )
        )

    async def coverage(self, patient_key: str, payer_id: str) -> Coverage | None:
        stmt = select(Coverage).where(
            Coverage.tenant_id == self.tenant_id,
            Coverage.patient_key == patient_key,
            Coverage.payer_id == payer_id,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def batch(self, batch_id: str) -> EligibilityBatch | None:
        stmt = select(EligibilityBatch).where(
            EligibilityBatch.tenant_id == self.tenant_id, EligibilityBatch.id == batch_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def batch_counts(self, batch_id: str) -> dict[str, int]:
        stmt = (
            select(EligibilityCheck.state, func.count())
            .where(
                EligibilityCheck.tenant_id == self.tenant_id, EligibilityCheck.batch_id == batch_id
            )
            .group_by(EligibilityCheck.state)
        )
        return {state: int(n) for state, n in (await self.session.execute(stmt)).all()}

    async def batch_checks(self, batch_id: str, limit: int) -> Sequence[EligibilityCheck]:
        stmt = (
            select(EligibilityCheck)
            .where(
                EligibilityCheck.tenant_id == self.tenant_id, EligibilityCheck.batch_id == batch_id
            )
            .order_by(EligibilityCheck.created_at, EligibilityCheck.id)
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def next_control(self) -> int:
        return int(await self.session.scalar(text("SELECT nextval('x12_interchange_control_seq')")))


class BatchQueue:
    """Pending batch checks across tenants: claimed by setting them running, so two
    workers never ask a payer the same question; running ones left by a crash come back."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, limit: int, stale_before: datetime) -> list[tuple[str, str]]:
        await self.session.execute(
            update(EligibilityCheck)
            .where(EligibilityCheck.state == "running", EligibilityCheck.updated_at < stale_before)
            .values(state="pending")
        )
        picked = (
            select(EligibilityCheck.id)
            .where(EligibilityCheck.state == "pending", EligibilityCheck.batch_id.is_not(None))
            .order_by(EligibilityCheck.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).scalar_subquery()
        rows = await self.session.execute(
            update(EligibilityCheck)
            .where(EligibilityCheck.id.in_(picked))
            .values(state="running", updated_at=func.now())
            .returning(EligibilityCheck.id, EligibilityCheck.tenant_id)
        )
        return [(r.id, r.tenant_id) for r in rows]

    async def finish_batches(self) -> None:
        await self.session.execute(
            text(
                "UPDATE eligibility_batches b SET state = 'complete', updated_at = now() "
                "WHERE state = 'running' AND NOT EXISTS (SELECT 1 FROM eligibility_checks c "
                "WHERE c.batch_id = b.id AND c.state IN ('pending', 'running'))"
            )
        )
