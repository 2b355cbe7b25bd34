"""The scrubber, case by case: one clean claim, then for every edit code a change that
triggers it (exact code, severity and path, nothing else) and the nearest valid variant,
which must come back clean. Shapes the model refuses are checked as ValidationErrors."""

from __future__ import annotations

import copy
import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from rcm_claims.domain.claim import ClaimData
from rcm_claims.domain.scrubbing import (
    BillingProvider,
    CoverageFact,
    PayerRules,
    ScrubContext,
    has_errors,
    scrub,
)

TODAY = date(2025, 6, 30)
DOS = date(2025, 6, 2)
ADDRESS = {"line1": "1 Main St", "city": "Springfield", "state": "IL", "postal_code": "62701"}
DROP = object()  # as a change's value: remove the key

BILLING = BillingProvider(npi="1245319599", postal_code="627011234", address_line1="1 Main St")
PAYER = PayerRules("payer-1", timely_filing_days=365, prior_auth_procedures=frozenset({"72148"}))
CTX = ScrubContext(
    today=TODAY,
    billing=BILLING,
    payer=PAYER,
    rendering_npi="1234567893",
    referring_npi="1003000126",
    coverage=CoverageFact("active", date(2025, 1, 1), date(2025, 12, 31)),
)


def payload() -> dict[str, Any]:
    return {
        "clinic_id": "clinic-1",
        "payer_id": "payer-1",
        "subscriber": {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "birth_date": "1960-04-01",
            "gender": "F",
            "address": {**ADDRESS, "postal_code": "627041234"},
            "member_id": "W123456789",
        },
        "rendering_provider_id": "prov-1",
        "referring_provider_id": "prov-2",
        "service_facility": {
            "name": "Main St Clinic",
            "npi": "1003000126",
            "address": {**ADDRESS, "postal_code": "627041234"},
        },
        "place_of_service": "11",
        "diagnosis_codes": ["E11.9", "I10"],
        "lines": [
            {
                "procedure_code": "99213",
                "modifiers": ["25"],
                "charge": "150.00",
                "service_date_from": DOS.isoformat(),
                "diagnosis_pointers": [1, 2],
            },
            {
                "procedure_code": "G0439",
                "charge": "175.00",
                "service_date_from": DOS.isoformat(),
                "diagnosis_pointers": [1],
            },
        ],
        "total_charge": "325.00",
    }


def build(changes: dict[str, Any] | None = None) -> ClaimData:
    """The clean payload with dotted-path changes ("lines.0.charge"), validated."""
    data = payload()
    for dotted, value in (changes or {}).items():
        *parents, last = [int(k) if k.isdigit() else k for k in dotted.split(".")]
        node: Any = data
        for key in parents:
            node = node[key]
        if value is DROP:
            del node[last]
        else:
            node[last] = copy.deepcopy(value)
    return ClaimData.model_validate(data)


def run(changes: dict[str, Any] | None = None, **ctx: Any) -> list[str]:
    """The edits as "CODE severity path"."""
    edits = scrub(build(changes), dataclasses.replace(CTX, **ctx))
    return [f"{e.code} {e.severity} {e.path}" for e in edits]


def d(days: int) -> str:
    return (DOS + timedelta(days=days)).isoformat()


def clinic(**changes: str) -> BillingProvider:
    return dataclasses.replace(BILLING, **changes)


def fails(name: str, *edits: str, claim: dict[str, Any] | None = None, **ctx: Any) -> Any:
    return pytest.param(claim or {}, ctx, list(edits), id=name)


def passes(name: str, claim: dict[str, Any] | None = None, **ctx: Any) -> Any:
    return pytest.param(claim or {}, ctx, id=name)


def dependent(born: str) -> dict[str, Any]:
    return {"first_name": "Kid", "last_name": "Lovelace", "birth_date": born, "gender": "U",
            "address": ADDRESS, "relationship": "19"}  # fmt: skip


def test_the_clean_claim_has_no_edits() -> None:
    claim = build()
    assert claim.diagnosis_codes == ["E119", "I10"]
    assert (claim.service_date_from, claim.service_date_to) == (DOS, DOS)
    assert scrub(claim, CTX) == []


