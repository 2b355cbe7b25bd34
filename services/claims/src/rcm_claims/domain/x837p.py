"""Professional claims as a HIPAA 5010 837P (005010X222A1) interchange. Pure: no I/O.

Layout (loop ids are the implementation guide's):

    ST  BHT  1000A submitter  1000B receiver
      2000A billing provider HL (one per transaction: one ST per billing NPI)
        2000B subscriber HL  SBR  2010BA subscriber  2010BB payer
          2300 claims of the subscriber himself (2010BA has his address and DMG)
        or
          2000C patient HL  PAT  2010CA patient (2010BA has name and member id only)
            2300 claims of that dependent
    SE

Every value goes through `rcm_shared.x12.writer`, which refuses separator characters.
What the guide requires but the claim model lets through (a 5-digit ZIP where 9 are
required, a total that does not add up, a pointer past the last diagnosis, a replacement
without the payer's claim number) raises `Claim837Error` naming the claim, so a batch
builder can set that claim aside instead of sending a file the payer would reject.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from rcm_claims.domain.claim import (
    FREQUENCY_REPLACEMENT,
    FREQUENCY_VOID,
    CasAdjustment,
    ClaimData,
    OtherCoverage,
    Patient,
    Person,
    Subscriber,
)
from rcm_claims.domain.cob import balance_problems
from rcm_shared.events.reference import Address
from rcm_shared.npi import is_valid_npi
from rcm_shared.x12.separators import Separators
from rcm_shared.x12.writer import Seg, TransactionSpec, Value, build_interchange

__all__ = [
    "VERSION",
    "BillingProvider837",
    "Built837",
    "Claim837",
    "Claim837Error",
    "Envelope837",
    "Payer837",
    "Provider837",
    "build_837p",
]

VERSION = "005010X222A1"  # GS08 = ST03: the 837P guide HIPAA adopted

# SBR09 claim filing indicator codes allowed in the 837P.
_CFI = "11 12 13 14 15 16 17 AM BL CH CI DS FI HM LM MA MB MC OF TV VA WC ZZ"
CLAIM_FILING_INDICATORS = frozenset(_CFI.split(" "))
# The guide allows at most 100 2300 loops under one subscriber or patient HL.
MAX_CLAIMS_PER_HL = 100

# LX*1 .. LX*50 (the guide's maximum of lines per claim), built once: Seg is immutable.
_LX = [Seg("LX", (str(number),)) for number in range(51)]
_TAXONOMY = re.compile(r"[0-9A-Z]{9}X")
_TAX_ID = re.compile(r"[0-9]{9}")


class Claim837Error(ValueError):
    """A claim (or its reference data) cannot be written as a valid 837P."""

    def __init__(self, patient_control_number: str | None, reason: str) -> None:
        self.patient_control_number = patient_control_number
        self.reason = reason
        where = f"claim {patient_control_number}: " if patient_control_number else ""
        super().__init__(where + reason)


def _text(value: str, what: str, high: int, low: int = 1) -> None:
    # The 837P element lengths (NM103 60, NM104 35, N301 55, ...): the writer only
    # guards separators, so a long name would pass it and fail at the clearinghouse.
    if not low <= len(value) <= high:
        raise Claim837Error(None, f"{what} must be {low} to {high} characters")


def _npi(value: str, what: str) -> None:
    if not is_valid_npi(value):
        raise Claim837Error(None, f"{what} NPI {value!r} fails the check digit")


@dataclass(frozen=True)
class BillingProvider837:
    name: str
    npi: str
    tax_id: str
    taxonomy_code: str
    address: Address
    pay_to: Address | None = None  # 2010AB: where payments go, when not the billing address

    def __post_init__(self) -> None:
        _text(self.name, "billing provider name", 60)
        _npi(self.npi, "billing provider")
        if _TAX_ID.fullmatch(self.tax_id) is None:
            raise Claim837Error(None, "billing provider tax id (REF*EI) must be 9 digits")
        if _TAXONOMY.fullmatch(self.taxonomy_code) is None:
            raise Claim837Error(None, "billing provider taxonomy code must be 9 characters + X")
        _zip9(self.address, None, "billing provider")


@dataclass(frozen=True)
class Provider837:
    npi: str
    first_name: str
    last_name: str
    taxonomy_code: str | None = None

    def __post_init__(self) -> None:
        _npi(self.npi, "provider")
        _text(self.last_name, "provider last name", 60)
        _text(self.first_name, "provider first name", 35)
        if self.taxonomy_code is not None and _TAXONOMY.fullmatch(self.taxonomy_code) is None:
            raise Claim837Error(None, "provider taxonomy code must be 9 characters + X")


@dataclass(frozen=True)
class Payer837:
    payer_id: str  # NM109 PI: the id the clearinghouse knows the payer by
    name: str
    claim_filing_indicator: str  # SBR09

    def __post_init__(self) -> None:
        _text(self.payer_id, "payer id", 80, low=2)
        _text(self.name, "payer name", 60)
        if self.claim_filing_indicator not in CLAIM_FILING_INDICATORS:
            raise Claim837Error(
                None, f"{self.claim_filing_indicator!r} is not an 837P claim filing indicator"
            )


@dataclass(frozen=True)
class Claim837:
    data: ClaimData
    patient_control_number: str  # CLM01, echoed as CLP01 in the 835
    billing: BillingProvider837
    payer: Payer837
    rendering: Provider837 | None = None
    referring: Provider837 | None = None
    other_payers: tuple[Payer837, ...] = ()  # one per data.other_coverages payer, any order

    def __post_init__(self) -> None:
        if not 1 <= len(self.patient_control_number) <= 20:
            raise Claim837Error(None, "patient control number (CLM01) must be 1 to 20 characters")

    def other_payer(self, payer_id: str) -> Payer837:
        for payer in self.other_payers:
            if payer.payer_id == payer_id:
                return payer
        raise Claim837Error(self.patient_control_number, f"other payer {payer_id} is not on file")


@dataclass(frozen=True)
class Envelope837:
    sender_id: str  # ISA06, GS02 and the submitter's NM109 (ETIN)
    receiver_id: str  # ISA08, GS03 and the receiver's NM109
    submitter_name: str
    submitter_contact_name: str
    submitter_contact_phone: str
    receiver_name: str
    interchange_control: int
    group_control: int
    timestamp: datetime
    usage: Literal["P", "T"] = "P"
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    separators: Separators = field(default_factory=Separators)
    segment_suffix: str = "\n"

    def __post_init__(self) -> None:
        _text(self.submitter_name, "submitter name", 60)
        _text(self.receiver_name, "receiver name", 60)
        _text(self.submitter_contact_name, "submitter contact name", 60)
        _text(self.submitter_contact_phone, "submitter contact phone", 256)


@dataclass(frozen=True)
class Built837:
    x12: str
    transactions: list[tuple[str, list[str]]]  # (ST02, patient control numbers in it)


def build_837p(claims: Sequence[Claim837], envelope: Envelope837) -> Built837:
    """One interchange, one functional group (HC), one transaction per billing provider.

    Billing providers come in the order of their first claim; inside a transaction,
    subscribers and patients likewise. Raises Claim837Error for a claim the guide would
    not accept (see the module docstring) and ValueError for an empty batch.
    """
    if not claims:
        raise ValueError("an 837P needs at least one claim")
    with _cyclic_gc_paused():
        return _build(claims, envelope)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause the cycle collector while building, restoring it as it was.

    A build allocates dozens of tuples per claim that stay alive until the text is
    joined, so the collector keeps running full passes over a heap that also holds every
    claim's pydantic graph: measured on 5,000 claims, about half of the build's time.
    The build creates no reference cycles, so pausing defers nothing that refcounting
    does not already free. Nested or concurrent builds are safe: only the call that found
    the collector enabled turns it back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(claims: Sequence[Claim837], envelope: Envelope837) -> Built837:
    by_billing: dict[str, list[Claim837]] = {}
    for claim in claims:
        batch = by_billing.setdefault(claim.billing.npi, [])
        if batch and batch[0].billing != claim.billing:
            # One 2000A per transaction: two versions of one clinic cannot both be it.
            raise Claim837Error(
                claim.patient_control_number,
                f"billing provider {claim.billing.npi} differs from the one on claim "
                f"{batch[0].patient_control_number} in the same batch",
            )
        batch.append(claim)

    specs: list[TransactionSpec] = []
    transactions: list[tuple[str, list[str]]] = []
    for number, batch in enumerate(by_billing.values(), start=1):
        control = f"{number:04d}"
        body, pcns = _transaction(batch, envelope, control)
        specs.append(TransactionSpec("837", control, body))
        transactions.append((control, pcns))

    x12 = build_interchange(
        sender_qualifier=envelope.sender_qualifier,
        sender_id=envelope.sender_id,
        receiver_qualifier=envelope.receiver_qualifier,
        receiver_id=envelope.receiver_id,
        interchange_control=envelope.interchange_control,
        usage=envelope.usage,
        ack_requested=False,  # the 999 is the acknowledgment asked for, not a TA1
        functional_id="HC",
        app_sender=envelope.sender_id,
        app_receiver=envelope.receiver_id,
        group_control=envelope.group_control,
        version=VERSION,
        transactions=specs,
        separators=envelope.separators,
        timestamp=envelope.timestamp,
        segment_suffix=envelope.segment_suffix,
    )
    return Built837(x12=x12, transactions=transactions)


# ---------------------------------------------------------------------------- helpers


def _d8(day: date) -> str:
    return day.isoformat().replace("-", "")


def _number(value: Decimal) -> str:
    """X12 R type: no exponent, no trailing fractional zeros (150.00 -> 150, 45.50 -> 45.5)."""
    text = str(value)
    if "E" in text:  # str() of a Decimal may use an exponent (1E+2); X12 takes none
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _zip9(address: Address, pcn: str | None, what: str) -> None:
    # 2010AA and 2310C N403: the guide requires the full ZIP+4 for these two locations.
    if len(address.postal_code) != 9:
        raise Claim837Error(pcn, f"the {what} postal code needs all 9 digits (ZIP+4)")


def _address(address: Address) -> tuple[Seg, Seg]:
    line2 = address.line2.upper() if address.line2 else None
    return (
        Seg("N3", (address.line1.upper(), line2)),
        Seg("N4", (address.city.upper(), address.state, address.postal_code)),
    )


def _person_name(qualifier: str, person: Person, member_id: str | None = None) -> Seg:
    middle = person.middle_name.upper() if person.middle_name else None
    values: tuple[Value, ...] = (
        qualifier,
        "1",
        person.last_name.upper(),
        person.first_name.upper(),
        middle,
    )
    if member_id is not None:
        values += (None, None, "MI", member_id)
    return Seg("NM1", values)


def _provider_name(qualifier: str, provider: Provider837) -> Seg:
    return Seg(
        "NM1",
        (
            qualifier,
            "1",
            provider.last_name.upper(),
            provider.first_name.upper(),
            None,
            None,
            None,
            "XX",
            provider.npi,
        ),
    )


def _chunks(claims: list[Claim837]) -> Iterator[list[Claim837]]:
    for start in range(0, len(claims), MAX_CLAIMS_PER_HL):
        yield claims[start : start + MAX_CLAIMS_PER_HL]


# ------------------------------------------------------------------------ transaction


@dataclass
class _SubscriberGroup:
    subscriber: Subscriber
    payer: Payer837
    responsibility: str
    own: list[Claim837] = field(default_factory=list)  # the subscriber is the patient
    dependents: dict[Patient, list[Claim837]] = field(default_factory=dict)


def _transaction(
    claims: list[Claim837], envelope: Envelope837, control: str
) -> tuple[list[Seg], list[str]]:
    billing = claims[0].billing
    when = envelope.timestamp
    body: list[Seg] = [
        # BHT03 is echoed in the 277CA: interchange number + ST02 is unique per sender.
        Seg(
            "BHT",
            (
                "0019",
                "00",
                f"{envelope.interchange_control:09d}{control}",
                when.strftime("%Y%m%d"),
                when.strftime("%H%M"),
                "CH",
            ),
        ),
        Seg(
            "NM1",
            (
                "41",
                "2",
                envelope.submitter_name.upper(),
                None,
                None,
                None,
                None,
                "46",
                envelope.sender_id,
            ),
        ),
        Seg(
            "PER",
            ("IC", envelope.submitter_contact_name.upper(), "TE", envelope.submitter_contact_phone),
        ),
        Seg(
            "NM1",
            (
                "40",
                "2",
                envelope.receiver_name.upper(),
                None,
                None,
                None,
                None,
                "46",
                envelope.receiver_id,
            ),
        ),
        # 2000A: the only HL without a parent; it always has subscriber children.
        Seg("HL", ("1", None, "20", "1")),
        Seg("PRV", ("BI", "PXC", billing.taxonomy_code)),
        Seg("NM1", ("85", "2", billing.name.upper(), None, None, None, None, "XX", billing.npi)),
        *_address(billing.address),
        Seg("REF", ("EI", billing.tax_id)),
        *(
            (Seg("NM1", ("87", "2")), *_address(billing.pay_to))
            if billing.pay_to is not None
            else ()
        ),
    ]

    # The subscriber's own claims and his dependents' claims go under separate 2000B
    # loops: SBR02 says "18" (self) only when the subscriber is the patient, so one SBR
    # cannot serve both.
    # One SBR carries one payer responsibility (SBR01) too: a subscriber's primary and
    # secondary claims to the same payer go under separate 2000B loops.
    groups: dict[tuple[Payer837, Subscriber, bool, str], _SubscriberGroup] = {}
    for claim in claims:
        data = claim.data
        key = (claim.payer, data.subscriber, data.patient is None, data.payer_responsibility)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _SubscriberGroup(
                data.subscriber, claim.payer, data.payer_responsibility
            )
        if data.patient is None:
            group.own.append(claim)
        else:
            group.dependents.setdefault(data.patient, []).append(claim)

    pcns: list[str] = []
    hl = 1
    for group in groups.values():
        if group.own:
            for chunk in _chunks(group.own):
                hl += 1
                body.append(Seg("HL", (str(hl), "1", "22", "0")))
                _subscriber(body, group, self_is_patient=True)
                for claim in chunk:
                    _claim(body, claim)
                    pcns.append(claim.patient_control_number)
            continue
        # HL04 = 1: this 2000B has 2000C children and no claims of its own.
        hl += 1
        parent = str(hl)
        body.append(Seg("HL", (parent, "1", "22", "1")))
        _subscriber(body, group, self_is_patient=False)
        for patient, patient_claims in group.dependents.items():
            for chunk in _chunks(patient_claims):
                hl += 1
                body.append(Seg("HL", (str(hl), parent, "23", "0")))
                _patient(body, patient)
                for claim in chunk:
                    _claim(body, claim)
                    pcns.append(claim.patient_control_number)
    return body, pcns


def _subscriber(body: list[Seg], group: _SubscriberGroup, *, self_is_patient: bool) -> None:
    subscriber = group.subscriber
    payer = group.payer
    body.append(
        Seg(
            "SBR",
            (
                group.responsibility,
                "18" if self_is_patient else None,
                subscriber.group_number,
                None,
                None,
                None,
                None,
                None,
                payer.claim_filing_indicator,
            ),
        )
    )
    body.append(_person_name("IL", subscriber, subscriber.member_id))
    if self_is_patient:
        # 2010BA N3/N4/DMG: "required when the patient is the subscriber; if not required,
        # do not send". A dependent's own address and birth date go in 2010CA instead.
        body.extend(_address(subscriber.address))
        body.append(Seg("DMG", ("D8", _d8(subscriber.birth_date), subscriber.gender)))
    body.append(
        Seg("NM1", ("PR", "2", payer.name.upper(), None, None, None, None, "PI", payer.payer_id))
    )


def _patient(body: list[Seg], patient: Patient) -> None:
    body.append(Seg("PAT", (patient.relationship,)))
    body.append(_person_name("QC", patient))  # 5010 sends no patient id: the member id is it
    body.extend(_address(patient.address))
    body.append(Seg("DMG", ("D8", _d8(patient.birth_date), patient.gender)))


def _claim(body: list[Seg], claim: Claim837) -> None:
    data = claim.data
    pcn = claim.patient_control_number
    if data.total_charge != data.lines_total:
        # CLM02 must equal the sum of the SV102s.
        raise Claim837Error(
            pcn, f"total {data.total_charge} differs from the lines' sum {data.lines_total}"
        )
    body.append(
        Seg(
            "CLM",
            (
                pcn,
                _number(data.total_charge),
                None,
                None,
                (data.place_of_service, "B", data.frequency_code),
                "Y",  # provider signature on file
                "A",  # assignment accepted
                "Y",  # benefits assigned
                "Y",  # release of information on file
            ),
        )
    )
    # REFs in the guide's order: 9F referral, G1 prior authorization, F8 payer claim number.
    if data.referral_number:
        body.append(Seg("REF", ("9F", data.referral_number)))
    if data.prior_authorization_number:
        body.append(Seg("REF", ("G1", data.prior_authorization_number)))
    if data.frequency_code in (FREQUENCY_REPLACEMENT, FREQUENCY_VOID):
        if not data.payer_claim_control_number:
            raise Claim837Error(
                pcn, "a replacement or void needs the payer's claim control number (REF*F8)"
            )
        body.append(Seg("REF", ("F8", data.payer_claim_control_number)))
    codes = data.diagnosis_codes
    body.append(
        Seg("HI", (("ABK", codes[0]), *[("ABF", code) for code in codes[1:]])),
    )
    if claim.referring is not None:
        body.append(_provider_name("DN", claim.referring))  # 2310A
    if claim.rendering is not None:
        body.append(_provider_name("82", claim.rendering))  # 2310B
        if claim.rendering.taxonomy_code:
            body.append(Seg("PRV", ("PE", "PXC", claim.rendering.taxonomy_code)))
    facility = data.service_facility
    if facility is not None:  # 2310C
        _zip9(facility.address, pcn, "service facility")
        npi: tuple[Value, ...] = ("XX", facility.npi) if facility.npi else ()
        body.append(Seg("NM1", ("77", "2", facility.name.upper(), None, None, None, None, *npi)))
        body.extend(_address(facility.address))
    others = sorted(data.other_coverages, key=lambda c: c.responsibility)
    if others:
        problems = balance_problems(data)
        if problems:
            path, message = problems[0]
            raise Claim837Error(pcn, f"COB does not balance at {path}: {message}")
        for coverage in others:
            _other_payer(body, coverage, claim.other_payer(coverage.payer_id), pcn)
    _lines(body, data, pcn, [(c, claim.other_payer(c.payer_id)) for c in others])


def _cas(body: list[Seg], adjustments: list[CasAdjustment]) -> None:
    """CAS segments: one per group code, at most six reason/amount/quantity triplets each
    (a seventh starts another CAS of the same group)."""
    by_group: dict[str, list[CasAdjustment]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group_code, []).append(adjustment)
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            values: list[Value] = [group]
            for a in items[start : start + 6]:
                quantity = _number(a.quantity) if a.quantity is not None else None
                values += [a.reason_code, _number(a.amount), quantity]
            while values[-1] is None:
                values.pop()
            body.append(Seg("CAS", tuple(values)))


def _other_payer(body: list[Seg], coverage: OtherCoverage, payer: Payer837, pcn: str) -> None:
    """2320 other subscriber information, 2330A other subscriber, 2330B other payer."""
    subscriber = coverage.subscriber
    if subscriber is None:
        raise Claim837Error(pcn, f"other payer {coverage.payer_id}: the subscriber is missing")
    decision = coverage.adjudication
    body.append(
        Seg(
            "SBR",
            (
                coverage.responsibility,
                coverage.relationship,
                subscriber.group_number,
                None,
                None,
                None,
                None,
                None,
                payer.claim_filing_indicator,
            ),
        )
    )
    if decision is not None:
        _cas(body, decision.adjustments)
        body.append(Seg("AMT", ("D", _number(decision.paid_amount))))
        if decision.remaining_patient_liability is not None:
            body.append(Seg("AMT", ("EAF", _number(decision.remaining_patient_liability))))
    # benefits assigned, patient signature on file (P), release of information (Y)
    body.append(Seg("OI", (None, None, "Y", "P", None, "Y")))
    body.append(_person_name("IL", subscriber, subscriber.member_id))  # 2330A
    body.append(
        Seg("NM1", ("PR", "2", payer.name.upper(), None, None, None, None, "PI", payer.payer_id))
    )
    if decision is not None and not decision.lines:
        # with 2430 loops the date goes on each line instead
        body.append(Seg("DTP", ("573", "D8", _d8(decision.adjudication_date))))
    if decision is not None and decision.payer_claim_control_number:
        body.append(Seg("REF", ("F8", decision.payer_claim_control_number)))


def _line_adjudications(
    body: list[Seg], number: int, others: list[tuple[OtherCoverage, Payer837]]
) -> None:
    """2430: each prior payer's decision on line `number`."""
    for coverage, payer in others:
        decision = coverage.adjudication
        if decision is None:
            continue
        for line in decision.lines:
            if line.line_number != number:
                continue
            body.append(
                Seg(
                    "SVD",
                    (
                        payer.payer_id,  # = that payer's 2330B NM109
                        _number(line.paid),
                        ("HC", line.procedure_code, *line.modifiers),
                        None,
                        _number(line.units),
                    ),
                )
            )
            _cas(body, line.adjustments)
            body.append(Seg("DTP", ("573", "D8", _d8(decision.adjudication_date))))


