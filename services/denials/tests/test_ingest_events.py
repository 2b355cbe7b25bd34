"""The ingest path builds denial.opened payloads as JSON directly (no model validation per
event): what it builds must be exactly what the DenialOpened model accepts and emits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic_core import to_jsonable_python

from rcm_denials.domain.classification import decide
from rcm_denials.domain.codes import codebook
from rcm_denials.service.common import SOURCE, events_from_data
from rcm_denials.service.ingest import Incoming, new_denial_row, opened_data
from rcm_shared.events.catalog import new_event
from rcm_shared.events.denials import DenialOpened
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.remittance import AdjudicatedLine, Adjustment, ClaimPaymentAdjudicated

AT = datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


def adj(code: str, amount: str) -> Adjustment:
    group, carc = code.split("-", 1)
    return Adjustment(group_code=group, reason_code=carc, amount=Decimal(amount))


def ln(
    code: str, charge: str, paid: str, adjustments: list[Adjustment], **kw: object
) -> AdjudicatedLine:
    return AdjudicatedLine(
        procedure_code=code,
        charge=Decimal(charge),
        paid=Decimal(paid),
        adjustments=adjustments,
        **kw,  # type: ignore[arg-type]
    )


PAYMENTS = {
    "one line, CO-16 with a remark": dict(
        claim_status_code="4",
        total_charge=Decimal("120.00"),
        paid_amount=Decimal("0.00"),
        lines=[ln("97110", "120.00", "0", [adj("CO-16", "120.00")], remark_codes=["M51"])],
    ),
    "two lines, one paid, modifiers": dict(
        claim_status_code="1",
        total_charge=Decimal("300.50"),
        paid_amount=Decimal("150"),
        lines=[
            ln("99213", "150.00", "150.00", [], modifiers=["25"]),
            ln("97140", "150.50", "0.00", [adj("CO-97", "150.50")], modifiers=["GP", "59"]),
        ],
    ),
    "claim-level CAS only, unknown CARC": dict(
        claim_status_code="4",
        total_charge=Decimal("80"),
        paid_amount=Decimal("0"),
        adjustments=[adj("CO-ZZ9", "80")],
        remark_codes=["N386"],
        lines=[ln("99214", "80", "0", [])],
    ),
    "no payer appeal window, PR group": dict(
        claim_status_code="4",
        total_charge=Decimal("55.10"),
        paid_amount=Decimal("0.00"),
        lines=[ln("J3420", "55.10", "0.00", [adj("PR-204", "55.10")])],
    ),
}


def payment(fields: dict[str, object]) -> ClaimPaymentAdjudicated:
    base: dict[str, object] = dict(
        claim_key="c-1",
        claim_id="c-1",
        patient_control_number="PCN1",
        remittance_id="r-1",
        payment_id="p-1",
        payer_id="87726",
        payer_claim_control_number="ICN1",
        patient_responsibility=Decimal("0.00"),
        remittance_date=date(2025, 3, 1),
        clinic_id="clinic-1",
    )
    return ClaimPaymentAdjudicated(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize("case", sorted(PAYMENTS))
@pytest.mark.parametrize("window", [60, None])
def test_opened_data_is_the_models_json(case: str, window: int | None) -> None:
    p = payment(PAYMENTS[case])
    decision = decide(codebook(), p)
    assert decision.denied
    cause = new_event(p, tenant_id="t-1", source="/tests")
    row = new_denial_row("d-1", p.claim_key, Incoming(cause, p, "t-1"), decision, window, AT)

    data = opened_data(row, decision, to_jsonable_python(AT))

    model = DenialOpened.model_validate(data)
    assert model.model_dump(mode="json") == data
    assert model.denial_id == "d-1" and model.occurred_at == AT
    assert model.denied_amount == decision.denied_amount
    assert len(model.lines) == len(decision.lines) > 0


def test_bulk_envelopes_are_valid_cloudevents_caused_by_their_payments() -> None:
    p = payment(PAYMENTS["one line, CO-16 with a remark"])
    decision = decide(codebook(), p)
    causes = [new_event(p, tenant_id=t, source="/tests") for t in ("t-1", "t-2")]
    items = []
    for i, cause in enumerate(causes):
        item = Incoming(cause, p, cause.tenantid)
        row = new_denial_row(f"d-{i}", p.claim_key, item, decision, 30, AT)
        items.append((cause.tenantid, opened_data(row, decision, to_jsonable_python(AT)), cause))

    events = events_from_data(DenialOpened, items)

    assert len({e.id for e in events}) == 2
    for event, cause in zip(events, causes, strict=True):
        parsed = CloudEvent.from_bytes(event.to_bytes())  # what a consumer reads
        assert parsed == event
        assert parsed.type == DenialOpened.event_type and parsed.source == SOURCE
        assert parsed.tenantid == cause.tenantid and parsed.subject == p.claim_key
        assert (parsed.correlationid, parsed.causationid) == (cause.correlationid, cause.id)
        DenialOpened.model_validate(parsed.data)
