"""What the sandbox sends back, as HIPAA 5010 X12 built with the shared writer: the 271
(005010X279A1), the 999 (005010X231A1), the 277CA (005010X214) and the 835
(005010X221A1). Pure: the caller passes the clock and the control numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from deploy.sandbox.rules import Member, Payer
from deploy.sandbox.x837 import Claim837, ElementError, Interchange837
from rcm_shared.x12.reader import Segment, read_interchange
from rcm_shared.x12.writer import Seg, TransactionSpec, Value, build_interchange

V271 = "005010X279A1"
V999 = "005010X231A1"
V277CA = "005010X214"
V835 = "005010X221A1"
V837 = "005010X222A1"


def amount(value: Decimal) -> str:
    """X12 R form: no exponent, no trailing fractional zeros (150.00 -> 150)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def d8(day: date) -> str:
    return day.strftime("%Y%m%d")


def _interchange(
    sender: str,
    receiver: str,
    control: int,
    functional_id: str,
    version: str,
    transactions: Sequence[TransactionSpec],
    when: datetime,
) -> str:
    return build_interchange(
        sender_qualifier="ZZ",
        sender_id=sender,
        receiver_qualifier="ZZ",
        receiver_id=receiver[:15],
        interchange_control=control,
        usage="T",
        ack_requested=False,
        functional_id=functional_id,
        app_sender=sender,
        app_receiver=receiver[:15] if len(receiver) >= 2 else "RECEIVER",
        group_control=control,
        version=version,
        transactions=transactions,
        timestamp=when,
    )


# ------------------------------------------------------------------------------ 270/271


@dataclass(frozen=True)
class Inquiry:
    """What the sandbox reads from a 270 (one subscriber or dependent inquiry)."""

    sender: str  # ISA06: whom to answer
    reference: str  # BHT03
    payer_name: str
    payer_id: str
    provider: tuple[Value, ...]  # NM1*1P elements after NM101, echoed
    subscriber: tuple[Value, ...]  # NM1*IL elements after NM101
    member_id: str
    dependent: tuple[Value, ...] | None  # NM1*03 elements after NM101
    trace: tuple[str, str]  # TRN02, TRN03
    birth_date: str | None  # DMG02 of the patient
    service_date: date
    service_types: tuple[str, ...]


def read_270(text: str, today: date) -> Inquiry:
    """Raises X12SyntaxError (segment, element) for what the sandbox cannot answer."""
    interchange = read_interchange(text)
    transaction = interchange.groups[0].transactions[0]
    if transaction.transaction_set != "270":
        raise transaction.st.error("ST01 must be 270", 1)
    found: dict[str, Segment] = {}
    dependent: Segment | None = None
    trace: Segment | None = None
    dmg: Segment | None = None
    service: date | None = None
    types: list[str] = []
    for seg in transaction.body:
        if seg.id == "NM1":
            if seg.get(1) == "03":
                dependent = seg
            else:
                found.setdefault(seg.get(1), seg)
        elif seg.id == "BHT":
            found["BHT"] = seg
        elif seg.id == "TRN":
            trace = seg
        elif seg.id == "DMG":
            dmg = seg
        elif seg.id == "DTP" and seg.get(1) == "291" and seg.get(2) == "D8":
            service = seg.date(3)
        elif seg.id == "EQ" and seg.get(1):
            types.append(seg.get(1))
    for key, what in (("PR", "payer"), ("1P", "provider"), ("IL", "subscriber")):
        if key not in found:
            raise transaction.st.error(f"the 270 names no {what} (NM1*{key})")
    subscriber = found["IL"]
    if trace is None or not trace.get(2):
        raise transaction.st.error("the 270 has no trace number (TRN02)")
    member = subscriber.get(9)
    if not member:
        raise subscriber.error("NM109 (member id) is missing", 9)

    def rest(seg: Segment) -> tuple[Value, ...]:
        return tuple(seg.elements[2:])

    return Inquiry(
        sender=interchange.isa.get(6).strip(),
        reference=found["BHT"].get(3) if "BHT" in found else "",
        payer_name=found["PR"].get(3),
        payer_id=found["PR"].get(9),
        provider=rest(found["1P"]),
        subscriber=rest(subscriber),
        member_id=member,
        dependent=rest(dependent) if dependent is not None else None,
        trace=(trace.get(2), trace.get(3)),
        birth_date=dmg.get(2) if dmg is not None and dmg.get(2) else None,
        service_date=service or today,
        service_types=tuple(dict.fromkeys(types)) or ("30",),
    )