LATE = DOS + timedelta(days=366)
REPLACES = {"payer_claim_control_number": "ICN-1"}
FAILING = [
    fails("billing-unknown", "BILLING_PROVIDER_UNKNOWN error clinic_id", billing=None),
    fails("zip-5", "BILLING_ZIP_NOT_9_DIGITS error clinic.address.postal_code",
          billing=clinic(postal_code="62701")),
    *[fails(f"po-box-{line}", "BILLING_ADDRESS_PO_BOX error clinic.address.line1",
            billing=clinic(address_line1=line))
      for line in ["PO Box 12", "P.O. Box 12", "p o box 12", "Post Office Box 12", "Box 12"]],
    fails("payer-unknown", "PAYER_UNKNOWN error payer_id", payer=None),
    fails("rendering-unknown", "RENDERING_PROVIDER_UNKNOWN error rendering_provider_id",
          rendering_known=False, rendering_npi=None),
    fails("referring-unknown", "REFERRING_PROVIDER_UNKNOWN error referring_provider_id",
          referring_known=False, referring_npi=None),
    fails("npi-billing", "NPI_CHECK_DIGIT error clinic.npi", billing=clinic(npi="1245319598")),
    fails("npi-rendering", "NPI_CHECK_DIGIT error rendering_provider.npi",
          rendering_npi="1234567890"),
    fails("npi-referring", "NPI_CHECK_DIGIT error referring_provider.npi",
          referring_npi="1003000127"),
    fails("facility-zip-5",
          "FACILITY_ZIP_NOT_9_DIGITS error service_facility.address.postal_code",
          claim={"service_facility.address.postal_code": "62701"}),
    fails("npi-facility", "NPI_CHECK_DIGIT error service_facility.npi",
          claim={"service_facility.npi": "3003000126"}),
    fails("icd-unknown", "ICD10_UNKNOWN error diagnosis_codes[1]",
          claim={"diagnosis_codes": ["E11.9", "XYZ12"]}),
    fails("icd-category-E11", "ICD10_NOT_BILLABLE error diagnosis_codes[0]",
          claim={"diagnosis_codes": ["E11", "I10"]}),
    fails("icd-category-J45", "ICD10_NOT_BILLABLE error diagnosis_codes[1]",
          claim={"diagnosis_codes": ["E11.9", "j45"]}),
    fails("icd-duplicate", "ICD10_DUPLICATE error diagnosis_codes[1]",
          claim={"diagnosis_codes": ["E11.9", "e119"]}),
    *[fails(f"procedure-{code}", "PROCEDURE_CODE_FORMAT error lines[1].procedure_code",
            claim={"lines.1.procedure_code": code})
      for code in ["W1234", "9921A", "G043X", "99-13"]],
    fails("modifier-1-char", "MODIFIER_FORMAT error lines[0].modifiers[0]",
          claim={"lines.0.modifiers": ["2"]}),
    fails("modifier-second", "MODIFIER_FORMAT error lines[0].modifiers[1]",
          claim={"lines.0.modifiers": ["25", "5-"]}),
    fails("pointer-past-end", "DIAGNOSIS_POINTER error lines[1].diagnosis_pointers[0]",
          claim={"lines.1.diagnosis_pointers": [3]}),
    fails("pointer-zero", "DIAGNOSIS_POINTER error lines[0].diagnosis_pointers[1]",
          claim={"lines.0.diagnosis_pointers": [1, 0]}),
    fails("pointer-repeated", "DIAGNOSIS_POINTER_REPEATED error lines[0].diagnosis_pointers",
          claim={"lines.0.diagnosis_pointers": [1, 1]}),
    *[fails(f"charge-{charge}", "LINE_CHARGE_NOT_POSITIVE error lines[1].charge",
            claim={"lines.1.charge": charge, "total_charge": total})
      for charge, total in [("0.00", "150.00"), ("-5.00", "145.00")]],
    fails("line-dates-reversed", "LINE_DATES_REVERSED error lines[0].service_date_to",
          claim={"lines.0.service_date_to": d(-1)}),
    fails("total-mismatch", "TOTAL_MISMATCH error total_charge", claim={"total_charge": "325.01"}),
    fails("future-line", "FUTURE_DATE error service_date_to",
          "FUTURE_DATE error lines[1].service_date_from",
          claim={"lines.1.service_date_from": (TODAY + timedelta(days=1)).isoformat()}),
    fails("future-claim-period", "FUTURE_DATE error service_date_to",
          claim={"service_date_to": (TODAY + timedelta(days=1)).isoformat()}),
    fails("line-after-claim", "LINE_DATE_OUTSIDE_CLAIM error lines[1].service_date_from",
          claim={"service_date_to": d(0), "lines.1.service_date_from": d(1)}),
    fails("line-before-claim", "LINE_DATE_OUTSIDE_CLAIM error lines[0].service_date_from",
          claim={"service_date_from": d(1), "lines.1.service_date_from": d(1)}),
    fails("timely-filing", "TIMELY_FILING error service_date_from", today=LATE),
    fails("timely-filing-replacement", "TIMELY_FILING error service_date_from",
          claim={"frequency_code": "7", **REPLACES}, today=LATE),
    fails("subscriber-born-after", "BIRTH_AFTER_SERVICE error subscriber.birth_date",
          claim={"subscriber.birth_date": d(1)}),
    fails("patient-born-after", "BIRTH_AFTER_SERVICE error patient.birth_date",
          claim={"patient": dependent(d(1))}),
    *[fails(f"frequency-{f}-no-reference",
            "ORIGINAL_REFERENCE_MISSING error payer_claim_control_number",
            claim={"frequency_code": f})
      for f in "78"],
    fails("coverage-none", "COVERAGE_UNKNOWN warning subscriber", coverage=None),
    *[fails(f"coverage-{status}", "COVERAGE_UNKNOWN warning subscriber",
            coverage=CoverageFact(status, None, None))
      for status in ["unknown", "error"]],
    fails("coverage-inactive", "COVERAGE_INACTIVE error subscriber",
          coverage=CoverageFact("inactive", None, None)),
    fails("coverage-ended-before", "COVERAGE_INACTIVE error subscriber",
          coverage=CoverageFact("active", date(2024, 1, 1), DOS - timedelta(days=1))),
    fails("coverage-ends-mid-claim", "COVERAGE_INACTIVE error subscriber",
          claim={"lines.1.service_date_from": d(1)}, coverage=CoverageFact("active", None, DOS)),
    fails("coverage-starts-after", "COVERAGE_INACTIVE error subscriber",
          coverage=CoverageFact("active", DOS + timedelta(days=1), None)),
    fails("prior-auth", "PRIOR_AUTH_MISSING error lines[1].procedure_code",
          claim={"lines.1.procedure_code": "72148"}),
    fails("duplicate", "DUPLICATE_CLAIM error lines", duplicate_of=["claim-9"]),
    fails("hospital-without-facility", "SERVICE_FACILITY_REQUIRED error service_facility",
          claim={"place_of_service": "22", "service_facility": DROP}),
    fails("er-line-without-facility", "SERVICE_FACILITY_REQUIRED error service_facility",
          claim={"lines.1.place_of_service": "23", "service_facility": DROP}),
    fails("referral-without-referrer",
          "REFERRING_PROVIDER_REQUIRED warning referring_provider_id",
          claim={"referral_number": "REF-77", "referring_provider_id": DROP},
          referring_npi=None),
]  # fmt: skip