def _lines(
    body: list[Seg],
    data: ClaimData,
    pcn: str,
    others: list[tuple[OtherCoverage, Payer837]] | None = None,
) -> None:
    pos = data.place_of_service
    count = len(data.diagnosis_codes)
    append = body.append
    for number, line in enumerate(data.lines, start=1):
        pointers = line.diagnosis_pointers
        if min(pointers) < 1 or max(pointers) > count:
            raise Claim837Error(pcn, f"line {number}: a diagnosis pointer points past HI")
        start = line.service_date_from
        end = line.service_date_to
        if end is not None and end < start:
            raise Claim837Error(pcn, f"line {number}: service ends before it starts")
        append(_LX[number])
        append(
            Seg(
                "SV1",
                (
                    ("HC", line.procedure_code, *line.modifiers),
                    _number(line.charge),
                    line.unit_type,
                    _number(line.units),
                    # SV105 only when the line's place of service differs from CLM05-1.
                    line.place_of_service if line.place_of_service != pos else None,
                    None,
                    tuple(map(str, pointers)),
                ),
            )
        )
        if end is None or end == start:
            append(Seg("DTP", ("472", "D8", _d8(start))))
        else:
            append(Seg("DTP", ("472", "RD8", f"{_d8(start)}-{_d8(end)}")))
        if others:
            _line_adjudications(body, number, others)