_INSURANCE_TYPE = {"PPO": "PR", "HMO": "HM", "HDHP": "C1"}


def _insurance_type(payer: Payer | None, plan: str) -> str:
    if payer is not None and payer.claim_filing_indicator in ("MB", "MC"):
        return payer.claim_filing_indicator
    for word, code in _INSURANCE_TYPE.items():
        if word in plan:
            return code
    return "C1"


def _benefits(inquiry: Inquiry, member: Member, payer: Payer | None) -> list[Seg]:
    year_start = date(inquiry.service_date.year, 1, 1)
    if member.eligibility in ("inactive", "terminated"):
        out = [Seg("DTP", ("346", "D8", d8(year_start.replace(year=year_start.year - 1))))]
        if member.eligibility == "terminated":
            # Coverage ended on the last day of the month before the service.
            ended = inquiry.service_date.replace(day=1) - timedelta(days=1)
            out.append(Seg("DTP", ("347", "D8", d8(ended))))
        out += [Seg("EB", ("6", "IND", code)) for code in inquiry.service_types]
        return out
    plan = member.plan or "STANDARD PLAN"
    kind = _insurance_type(payer, plan)
    out = [Seg("DTP", ("346", "D8", d8(year_start)))]
    for code in inquiry.service_types:
        out.append(Seg("EB", ("1", "IND", code, kind, plan)))
    for code in inquiry.service_types:
        copay = dict(member.copays).get(code, member.copay)
        if copay is not None:
            out.append(Seg("EB", ("B", "IND", code, kind, None, "27", amount(copay), *_net(5))))
        if member.coinsurance_percent is not None:
            share = amount(member.coinsurance_percent / 100)
            out.append(Seg("EB", ("A", "IND", code, kind, None, "27", None, share, *_net(4))))
        if member.deductible is not None:
            out.append(
                Seg("EB", ("C", "IND", code, kind, None, "23", amount(member.deductible), *_net(5)))
            )
            left = amount(member.deductible_remaining or Decimal(0))
            out.append(Seg("EB", ("C", "IND", code, kind, None, "29", left, *_net(5))))
    if member.other_primary is not None:
        # EB*R: another payer; loop 2120 names it, PRP: it pays first
        payer_id, name = member.other_primary
        out += [
            Seg("EB", ("R", None, "30")),
            Seg("LS", ("2120",)),
            Seg("NM1", ("PRP", "2", name, None, None, None, None, "PI", payer_id)),
            Seg("LE", ("2120",)),
        ]
    return out


def _net(gap: int) -> tuple[Value, ...]:
    """Empty elements up to EB12 (in plan network: yes)."""
    return (*([None] * (gap - 1)), "Y")


def build_271(
    inquiry: Inquiry, member: Member, payer: Payer | None, control: int, when: datetime
) -> str:
    payer_name = payer.name if payer is not None else inquiry.payer_name.upper() or "UNKNOWN"
    body: list[Seg] = [
        Seg("BHT", ("0022", "11", inquiry.reference or inquiry.trace[0], d8(when), "0800")),
        Seg("HL", ("1", None, "20", "1")),
        Seg("NM1", ("PR", "2", payer_name[:60], None, None, None, None, "PI", inquiry.payer_id)),
    ]
    if member.aaa_level == "source":
        # The payer cannot answer now: no receiver or subscriber loop follows.
        body.append(Seg("AAA", ("Y", None, member.aaa_code, "P")))
    else:
        trace = Seg("TRN", ("2", inquiry.trace[0], inquiry.trace[1] or "9SANDBOXCH"))
        body += [
            Seg("HL", ("2", "1", "21", "1")),
            Seg("NM1", ("1P", *inquiry.provider)),
            Seg("HL", ("3", "2", "22", "0" if inquiry.dependent is None else "1")),
        ]
        rejected = member.aaa_level == "subscriber"
        if inquiry.dependent is None:
            body += [trace, Seg("NM1", ("IL", *inquiry.subscriber))]
        else:
            body.append(Seg("NM1", ("IL", *inquiry.subscriber)))
        if rejected:
            # A subscriber-level AAA applies to the dependent below it as well.
            body.append(Seg("AAA", ("N", None, member.aaa_code, "C")))
        if inquiry.dependent is not None:
            # The trace goes where the patient is, so the asker finds its answer.
            body += [Seg("HL", ("4", "3", "23", "0")), trace]
            body.append(Seg("NM1", ("03", *inquiry.dependent)))
        if not rejected:
            if inquiry.birth_date:
                body.append(Seg("DMG", ("D8", inquiry.birth_date)))
            body += _benefits(inquiry, member, payer)
    return _interchange(
        "SANDBOXCH",
        inquiry.sender or "RCMBACKBONE",
        control,
        "HB",
        V271,
        [TransactionSpec("271", "0001", body)],
        when,
    )


