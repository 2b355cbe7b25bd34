"""Every query of the denials service; each one filters by tenant. The ingest queries take
rows of several tenants at once (a consumer batch), each row naming its own tenant."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any, TypeVar

from pydantic_core import to_json
from sqlalchemy import (
    Date,
    Numeric,
    String,
    Table,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    tuple_,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from rcm_denials.domain.workflow import WORKING
from rcm_denials.models import (
    Adjudication,
    AdjudicationLine,
    Appeal,
    ClaimFact,
    ClaimLink,
    ClinicDirectoryEntry,
    Denial,
    DenialHistory,
    DenialLine,
    PayerDirectoryEntry,
    ProviderDirectoryEntry,
)


def _unnest_insert(model: type[Any], columns: Sequence[str]) -> Any:
    """INSERT .. SELECT FROM unnest(one array per column) ON CONFLICT DO NOTHING RETURNING
    the primary key: one statement, compiled and prepared once, for any number of rows."""
    table = model.__table__
    assert isinstance(table, Table)
    arrays = (
        func.unnest(*(cast(bindparam(name), ARRAY(table.c[name].type)) for name in columns))
        .table_valued(*columns)
        .render_derived(name="rows")
    )
    primary_key = [c.name for c in table.primary_key.columns]
    return (
        insert(table)
        .from_select(list(columns), select(*(arrays.c[name] for name in columns)))
        .on_conflict_do_nothing(index_elements=primary_key)
        .returning(*(table.c[name] for name in primary_key))
    )


_ADJUDICATION_COLUMNS = (
    "tenant_id",
    "payment_id",
    "claim_key",
    "claim_id",
    "payer_id",
    "clinic_id",
    "claim_status_code",
    "total_charge",
    "paid_amount",
    "denied",
    "denied_amount",
    "category",
    "carc",
    "remittance_date",
    "is_reversal",
    "reversed_payment_id",
)
_INSERT_ADJUDICATIONS = _unnest_insert(Adjudication, _ADJUDICATION_COLUMNS)


def _pairs() -> Any:
    """(tenant, id) pairs as two array parameters, `tenants` and `ids`: a fixed statement
    for any number of pairs (an IN list of tuples is new SQL for every batch size)."""
    arrays = (
        func.unnest(
            cast(bindparam("tenants"), ARRAY(String)), cast(bindparam("ids"), ARRAY(String))
        )
        .table_valued("tenant_id", "id")
        .render_derived(name="pairs")
    )
    return select(arrays.c.tenant_id, arrays.c.id)


def _pair_arrays(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    tenants, ids = [], []
    for tenant, id_ in pairs:
        tenants.append(tenant)
        ids.append(id_)
    return {"tenants": tenants, "ids": ids}


_DENIALS_OF_CLAIMS = (
    select(Denial).where(tuple_(Denial.tenant_id, Denial.claim_key).in_(_pairs())).with_for_update()
)
_LINKS_OF = select(
    ClaimLink.tenant_id, ClaimLink.replacement_claim_id, ClaimLink.original_claim_id
).where(tuple_(ClaimLink.tenant_id, ClaimLink.replacement_claim_id).in_(_pairs()))

LINK_DEPTH = 5  # a correction of a correction of ...: deeper chains are not followed


def priority_sql(today: date) -> ColumnElement[Decimal]:
    """domain.workflow.priority as SQL, so the database sorts and pages by it (it changes
    every day, so it is not stored). A test checks that both agree."""
    days_left = Denial.deadline - cast(literal(today), Date)
    return case(
        (days_left <= 0, literal(Decimal(0), Numeric(20, 6))),
        else_=func.round(Denial.denied_amount * Denial.recoverability / days_left, 6),
    )


_E = TypeVar("_E", ClinicDirectoryEntry, PayerDirectoryEntry, ProviderDirectoryEntry)


class ReferenceRepository:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def _entry(self, model: type[_E], key: str, for_update: bool) -> _E | None:
        """A directory copy by its primary key (tenant, id); locked when asked, and then
        read again even if this session holds it already."""
        return await self.session.get(
            model,
            (self.tenant_id, key),
            with_for_update=for_update or None,
            populate_existing=for_update,
        )

    async def clinic(self, clinic_id: str, for_update: bool = False) -> ClinicDirectoryEntry | None:
        return await self._entry(ClinicDirectoryEntry, clinic_id, for_update)

    async def upsert_clinic(self, clinic_id: str, name: str, npi: str, version: int) -> None:
        stmt = insert(ClinicDirectoryEntry).values(
            tenant_id=self.tenant_id, clinic_id=clinic_id, name=name, npi=npi, version=version
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "clinic_id"],
                set_={"name": name, "npi": npi, "version": version, "updated_at": func.now()},
            )
        )

    async def payer(self, payer_id: str, for_update: bool = False) -> PayerDirectoryEntry | None:
        return await self._entry(PayerDirectoryEntry, payer_id, for_update)

    async def upsert_payer(self, values: dict[str, Any]) -> None:
        stmt = insert(PayerDirectoryEntry).values(tenant_id=self.tenant_id, **values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "payer_id"],
                set_={
                    **{k: stmt.excluded[k] for k in ("name", "appeal_window_days", "version")},
                    "updated_at": func.now(),
                },
            )
        )

    async def move_deadlines(self, payer_id: str, appeal_window_days: int) -> int:
        """A payer's new appeal window applies to its denials still being worked."""
        result = await self.session.execute(
            update(Denial)
            .where(
                Denial.tenant_id == self.tenant_id,
                Denial.payer_id == payer_id,
                Denial.status.in_([s.value for s in WORKING]),
            )
            .values(deadline=Denial.remittance_date + appeal_window_days)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def provider(
        self, provider_id: str, for_update: bool = False
    ) -> ProviderDirectoryEntry | None:
        return await self._entry(ProviderDirectoryEntry, provider_id, for_update)

    async def upsert_provider(self, values: dict[str, Any]) -> None:
        stmt = insert(ProviderDirectoryEntry).values(tenant_id=self.tenant_id, **values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "provider_id"],
                set_={
                    **{k: stmt.excluded[k] for k in ("npi", "first_name", "last_name", "version")},
                    "updated_at": func.now(),
                },
            )
        )

    async def add_claim_fact(self, values: dict[str, Any]) -> None:
        # claim.created happens once per claim: a redelivery (or replay) changes nothing
        await self.session.execute(
            insert(ClaimFact)
            .values(tenant_id=self.tenant_id, **values)
            .on_conflict_do_nothing(index_elements=["tenant_id", "claim_id"])
        )

    async def claim_fact(self, claim_id: str) -> ClaimFact | None:
        stmt = select(ClaimFact).where(
            ClaimFact.tenant_id == self.tenant_id, ClaimFact.claim_id == claim_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def link(self, replacement: str, original: str, denial_id: str | None) -> None:
        stmt = insert(ClaimLink).values(
            tenant_id=self.tenant_id,
            replacement_claim_id=replacement,
            original_claim_id=original,
            denial_id=denial_id,
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["tenant_id", "replacement_claim_id"],
                set_={"denial_id": func.coalesce(stmt.excluded.denial_id, ClaimLink.denial_id)},
            )
        )