PASSING = [
    passes("zip-plus-4", billing=clinic(postal_code="627011234")),
    *[passes(f"street-{line}", billing=clinic(address_line1=line))
      for line in ["12 Box Elder St", "100 Post Office Rd", "9 Oak Ave"]],
    passes("no-rendering-on-claim", {"rendering_provider_id": DROP},
           rendering_known=False, rendering_npi=None),
    passes("no-referring-on-claim", {"referring_provider_id": DROP},
           referring_known=False, referring_npi=None),
    passes("rendering-without-npi", rendering_npi=None),
    passes("facility-without-npi", {"service_facility.npi": DROP}),
    passes("no-facility", {"service_facility": DROP}),
    passes("icd-dot-lowercase-spaces", {"diagnosis_codes": [" e11.9 ", "i10"]}),
    passes("icd-leaf-J4520", {"diagnosis_codes": ["E11.9", "J45.20"]}),
    passes("icd-seventh-character", {"diagnosis_codes": ["E11.9", "T36.0X1A"]}),
    *[passes(f"procedure-{code}", {"lines.1.procedure_code": code})
      for code in ["j1100", "0521F", "0075T", "V2020"]],
    *[passes(f"modifiers-{'-'.join(m)}", {"lines.0.modifiers": m})
      for m in [["25"], ["lt", "59"], ["25", "59", "GA", "XU"]]],
    passes("pointers-all-four", {"diagnosis_codes": ["E11.9", "I10", "J45.20", "Z00.00"],
                                 "lines.0.diagnosis_pointers": [4, 3, 2, 1]}),
    passes("charge-one-cent", {"lines.1.charge": "0.01", "total_charge": "150.01"}),
    passes("line-same-day", {"lines.0.service_date_to": d(0)}),
    passes("line-two-days", {"lines.0.service_date_from": d(-1), "lines.0.service_date_to": d(0)}),
    passes("total-without-cents", {"total_charge": "325"}),
    passes("service-today", {"lines.1.service_date_from": TODAY.isoformat()}),
    passes("claim-period-covers-lines", {"service_date_from": d(-1), "service_date_to": d(1)}),
    passes("timely-last-day", today=DOS + timedelta(days=365)),
    passes("void-exempt-from-timely", {"frequency_code": "8", **REPLACES}, today=LATE),
    passes("born-on-service-day", {"subscriber.birth_date": d(0)}),
    passes("dependent-born-before", {"patient": dependent("2015-01-01"),
                                     "subscriber.birth_date": d(1)}),
    *[passes(f"frequency-{f}-with-reference", {"frequency_code": f, **REPLACES}) for f in "78"],
    passes("coverage-open-ended", coverage=CoverageFact("active", None, None)),
    passes("coverage-ends-on-service-day", coverage=CoverageFact("active", None, DOS)),
    passes("coverage-starts-on-service-day", coverage=CoverageFact("active", DOS, None)),
    passes("prior-auth-present",
           {"lines.1.procedure_code": "72148", "prior_authorization_number": "PA-123"}),
    passes("prior-auth-not-required-by-payer", {"lines.1.procedure_code": "72148"},
           payer=dataclasses.replace(PAYER, prior_auth_procedures=frozenset({"72146"}))),
    passes("no-duplicates", duplicate_of=[]),
    passes("hospital-with-facility", {"place_of_service": "22"}),
    passes("office-without-facility", {"lines.1.place_of_service": "11",
                                       "service_facility": DROP}),
    passes("referral-with-referrer", {"referral_number": "REF-77"}),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "ctx", "expected"), FAILING)