# ---------------------------------------------------------------------------------- 999


def build_999(
    received: Interchange837,
    extra_errors: dict[str, list[ElementError]],
    control: int,
    when: datetime,
    receiver: str,
) -> tuple[str, dict[str, bool]]:
    """The 999 for one 837 group; `extra_errors` adds front-end edits per ST02. Returns
    the text and {ST02: accepted}."""
    body: list[Seg] = [Seg("AK1", ("HC", received.group_control, received.version or V837))]
    verdicts: dict[str, bool] = {}
    for tx in received.transactions:
        errors = [*tx.errors, *extra_errors.get(tx.control_number, [])]
        body.append(Seg("AK2", ("837", tx.control_number, received.version or V837)))
        for error in errors:
            body.append(
                Seg(
                    "IK3",
                    (
                        error.segment_id,
                        str(max(error.position, 1)),
                        # IK303 is at most 4 characters: the loop's number (2010, 2300).
                        error.loop[:4] if error.loop and error.loop[0].isdigit() else None,
                        error.segment_code,
                    ),
                )
            )
            if error.element is not None and error.element_code is not None:
                body.append(
                    Seg("IK4", (str(error.element), error.element_reference, error.element_code))
                )
        body.append(Seg("IK5", ("R", "5") if errors else ("A",)))
        verdicts[tx.control_number] = not errors
    accepted = sum(verdicts.values())
    total = len(verdicts)
    status = "A" if accepted == total else ("P" if accepted else "R")
    body.append(Seg("AK9", (status, str(total), str(total), str(accepted))))
    text = _interchange(
        "SANDBOXCH", receiver, control, "FA", V999, [TransactionSpec("999", "0001", body)], when
    )
    return text, verdicts


# -------------------------------------------------------------------------------- 277CA


@dataclass(frozen=True)
class ClaimAck:
    claim: Claim837
    accepted: bool
    status: tuple[str, str, str]  # STC01: category, status code, entity
    payer_claim_control_number: str | None


def _service_dates(claim: Claim837) -> Seg:
    first, last = claim.facts.first_date, claim.facts.last_date
    if first == last:
        return Seg("DTP", ("472", "D8", d8(first)))
    return Seg("DTP", ("472", "RD8", f"{d8(first)}-{d8(last)}"))


def _person(qualifier: str, last: str, first: str | None, member: str | None) -> Seg:
    ids: tuple[Value, ...] = (None, None, None, "MI", member) if member else ()
    return Seg("NM1", (qualifier, "1", last, first, *ids))


