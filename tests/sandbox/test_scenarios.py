"""The sandbox's documented scenarios, end to end through its files: 837Ps written by the
claims service's own builder go in; the 999s and 277CAs must read with the claims
service's parser, the 835s with the remittance service's reader (balanced), the 271s with
the eligibility parser, and every file must pass pyx12 with zero errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from deploy.sandbox.clearinghouse import Sandbox, SandboxError
from rcm_claims.domain.acknowledgments import parse_277ca, parse_999
from rcm_claims.domain.x837p import Payer837
from rcm_eligibility.domain.x270 import Envelope270, Person270, Request270, build_270
from rcm_eligibility.domain.x271 import parse_271, summarize

from .helpers import (
    DOS,
    NOW,
    OTHER_CLINIC,
    TODAY,
    Read835,
    batch,
    claim,
    files,
    line,
    oracle_errors,
    read,
    sandbox,
)

TENANT = "acme-billing"


def acks(tmp: Path) -> tuple[list[str], list[str]]:
    folder = tmp / "inbound" / TENANT
    return (
        [p.read_text(encoding="latin-1") for p in files(folder, "-999.x12")],
        [p.read_text(encoding="latin-1") for p in files(folder, "-277ca.x12")],
    )


def remittances(tmp: Path) -> list[str]:
    return [p.read_text(encoding="latin-1") for p in files(tmp / "remittance" / TENANT, ".835")]


def checked(texts: list[str]) -> list[Read835]:
    """Every 835 passes pyx12 and balances in the remittance service's reader."""
    out = []
    for text in texts:
        assert oracle_errors(text) == [], text
        found = read(text)
        assert [e.imbalances for e in found.ends] == [()] * len(found.ends)
        assert all(c.imbalances == () for c in found.claims)
        out.append(found)
    return out


def truth(box: Sandbox) -> dict[str, dict[str, Any]]:
    return {t["patient_control_number"]: t for t in box.truth(TENANT)}


def carcs(payment: Any) -> set[tuple[str, str]]:
    found = {(a.group_code, a.reason_code) for a in payment.adjustments}
    for service in payment.services:
        found |= {(a.group_code, a.reason_code) for a in service.adjustments}
    return found


def remarks(payment: Any) -> set[str]:
    found = set(payment.remark_codes)
    for service in payment.services:
        found |= set(service.remark_codes)
    return found


# ----------------------------------------------------------------------------- 271


def inquiry(member: str, dependent: bool = False, types: tuple[str, ...] = ("30",)) -> str:
    request = Request270(
        trace_number=f"TR{member}",
        payer_id="87726",
        payer_name="Acme Health Plan",
        provider_npi="1245319599",
        provider_name="Springfield Family Medicine",
        member_id=member,
        subscriber=Person270("Jane", "Doe", date(1980, 4, 2), "F"),
        dependent=Person270("Timmy", "Doe", date(2015, 9, 12), "M") if dependent else None,
        service_types=types,
        service_date=TODAY + timedelta(days=1),
    )
    return build_270(request, Envelope270("RCMBACKBONE", "SANDBOXCH", 77, 77, NOW))