def test_each_edit(changes: dict[str, Any], ctx: dict[str, Any], expected: list[str]) -> None:
    assert run(changes, **ctx) == expected


@pytest.mark.parametrize(("changes", "ctx"), PASSING)
def test_nearest_valid_variant_is_clean(changes: dict[str, Any], ctx: dict[str, Any]) -> None:
    assert run(changes, **ctx) == []


def test_cpt_pla_code_is_a_procedure_code() -> None:
    # Proprietary Laboratory Analyses codes: 4 digits + U
    assert run({"lines.1.procedure_code": "0001U"}) == []


@pytest.mark.parametrize(
    ("line1", "po_box"),
    [
        ("PO Box 12", True),
        ("P.O. BOX 12", True),
        ("Box 12", True),
        ("PMB 7", True),
        ("Boxwood Medical Plaza", False),
        ("100 Post Office Rd", False),
    ],
)
def test_po_box_detection(line1: str, po_box: bool) -> None:
    from rcm_claims.domain.scrubbing import _is_po_box  # noqa: PLC0415

    assert _is_po_box(line1) is po_box


@pytest.mark.parametrize(
    ("code", "status"),
    [("4", "unknown"), ("E08-E13", "unknown"), ("E11", "not_billable"), ("E119", "billable")],
)
def test_chapters_and_blocks_are_not_codes(code: str, status: str) -> None:
    from rcm_claims.domain.codes import icd10_status  # noqa: PLC0415

    assert icd10_status(code) == status


def test_every_edit_code_is_covered() -> None:
    covered = {edit.split()[0] for case in FAILING for edit in case.values[2]}
    assert covered == {
        "BILLING_PROVIDER_UNKNOWN", "BILLING_ZIP_NOT_9_DIGITS", "BILLING_ADDRESS_PO_BOX",
        "PAYER_UNKNOWN", "RENDERING_PROVIDER_UNKNOWN", "REFERRING_PROVIDER_UNKNOWN",
        "NPI_CHECK_DIGIT", "ICD10_UNKNOWN", "ICD10_NOT_BILLABLE", "ICD10_DUPLICATE",
        "PROCEDURE_CODE_FORMAT", "MODIFIER_FORMAT", "DIAGNOSIS_POINTER",
        "DIAGNOSIS_POINTER_REPEATED", "LINE_CHARGE_NOT_POSITIVE", "LINE_DATES_REVERSED",
        "TOTAL_MISMATCH", "FUTURE_DATE", "LINE_DATE_OUTSIDE_CLAIM", "TIMELY_FILING",
        "BIRTH_AFTER_SERVICE", "ORIGINAL_REFERENCE_MISSING", "COVERAGE_UNKNOWN",
        "COVERAGE_INACTIVE", "PRIOR_AUTH_MISSING", "DUPLICATE_CLAIM",
        "FACILITY_ZIP_NOT_9_DIGITS", "SERVICE_FACILITY_REQUIRED", "REFERRING_PROVIDER_REQUIRED",
    }  # fmt: skip