def build_277ca(
    received: Interchange837,
    tx_reference: str,
    submitter: tuple[str, str],
    acks: Sequence[ClaimAck],
    control: int,
    when: datetime,
    receiver: str,
) -> str:
    """One 277CA for the accepted transaction sets of an 837: clearinghouse, submitter,
    one billing provider level per NPI, one claim level per claim."""
    day = d8(when)
    ok = [a for a in acks if a.accepted]
    bad = [a for a in acks if not a.accepted]
    header: list[Seg | None] = [
        Seg("BHT", ("0085", "08", f"SBX{control:09d}", day, when.strftime("%H%M"), "TH")),
        Seg("HL", ("1", None, "20", "1")),
        Seg("NM1", ("AY", "2", "SANDBOX CLEARINGHOUSE", None, None, None, None, "46", "SANDBOXCH")),
        Seg("TRN", ("1", f"{control:09d}")),
        Seg("DTP", ("050", "D8", day)),
        Seg("DTP", ("009", "D8", day)),
        Seg("HL", ("2", "1", "21", "1")),
        Seg(
            "NM1",
            (
                "41",
                "2",
                (submitter[0] or "SUBMITTER")[:60],
                None,
                None,
                None,
                None,
                "46",
                submitter[1],
            ),
        ),
        Seg("TRN", ("2", tx_reference or received.control_number)),
        Seg(
            "STC",
            (
                ("A1", "19", "PR"),
                day,
                "WQ",
                amount(sum((a.claim.facts.charge for a in acks), Decimal(0))),
            ),
        ),
        Seg("QTY", ("90", str(len(ok)))) if ok else None,
        Seg("QTY", ("AA", str(len(bad)))) if bad else None,
        Seg("AMT", ("YU", amount(sum((a.claim.facts.charge for a in ok), Decimal(0)))))
        if ok
        else None,
        Seg("AMT", ("YY", amount(sum((a.claim.facts.charge for a in bad), Decimal(0)))))
        if bad
        else None,
    ]
    body = [s for s in header if s is not None]
    number = 2
    by_npi: dict[str, list[ClaimAck]] = {}
    for ack in acks:
        by_npi.setdefault(ack.claim.billing_npi, []).append(ack)
    for npi, group in by_npi.items():
        number += 1
        provider = str(number)
        first = group[0].claim
        body += [
            Seg("HL", (provider, "2", "19", "1")),
            Seg("NM1", ("85", "2", first.billing_name[:60], None, None, None, None, "XX", npi)),
            Seg("TRN", ("1", "0")),
            Seg(
                "STC",
                (
                    ("A1", "19", "85"),
                    None,  # 2200C: STC02 (status date) is not used at this level
                    "WQ",
                    amount(sum((a.claim.facts.charge for a in group), Decimal(0))),
                ),
            ),
        ]
        for ack in group:
            number += 1
            claim = ack.claim
            person = claim.patient_person
            category, code, entity = ack.status
            body += [
                Seg("HL", (str(number), provider, "PT")),
                _person("QC", person.last, person.first, claim.facts.member_id),
                Seg("TRN", ("2", claim.patient_control_number)),
                Seg(
                    "STC",
                    (
                        (category, code, entity),
                        day,
                        "WQ" if ack.accepted else "U",
                        amount(claim.facts.charge),
                    ),
                ),
            ]
            if ack.payer_claim_control_number:
                body.append(Seg("REF", ("1K", ack.payer_claim_control_number)))
            body.append(_service_dates(claim))
    return _interchange(
        "SANDBOXCH", receiver, control, "HN", V277CA, [TransactionSpec("277", "0001", body)], when
    )


# ---------------------------------------------------------------------------------- 835


@dataclass
class Remit:
    """One claim payment as the 835 reports it; JSON-serialisable (kept in the state)."""

    pcn: str
    status: str  # CLP02
    charge: str
    paid: str
    patient_responsibility: str
    filing: str  # CLP06
    pccn: str  # CLP07
    place_of_service: str
    frequency: str
    patient: list[str | None]  # last, first
    subscriber: list[str | None] | None  # when the patient is a dependent
    member_id: str
    start: str  # CCYYMMDD
    end: str
    remarks: list[str]
    lines: list[dict[str, Any]]
    crossover: list[str] | None = None  # (name, payer id) of the payer it was forwarded to

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Remit:
        return cls(**data)


def _neg(text: str, sign: int) -> str:
    return amount(Decimal(text) * sign)


def clp_segments(remit: Remit, reverse: bool = False) -> list[Seg]:
    """The 2100 loop of a claim; `reverse` gives its CLP02 = 22 reversal (every amount
    negated, so that the reversal balances as the original did)."""
    sign = -1 if reverse else 1
    out: list[Seg] = [
        Seg(
            "CLP",
            (
                remit.pcn,
                "22" if reverse else remit.status,
                _neg(remit.charge, sign),
                _neg(remit.paid, sign),
                _neg(remit.patient_responsibility, sign)
                if Decimal(remit.patient_responsibility)
                else None,
                remit.filing,
                remit.pccn,
                remit.place_of_service,
                remit.frequency,
            ),
        ),
        _person("QC", str(remit.patient[0]), remit.patient[1], remit.member_id),
    ]
    if remit.subscriber is not None:
        out.append(_person("IL", str(remit.subscriber[0]), remit.subscriber[1], remit.member_id))
    if remit.crossover is not None and not reverse:
        name, payer_id = remit.crossover
        out.append(Seg("NM1", ("TT", "2", name, None, None, None, None, "PI", payer_id)))
    if remit.remarks:
        out.append(Seg("MOA", (None, None, *remit.remarks[:5])))
    out.append(Seg("DTM", ("232", remit.start)))
    out.append(Seg("DTM", ("233", remit.end)))
    for line in remit.lines:
        procedure = ("HC", line["procedure"], *line["modifiers"])
        units = line["units"]
        out.append(
            Seg(
                "SVC",
                (
                    procedure,
                    _neg(line["charge"], sign),
                    _neg(line["paid"], sign),
                    None,
                    units if units != "1" else None,
                ),
            )
        )
        if line["from"] == line["to"]:
            out.append(Seg("DTM", ("472", line["from"])))
        else:
            out += [Seg("DTM", ("150", line["from"])), Seg("DTM", ("151", line["to"]))]
        out += _cas([(g, r, Decimal(a) * sign) for g, r, a in line["adjustments"]])
        if line.get("control"):
            out.append(Seg("REF", ("6R", line["control"])))
        out.append(Seg("AMT", ("B6", _neg(line["allowed"], sign))))
        out += [Seg("LQ", ("HE", code)) for code in line["remarks"]]
    return out


