"""Streaming reader for the 835 health care claim payment/advice (005010X221A1).

`read_835` turns an interchange into events, in file order: one `RemittanceHeader` per
transaction, then one `ClaimPayment` per CLP loop (with its SVC lines), then one
`ProviderAdjustment` per PLB pair, then a `TransactionEnd` with the balancing results.
Only the claim being read is held in memory, so a 100 MB remittance costs one claim plus
the reader's chunk, never the whole file.

Balancing (guide section 1.10.2): per claim CLP03 - CLP04 = sum of claim and line CAS
amounts; per line SVC02 - SVC03 = sum of that line's CAS amounts; per transaction
BPR02 = sum of CLP04 - sum of PLB amounts. Failures are reported as `Imbalance`s, never
raised: whether to reject or quarantine is the caller's policy. Malformed X12 (a missing
or non-numeric amount, a segment the guide does not allow where it stands, a wrong
envelope) raises X12SyntaxError with the segment number and element position.

Pure: no I/O of its own; the caller hands in text, bytes, a file or chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from rcm_shared.x12.errors import X12SyntaxError
from rcm_shared.x12.reader import CHUNK_SIZE, EnvelopeValidator, Segment, Source, iter_segments

__all__ = [
    "Adjustment",
    "ClaimPayment",
    "Event",
    "Imbalance",
    "ProviderAdjustment",
    "RemittanceHeader",
    "ServicePayment",
    "TransactionEnd",
    "read_835",
]

ZERO = Decimal(0)
REVERSAL = "22"  # CLP02: reversal of a previous payment
GROUP_CODES = frozenset({"CO", "OA", "PI", "PR"})  # CAS01 in 5010 (CR was dropped)
VERSION_PREFIX = "005010X221"  # GS08 for the 835 guide and its addenda (A1)


@dataclass(frozen=True)
class Adjustment:
    """One CAS triplet: group (CAS01), reason, amount, quantity."""

    group_code: str
    reason_code: str
    amount: Decimal
    quantity: Decimal | None


@dataclass(frozen=True)
class Imbalance:
    """A balancing rule that does not hold. `where` names the claim/line/transaction."""

    where: str
    expected: Decimal
    actual: Decimal
    message: str
    # the segment whose amount does not balance (SVC03, CLP04, BPR02), so that a refusal
    # names its place in the file like a syntax error does
    segment_number: int | None = None
    segment_id: str | None = None
    element_position: int | None = None


@dataclass(frozen=True)
class ServicePayment:
    """Loop 2110: one SVC line."""

    procedure_qualifier: str  # SVC01-1 (HC, NU, ...)
    procedure_code: str  # SVC01-2
    modifiers: tuple[str, ...]  # SVC01-3..6
    charge: Decimal  # SVC02
    paid: Decimal  # SVC03
    revenue_code: str | None  # SVC04
    units: Decimal | None  # SVC05
    original_procedure: str | None  # SVC06, components joined with ":"
    service_dates: dict[str, date]  # DTM by qualifier: 472, 150, 151
    adjustments: tuple[Adjustment, ...]
    control_number: str | None  # REF*6R: the line item control number of the 837
    remark_codes: tuple[str, ...]  # LQ*HE
    allowed: Decimal | None  # AMT*B6


@dataclass(frozen=True)
class ClaimPayment:
    """Loop 2100: one CLP with its lines. Names and ids are PHI: keep them out of logs."""

    segment_number: int  # of the CLP, for error messages
    patient_control_number: str  # CLP01 = CLM01 of the claim
    status_code: str  # CLP02
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal | None  # CLP05
    filing_indicator: str | None  # CLP06
    payer_claim_control_number: str | None  # CLP07
    facility_type: str | None  # CLP08
    frequency: str | None  # CLP09
    adjustments: tuple[Adjustment, ...]  # claim-level CAS
    remark_codes: tuple[str, ...]  # MOA03-07, MIA05, MIA20-23
    patient_name: tuple[str, str] | None  # NM1*QC (last, first)
    insured_id: str | None  # NM1*IL NM109, else NM1*QC NM109
    crossover_payer: str | None  # NM1*TT NM103
    corrected_name: tuple[str, str] | None  # NM1*74 (last, first)
    rendering_npi: str | None  # NM1*82 NM109 when NM108 is XX
    dates: dict[str, date]  # DTM by qualifier: 232, 233, 050, 036, 037
    amounts: dict[str, Decimal]  # AMT by qualifier: AU, D8, F5, ...
    services: tuple[ServicePayment, ...]
    is_reversal: bool  # CLP02 == "22"
    imbalances: tuple[Imbalance, ...]  # this claim's and its lines' balancing failures
    warnings: tuple[str, ...] = ()  # tolerated defects (positions only, never values)


@dataclass(frozen=True)
class ProviderAdjustment:
    """One PLB adjustment pair. A positive amount reduces the payment (BPR02)."""

    provider_id: str  # PLB01
    fiscal_period_date: date  # PLB02
    reason: str  # PLBxx-1 (WO, FB, L6, CV, ...)
    reference: str | None  # PLBxx-2
    amount: Decimal


@dataclass(frozen=True)
class RemittanceHeader:
    """The 835 header: BPR, TRN, DTM*405 and the payer (1000A) and payee (1000B) loops."""

    transaction_control: str  # ST02
    handling_code: str  # BPR01
    total_paid: Decimal  # BPR02
    credit_debit: str  # BPR03
    payment_method: str  # BPR04 (ACH, CHK, NON, ...)
    payment_date: date | None  # BPR16
    trace_number: str  # TRN02: check or EFT number, what the bank deposit shows
    payer_trace_id: str | None  # TRN03
    payer_name: str | None  # N1*PR N102
    payer_id: str | None  # N1*PR N104, else REF*2U
    payee_name: str | None  # N1*PE N102
    payee_npi: str | None  # N1*PE N104 when N103 is XX
    production_date: date | None  # DTM*405
    # Every payee identifier by qualifier: N103/N104 (XX, FI, XV) and the 1000B REFs
    # (TJ tax id, PQ payee id, ...). A tax id is not an NPI, so it is kept apart.
    payee_ids: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # tolerated defects (positions only, never values)


@dataclass(frozen=True)
class TransactionEnd:
    """The SE: totals of the transaction and every balancing failure in it."""

    transaction_control: str  # ST02
    imbalances: tuple[Imbalance, ...]
    claim_count: int
    total_claim_paid: Decimal  # sum of CLP04
    total_plb: Decimal  # sum of the PLB amounts


Event = RemittanceHeader | ClaimPayment | ProviderAdjustment | TransactionEnd


_T = TypeVar("_T")
_new = object.__new__


def _build(cls: type[_T], **fields: Any) -> _T:
    """An instance of a frozen dataclass without running its generated `__init__`.

    That `__init__` sets each field through `object.__setattr__` (frozen), about 7 us for
    a ClaimPayment, which alone halved the reader's throughput. Filling `__dict__` in one
    call gives the same object (equality, repr and hash read the attributes); the tests
    check that `dataclasses.replace` (the real `__init__`) rebuilds an equal object, so a
    field left out here fails there.
    """
    obj = _new(cls)
    obj.__dict__.update(fields)
    return obj


# --- element helpers -----------------------------------------------------------------
# Inlined element access instead of Segment.get: these run for nearly every segment and
# the target is >= 10 MB/s in pure Python.


def _el(seg: Segment, pos: int) -> str:
    elements = seg.elements
    return elements[pos] if pos < len(elements) else ""


def _required(seg: Segment, pos: int, what: str) -> str:
    elements = seg.elements
    value = elements[pos] if pos < len(elements) else ""
    if not value:
        raise seg.error(f"{what} is missing", pos)
    return value


# Amount and date texts repeat a lot within a remittance (fee schedules, service dates),
# and both results are immutable, so parsed values are shared. Bounded: cleared when full.
_CACHE_LIMIT = 4096
_NUMBERS: dict[str, Decimal] = {}
_DATES: dict[str, date] = {}


def _number(seg: Segment, pos: int, value: str) -> Decimal:
    number = _NUMBERS.get(value)
    if number is not None:
        return number
    # X12 type R: optional leading minus, digits, at most one point. Checked by hand (not
    # Decimal() alone, which takes "NaN", "1e5", "1_0"; not a regex, which is slower).
    body = value[1:] if value[0] == "-" else value
    # at most 18 digits (X12 type R): longer ones overflow the Decimal arithmetic
    if len(value) > 20 or not (body.isascii() and body.replace(".", "", 1).isdigit()):
        raise seg.error("not a decimal number", pos)
    if len(_NUMBERS) >= _CACHE_LIMIT:
        _NUMBERS.clear()
    number = _NUMBERS[value] = Decimal(value)
    return number


def _date(seg: Segment, pos: int) -> date:
    elements = seg.elements
    value = elements[pos] if pos < len(elements) else ""
    found = _DATES.get(value)
    if found is not None:
        return found
    found = seg.date(pos)  # validates, raises with the position
    if len(_DATES) >= _CACHE_LIMIT:
        _DATES.clear()
    _DATES[value] = found
    return found


def _amount(seg: Segment, pos: int) -> Decimal:
    elements = seg.elements
    value = elements[pos] if pos < len(elements) else ""
    if not value:
        raise seg.error("required amount is missing", pos)
    return _number(seg, pos, value)


def _optional_amount(seg: Segment, pos: int) -> Decimal | None:
    elements = seg.elements
    value = elements[pos] if pos < len(elements) else ""
    return _number(seg, pos, value) if value else None


def _components(seg: Segment, pos: int) -> list[str]:
    """Element `pos` split into components, tolerating a foreign component separator.

    Some payers write composites with ">" while their ISA16 declares ":" (seen in the
    LinuxForHealth secondary-payment sample). When the declared separator is absent and
    the value looks like "HC>12345>26" (a 2-character qualifier, then punctuation that is
    not one of the declared separators), it is split on that character instead: losing
    the procedure code would be worse, and the caller is told through `warnings`.
    """
    value = _el(seg, pos)
    seps = seg.separators
    if not value:
        return []
    if seps.component in value or len(value) < 4:
        return value.split(seps.component)
    mark = value[2]
    if not mark.isalnum() and mark not in seps.chars() and mark not in " -.":
        return value.split(mark)
    return [value]


def _cas(seg: Segment, out: list[Adjustment]) -> Decimal:
    """Appends every CAS triplet (02-04 .. 17-19) to `out`; returns their amount total."""
    elements = seg.elements
    count = len(elements)
    if count == 4:  # the common case: one triplet without quantity
        group, reason, amount_text = elements[1], elements[2], elements[3]
        if reason and group in GROUP_CODES:
            amount = _NUMBERS.get(amount_text) if amount_text else None
            if amount is not None:
                adjustment = _new(Adjustment)  # _build, inlined
                adjustment.__dict__.update(
                    group_code=group, reason_code=reason, amount=amount, quantity=None
                )
                out.append(adjustment)
                return amount
    group = elements[1] if count > 1 else ""
    if group not in GROUP_CODES:
        raise seg.error("CAS01 must be a claim adjustment group code (CO, OA, PI, PR)", 1)
    if count > 20:
        raise seg.error("CAS has more than 19 elements", 20)
    total = ZERO
    found = False
    for pos in range(2, count, 3):
        reason = elements[pos]
        amount_text = elements[pos + 1] if pos + 1 < count else ""
        quantity_text = elements[pos + 2] if pos + 2 < count else ""
        if not reason:
            if amount_text or quantity_text:
                raise seg.error("adjustment without a reason code", pos)
            continue
        if not amount_text:
            raise seg.error("adjustment reason without an amount", pos + 1)
        amount = _NUMBERS.get(amount_text)
        if amount is None:
            amount = _number(seg, pos + 1, amount_text)
        quantity = _number(seg, pos + 2, quantity_text) if quantity_text else None
        adjustment = _new(Adjustment)  # _build, inlined
        adjustment.__dict__.update(
            group_code=group, reason_code=reason, amount=amount, quantity=quantity
        )
        out.append(adjustment)
        total += amount
        found = True
    if not found:
        raise seg.error("CAS02 (adjustment reason code) is missing", 2)
    return total


def _name(seg: Segment) -> tuple[str, str]:
    return (_el(seg, 3), _el(seg, 4))


# --- claim and line builders ----------------------------------------------------------


class _Line:
    """Loop 2110 being read."""

    __slots__ = (
        "adjustments",
        "allowed",
        "cas_total",
        "charge",
        "code",
        "control_number",
        "dates",
        "modifiers",
        "original",
        "paid",
        "qualifier",
        "remarks",
        "revenue_code",
        "segment_number",
        "units",
    )

    def __init__(self, seg: Segment, warnings: list[str]) -> None:
        self.segment_number = seg.number
        elements = seg.elements
        count = len(elements)
        parts = elements[1].split(seg.separators.component) if count > 1 else []
        if len(parts) < 2:  # rare: no composite, or a foreign component separator
            parts = _components(seg, 1)
            if len(parts) > 1:
                warnings.append(
                    f"segment {seg.number} (SVC) element 1: composite not written with the "
                    "component separator declared in ISA16"
                )
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise seg.error("SVC01 needs a procedure qualifier and code (a composite)", 1)
        self.qualifier = parts[0]
        self.code = parts[1]
        self.modifiers = tuple(part for part in parts[2:6] if part) if len(parts) > 2 else ()
        charge = _NUMBERS.get(elements[2]) if count > 2 else None
        self.charge = charge if charge is not None else _amount(seg, 2)
        paid = _NUMBERS.get(elements[3]) if count > 3 else None
        self.paid = paid if paid is not None else _amount(seg, 3)
        self.revenue_code = (elements[4] or None) if count > 4 else None
        self.units = (_NUMBERS.get(elements[5]) or _optional_amount(seg, 5)) if count > 5 else None
        self.original: str | None = None
        if count > 6 and elements[6]:
            self.original = ":".join(_components(seg, 6))
        self.dates: dict[str, date] = {}
        self.adjustments: list[Adjustment] = []
        self.cas_total = ZERO
        self.control_number: str | None = None
        self.remarks: list[str] = []
        self.allowed: Decimal | None = None

    def finish(self, number: int, pcn: str, imbalances: list[Imbalance]) -> ServicePayment:
        expected = self.charge - self.paid
        if expected != self.cas_total:
            imbalances.append(
                Imbalance(
                    f"service {number} of claim {pcn}",
                    expected,
                    self.cas_total,
                    f"SVC02 - SVC03 = {expected} but the line's CAS amounts sum to "
                    f"{self.cas_total}",
                    self.segment_number,
                    "SVC",
                    3,
                )
            )
        payment = _new(ServicePayment)  # _build, inlined
        payment.__dict__.update(
            procedure_qualifier=self.qualifier,
            procedure_code=self.code,
            modifiers=self.modifiers,
            charge=self.charge,
            paid=self.paid,
            revenue_code=self.revenue_code,
            units=self.units,
            original_procedure=self.original,
            service_dates=self.dates,
            adjustments=tuple(self.adjustments),
            control_number=self.control_number,
            remark_codes=tuple(self.remarks),
            allowed=self.allowed,
        )
        return payment


# Segments the guide allows in loop 2100 after the CLP (before the first SVC) and in
# loop 2110 after the SVC. Anything else there is a structural error.
_CLAIM_SEGMENTS = frozenset({"CAS", "NM1", "MIA", "MOA", "REF", "DTM", "PER", "AMT", "QTY"})
_LINE_SEGMENTS = frozenset({"DTM", "CAS", "REF", "AMT", "QTY", "LQ"})
_MOA_REMARKS = (3, 4, 5, 6, 7)
_MIA_REMARKS = (5, 20, 21, 22, 23)


class _Claim:
    """Loop 2100 being read, with the line (2110) currently open, if any."""

    __slots__ = (
        "adjustments",
        "amounts",
        "cas_total",
        "corrected_name",
        "crossover_payer",
        "dates",
        "fields",
        "insured_id",
        "line",
        "lines",
        "patient_id",
        "patient_name",
        "remarks",
        "rendering_npi",
        "seg",
        "warnings",
    )

    def __init__(self, seg: Segment) -> None:
        self.seg = seg
        # Read now so that a bad CLP fails at its own segment number.
        self.fields = (
            _required(seg, 1, "CLP01 (patient control number)"),
            _required(seg, 2, "CLP02 (claim status code)"),
            _amount(seg, 3),
            _amount(seg, 4),
            _optional_amount(seg, 5),
        )
        self.adjustments: list[Adjustment] = []
        self.cas_total = ZERO  # claim and line CAS together, for the claim balance
        self.remarks: list[str] = []
        self.patient_name: tuple[str, str] | None = None
        self.patient_id: str | None = None
        self.insured_id: str | None = None
        self.crossover_payer: str | None = None
        self.corrected_name: tuple[str, str] | None = None
        self.rendering_npi: str | None = None
        self.dates: dict[str, date] = {}
        self.amounts: dict[str, Decimal] = {}
        self.lines: list[_Line] = []
        self.line: _Line | None = None
        self.warnings: list[str] = []

    def claim_segment(self, seg: Segment) -> None:
        """A loop-2100 segment the dispatch table has no handler of its own for."""
        sid = seg.id
        if sid == "MOA":
            self.remarks.extend(code for pos in _MOA_REMARKS if (code := _el(seg, pos)))
        elif sid == "MIA":
            self.remarks.extend(code for pos in _MIA_REMARKS if (code := _el(seg, pos)))
        # REF, PER, QTY: allowed, nothing this model keeps

    def _nm1(self, seg: Segment) -> None:
        elements = seg.elements
        if len(elements) > 9:  # the common case: every element up to NM109 present
            entity = elements[1]
            if entity == "QC":
                self.patient_name = (elements[3], elements[4])
                self.patient_id = elements[9] or None
                return
            if entity == "82":
                if elements[8] == "XX":
                    self.rendering_npi = elements[9] or None
                return
        entity = _required(seg, 1, "NM101 (entity identifier)")
        if entity == "QC":
            self.patient_name = _name(seg)
            self.patient_id = _el(seg, 9) or None
        elif entity == "IL":
            self.insured_id = _el(seg, 9) or None
        elif entity == "74":
            self.corrected_name = _name(seg)
        elif entity == "82":
            if _el(seg, 8) == "XX":
                self.rendering_npi = _el(seg, 9) or None
        elif entity == "TT":
            self.crossover_payer = _el(seg, 3) or None

    def line_segment(self, line: _Line, seg: Segment) -> None:
        """A loop-2110 segment the dispatch table has no handler of its own for."""
        if seg.id == "LQ" and _el(seg, 1) == "HE":
            line.remarks.append(_required(seg, 2, "LQ02 (remark code)"))
        # QTY: allowed, not kept

    def finish(self) -> ClaimPayment:
        pcn, status, charge, paid, responsibility = self.fields
        seg = self.seg
        elements = seg.elements
        count = len(elements)
        imbalances: list[Imbalance] = []
        lines = self.lines
        if len(lines) == 2:  # the common case, without a generator
            services: tuple[ServicePayment, ...] = (
                lines[0].finish(1, pcn, imbalances),
                lines[1].finish(2, pcn, imbalances),
            )
        else:
            services = tuple(
                line.finish(n, pcn, imbalances) for n, line in enumerate(lines, start=1)
            )
        expected = charge - paid
        if expected != self.cas_total:
            imbalances.insert(
                0,
                Imbalance(
                    f"claim {pcn}",
                    expected,
                    self.cas_total,
                    f"CLP03 - CLP04 = {expected} but the claim and line CAS amounts sum "
                    f"to {self.cas_total}",
                    seg.number,
                    "CLP",
                    4,
                ),
            )
        payment = _new(ClaimPayment)  # _build, inlined
        payment.__dict__.update(
            segment_number=seg.number,
            patient_control_number=pcn,
            status_code=status,
            charge=charge,
            paid=paid,
            patient_responsibility=responsibility,
            filing_indicator=(elements[6] or None) if count > 6 else None,
            payer_claim_control_number=(elements[7] or None) if count > 7 else None,
            facility_type=(elements[8] or None) if count > 8 else None,
            frequency=(elements[9] or None) if count > 9 else None,
            adjustments=tuple(self.adjustments),
            remark_codes=tuple(self.remarks),
            patient_name=self.patient_name,
            insured_id=self.insured_id or self.patient_id,
            crossover_payer=self.crossover_payer,
            corrected_name=self.corrected_name,
            rendering_npi=self.rendering_npi,
            dates=self.dates,
            amounts=self.amounts,
            services=services,
            is_reversal=status == REVERSAL,
            imbalances=tuple(imbalances),
            warnings=tuple(self.warnings),
        )
        return payment


# --- per-segment handlers inside a claim (read_835 dispatches on the segment id) -------


def _line_cas(claim: _Claim, line: _Line, seg: Segment) -> None:
    amount = _cas(seg, line.adjustments)
    line.cas_total += amount
    claim.cas_total += amount


def _line_dtm(claim: _Claim, line: _Line, seg: Segment) -> None:
    elements = seg.elements
    count = len(elements)
    qualifier = elements[1] if count > 1 else ""
    if not qualifier:
        raise seg.error("DTM01 (date qualifier) is missing", 1)
    found = _DATES.get(elements[2] if count > 2 else "")
    line.dates[qualifier] = found if found is not None else _date(seg, 2)


def _line_amt(claim: _Claim, line: _Line, seg: Segment) -> None:
    elements = seg.elements
    count = len(elements)
    qualifier = elements[1] if count > 1 else ""
    if not qualifier:
        raise seg.error("AMT01 (amount qualifier) is missing", 1)
    number = _NUMBERS.get(elements[2] if count > 2 else "")
    if number is None:
        number = _amount(seg, 2)  # validated even when not kept
    if qualifier == "B6":
        line.allowed = number


def _line_ref(claim: _Claim, line: _Line, seg: Segment) -> None:
    elements = seg.elements
    count = len(elements)
    if count > 1 and elements[1] == "6R":
        line.control_number = (elements[2] or None) if count > 2 else None


def _line_other(claim: _Claim, line: _Line, seg: Segment) -> None:
    claim.line_segment(line, seg)  # LQ, QTY


def _claim_dtm(claim: _Claim, seg: Segment) -> None:
    elements = seg.elements
    count = len(elements)
    qualifier = elements[1] if count > 1 else ""
    if not qualifier:
        raise seg.error("DTM01 (date qualifier) is missing", 1)
    found = _DATES.get(elements[2] if count > 2 else "")
    claim.dates[qualifier] = found if found is not None else _date(seg, 2)


def _claim_amt(claim: _Claim, seg: Segment) -> None:
    elements = seg.elements
    count = len(elements)
    # The amount first, as `amounts[_required(...)] = _amount(...)` did.
    number = _NUMBERS.get(elements[2] if count > 2 else "")
    if number is None:
        number = _amount(seg, 2)
    qualifier = elements[1] if count > 1 else ""
    if not qualifier:
        raise seg.error("AMT01 (amount qualifier) is missing", 1)
    claim.amounts[qualifier] = number


def _claim_cas(claim: _Claim, seg: Segment) -> None:
    claim.cas_total += _cas(seg, claim.adjustments)


_LINE_HANDLERS: dict[str, Callable[[_Claim, _Line, Segment], None]] = {
    "CAS": _line_cas,
    "DTM": _line_dtm,
    "AMT": _line_amt,
    "REF": _line_ref,
    "LQ": _line_other,
    "QTY": _line_other,
}
_CLAIM_HANDLERS: dict[str, Callable[[_Claim, Segment], None]] = {
    "CAS": _claim_cas,
    "NM1": _Claim._nm1,
    "DTM": _claim_dtm,
    "AMT": _claim_amt,
    "MOA": _Claim.claim_segment,
    "MIA": _Claim.claim_segment,
    "REF": _Claim.claim_segment,
    "PER": _Claim.claim_segment,
    "QTY": _Claim.claim_segment,
}
assert _LINE_HANDLERS.keys() == _LINE_SEGMENTS
assert _CLAIM_HANDLERS.keys() == _CLAIM_SEGMENTS


# --- the transaction -------------------------------------------------------------------

_HEADER_SEGMENTS = frozenset({"NTE", "TRN", "CUR", "REF", "DTM", "N1", "N2", "N3", "N4", "PER"})
_HEADER_SEGMENTS_PE = frozenset({"RDM"})  # remittance delivery method: 1000B only
_LOOP_2000 = frozenset({"TS3", "TS2"})  # provider summary: allowed after LX, not kept

_HEADER, _DETAIL, _SUMMARY = 0, 1, 2


class _Transaction:
    """One ST..SE being read. `feed` returns the events a segment completes."""

    __slots__ = (
        "bpr",
        "claim",
        "claim_count",
        "entity",
        "header_warnings",
        "imbalances",
        "payee_ids",
        "payee_name",
        "payer_id",
        "payer_name",
        "payer_ref_id",
        "production_date",
        "seen_lx",
        "st",
        "state",
        "total_claim_paid",
        "total_plb",
        "trn",
    )

    def __init__(self, st: Segment) -> None:
        if _el(st, 1) != "835":
            raise st.error("ST01 must be 835 (this reader reads claim payments only)", 1)
        self.st = st
        self.state = _HEADER
        self.bpr: Segment | None = None
        self.trn: Segment | None = None
        self.entity = ""  # N101 of the open 1000 loop
        self.payer_name: str | None = None
        self.payer_id: str | None = None
        self.payer_ref_id: str | None = None
        self.payee_name: str | None = None
        self.payee_ids: dict[str, str] = {}
        self.production_date: date | None = None
        self.header_warnings: list[str] = []
        self.claim: _Claim | None = None
        self.seen_lx = False
        self.claim_count = 0
        self.total_claim_paid = ZERO
        self.total_plb = ZERO
        self.imbalances: list[Imbalance] = []

    def feed(self, seg: Segment) -> tuple[Event, ...]:
        """A segment outside any claim (read_835 handles those inside one itself)."""
        if self.state == _HEADER:
            return self._header(seg)
        return self._detail(seg)

    def close_claim(self, claim: _Claim) -> ClaimPayment:
        self.claim = None
        payment = claim.finish()
        self.claim_count += 1
        self.total_claim_paid += payment.paid
        self.imbalances.extend(payment.imbalances)
        return payment

    def _header(self, seg: Segment) -> tuple[Event, ...]:
        sid = seg.id
        if self.bpr is None:
            if sid != "BPR":
                raise seg.error("the 835 header must start with BPR")
            self.bpr = seg
            _required(seg, 1, "BPR01 (transaction handling code)")
            _amount(seg, 2)
            _required(seg, 3, "BPR03 (credit/debit flag)")
            _required(seg, 4, "BPR04 (payment method)")
            return ()
        if sid in ("LX", "PLB", "SE"):
            header = self._make_header(seg)
            self.state = _DETAIL
            return (header, *self._detail(seg))
        if sid in _HEADER_SEGMENTS or (sid in _HEADER_SEGMENTS_PE and self.entity == "PE"):
            self._header_segment(seg)
            return ()
        raise seg.error(f"{sid} is not allowed in the 835 header")

    def _header_segment(self, seg: Segment) -> None:
        sid = seg.id
        if sid == "TRN":
            _required(seg, 2, "TRN02 (check or EFT trace number)")
            self.trn = seg
        elif sid == "DTM":
            if _el(seg, 1) == "405":
                self.production_date = seg.date(2)
        elif sid == "N1":
            self.entity = _required(seg, 1, "N101 (entity identifier)")
            name = _el(seg, 2) or None
            if self.entity == "PR":
                self.payer_name = name
                self.payer_id = _el(seg, 4) or None
            elif self.entity == "PE":
                self.payee_name = name
                if _el(seg, 3) and _el(seg, 4):
                    self.payee_ids[_el(seg, 3)] = _el(seg, 4)
        elif sid == "REF":
            qualifier, value = _el(seg, 1), _el(seg, 2)
            if self.entity == "PR" and qualifier == "2U":
                self.payer_ref_id = value or None
            elif self.entity == "PE" and qualifier and value:
                self.payee_ids.setdefault(qualifier, value)

    def _make_header(self, seg: Segment) -> RemittanceHeader:
        bpr, trn = self.bpr, self.trn
        assert bpr is not None  # _header() saw it first
        if trn is None:
            raise seg.error("TRN (reassociation trace number) is missing from the header")
        payment_date: date | None = None
        if _el(bpr, 16):
            try:
                payment_date = bpr.date(16)
            except X12SyntaxError as exc:
                # Seen in published samples (BPR16 "20002316"); the money is still
                # readable, so the date is left empty and the caller is told.
                self.header_warnings.append(str(exc))
        return RemittanceHeader(
            transaction_control=_el(self.st, 2),
            handling_code=_el(bpr, 1),
            total_paid=_amount(bpr, 2),
            credit_debit=_el(bpr, 3),
            payment_method=_el(bpr, 4),
            payment_date=payment_date,
            trace_number=_el(trn, 2),
            payer_trace_id=_el(trn, 3) or None,
            payer_name=self.payer_name,
            payer_id=self.payer_id or self.payer_ref_id,
            payee_name=self.payee_name,
            payee_npi=self.payee_ids.get("XX"),
            production_date=self.production_date,
            payee_ids=self.payee_ids,
            warnings=tuple(self.header_warnings),
        )

    def _detail(self, seg: Segment) -> tuple[Event, ...]:
        """A segment outside any claim: LX, TS3/TS2, CLP, PLB or SE."""
        sid = seg.id
        if self.state == _DETAIL:
            if sid == "CLP":
                if not self.seen_lx:
                    raise seg.error("CLP before any LX (loop 2000 header number)")
                self.claim = _Claim(seg)
                return ()
            if sid == "LX":
                _required(seg, 1, "LX01 (assigned number)")
                self.seen_lx = True
                return ()
            if sid in _LOOP_2000 and self.seen_lx:
                return ()
        if sid == "PLB":
            self.state = _SUMMARY
            return tuple(self._plb(seg))
        if sid == "SE":
            return (self._end(),)
        if sid == "SVC":
            raise seg.error("SVC outside a claim (no CLP before it)")
        raise seg.error(f"{sid} is not allowed here in an 835")

    def _plb(self, seg: Segment) -> Iterator[ProviderAdjustment]:
        provider = _required(seg, 1, "PLB01 (provider identifier)")
        period = seg.date(2)
        elements = seg.elements
        count = len(elements)
        if count > 15:
            raise seg.error("PLB has more than 14 elements", 15)
        adjustments: list[ProviderAdjustment] = []
        for pos in range(3, count, 2):
            parts = _components(seg, pos)
            amount_text = elements[pos + 1] if pos + 1 < count else ""
            if not parts:
                if amount_text:
                    raise seg.error("adjustment amount without a reason", pos)
                continue
            if not parts[0]:
                raise seg.error("adjustment reason code is missing", pos, 1)
            if not amount_text:
                raise seg.error("adjustment reason without an amount", pos + 1)
            amount = _number(seg, pos + 1, amount_text)
            reference = parts[1] if len(parts) > 1 and parts[1] else None
            adjustments.append(ProviderAdjustment(provider, period, parts[0], reference, amount))
        if not adjustments:
            raise seg.error("PLB03 (adjustment reason) is missing", 3)
        # Validate the whole segment before any of it counts.
        for adjustment in adjustments:
            self.total_plb += adjustment.amount
        return iter(adjustments)

    def _end(self) -> TransactionEnd:
        bpr = self.bpr
        assert bpr is not None
        control = _el(self.st, 2)
        expected = _amount(bpr, 2)
        actual = self.total_claim_paid - self.total_plb
        if expected != actual:
            self.imbalances.append(
                Imbalance(
                    f"transaction {control}",
                    expected,
                    actual,
                    f"BPR02 = {expected} but the sum of CLP04 minus the sum of PLB amounts "
                    f"is {actual}",
                    bpr.number,
                    "BPR",
                    2,
                )
            )
        return TransactionEnd(
            transaction_control=control,
            imbalances=tuple(self.imbalances),
            claim_count=self.claim_count,
            total_claim_paid=self.total_claim_paid,
            total_plb=self.total_plb,
        )


# The longest value each stored element may have (the X12 maximum, or the column's when
# that is shorter): a longer one is refused here, at its segment and element, instead of
# failing the database insert with a 500. NM109/N104 hold an NPI (10) when qualified XX.
_STORED_LENGTHS: dict[str, tuple[tuple[int, int], ...]] = {
    "ST": ((2, 9),),
    "BPR": ((1, 2), (3, 1), (4, 3)),
    "TRN": ((2, 50), (3, 50)),
    "N1": ((2, 80), (4, 80)),
    "REF": ((2, 80),),
    "CLP": ((1, 38), (2, 2), (6, 2), (7, 50), (8, 2), (9, 1)),
    "NM1": ((3, 60), (9, 80)),
    "PLB": ((1, 50),),
}
_NPI_ELEMENT = {"NM1": (8, 9), "N1": (3, 4)}


def _check_lengths(seg: Segment) -> None:
    limits = _STORED_LENGTHS.get(seg.id)
    if limits is None:
        return
    elements = seg.elements
    count = len(elements)
    for pos, limit in limits:
        if pos < count and len(elements[pos]) > limit:
            raise seg.error(f"{seg.id}{pos:02d} is longer than {limit} characters", pos)
    npi = _NPI_ELEMENT.get(seg.id)
    if npi and npi[1] < count and elements[npi[0]] == "XX" and len(elements[npi[1]]) > 10:
        raise seg.error(f"{seg.id}{npi[1]:02d} (NPI) is longer than 10 characters", npi[1])
    if seg.id == "PLB":
        for pos in range(3, count, 2):
            parts = elements[pos].split(seg.separators.component)
            if len(parts[0]) > 2 or (len(parts) > 1 and len(parts[1]) > 50):
                raise seg.error("PLB adjustment identifier is too long", pos)


def read_835(source: Source, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Event]:
    """The events of every 835 in `source`, streamed, envelope validated as it goes.

    `source` is anything `iter_segments` takes: text, bytes, a file, an iterable of
    chunks. Several interchanges, several GS per ISA and several ST per GS are fine.
    Raises X12SyntaxError (segment number, element position) at the first malformed
    segment; events before it have already been yielded, so a caller that must not act
    on a partly read file should collect the events of a transaction until its
    TransactionEnd.
    """
    validator = EnvelopeValidator()
    feed = validator.feed
    transaction: _Transaction | None = None
    claim: _Claim | None = None
    line_handlers = _LINE_HANDLERS
    claim_handlers = _CLAIM_HANDLERS
    # Segments inside a claim are body segments of an open transaction (never envelope
    # ids), so the validator would only count them: they are counted here and handed
    # over in one addition before the next segment it sees (or at the end of input).
    skipped = 0
    for seg in iter_segments(source, chunk_size=chunk_size):
        _check_lengths(seg)
        if claim is not None:
            # The hot path: one dict lookup and one call per segment inside a claim.
            sid = seg.id
            line = claim.line
            if line is not None:
                handler = line_handlers.get(sid)
                if handler is not None:
                    skipped += 1
                    handler(claim, line, seg)
                    continue
            else:
                claim_handler = claim_handlers.get(sid)
                if claim_handler is not None:
                    skipped += 1
                    claim_handler(claim, seg)
                    continue
            if sid == "SVC":
                skipped += 1
                line = _Line(seg, claim.warnings)
                claim.lines.append(line)
                claim.line = line
                continue
            assert transaction is not None  # claims live in transactions
            yield transaction.close_claim(claim)
            claim = None
        if skipped:
            validator.segment_count += skipped
            skipped = 0
        feed(seg)
        if transaction is not None:
            events = transaction.feed(seg)
            claim = transaction.claim
            if events:
                yield from events
                if seg.id == "SE":
                    transaction = None
            continue
        transaction = _envelope(seg)
    if skipped:
        validator.segment_count += skipped
        validator.last_number += skipped  # segment numbers are consecutive
    validator.finish()


def _envelope(seg: Segment) -> _Transaction | None:
    """A segment outside any transaction (already envelope-checked): the 835 checks."""
    sid = seg.id
    if sid == "ST":
        return _Transaction(seg)
    if sid == "GS":
        if _el(seg, 1) != "HP":
            raise seg.error("GS01 must be HP (health care claim payment/advice)", 1)
        if not _el(seg, 8).startswith(VERSION_PREFIX):
            raise seg.error(f"GS08 must be {VERSION_PREFIX} (the 5010 835 guide)", 8)
    return None