@pytest.mark.parametrize(
    ("member", "dependent", "status", "copay", "coinsurance", "deductible", "left", "reject"),
    [
        ("ACT1001", False, "active", "25", "20", "1500", "0", None),
        ("ACT1002", True, "active", "25", "20", "1500", "0", None),
        ("DED1001", False, "active", None, "20", "2000", "500", None),
        ("COP1001", False, "active", "40", None, None, None, None),
        ("FUL1001", False, "active", None, None, None, None, None),
        ("RET1001", False, "active", "25", "20", "1500", "0", None),
        ("INA1001", False, "inactive", None, None, None, None, None),
        ("TRM1001", False, "inactive", None, None, None, None, None),
        ("BAD1001", False, "unknown", None, None, None, None, "72"),
        ("NOF1001", True, "unknown", None, None, None, None, "75"),
        ("BUSY1001", False, "unknown", None, None, None, None, "42"),
        ("M12345", False, "active", "25", "20", "1500", "0", None),  # no pattern: ACT
    ],
)
def test_271_by_member_pattern(
    tmp_path: Path,
    member: str,
    dependent: bool,
    status: str,
    copay: str | None,
    coinsurance: str | None,
    deductible: str | None,
    left: str | None,
    reject: str | None,
) -> None:
    answer = sandbox(tmp_path).answer_270(inquiry(member, dependent))
    assert oracle_errors(answer) == []
    responses = parse_271(answer)
    mine = [r for r in responses if f"TR{member}" in r.trace_numbers]
    # A payer that cannot answer at all (AAA 42 at the source) sends no subscriber loop.
    response = mine[0] if mine else responses[0]
    assert bool(mine) is (reject != "42")
    answer_ = summarize(response)
    assert answer_.status == status
    assert [r.code for r in answer_.rejections] == ([reject] if reject else [])
    if reject == "42":
        assert answer_.rejections[0].retryable
    if status == "active":
        share = answer_.cost_share[0] if answer_.cost_share else None
        expected = (copay, coinsurance, deductible, left)
        if expected == (None, None, None, None):
            assert share is None
        else:
            assert share is not None
            got = (share.copay, share.coinsurance_percent, share.deductible,
                   share.deductible_remaining)  # fmt: skip
            assert got == tuple(Decimal(v) if v else None for v in expected)
    if member.startswith("TRM"):
        # Terminated at the end of the month before the service date.
        assert answer_.coverage_end == date(2026, 10, 31)


def test_271_copay_by_service_type(tmp_path: Path) -> None:
    answer = sandbox(tmp_path).answer_270(inquiry("ACT2001", types=("98", "UC", "86")))
    assert oracle_errors(answer) == []
    response = parse_271(answer)[0]
    copays = {st: summarize(response, (st,)).cost_share[0].copay for st in ("98", "UC", "86")}
    assert copays == {"98": Decimal(25), "UC": Decimal(75), "86": Decimal(150)}


def test_malformed_270_is_refused_with_its_position(tmp_path: Path) -> None:
    text = inquiry("ACT1").replace("NM1*IL*1*DOE*JANE****MI*ACT1~", "NM1*IL*1*DOE*JANE~")
    with pytest.raises(SandboxError) as caught:
        sandbox(tmp_path).answer_270(text)
    assert caught.value.detail["segment_id"] == "NM1"
    assert caught.value.detail["element_position"] == 9


# -------------------------------------------------------------------- 999 / 277CA