def _cas(adjustments: Iterable[tuple[str, str, Decimal]]) -> list[Seg]:
    """One CAS per group code, at most six reason/amount triplets each."""
    groups: dict[str, list[tuple[str, Decimal]]] = {}
    for group, reason, value in adjustments:
        groups.setdefault(group, []).append((reason, value))
    out = []
    for group, items in groups.items():
        for start in range(0, len(items), 6):
            values: list[Value] = [group]
            for reason, value in items[start : start + 6]:
                values += [reason, amount(value), None]
            while values and values[-1] is None:
                values.pop()
            out.append(Seg("CAS", tuple(values)))
    return out


@dataclass
class ProviderAdjustment:
    reason: str  # L6 interest, WO overpayment recovery, FB forwarding balance
    reference: str
    amount: Decimal  # positive: taken from the payment; negative: added to it


@dataclass
class Remittance:
    payer: Payer
    payee_npi: str
    payee_name: str
    payee_tax_id: str
    trace: str  # TRN02: check or EFT number
    claims: list[tuple[Remit, bool]]  # (claim, is a reversal)
    adjustments: list[ProviderAdjustment] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        paid = sum(
            (Decimal(r.paid) * (-1 if reverse else 1) for r, reverse in self.claims), Decimal(0)
        )
        return paid - sum((a.amount for a in self.adjustments), Decimal(0))


def build_835(remittance: Remittance, control: int, when: datetime, receiver: str) -> str:
    payer = remittance.payer
    day = d8(when)
    total = remittance.total
    if total > 0 and payer.payment == "ACH":
        bpr: tuple[Value, ...] = (
            "I",
            amount(total),
            "C",
            "ACH",
            "CCP",
            "01",
            "999999992",
            "DA",
            "100200300",
            "1" + payer.tax_id,
            None,
            "01",
            "999988880",
            "DA",
            "98765432",
            day,
        )
    elif total > 0:
        bpr = ("I", amount(total), "C", "CHK", *([None] * 11), day)
    else:
        # Nothing to pay: the remittance is a notice only (BPR01 H, no payment method).
        bpr = ("H", amount(total), "C", "NON", *([None] * 11), day)
    body: list[Seg] = [
        Seg("BPR", bpr),
        Seg("TRN", ("1", remittance.trace, "1" + payer.tax_id)),
        Seg("DTM", ("405", day)),
        Seg("N1", ("PR", payer.name)),
        Seg("N3", ("100 PAYER PLAZA",)),
        Seg("N4", ("SPRINGFIELD", "IL", "627010000")),
        Seg("PER", ("BL", "EDI SUPPORT", "TE", "8005550100")),
        Seg("N1", ("PE", remittance.payee_name[:60], "XX", remittance.payee_npi)),
    ]
    if remittance.payee_tax_id:
        body.append(Seg("REF", ("TJ", remittance.payee_tax_id)))
    if remittance.claims:
        body.append(Seg("LX", ("1",)))
        for remit, reverse in remittance.claims:
            body += clp_segments(remit, reverse)
    pairs = [((a.reason, a.reference), amount(a.amount)) for a in remittance.adjustments]
    period = f"{when.year}1231"
    for start in range(0, len(pairs), 6):
        values: list[Value] = [remittance.payee_npi, period]
        for composite, value in pairs[start : start + 6]:
            values += [composite, value]
        body.append(Seg("PLB", tuple(values)))
    text = _interchange(
        "SANDBOXCH", receiver, control, "HP", V835, [TransactionSpec("835", "0001", body)], when
    )
    # The 835 guide marks ST03 "not used"; the shared writer always writes it, so it is
    # dropped here (SE01 counts segments, not elements: nothing else changes).
    return text.replace(f"ST*835*0001*{V835}~", "ST*835*0001~", 1)