def test_edit_messages_carry_the_details() -> None:
    [late] = scrub(build(), dataclasses.replace(CTX, today=LATE))
    assert "365-day" in late.message
    assert (DOS + timedelta(days=365)).isoformat() in late.message
    [dup] = scrub(build(), dataclasses.replace(CTX, duplicate_of=["claim-1", "claim-2"]))
    assert dup.message.endswith("claim-1, claim-2")
    [payer] = scrub(build(), dataclasses.replace(CTX, payer=None))
    assert payer.as_dict() == {
        "code": "PAYER_UNKNOWN",
        "severity": "error",
        "message": "payer not configured for this tenant",
        "path": "payer_id",
    }


def test_every_problem_is_reported_in_order() -> None:
    changes = {"diagnosis_codes": ["E11", "E11"], "lines.0.modifiers": ["2"], "total_charge": "1"}
    assert [edit.split()[0] for edit in run(changes, coverage=None)] == [
        "ICD10_NOT_BILLABLE", "ICD10_NOT_BILLABLE", "ICD10_DUPLICATE",
        "MODIFIER_FORMAT", "TOTAL_MISMATCH", "COVERAGE_UNKNOWN",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("ctx", "errors"), [({}, False), ({"coverage": None}, False), ({"duplicate_of": ["c"]}, True)]
)
def test_only_errors_block(ctx: dict[str, Any], errors: bool) -> None:
    assert has_errors(scrub(build(), dataclasses.replace(CTX, **ctx))) is errors


def test_model_normalises_codes_and_defaults_dates_to_the_lines() -> None:
    claim = build({"lines.0.service_date_from": d(-3), "lines.1.service_date_to": d(2),
                   "lines.0.procedure_code": "j1100", "lines.0.modifiers": ["lt"]})  # fmt: skip
    assert (claim.first_date, claim.last_date) == (DOS - timedelta(3), DOS + timedelta(2))
    assert (claim.lines[0].procedure_code, claim.lines[0].modifiers) == ("J1100", ["LT"])
    assert claim.lines_total == Decimal("325.00")


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"lines.0.procedure_code": "9921"}, ("lines", 0, "procedure_code")),
        ({"lines.0.procedure_code": "992130"}, ("lines", 0, "procedure_code")),
        ({"lines.0.modifiers": ["25", "59", "GA", "XU", "76"]}, ("lines", 0, "modifiers")),
        ({"lines.0.diagnosis_pointers": []}, ("lines", 0, "diagnosis_pointers")),
        ({"lines.0.diagnosis_pointers": [1, 2, 3, 4, 1]}, ("lines", 0, "diagnosis_pointers")),
        ({"lines.0.charge": "1.001"}, ("lines", 0, "charge")),
        ({"lines.0.units": "0"}, ("lines", 0, "units")),
        ({"lines": []}, ("lines",)),
        ({"diagnosis_codes": []}, ("diagnosis_codes",)),
        ({"diagnosis_codes": ["I10"] * 13}, ("diagnosis_codes",)),
        ({"frequency_code": "5"}, ("frequency_code",)),
        ({"place_of_service": "1"}, ("place_of_service",)),
        ({"payer_claim_control_number": "ICN 1"}, ("payer_claim_control_number",)),
        ({"subscriber.last_name": "Love*lace"}, ("subscriber", "last_name")),
        ({"subscriber.address.postal_code": "6270"}, ("subscriber", "address", "postal_code")),
        ({"service_facility.npi": "123456789"}, ("service_facility", "npi")),
        ({"surprise": 1}, ("surprise",)),
    ],
)
def test_shape_errors_are_refused_before_scrubbing(
    changes: dict[str, Any], loc: tuple[str | int, ...]
) -> None:
    with pytest.raises(ValidationError) as caught:
        build(changes)
    assert [error["loc"] for error in caught.value.errors()] == [loc]