def test_clean_batch_is_acknowledged_and_paid_per_clinic(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    sent = batch(
        claim("CLEAN-1"),
        claim("CLEAN-2", member="FUL200", dependent=True),
        claim("CLEAN-3", clinic=OTHER_CLINIC, payer="41122"),
    )
    result = box.receive_837(TENANT, "batch.837", sent.x12)
    assert (result["claims_accepted"], result["claims_rejected"]) == (3, 0)
    x999s, x277s = acks(tmp_path)
    # One 999 per interchange, one 277CA per accepted transaction set (billing provider).
    assert (len(x999s), len(x277s)) == (1, 2)
    assert [oracle_errors(t) for t in [*x999s, *x277s]] == [[], [], []]
    ack = parse_999(x999s[0])
    assert ack.groups[0].group_control == str(sent.group)
    assert [(t.transaction_control, t.accepted) for t in ack.groups[0].transactions] == [
        ("0001", True),
        ("0002", True),
    ]
    statuses = {s.patient_control_number: s for t in x277s for s in parse_277ca(t)}
    assert set(statuses) == {"CLEAN-1", "CLEAN-2", "CLEAN-3"}
    assert all(s.accepted and s.payer_claim_control_number for s in statuses.values())
    assert remittances(tmp_path) == []  # nothing is paid before a run

    box.deliver_remittances()
    read_back = checked(remittances(tmp_path))
    assert len(read_back) == 2  # one 835 per payer and billing provider
    payments = {c.patient_control_number: c for r in read_back for c in r.claims}
    expected = truth(box)
    for pcn, payment in payments.items():
        assert payment.payer_claim_control_number == statuses[pcn].payer_claim_control_number
        assert payment.paid == Decimal(expected[pcn]["paid"]) > 0
        assert expected[pcn]["remittance"]["file"]
    assert payments["CLEAN-2"].patient_responsibility in (None, Decimal(0))
    for r in read_back:
        assert r.headers[0].total_paid == sum(c.paid for c in r.claims)
        assert r.headers[0].payee_npi in ("1245319599", "1003000126")


def test_patient_responsibility_follows_the_member(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    lines = [
        line("99214", "150.00", modifiers=["25"], diagnosis_pointers=[1, 2]),
        line("85025", "30.00", diagnosis_pointers=[2]),
    ]
    members = {"PR-ACT": "ACT1", "PR-DED": "DED1", "PR-COP": "COP1", "PR-FUL": "FUL1"}
    box.receive_837(TENANT, "b.837", batch(*(claim(p, m, lines) for p, m in members.items())).x12)
    box.deliver_remittances()
    (found,) = checked(remittances(tmp_path))

    def shares(pcn: str) -> dict[str, Decimal]:
        (payment,) = found.by_pcn(pcn)
        out: dict[str, Decimal] = {}
        for service in payment.services:
            for a in service.adjustments:
                key = f"{a.group_code}-{a.reason_code}"
                out[key] = out.get(key, Decimal(0)) + a.amount
        return out

    # Acme allows 125.00 for 99214 and 8.00 for 85025 (payers.json).
    assert shares("PR-ACT") == {"CO-45": Decimal("47.00"), "PR-3": Decimal("25.00"),
                                "PR-2": Decimal("1.60")}  # fmt: skip
    assert shares("PR-DED") == {"CO-45": Decimal("47.00"), "PR-1": Decimal("133.00")}
    assert shares("PR-COP") == {"CO-45": Decimal("47.00"), "PR-3": Decimal("40.00")}
    assert shares("PR-FUL") == {"CO-45": Decimal("47.00")}
    paid = {pcn: found.by_pcn(pcn)[0].paid for pcn in members}
    assert paid == {"PR-ACT": Decimal("106.40"), "PR-DED": Decimal(0),
                    "PR-COP": Decimal("93.00"), "PR-FUL": Decimal("133.00")}  # fmt: skip
    assert truth(box)["PR-DED"]["claim_status"] == "1"  # all to deductible is not a denial


def test_each_denial_scenario_carries_its_real_codes(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    old = TODAY - timedelta(days=400)
    claims = [
        claim("D-AUTH", lines=[line("72148", "900.00")]),
        claim(
            "D-DX",
            lines=[line("73610", "120.00")],
            diagnosis_codes=["J18.9"],
        ),
        claim(
            "D-BUNDLE",
            lines=[line("93000", "45.00"), line("93005", "25.00")],
        ),
        claim("D-REFERRAL", payer="41122", lines=[line("99204", "220.00")]),
        claim("D-TERM", member="TRM300"),
        claim("D-RETRO", member="RET300"),
        claim("D-LATE", lines=[line("99213", "120.00", dos=old)]),
        claim("D-ORIGINAL", member="ACT777", lines=[line("99213", "120.00")]),
    ]
    box.receive_837(TENANT, "day1.837", batch(*claims).x12)
    # The same patient, date, procedure and charge under a new CLM01: a duplicate.
    dup = claim("D-DUP", member="ACT777", lines=[line("99213", "120.00")])
    box.receive_837(TENANT, "day2.837", batch(dup).x12)
    box.deliver_remittances()
    payments = {c.patient_control_number: c for r in checked(remittances(tmp_path))
                for c in r.claims}  # fmt: skip
    expected = {
        "D-AUTH": ({("CO", "197")}, set(), "authorization"),
        "D-DX": ({("CO", "11")}, {"M76"}, "coding"),
        "D-BUNDLE": ({("CO", "45"), ("PR", "2"), ("CO", "97")}, {"M15"}, "bundling"),
        "D-REFERRAL": ({("CO", "16")}, {"MA130"}, "missing_information"),
        "D-TERM": ({("CO", "27")}, set(), "eligibility"),
        "D-RETRO": ({("CO", "27")}, set(), "eligibility"),
        "D-LATE": ({("CO", "29")}, set(), "timely_filing"),
        "D-DUP": ({("CO", "18")}, set(), "duplicate"),
    }
    ground = truth(box)
    for pcn, (codes, rarcs, category) in expected.items():
        assert carcs(payments[pcn]) == codes, pcn
        assert remarks(payments[pcn]) == rarcs, pcn
        assert ground[pcn]["categories"] == [category], pcn
        assert {(c["group"], c["code"]) for c in ground[pcn]["carcs"]} == codes
        assert set(ground[pcn]["rarcs"]) == rarcs
        assert Decimal(ground[pcn]["paid"]) == payments[pcn].paid
    # Whole-claim denials pay nothing (CLP02 4); the bundled pair pays its column-1 line.
    assert payments["D-AUTH"].status_code == "4" and payments["D-AUTH"].paid == 0
    assert payments["D-BUNDLE"].paid == Decimal("14.40")  # 18.00 allowed - 20% coinsurance
    assert ground["D-BUNDLE"]["scenario"] == "partial:bundled"
    assert payments["D-ORIGINAL"].paid > 0


def test_modifier_59_unbundles_the_pair(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    lines = [line("93000", "45.00"), line("93005", "25.00", modifiers=["59"])]
    box.receive_837(TENANT, "b.837", batch(claim("U-59", lines=lines)).x12)
    box.deliver_remittances()
    (found,) = checked(remittances(tmp_path))
    assert ("CO", "97") not in carcs(found.claims[0])
    assert all(s.paid > 0 for s in found.claims[0].services)


def test_bad_claims_are_rejected_by_999_and_277ca(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    sent = batch(
        claim("R-OK"),
        claim("R-BADID", member="BAD900"),
        claim("R-NOTFOUND", member="NOF900"),
        claim("R-DELETED", lines=[line("99201", "80.00")]),
        replace(claim("R-PAYER"), payer=Payer837(
            payer_id="99999", name="Unknown Payer", claim_filing_indicator="CI")),
        claim("R-SYNTAX", member="SYN900", clinic=OTHER_CLINIC),
        claim("R-SAME-ST", clinic=OTHER_CLINIC),
    )  # fmt: skip
    result = box.receive_837(TENANT, "b.837", sent.x12)
    assert result["transactions"] == {"0001": True, "0002": False}
    x999s, x277s = acks(tmp_path)
    assert [oracle_errors(t) for t in [*x999s, *x277s]] == [[], []]
    group = parse_999(x999s[0]).groups[0]
    assert group.status == "P"
    rejected = [t for t in group.transactions if not t.accepted]
    assert [t.transaction_control for t in rejected] == ["0002"]
    assert any("I12" in e for e in rejected[0].errors)
    statuses = {s.patient_control_number: s for s in parse_277ca(x277s[0])}
    # Only the accepted transaction set's claims get a 277CA.
    assert set(statuses) == {"R-OK", "R-BADID", "R-NOTFOUND", "R-DELETED", "R-PAYER"}
    assert statuses["R-OK"].accepted
    assert {pcn: s.statuses for pcn, s in statuses.items() if not s.accepted} == {
        "R-BADID": ["A7:164:IL"],
        "R-NOTFOUND": ["A7:33:IL"],
        "R-DELETED": ["A7:454"],
        "R-PAYER": ["A7:116:PR"],
    }
    ground = truth(box)
    assert ground["R-SYNTAX"]["scenario"] == ground["R-SAME-ST"]["scenario"] == "rejected_999"
    assert ground["R-SYNTAX"]["ack_999"] == "R"
    assert ground["R-BADID"]["ack_277ca_status"] == "A7:164:IL"
    assert ground["R-BADID"]["scenario"] == "rejected_277ca"
    box.deliver_remittances()
    (found,) = checked(remittances(tmp_path))
    assert [c.patient_control_number for c in found.claims] == ["R-OK"]


# --------------------------------------------------------------- corrections, money


def _pccn(box: Sandbox, pcn: str) -> str:
    value = truth(box)[pcn]["payer_claim_control_number"]
    assert value
    return str(value)


def test_corrected_claim_that_fixes_the_cause_gets_paid(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    box.receive_837(TENANT, "1.837", batch(claim("C-AUTH", lines=[line("72148", "900.00")])).x12)
    box.deliver_remittances()
    original = _pccn(box, "C-AUTH")
    fixed = claim(
        "C-AUTH-R",
        lines=[line("72148", "900.00")],
        frequency_code="7",
        payer_claim_control_number=original,
        prior_authorization_number="PA12345",
    )
    unknown = claim("C-UNKNOWN", frequency_code="7", payer_claim_control_number="87726000")
    box.receive_837(TENANT, "2.837", batch(fixed, unknown).x12)
    box.deliver_remittances()
    first, second = checked(remittances(tmp_path))
    assert first.claims[0].paid == 0 and carcs(first.claims[0]) == {("CO", "197")}
    (paid,) = second.claims  # the original paid nothing: no reversal
    assert paid.patient_control_number == "C-AUTH-R" and paid.frequency == "7"
    assert paid.paid == Decimal("380.00") - Decimal("76.00")  # allowed - 20% coinsurance
    ground = truth(box)
    assert ground["C-AUTH-R"]["replaces"] == original
    assert ground["C-AUTH-R"]["scenario"] == "paid"
    assert ground["C-UNKNOWN"]["ack_277ca_status"] == "A7:464"


def test_correcting_a_paid_claim_reverses_the_first_payment(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    box.receive_837(TENANT, "1.837", batch(claim("P-1")).x12)
    box.deliver_remittances()
    original = _pccn(box, "P-1")
    fixed = claim("P-1-R", frequency_code="7", payer_claim_control_number=original,
                  diagnosis_codes=["E11.9", "I10", "R07.89"])  # fmt: skip
    box.receive_837(TENANT, "2.837", batch(fixed).x12)
    box.deliver_remittances()
    first, second = checked(remittances(tmp_path))
    reversal, payment = second.claims
    assert reversal.is_reversal and reversal.patient_control_number == "P-1"
    assert reversal.payer_claim_control_number == original
    assert reversal.paid == -first.claims[0].paid
    assert payment.patient_control_number == "P-1-R" and payment.paid > 0
    assert second.headers[0].total_paid == reversal.paid + payment.paid
    assert truth(box)["P-1"]["reversed"]["by"] == "P-1-R"


def test_reprocess_recovery_interest_and_forwarding_balance(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    late = TODAY - timedelta(days=45)  # past prompt pay (30 days), inside filing limits
    box.receive_837(TENANT, "1.837", batch(claim("M-1"), claim("M-LATE", lines=[
        line("99213", "120.00", dos=late)])).x12)  # fmt: skip
    box.deliver_remittances()
    (first,) = checked(remittances(tmp_path))
    interest = [a for a in first.adjustments if a.reason == "L6"]
    assert [(a.reference, a.amount) for a in interest] == [
        (_pccn(box, "M-LATE"), -Decimal("0.65"))  # 1% of 65.00 paid, added to the payment
    ]
    assert first.headers[0].total_paid == sum(c.paid for c in first.claims) + Decimal("0.65")
    assert truth(box)["M-LATE"]["interest"] == "0.65"

    repriced = box.reprocess(TENANT, "M-1")
    recovery = box.recover(TENANT, "M-LATE", Decimal("10.00"))
    with pytest.raises(SandboxError):
        box.reprocess(TENANT, "M-1")  # its last payment is not sent yet
    box.deliver_remittances()
    second = checked(remittances(tmp_path))[1]
    reversal, again = second.claims
    assert reversal.is_reversal and reversal.paid == -first.by_pcn("M-1")[0].paid
    assert again.paid == Decimal(repriced["paid"]) > first.by_pcn("M-1")[0].paid
    assert again.payer_claim_control_number == reversal.payer_claim_control_number
    assert [(a.reason, a.amount) for a in second.adjustments] == [
        ("WO", Decimal(recovery["recovery"]))
    ]
    assert truth(box)["M-1"]["paid"] == repriced["paid"]

    # A void of a paid claim alone nets negative: FB brings the payment to zero and
    # the balance is taken from the payee's next 835.
    void = claim("M-LATE-V", lines=[line("99213", "120.00", dos=late)], frequency_code="8",
                 payer_claim_control_number=_pccn(box, "M-LATE"))  # fmt: skip
    box.receive_837(TENANT, "3.837", batch(void).x12)
    box.deliver_remittances()
    third = checked(remittances(tmp_path))[2]
    assert [c.is_reversal for c in third.claims] == [True]
    assert third.headers[0].total_paid == 0 and third.headers[0].handling_code == "H"
    (fb,) = third.adjustments
    assert fb.reason == "FB" and fb.amount == third.claims[0].paid
    box.receive_837(TENANT, "4.837", batch(claim("M-2", lines=[line("99215", "210.00")])).x12)
    box.deliver_remittances()
    fourth = checked(remittances(tmp_path))[3]
    assert [(a.reason, a.amount) for a in fourth.adjustments] == [("FB", -fb.amount)]
    assert fourth.headers[0].total_paid == fourth.claims[0].paid + fb.amount
    assert truth(box)["M-LATE-V"]["scenario"] == "voided"


# ------------------------------------------------------------------- delivery rules


def test_the_same_interchange_twice_is_answered_once(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    sent = batch(claim("I-1"))
    first = box.receive_837(TENANT, "a.837", sent.x12)
    again = box.receive_837(TENANT, "a.837", sent.x12)
    assert again["duplicate"] and again["files"] == first["files"]
    assert len(files(tmp_path / "inbound" / TENANT, ".x12")) == 2
    other = batch(claim("I-2"), control=sent.interchange)
    with pytest.raises(SandboxError) as caught:
        box.receive_837(TENANT, "b.837", other.x12)
    assert caught.value.status == 409
    box.deliver_remittances()
    (found,) = checked(remittances(tmp_path))
    assert [c.patient_control_number for c in found.claims] == ["I-1"]


def test_a_restart_keeps_what_the_payer_saw(tmp_path: Path) -> None:
    sandbox(tmp_path).receive_837(TENANT, "a.837", batch(claim("K-1", member="ACT55")).x12)
    box = sandbox(tmp_path)  # a new process on the same data folder
    box.receive_837(TENANT, "b.837", batch(claim("K-2", member="ACT55")).x12)
    box.deliver_remittances()
    (found,) = checked(remittances(tmp_path))
    assert carcs(found.by_pcn("K-2")[0]) == {("CO", "18")}
    assert found.by_pcn("K-1")[0].paid > 0


def test_a_failed_delivery_is_retried_under_the_same_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = sandbox(tmp_path)
    calls = {"n": 0}
    real = Sandbox._deliver

    def flaky(self: Sandbox, item: dict[str, Any]) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real(self, item)

    monkeypatch.setattr(Sandbox, "_deliver", flaky)
    result = box.receive_837(TENANT, "a.837", batch(claim("F-1")).x12)
    assert len(files(tmp_path / "inbound" / TENANT, ".x12")) == 1  # the 277CA is held
    monkeypatch.undo()
    restarted = sandbox(tmp_path)
    assert restarted.flush() == 1
    names = [p.name for p in files(tmp_path / "inbound" / TENANT, ".x12")]
    assert names == result["files"]
    assert len(restarted.truth(TENANT)) == 1 and restarted.truth(TENANT)[0]["history"] == []


def test_mailbox_files_are_answered_and_filed_away(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    outbound = tmp_path / "outbound" / TENANT
    outbound.mkdir(parents=True)
    (outbound / "000005100.837").write_text(batch(claim("B-1")).x12, encoding="latin-1")
    (outbound / "broken.837").write_text("ISA*00*nonsense~", encoding="latin-1")
    (outbound / ".half-written.837.part").write_text("ISA", encoding="latin-1")
    done = box.run()
    assert [d.get("error") is None for d in done["received"]] == [True, False]
    assert (outbound / "processed" / "000005100.837").exists()
    assert (outbound / "failed" / "broken.837").exists()
    assert (outbound / "failed" / "broken.837.error.json").exists()
    assert (outbound / ".half-written.837.part").exists()  # not finished: left alone
    assert len(files(tmp_path / "inbound" / TENANT, ".x12")) == 2
    assert [r["claims"] for r in done["remittances"]] == [["B-1"]]
    checked(remittances(tmp_path))


def test_claim_dates_reach_the_835(tmp_path: Path) -> None:
    box = sandbox(tmp_path)
    span = [line("97110", "60.00", dos=DOS - timedelta(days=2), service_date_to=DOS.isoformat())]
    box.receive_837(TENANT, "a.837", batch(claim("S-1", lines=span)).x12)
    box.deliver_remittances()
    (found,) = checked(remittances(tmp_path))
    payment = found.claims[0]
    assert payment.dates == {"232": DOS - timedelta(days=2), "233": DOS}
    assert payment.services[0].service_dates == {"150": DOS - timedelta(days=2), "151": DOS}
    assert payment.services[0].allowed == Decimal("29.00")
    assert payment.patient_name == ("DOE", "JANE")
