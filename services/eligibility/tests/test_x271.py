"""The 271 reader: the public samples parse without losing a benefit line, hand-built 271s
give exactly the coverage answer they state, and malformed input is reported at the right
segment and element."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import pytest

from rcm_eligibility.domain.x271 import (
    CostShare,
    OtherPayer,
    RelatedEntity,
    Response271,
    parse_271,
    summarize,
)
from rcm_shared.testing.x12_data import SAMPLES
from rcm_shared.x12.errors import X12SyntaxError
from rcm_shared.x12.reader import iter_segments
from rcm_shared.x12.separators import Separators
from rcm_shared.x12.writer import Repeated, Seg, TransactionSpec, build_interchange, segment

SAMPLES_271 = SAMPLES / "271"
GOOD_SAMPLES = [
    "lfh__subscriber-health-benefit-check.271",
    "lfh__dependent-health-benefit-check.271",
]
MISMATCH_SAMPLE = "lfh__subscriber-health-benefit-check-error.271"
WHEN = datetime(2025, 7, 1, 10, 30)
TRACE = "CHK0000000001"
VERSION = "005010X279A1"


def sample(name: str) -> str:
    return (SAMPLES_271 / name).read_text()


def raw_eb_segments(text: str) -> list[list[str]]:
    """The EB segments of a sample, split by hand (not by the reader under test)."""
    segments = (s.strip() for s in text.split("~"))
    return [s.split("*") for s in segments if s.startswith("EB*")]


def all_benefits(responses: Sequence[Response271]) -> list[object]:
    return [b for r in responses for b in r.benefits]


# --- the public samples ------------------------------------------------------------------


def test_every_sample_is_accounted_for() -> None:
    """A new sample dropped in the folder must be added to one of the lists here."""
    names = sorted(p.name for p in SAMPLES_271.iterdir())
    assert names == sorted([*GOOD_SAMPLES, MISMATCH_SAMPLE])


@pytest.mark.parametrize("name", GOOD_SAMPLES)
def test_sample_keeps_every_benefit_line(name: str) -> None:
    text = sample(name)
    responses = parse_271(text)
    raw = raw_eb_segments(text)
    assert len(raw) == 5
    assert len(all_benefits(responses)) == len(raw)
    # Same lines in the same order, every EB03 repetition kept.
    flat = [b for r in responses for b in r.benefits]
    for fields, benefit in zip(raw, flat, strict=True):
        assert benefit.info == fields[1]
        expected_types = fields[3].split("^") if len(fields) > 3 and fields[3] else []
        assert list(benefit.service_types) == expected_types


@pytest.mark.parametrize("name", GOOD_SAMPLES)
def test_sample_repeated_service_types_and_copays(name: str) -> None:
    responses = parse_271(sample(name))
    patient = responses[-1]
    every = ("1", "33", "35", "47", "86", "88", "98", "AL", "MH", "UC")
    copays = [b for b in patient.benefits if b.info == "B"]
    assert [b.service_types for b in copays] == [every, every]
    assert [(b.amount, b.in_network, b.time_period) for b in copays] == [
        (Decimal("10.00"), True, "27"),
        (Decimal("30.00"), False, "27"),
    ]
    assert copays[0].insurance_type == "HM"
    assert copays[0].plan_description == "GOLD 123 PLAN"


@pytest.mark.parametrize("name", GOOD_SAMPLES)
def test_sample_primary_care_provider_from_ls_le(name: str) -> None:
    patient = parse_271(sample(name))[-1]
    with_entities = [b for b in patient.benefits if b.related]
    assert len(with_entities) == 1
    assert with_entities[0].info == "L"
    assert with_entities[0].related == (RelatedEntity("P3", "MARCUS JONES", "0202034"),)


def test_subscriber_sample_identity() -> None:
    responses = parse_271(sample("lfh__subscriber-health-benefit-check.271"))
    assert len(responses) == 1
    r = responses[0]
    assert r.trace_numbers == ("93175-012547",)
    assert (r.payer_name, r.payer_id) == ("ABC COMPANY", "841610001")
    assert (r.member_id, r.last_name, r.first_name) == ("123456789", "SMITH", "JOHN")
    assert r.birth_date == date(1963, 5, 19)
    assert r.is_dependent is False
    assert r.plan_dates == {"346": date(2006, 1, 1)}
    assert r.rejections == ()


def test_dependent_sample_is_the_dependent() -> None:
    responses = parse_271(sample("lfh__dependent-health-benefit-check.271"))
    subscriber, dependent = responses
    assert subscriber.is_dependent is False
    assert (subscriber.first_name, subscriber.benefits, subscriber.trace_numbers) == (
        "JOHN",
        (),
        (),
    )
    assert dependent.is_dependent is True
    assert (dependent.first_name, dependent.last_name) == ("MARY", "SMITH")
    assert dependent.birth_date == date(1998, 10, 14)
    assert dependent.trace_numbers == ("93175-012547",)
    # NM1*03 carries no id: the dependent is known under the subscriber's.
    assert dependent.member_id == "123456789"
    assert dependent.payer_name == "ABC COMPANY"


@pytest.mark.parametrize("name", GOOD_SAMPLES)
def test_sample_summary(name: str) -> None:
    patient = parse_271(sample(name))[-1]
    plan = summarize(patient)
    assert plan.status == "active"
    assert plan.plan_name == "GOLD 123 PLAN"
    assert plan.coverage_start == date(2006, 1, 1)
    assert plan.coverage_end is None
    assert plan.cost_share == ()  # the copays are for other service types than 30
    office = summarize(patient, ["98"])
    assert office.status == "active"
    assert office.cost_share == (
        CostShare("98", Decimal("10.00"), None, None, None, None, None, None, True),
        CostShare("98", Decimal("30.00"), None, None, None, None, None, None, False),
    )


def test_mismatched_control_number_sample_is_reported_at_se02() -> None:
    text = sample(MISMATCH_SAMPLE)
    with pytest.raises(X12SyntaxError) as caught:
        parse_271(text)
    err = caught.value
    assert (err.segment_number, err.segment_id, err.element_position) == (10, "SE", 2)
    assert err.to_dict()["element_position"] == 2


def test_receiver_rejection_without_subscriber_is_an_answer() -> None:
    """The same sample with its SE02 mended: the receiver level rejected the inquiry and no
    2000C follows, which the guide allows. The rejection is the answer."""
    text = sample(MISMATCH_SAMPLE).replace("SE*8*4323~", "SE*8*4321~")
    (only,) = parse_271(text)
    assert only.member_id is None
    assert only.benefits == ()
    assert only.payer_name == "ABC COMPANY"
    (rejection,) = only.rejections
    assert (rejection.code, rejection.level, rejection.retryable) == ("50", "receiver", False)
    assert rejection.reason == "Provider Ineligible for Inquiries"
    assert rejection.follow_up == "Resubmission Not Allowed"
    assert summarize(only).status == "unknown"


# --- hand-built 271s ---------------------------------------------------------------------


def eb(
    info: str,
    level: str | None = None,
    types: Sequence[str] = (),
    *,
    insurance: str | None = None,
    plan: str | None = None,
    period: str | None = None,
    amount: str | None = None,
    percent: str | None = None,
    qualifier: str | None = None,
    quantity: str | None = None,
    auth: str | None = None,
    network: str | None = None,
) -> Seg:
    return segment(
        "EB",
        info,
        level,
        Repeated(list(types)) if types else None,
        insurance,
        plan,
        period,
        amount,
        percent,
        qualifier,
        quantity,
        auth,
        network,
    )


def source(*extra: Seg) -> list[Seg]:
    return [
        segment("HL", "1", None, "20", "1"),
        segment("NM1", "PR", "2", "ACME HEALTH PLAN", None, None, None, None, "PI", "87726"),
        *extra,
    ]


def receiver(*extra: Seg, children: str = "1") -> list[Seg]:
    return [
        segment("HL", "2", "1", "21", children),
        segment("NM1", "1P", "2", "SPRINGFIELD CLINIC", None, None, None, None, "XX", "1245319599"),
        *extra,
    ]


def subscriber(*body: Seg, children: str = "0", hl: str = "3") -> list[Seg]:
    return [
        segment("HL", hl, "2", "22", children),
        segment("TRN", "2", TRACE, "9877281234"),
        segment("NM1", "IL", "1", "DOE", "JANE", None, None, None, "MI", "W123456789"),
        segment("REF", "6P", "GRP100"),
        segment("DMG", "D8", "19800102", "F"),
        segment("DTP", "346", "D8", "20250101"),
        *body,
    ]


def build(
    body: Sequence[Seg],
    *,
    separators: Separators = Separators(),  # noqa: B008 immutable
    suffix: str = "\n",
    set_id: str = "271",
    functional_id: str = "HB",
    more: Sequence[Sequence[Seg]] = (),
) -> str:
    bodies = [body, *more]
    return build_interchange(
        sender_qualifier="PI",
        sender_id="87726",
        receiver_qualifier="ZZ",
        receiver_id="CLINIC01",
        interchange_control=17,
        usage="T",
        ack_requested=False,
        functional_id=functional_id,
        app_sender="87726",
        app_receiver="CLINIC01",
        group_control=17,
        version=VERSION,
        transactions=[
            TransactionSpec(
                set_id,
                f"{n:04d}",
                [segment("BHT", "0022", "11", f"REQ{n}", "20250701", "1030"), *segs],
            )
            for n, segs in enumerate(bodies, start=1)
        ],
        separators=separators,
        timestamp=WHEN,
        segment_suffix=suffix,
    )


def standard(*benefits: Seg) -> str:
    return build([*source(), *receiver(), *subscriber(*benefits)])


ACTIVE = [
    eb("1", "IND", ["30"], insurance="C1", plan="ACME GOLD PPO"),
    eb("B", "IND", ["30"], period="27", amount="25", network="Y"),
    eb("A", "IND", ["30"], period="27", percent="0.2", network="Y"),
    eb("C", "IND", ["30"], period="23", amount="1500", network="Y"),
    eb("C", "IND", ["30"], period="29", amount="300", network="Y"),
]


def test_active_coverage_with_cost_share() -> None:
    (response,) = parse_271(standard(*ACTIVE))
    assert response.trace_numbers == (TRACE,)
    assert response.group_number == "GRP100"
    answer = summarize(response)
    assert answer.status == "active"
    assert answer.plan_name == "ACME GOLD PPO"
    assert answer.group_number == "GRP100"
    assert answer.coverage_start == date(2025, 1, 1)
    assert answer.rejections == ()
    assert answer.cost_share == (
        CostShare(
            service_type="30",
            copay=Decimal("25"),
            coinsurance_percent=Decimal("20"),
            deductible=Decimal("1500"),
            deductible_remaining=Decimal("300"),
            out_of_pocket_max=None,
            out_of_pocket_remaining=None,
            coverage_level="IND",
            in_network=True,
        ),
    )


def test_out_of_pocket_and_year_to_date() -> None:
    """EB*G like EB*C; a year-to-date amount is what was spent, neither limit nor rest."""
    (response,) = parse_271(
        standard(
            eb("1", None, ["30"]),
            eb("C", "IND", ["30"], period="24", amount="1200", network="Y"),
            eb("G", "IND", ["30"], period="23", amount="6000", network="Y"),
            eb("G", "IND", ["30"], period="29", amount="4500.50", network="Y"),
            eb("C", "IND", ["30"], period="23", amount="1500", network="Y"),
        )
    )
    (share,) = summarize(response).cost_share
    assert (share.deductible, share.deductible_remaining) == (Decimal("1500"), None)
    assert (share.out_of_pocket_max, share.out_of_pocket_remaining) == (
        Decimal("6000"),
        Decimal("4500.50"),
    )


def test_inactive_coverage() -> None:
    (response,) = parse_271(standard(eb("6", "IND", ["30"], plan="ACME GOLD PPO")))
    answer = summarize(response)
    assert answer.status == "inactive"
    assert answer.cost_share == ()


def test_active_wins_over_inactive() -> None:
    (response,) = parse_271(standard(eb("6", "IND", ["30"]), eb("1", "IND", ["30"])))
    assert summarize(response).status == "active"


def test_no_status_line_is_unknown() -> None:
    (response,) = parse_271(standard(eb("B", "IND", ["30"], amount="25")))
    assert summarize(response).status == "unknown"


def test_status_is_for_the_service_types_asked() -> None:
    """EB*1 for 98 only says nothing about 88 (pharmacy); an EB*1 without EB03 would."""
    (response,) = parse_271(standard(eb("1", "IND", ["98", "UC"]), eb("6", "IND", ["88"])))
    assert summarize(response, ["UC"]).status == "active"
    assert summarize(response, ["88"]).status == "inactive"
    assert summarize(response, ["30"]).status == "unknown"
    (plan_wide,) = parse_271(standard(eb("1", "IND")))
    assert summarize(plan_wide, ["88"]).status == "active"


def test_subscriber_rejection_is_final() -> None:
    body = [*source(), *receiver(), *subscriber(segment("AAA", "N", None, "72", "C"))]
    (response,) = parse_271(build(body))
    (rejection,) = response.rejections
    assert rejection.code == "72"
    assert rejection.reason == "Invalid/Missing Subscriber/Insured ID"
    assert rejection.follow_up == "Please Correct and Resubmit"
    assert rejection.level == "subscriber"
    assert rejection.retryable is False
    answer = summarize(response)
    assert answer.status == "unknown"
    assert answer.rejections == (rejection,)


@pytest.mark.parametrize(
    ("code", "retryable"),
    [("42", True), ("80", True), ("04", True), ("72", False), ("75", False), ("73", False)],
)
def test_retryable_reasons(code: str, retryable: bool) -> None:
    body = [*source(), *receiver(), *subscriber(segment("AAA", "Y", None, code, "R"))]
    (response,) = parse_271(build(body))
    assert [r.retryable for r in response.rejections] == [retryable]


def test_source_rejection_applies_to_every_subscriber() -> None:
    body = [
        *source(segment("AAA", "Y", None, "42", "P")),
        *receiver(),
        *subscriber(eb("1", "IND", ["30"])),
    ]
    (response,) = parse_271(build(body))
    (rejection,) = response.rejections
    assert (rejection.code, rejection.level, rejection.retryable) == ("42", "source", True)
    assert rejection.follow_up == "Please Resubmit Original Transaction"
    assert summarize(response).status == "unknown"  # even with an EB*1 below it


def test_payer_unavailable_without_subscriber_level() -> None:
    (response,) = parse_271(build(source(segment("AAA", "Y", None, "42", "P"))))
    assert response.payer_id == "87726"
    assert response.trace_numbers == ()
    assert [(r.code, r.level, r.retryable) for r in response.rejections] == [("42", "source", True)]
    assert summarize(response).status == "unknown"


def test_family_deductible_separate_from_individual() -> None:
    (response,) = parse_271(
        standard(
            eb("1", "FAM", ["30"]),
            eb("C", "IND", ["30"], period="23", amount="1500", network="Y"),
            eb("C", "FAM", ["30"], period="23", amount="3000", network="Y"),
            eb("C", "FAM", ["30"], period="29", amount="2250", network="Y"),
            eb("C", "IND", ["30"], period="23", amount="3000", network="N"),
        )
    )
    shares = {(s.coverage_level, s.in_network): s for s in summarize(response).cost_share}
    assert set(shares) == {("IND", True), ("FAM", True), ("IND", False)}
    assert (shares["IND", True].deductible, shares["IND", True].deductible_remaining) == (
        Decimal("1500"),
        None,
    )
    assert (shares["FAM", True].deductible, shares["FAM", True].deductible_remaining) == (
        Decimal("3000"),
        Decimal("2250"),
    )
    assert shares["IND", False].deductible == Decimal("3000")


def test_a_line_for_several_service_types_counts_for_each() -> None:
    (response,) = parse_271(
        standard(
            eb("1", "IND", ["30"]),
            eb("B", "IND", ["98", "UC", "86"], amount="40", network="Y"),
            eb("C", "IND", period="23", amount="1000", network="Y"),  # no EB03: whole plan
        )
    )
    shares = summarize(response, ["98", "86", "33"]).cost_share
    assert [(s.service_type, s.copay, s.deductible) for s in shares] == [
        ("98", Decimal("40"), Decimal("1000")),
        ("86", Decimal("40"), Decimal("1000")),
        ("33", None, Decimal("1000")),
    ]


def test_benefit_details_messages_dates_entities() -> None:
    (response,) = parse_271(
        standard(
            eb("1", "IND", ["30"], plan="ACME GOLD PPO"),
            segment("DTP", "291", "RD8", "20250101-20251231"),
            eb("F", "IND", ["33"], period="23", qualifier="VS", quantity="20", auth="Y"),
            segment("MSG", "CHIROPRACTIC VISITS PER YEAR"),
            segment("MSG", "REFERRAL REQUIRED"),
            eb("R", None, ["30"], insurance="MB"),
            segment("LS", "2120"),
            segment("NM1", "PRP", "2", "MEDICARE B", None, None, None, None, "PI", "00952"),
            segment("N3", "PO BOX 1"),
            segment("LE", "2120"),
        )
    )
    active, limit, other_payer = response.benefits
    assert active.dates == {"291": "20250101-20251231"}
    assert (limit.quantity_qualifier, limit.quantity) == ("VS", Decimal("20"))
    assert limit.authorization_required == "Y"
    assert limit.messages == ("CHIROPRACTIC VISITS PER YEAR", "REFERRAL REQUIRED")
    assert other_payer.related == (RelatedEntity("PRP", "MEDICARE B", "00952"),)
    answer = summarize(response)
    # 2100C has 346 (plan begin) only; the EB*1's 291 range adds the end.
    assert (answer.coverage_start, answer.coverage_end) == (date(2025, 1, 1), date(2025, 12, 31))


def test_plan_and_eligibility_dates() -> None:
    body = [
        *source(),
        *receiver(),
        *subscriber(
            segment("DTP", "347", "D8", "20251231"),
            segment("DTP", "356", "D8", "20250315"),
            segment("DTP", "307", "RD8", "20250315-20250930"),
            segment("REF", "18", "PLAN77"),
            eb("1", "IND", ["30"], insurance="HM"),
        ),
    ]
    (response,) = parse_271(build(body))
    assert response.plan_dates == {
        "346": date(2025, 1, 1),
        "347": date(2025, 12, 31),
        "356": date(2025, 3, 15),
        "307": (date(2025, 3, 15), date(2025, 9, 30)),
    }
    assert response.plan_number == "PLAN77"
    answer = summarize(response)
    # The member's eligibility dates are narrower than the plan's and win.
    assert (answer.coverage_start, answer.coverage_end) == (date(2025, 3, 15), date(2025, 9, 30))
    assert answer.plan_name == "Health Maintenance Organization (HMO)"


def test_dependent_loop_inherits_subscriber_coverage() -> None:
    body = [
        *source(),
        *receiver(),
        segment("HL", "3", "2", "22", "1"),
        segment("NM1", "IL", "1", "DOE", "JANE", None, None, None, "MI", "W123456789"),
        segment("REF", "6P", "GRP100"),
        segment("AAA", "Y", None, "78", "C"),
        segment("HL", "4", "3", "23", "0"),
        segment("TRN", "2", TRACE, "9877281234"),
        segment("NM1", "03", "1", "DOE", "JIM"),
        segment("DMG", "D8", "20150607", "M"),
        eb("1", "IND", ["30"]),
        segment("AAA", "Y", None, "53", "C"),
    ]
    subscriber_response, dependent = parse_271(build(body))
    assert dependent.is_dependent and not subscriber_response.is_dependent
    assert (dependent.member_id, dependent.group_number) == ("W123456789", "GRP100")
    assert dependent.first_name == "JIM"
    assert [(r.code, r.level) for r in dependent.rejections] == [
        ("78", "subscriber"),
        ("53", "dependent"),
    ]
    assert [r.code for r in subscriber_response.rejections] == ["78"]


def test_separators_come_from_the_isa() -> None:
    odd = Separators(element="|", component=">", repetition="!", segment="'")
    text = build([*source(), *receiver(), *subscriber(*ACTIVE)], separators=odd, suffix="")
    assert "\n" not in text and "|" in text
    assert parse_271(text) == parse_271(standard(*ACTIVE))


def test_multi_code_eb03_with_other_repetition_separator() -> None:
    odd = Separators(element="*", component=":", repetition="!", segment="~")
    text = build(
        [*source(), *receiver(), *subscriber(eb("1", None, ["1", "33", "MH"]))], separators=odd
    )
    assert "EB*1**1!33!MH~" in text
    (response,) = parse_271(text)
    assert response.benefits[0].service_types == ("1", "33", "MH")


def test_several_transactions() -> None:
    second = [
        *source(),
        *receiver(),
        segment("HL", "3", "2", "22", "0"),
        segment("TRN", "2", "OTHERTRACE"),
        segment("NM1", "IL", "1", "ROE", "RICHARD", None, None, None, "MI", "X1"),
        eb("6", "IND", ["30"]),
    ]
    responses = parse_271(build([*source(), *receiver(), *subscriber(*ACTIVE)], more=[second]))
    assert [(r.trace_numbers, summarize(r).status) for r in responses] == [
        ((TRACE,), "active"),
        (("OTHERTRACE",), "inactive"),
    ]


# --- malformed input ---------------------------------------------------------------------


def number_of(text: str, prefix: str) -> int:
    """The segment number (ISA = 1) of the last segment whose text starts with `prefix`
    (the cases below append the bad segment after good ones of the same kind)."""
    numbers = [seg.number for seg in iter_segments(text) if seg.text().startswith(prefix)]
    assert numbers, f"no segment starts with {prefix!r}"
    return numbers[-1]


def with_benefits(*segs: Seg) -> str:
    return standard(eb("1", "IND", ["30"]), *segs)


def with_subscriber(*segs: Seg) -> str:
    return build([*source(), *receiver(), *subscriber(*segs)])


MALFORMED: list[tuple[str, str, str, int | None]] = [
    # (case, text, prefix of the segment to blame, element)
    ("EB07 not a number", with_benefits(eb("C", "IND", ["30"], amount="1,500")), "EB*C", 7),
    ("EB08 not a number", with_benefits(eb("A", "IND", ["30"], percent="20%")), "EB*A", 8),
    ("EB08 a percentage", with_benefits(eb("A", "IND", ["30"], percent="20")), "EB*A", 8),
    (
        "EB10 not a number",
        with_benefits(eb("F", None, ["30"], qualifier="VS", quantity="x")),
        "EB*F",
        10,
    ),
    ("EB10 without EB09", with_benefits(eb("F", None, ["30"], quantity="5")), "EB*F", 9),
    ("EB12 not a code", with_benefits(eb("B", None, ["30"], amount="5", network="X")), "EB*B", 12),
    ("EB01 missing", with_benefits(segment("EB", None, "IND", "30")), "EB**IND", 1),
    ("AAA without code", with_subscriber(segment("AAA", "N")), "AAA", 3),
    ("AAA01 not Y/N", with_subscriber(segment("AAA", "Q", None, "72", "C")), "AAA", 1),
    ("DMG02 not a date", with_subscriber(segment("DMG", "D8", "19801399")), "DMG*D8*1980139", 2),
    ("DTP03 not a date", with_subscriber(segment("DTP", "347", "D8", "2025-12-31")), "DTP*347", 3),
    ("DTP02 not D8/RD8", with_subscriber(segment("DTP", "347", "D6", "251231")), "DTP*347", 2),
    (
        "RD8 reversed",
        with_benefits(segment("DTP", "291", "RD8", "20251231-20250101")),
        "DTP*291",
        3,
    ),
    ("REF*6P empty", with_subscriber(segment("REF", "6P")), "REF*6P", 2),
    (
        "LS without LE",
        with_benefits(segment("LS", "2120"), segment("NM1", "P3", "1", "X")),
        "LS",
        None,
    ),
    ("LE without LS", with_benefits(segment("LE", "2120")), "LE", None),
    ("NM1 in 2110 outside LS", with_benefits(segment("NM1", "P3", "1", "X")), "NM1*P3", None),
    ("MSG before any EB", with_subscriber(segment("MSG", "HELLO")), "MSG", None),
    (
        "EB at the receiver level",
        build([*source(), *receiver(eb("1")), *subscriber()]),
        "EB*1",
        None,
    ),
    (
        "HL03 unknown",
        build([*source(), *receiver(), segment("HL", "3", "2", "99", "0")]),
        "HL*3",
        3,
    ),
    (
        "HL02 names no receiver",
        build([*source(), *receiver(), *subscriber()]).replace("HL*3*2*22", "HL*3*1*22"),
        "HL*3",
        2,
    ),
    (
        "HL01 repeated",
        build([*source(), *receiver(), *subscriber(hl="2")]),
        "HL*2*2",
        1,
    ),
    (
        "TRN02 missing",
        build([*source(), *receiver(), segment("HL", "3", "2", "22", "0"), segment("TRN", "2")]),
        "TRN",
        2,
    ),
    ("TRN after an EB", with_benefits(segment("TRN", "2", "LATE")), "TRN*2*LATE", None),
    ("no 2000C", build([*source(), *receiver(children="0")]), "SE", None),
    ("ST01 not 271", build([*source(), *receiver(), *subscriber()], set_id="270"), "ST", 1),
    ("GS01 not HB", build([*source(), *receiver(), *subscriber()], functional_id="HS"), "GS", 1),
    ("SE01 miscounted", re.sub(r"SE\*(\d+)\*", "SE*99*", standard(*ACTIVE)), "SE", 1),
]


@pytest.mark.parametrize(
    ("text", "prefix", "element"),
    [pytest.param(text, prefix, element, id=case) for case, text, prefix, element in MALFORMED],
)
def test_malformed_input_is_located(text: str, prefix: str, element: int | None) -> None:
    expected_number = number_of(text, prefix)
    with pytest.raises(X12SyntaxError) as caught:
        parse_271(text)
    err = caught.value
    assert (err.segment_number, err.element_position) == (expected_number, element)
    assert err.segment_id == prefix[:3].rstrip("*~")
    assert err.to_dict()["segment_number"] == expected_number


def test_errors_do_not_repeat_values() -> None:
    """Birth dates and member ids are PHI: an error says where, not what."""
    text = with_subscriber(segment("DMG", "D8", "19801399"))
    with pytest.raises(X12SyntaxError) as caught:
        parse_271(text)
    assert "19801399" not in str(caught.value)
    assert "19801399" not in repr(caught.value.to_dict())


def test_other_payers_are_reported_for_coordination_of_benefits() -> None:
    text = standard(
        *ACTIVE,
        eb("R", None, ["30"], insurance="MB"),
        segment("LS", "2120"),
        segment("NM1", "PRP", "2", "MEDICARE PART B", None, None, None, None, "PI", "00952"),
        segment("LE", "2120"),
        eb("R", None, ["30"], insurance="MC", plan="STATE MEDICAID"),
    )
    answer = summarize(parse_271(text)[0])
    assert answer.status == "active"  # still covered here: as a later payer
    assert answer.other_payers == (
        OtherPayer("primary", "MEDICARE PART B", "00952", "MB"),
        OtherPayer(None, "STATE MEDICAID", None, "MC"),  # EB*R without a 2120 loop
    )
    assert summarize(parse_271(standard(*ACTIVE))[0]).other_payers == ()