class IngestRepository:
    """Set-based reads and writes for a batch of adjudications (several tenants)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def known_tenants(self, tenants: Iterable[str]) -> set[str]:
        wanted = list(set(tenants))
        stmt = union(
            select(ClinicDirectoryEntry.tenant_id).where(
                ClinicDirectoryEntry.tenant_id.in_(wanted)
            ),
            select(PayerDirectoryEntry.tenant_id).where(PayerDirectoryEntry.tenant_id.in_(wanted)),
        )
        return {row[0] for row in (await self.session.execute(stmt)).all()}

    async def insert_adjudications(self, rows: Sequence[dict[str, Any]]) -> set[tuple[str, str]]:
        """Inserts each payment once; returns the (tenant, payment_id) pairs that are new."""
        if not rows:
            return set()
        columns = {name: [row[name] for row in rows] for name in _ADJUDICATION_COLUMNS}
        result = await self.session.execute(_INSERT_ADJUDICATIONS, columns)
        return {(r[0], r[1]) for r in result.all()}

    async def insert_many(self, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
        """New rows by COPY, in the session's transaction: no statement to compile and no
        per-value parameter processing (an INSERT of a batch's rows cost more than all the
        classification). Every row has the same keys; JSONB values go as JSON text."""
        if not rows:
            return
        table = model.__table__
        columns = tuple(rows[0])
        values = itemgetter(*columns)
        documents = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSONB)]
        records: list[Sequence[Any]]
        if documents:
            records = []
            for row in rows:
                record = list(values(row))
                for i in documents:
                    record[i] = to_json(record[i]).decode()
                records.append(record)
        else:
            records = [values(row) for row in rows]
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=records, columns=columns
        )

    async def originals(self, claims: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """(tenant, claim id) -> the first claim of its correction chain, for the claims
        that replace another one."""
        result: dict[tuple[str, str], str] = {}
        frontier = {c: c for c in claims}  # (tenant, current) -> start
        for _ in range(LINK_DEPTH):
            if not frontier:
                break
            rows = (await self.session.execute(_LINKS_OF, _pair_arrays(frontier))).all()
            step: dict[tuple[str, str], tuple[str, str]] = {}
            for tenant, replacement, original in rows:
                start = frontier[(tenant, replacement)]
                result[start] = original
                step[(tenant, original)] = start
            frontier = step
        return result

    async def denials_for_update(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Denial]:
        wanted = list(set(keys))
        if not wanted:
            return {}
        found = await self.session.scalars(_DENIALS_OF_CLAIMS, _pair_arrays(wanted))
        return {(d.tenant_id, d.claim_key): d for d in found.all()}

    async def denial_resolved_by(self, tenant_id: str, payment_id: str) -> Denial | None:
        stmt = (
            select(Denial)
            .where(Denial.tenant_id == tenant_id, Denial.resolving_payment_id == payment_id)
            .with_for_update()
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def denial_opened_by(self, tenant_id: str, payment_id: str) -> Denial | None:
        stmt = (
            select(Denial)
            .where(Denial.tenant_id == tenant_id, Denial.payment_id == payment_id)
            .with_for_update()
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def appeal_windows(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        wanted = list(set(pairs))
        if not wanted:
            return {}
        stmt = select(
            PayerDirectoryEntry.tenant_id,
            PayerDirectoryEntry.payer_id,
            PayerDirectoryEntry.appeal_window_days,
        ).where(tuple_(PayerDirectoryEntry.tenant_id, PayerDirectoryEntry.payer_id).in_(wanted))
        return {(t, p): w for t, p, w in (await self.session.execute(stmt)).all()}

    async def replace_lines(self, denial_id: str, rows: Sequence[dict[str, Any]]) -> None:
        await self.session.execute(delete(DenialLine).where(DenialLine.denial_id == denial_id))
        await self.insert_many(DenialLine, rows)


SORTS = ("priority", "deadline", "amount")
EQUAL_FILTERS = {
    "status": Denial.status,
    "category": Denial.category,
    "payer_id": Denial.payer_id,
    "clinic_id": Denial.clinic_id,
    "assignee": Denial.assignee,
}


def _filters(filters: dict[str, Any]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        column == filters[name]
        for name, column in EQUAL_FILTERS.items()
        if filters.get(name) is not None
    ]
    if filters.get("carc"):
        conditions.append(any_(Denial.carcs) == filters["carc"])
    bounds: dict[str, Callable[[Any], ColumnElement[bool]]] = {
        "min_amount": lambda v: Denial.denied_amount >= v,
        "max_amount": lambda v: Denial.denied_amount <= v,
        "deadline_from": lambda v: Denial.deadline >= v,
        "deadline_to": lambda v: Denial.deadline <= v,
    }
    conditions += [
        condition(filters[name])
        for name, condition in bounds.items()
        if filters.get(name) is not None
    ]
    return conditions


class DenialRepository:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def _visible(self, clinics: frozenset[str] | None) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [Denial.tenant_id == self.tenant_id]
        if clinics is not None:
            conditions.append(Denial.clinic_id.in_(sorted(clinics)))
        return conditions

    async def get(
        self, denial_id: str, clinics: frozenset[str] | None = None, for_update: bool = False
    ) -> Denial | None:
        stmt = select(Denial).where(Denial.id == denial_id, *self._visible(clinics))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(
        self,
        filters: dict[str, Any],
        sort: str,
        after: tuple[Decimal | date, str] | None,
        limit: int,
        today: date,
        clinics: frozenset[str] | None,
    ) -> list[tuple[Denial, Decimal]]:
        prio = priority_sql(today).label("priority")
        conditions = [*self._visible(clinics), *_filters(filters)]
        # keyset pagination: (sort value, id), the id breaking ties
        key: Any
        if sort == "deadline":
            key, ascending = Denial.deadline, True
        elif sort == "amount":
            key, ascending = Denial.denied_amount, False
        else:
            key, ascending = prio, False
        if after is not None:
            value, last_id = after
            if ascending:
                conditions.append(or_(key > value, and_(key == value, Denial.id > last_id)))
            else:
                conditions.append(or_(key < value, and_(key == value, Denial.id > last_id)))
        stmt = (
            select(Denial, prio)
            .where(*conditions)
            .order_by(key.asc() if ascending else key.desc(), Denial.id.asc())
            .limit(limit)
        )
        return [(row[0], row[1]) for row in (await self.session.execute(stmt)).all()]

    async def lines(self, denial_id: str) -> Sequence[DenialLine]:
        stmt = (
            select(DenialLine)
            .where(DenialLine.tenant_id == self.tenant_id, DenialLine.denial_id == denial_id)
            .order_by(DenialLine.line_index)
        )
        return (await self.session.scalars(stmt)).all()

    async def history(self, denial_id: str) -> Sequence[DenialHistory]:
        stmt = (
            select(DenialHistory)
            .where(DenialHistory.tenant_id == self.tenant_id, DenialHistory.denial_id == denial_id)
            .order_by(DenialHistory.id)
        )
        return (await self.session.scalars(stmt)).all()

    async def add(self, *rows: Any) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def appeals(self, denial_id: str) -> Sequence[Any]:
        stmt = (
            select(Appeal.id, Appeal.created_at, Appeal.created_by, Appeal.category)
            .where(Appeal.tenant_id == self.tenant_id, Appeal.denial_id == denial_id)
            .order_by(Appeal.created_at)
        )
        return (await self.session.execute(stmt)).all()

    async def appeal(self, denial_id: str, appeal_id: str) -> Appeal | None:
        stmt = select(Appeal).where(
            Appeal.tenant_id == self.tenant_id,
            Appeal.denial_id == denial_id,
            Appeal.id == appeal_id,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()


class AnalyticsRepository:
    """Denial rates and recovery over adjudications and work items of one tenant."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def rates(
        self,
        dimension: str,
        date_from: date,
        date_to: date,
        bucket: str | None,
        clinics: frozenset[str] | None,
    ) -> list[dict[str, Any]]:
        """Adjudicated and denied claims (count and dollars) per group and period. Groups by
        category and CARC split the denied side only: their denominator is every claim."""
        a = Adjudication
        if dimension == "procedure_code":
            return await self._line_rates(date_from, date_to, bucket, clinics)
        conditions: list[ColumnElement[bool]] = [
            a.tenant_id == self.tenant_id,
            a.is_reversal.is_(False),
            a.remittance_date >= date_from,
            a.remittance_date <= date_to,
        ]
        if clinics is not None:
            conditions.append(a.clinic_id.in_(sorted(clinics)))
        period = self._period(a.remittance_date, bucket)
        if dimension in ("category", "carc"):
            return await self._reason_rates(dimension, conditions, period)
        group: Any
        stmt_from: Any = a
        if dimension == "payer":
            group = a.payer_id
        elif dimension == "clinic":
            group = a.clinic_id
        elif dimension == "rendering_provider":
            group = ClaimFact.rendering_provider_id
            stmt_from = a.__table__.outerjoin(
                ClaimFact.__table__,
                and_(ClaimFact.tenant_id == a.tenant_id, ClaimFact.claim_id == a.claim_id),
            )
        else:
            group = literal("all")
        stmt = (
            select(
                group.label("group"),
                period.label("period"),
                func.count().label("claims"),
                func.count().filter(a.denied).label("denied"),
                func.coalesce(func.sum(a.total_charge), 0).label("charges"),
                func.coalesce(func.sum(a.denied_amount), 0).label("denied_amount"),
            )
            .select_from(stmt_from)
            .where(*conditions)
            .group_by(group, period)
            .order_by(period, group)
        )
        return [dict(r._mapping) for r in (await self.session.execute(stmt)).all()]

    @staticmethod
    def _period(column: Any, bucket: str | None) -> ColumnElement[Any]:
        if bucket is None:
            return literal(None, Date)
        return cast(func.date_trunc("week" if bucket == "week" else "day", column), Date)

    async def _reason_rates(
        self, dimension: str, conditions: list[ColumnElement[bool]], period: ColumnElement[Any]
    ) -> list[dict[str, Any]]:
        a = Adjudication
        totals = (
            select(
                period.label("period"),
                func.count().label("claims"),
                func.coalesce(func.sum(a.total_charge), 0).label("charges"),
            )
            .where(*conditions)
            .group_by(period)
        ).subquery()
        column: Any = a.category if dimension == "category" else a.carc
        denied = (
            select(
                column.label("group"),
                period.label("period"),
                func.count().label("denied"),
                func.coalesce(func.sum(a.denied_amount), 0).label("denied_amount"),
            )
            .where(*conditions, a.denied.is_(True))
            .group_by(column, period)
        ).subquery()
        stmt = (
            select(
                denied.c.group,
                denied.c.period,
                totals.c.claims,
                denied.c.denied,
                totals.c.charges,
                denied.c.denied_amount,
            )
            .select_from(
                denied.join(
                    totals,
                    or_(
                        denied.c.period == totals.c.period,
                        and_(denied.c.period.is_(None), totals.c.period.is_(None)),
                    ),
                )
            )
            .order_by(denied.c.period, denied.c.group)
        )
        return [dict(r._mapping) for r in (await self.session.execute(stmt)).all()]

    async def _line_rates(
        self, date_from: date, date_to: date, bucket: str | None, clinics: frozenset[str] | None
    ) -> list[dict[str, Any]]:
        line = AdjudicationLine
        conditions: list[ColumnElement[bool]] = [
            line.tenant_id == self.tenant_id,
            line.remittance_date >= date_from,
            line.remittance_date <= date_to,
        ]
        stmt_from: Any = line
        if clinics is not None:
            stmt_from = line.__table__.join(
                Adjudication.__table__,
                and_(
                    Adjudication.tenant_id == line.tenant_id,
                    Adjudication.payment_id == line.payment_id,
                ),
            )
            conditions.append(Adjudication.clinic_id.in_(sorted(clinics)))
        period = self._period(line.remittance_date, bucket)
        stmt = (
            select(
                line.procedure_code.label("group"),
                period.label("period"),
                func.count().label("claims"),
                func.count().filter(line.denied).label("denied"),
                func.coalesce(func.sum(line.charge), 0).label("charges"),
                func.coalesce(func.sum(line.denied_amount), 0).label("denied_amount"),
            )
            .select_from(stmt_from)
            .where(*conditions)
            .group_by(line.procedure_code, period)
            .order_by(period, line.procedure_code)
        )
        return [dict(r._mapping) for r in (await self.session.execute(stmt)).all()]

    async def top_reasons(
        self, date_from: date, date_to: date, clinics: frozenset[str] | None, limit: int = 10
    ) -> list[dict[str, Any]]:
        a = Adjudication
        conditions: list[ColumnElement[bool]] = [
            a.tenant_id == self.tenant_id,
            a.denied.is_(True),
            a.is_reversal.is_(False),
            a.remittance_date >= date_from,
            a.remittance_date <= date_to,
        ]
        if clinics is not None:
            conditions.append(a.clinic_id.in_(sorted(clinics)))
        stmt = (
            select(
                a.carc,
                a.category,
                func.count().label("denials"),
                func.sum(a.denied_amount).label("denied_amount"),
            )
            .where(*conditions)
            .group_by(a.carc, a.category)
            .order_by(func.sum(a.denied_amount).desc(), func.count().desc(), a.carc)
            .limit(limit)
        )
        return [dict(r._mapping) for r in (await self.session.execute(stmt)).all()]

    async def recovery(
        self, date_from: date, date_to: date, clinics: frozenset[str] | None
    ) -> dict[str, Any]:
        """Over the work items opened in the period (by remittance date)."""
        d = Denial
        conditions: list[ColumnElement[bool]] = [
            d.tenant_id == self.tenant_id,
            d.remittance_date >= date_from,
            d.remittance_date <= date_to,
        ]
        if clinics is not None:
            conditions.append(d.clinic_id.in_(sorted(clinics)))
        days = func.extract("epoch", d.resolved_at - d.opened_at) / 86400
        closed = d.status.in_(("resolved", "written_off"))
        stmt = select(
            func.count().label("denials"),
            func.count().filter(d.status == "resolved").label("resolved"),
            func.count().filter(d.status == "written_off").label("written_off"),
            func.coalesce(func.sum(d.denied_amount), 0).label("denied_amount"),
            func.coalesce(func.sum(d.recovered_amount), 0).label("recovered_amount"),
            func.avg(days).filter(closed).label("avg_days_to_resolve"),
            func.percentile_cont(0.5)
            .within_group(days)
            .filter(closed)
            .label("median_days_to_resolve"),
        ).where(*conditions)
        row = (await self.session.execute(stmt)).one()
        return dict(row._mapping)

    async def risk(
        self,
        payer_id: str,
        procedure_code: str,
        since: date,
        modifiers: str | None,
    ) -> list[dict[str, Any]]:
        """Adjudicated and denied lines per modifier set for (payer, procedure) since a date."""
        line = AdjudicationLine
        conditions: list[ColumnElement[bool]] = [
            line.tenant_id == self.tenant_id,
            line.payer_id == payer_id,
            line.procedure_code == procedure_code,
            line.remittance_date >= since,
        ]
        if modifiers is not None:
            conditions.append(line.modifiers == modifiers)
        stmt = (
            select(
                line.modifiers,
                func.count().label("lines"),
                func.count().filter(line.denied).label("denied"),
                func.coalesce(func.sum(line.denied_amount), 0).label("denied_amount"),
            )
            .where(*conditions)
            .group_by(line.modifiers)
            .order_by(line.modifiers)
        )
        return [dict(r._mapping) for r in (await self.session.execute(stmt)).all()]

    async def risk_reasons(
        self, payer_id: str, procedure_code: str, since: date, modifiers: str | None
    ) -> list[dict[str, Any]]:
        line = AdjudicationLine
        conditions: list[ColumnElement[bool]] = [
            line.tenant_id == self.tenant_id,
            line.payer_id == payer_id,
            line.procedure_code == procedure_code,
            line.remittance_date >= since,
            line.denied.is_(True),
        ]
        if modifiers is not None:
            conditions.append(line.modifiers == modifiers)
        stmt = (
            select(line.carc, line.category, func.count().label("denied"))
            .where(*conditions)
            .group_by(line.carc, line.category)
            .order_by(func.count().desc(), line.carc)
            .limit(5)
        )
        return [dict(r._mapping) for r in (await self.session.execute(stmt)).all()]
