"""What the clearinghouse and payer said about a batch of claims: the 999 (005010X231A1,
did the 837 parse?) and the 277CA (005010X214, was each claim taken into adjudication?).

Pure functions over X12 text. The shared reader checks the envelope (ISA/IEA, GS/GE,
ST/SE counts and control numbers); this module checks the structure it relies on and
raises X12SyntaxError with the segment number and element position of the first problem,
which the caller turns into a 422. Values that may be PHI (IK404, names, member ids) are
never copied into errors or readable messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from rcm_shared.x12.reader import Group, Interchange, Segment, Transaction, read_interchange

AckKind = Literal["999", "277CA"]

# 005010X231 is the 999 guide before its errata (A1); the segments read here are the same.
_999_VERSIONS = frozenset({"005010X231A1", "005010X231"})
_277CA_VERSION = "005010X214"

# --- 999 code lists (the meanings are the X12 code descriptions) ---------------------------

# IK501 (code 717); AK901 (code 715) adds P.
_TRANSACTION_STATUS = {
    "A": "Accepted",
    "E": "Accepted But Errors Were Noted",
    "M": "Rejected, Message Authentication Code (MAC) Failed",
    "R": "Rejected",
    "W": "Rejected, Assurance Failed Validity Tests",
    "X": "Rejected, Content After Decryption Could Not Be Analyzed",
}
_ACCEPTED_STATUSES = frozenset({"A", "E"})
_GROUP_STATUS = {
    **_TRANSACTION_STATUS,
    "P": "Partially Accepted, At Least One Transaction Set Was Rejected",
}

# IK304 (code 620)
_SEGMENT_ERRORS = {
    "1": "Unrecognized segment ID",
    "2": "Unexpected segment",
    "3": "Required Segment Missing",
    "4": "Loop Occurs Over Maximum Times",
    "5": "Segment Exceeds Maximum Use",
    "6": "Segment Not in Defined Transaction Set",
    "7": "Segment Not in Proper Sequence",
    "8": "Segment Has Data Element Errors",
    "I4": 'Implementation "Not Used" Segment Present',
    "I6": "Implementation Dependent Segment Missing",
    "I7": "Implementation Loop Occurs Under Minimum Times",
    "I8": "Implementation Segment Below Minimum Use",
    "I9": 'Implementation Dependent "Not Used" Segment Present',
}

# IK403 (code 621)
_ELEMENT_ERRORS = {
    "1": "Required Data Element Missing",
    "2": "Conditional Required Data Element Missing",
    "3": "Too Many Data Elements",
    "4": "Data Element Too Short",
    "5": "Data Element Too Long",
    "6": "Invalid Character In Data Element",
    "7": "Invalid Code Value",
    "8": "Invalid Date",
    "9": "Invalid Time",
    "10": "Exclusion Condition Violated",
    "12": "Too Many Repetitions",
    "13": "Too Many Components",
    "I6": "Code Value Not Used in Implementation",
    "I9": "Implementation Dependent Data Element Missing",
    "I10": 'Implementation "Not Used" Data Element Present',
    "I11": "Implementation Too Few Repetitions",
    "I12": "Implementation Pattern Match Failure",
    "I13": 'Implementation Dependent "Not Used" Data Element Present',
}

# IK502..IK506 (code 618)
_TRANSACTION_ERRORS = {
    "1": "Transaction Set Not Supported",
    "2": "Transaction Set Trailer Missing",
    "3": "Transaction Set Control Number in Header and Trailer Do Not Match",
    "4": "Number of Included Segments Does Not Match Actual Count",
    "5": "One or More Segments in Error",
    "6": "Missing or Invalid Transaction Set Identifier",
    "7": "Missing or Invalid Transaction Set Control Number",
    "8": "Authentication Key Name Unknown",
    "9": "Encryption Key Name Unknown",
    "10": "Requested Service (Authentication or Encrypted) Not Available",
    "11": "Unknown Security Recipient",
    "12": "Incorrect Message Length (Encryption Only)",
    "13": "Message Authentication Code Failed",
    "15": "Unknown Security Originator",
    "16": "Syntax Error in Decrypted Text",
    "17": "Security Not Supported",
    "18": "Transaction Set not in Functional Group",
    "19": "Invalid Transaction Set Implementation Convention Reference",
    "23": "Transaction Set Control Number Not Unique within the Functional Group",
    "I5": "Implementation One or More Segments in Error",
    "I6": "Implementation Convention Not Supported",
}

# AK905..AK909 (code 716)
_GROUP_ERRORS = {
    "1": "Functional Group Not Supported",
    "2": "Functional Group Version Not Supported",
    "3": "Functional Group Trailer Missing",
    "4": "Group Control Number in the Functional Group Header and Trailer Do Not Agree",
    "5": "Number of Included Transaction Sets Does Not Match Actual Count",
    "6": "Group Control Number Violates Syntax",
    "19": "Functional Group Control Number not Unique within Interchange",
}

# --- 277CA code lists ------------------------------------------------------------------------

# STC01-1, claim status category (code source 507). A 277CA uses only A0-A8 and E1-E4
# (X12 RFI 1942 and 2203); E0 is listed for files that use it anyway.
_CATEGORIES = {
    "A0": "Acknowledgement/Forwarded: the claim has been forwarded to another entity",
    "A1": "Acknowledgement/Receipt: the claim has been received (not yet accepted for "
    "adjudication)",
    "A2": "Acknowledgement/Acceptance into adjudication system",
    "A3": "Acknowledgement/Returned as unprocessable claim: rejected, not entered into "
    "adjudication",
    "A4": "Acknowledgement/Not Found: the claim cannot be found in the adjudication system",
    "A5": "Acknowledgement/Split Claim: split upon acceptance into adjudication",
    "A6": "Acknowledgement/Rejected for Missing Information",
    "A7": "Acknowledgement/Rejected for Invalid Information",
    "A8": "Acknowledgement/Rejected for relational field in error",
    "E0": "Response not possible: error on submitted request data",
    "E1": "Response not possible: system status",
    "E2": "Information holder is not responding; resubmit at a later time",
    "E3": "Correction required: relational fields in error",
    "E4": "Trading partner agreement specific requirement not met: data correction required",
}
# Forwarded, received, accepted or split: the claim is on its way to adjudication.
_ACCEPTING = frozenset({"A0", "A1", "A2", "A5"})
# Rejections, a claim the payer cannot find, and the E codes (nothing was taken in).
_REJECTING = frozenset({"A3", "A4", "A6", "A7", "A8", "E0", "E1", "E2", "E3", "E4"})

# STC01-2, claim status code (code source 508): the ones 277CAs commonly carry.
_STATUS_CODES = {
    "0": "Cannot provide further status electronically",
    "3": "Claim has been adjudicated and is awaiting payment cycle",
    "16": "Claim/encounter has been forwarded to entity",
    "19": "Entity acknowledges receipt of claim/encounter",
    "20": "Accepted for processing",
    "21": "Missing or invalid information",
    "23": "Returned to entity",
    "24": "Entity not approved as an electronic submitter",
    "25": "Entity not approved",
    "26": "Entity not found",
    "29": "Subscriber and policy number/contract number mismatched",
    "30": "Subscriber and subscriber id mismatched",
    "31": "Subscriber and policyholder name mismatched",
    "32": "Subscriber and policy number/contract number not found",
    "33": "Subscriber and subscriber id not found",
    "34": "Subscriber and policyholder name not found",
    "35": "Claim/encounter not found",
    "54": "Duplicate of a previously processed claim/line",
    "78": "Duplicate of an existing claim/line, awaiting processing",
    "85": "Entity not primary",
    "88": "Entity not eligible for benefits for submitted dates of service",
    "96": "No agreement with entity",
    "97": "Patient eligibility not found with entity",
    "109": "Entity not eligible",
    "116": "Claim submitted to incorrect payer",
    "125": "Entity's name",
    "126": "Entity's address",
    "128": "Entity's tax id",
    "145": "Entity's specialty/taxonomy code",
    "153": "Entity's id number",
    "156": "Patient relationship to subscriber",
    "157": "Entity's gender",
    "158": "Entity's date of birth",
    "164": "Entity's contract/member number",
    "178": "Submitted charges",
    "187": "Date(s) of service",
    "228": "Type of bill for UB claim",
    "400": "Claim is out of balance",
    "453": "Procedure code modifier(s) for service(s) rendered",
    "454": "Procedure code for services rendered",
    "455": "Revenue code for services rendered",
    "464": "Payer assigned claim control number",
    "476": "Missing or invalid units of service",
    "477": "Diagnosis code pointer is missing or invalid",
    "480": "Entity's claim filing indicator",
    "481": "Claim/submission format is invalid",
    "488": "Diagnosis code(s) for the services rendered",
    "496": "Submitter not approved for electronic claim submissions on behalf of this entity",
    "500": "Entity's postal/zip code",
    "503": "Entity's street address",
    "507": "HCPCS",
    "510": "Future date",
    "511": "Invalid character",
    "535": "Claim frequency code",
    "560": "Entity's additional/secondary identifier",
    "562": "Entity's National Provider Identifier (NPI)",
    "583": "Line item charge amount",
    "673": "Patient reason for visit",
    "684": "Rejected",
    "718": "Claim/service not submitted within the required timeframe",
    "732": "Information submitted inconsistent with billing guidelines",
    "746": "Duplicate submission",
}

# STC01-3, entity identifier code: the ones a claim status names.
_ENTITIES = {
    "03": "Dependent",
    "1P": "Provider",
    "40": "Receiver",
    "41": "Submitter",
    "71": "Attending Physician",
    "72": "Operating Physician",
    "77": "Service Location",
    "82": "Rendering Provider",
    "85": "Billing Provider",
    "87": "Pay-to Provider",
    "AY": "Clearinghouse",
    "DK": "Ordering Physician",
    "DN": "Referring Provider",
    "DQ": "Supervising Physician",
    "FA": "Facility",
    "IL": "Insured or Subscriber",
    "PR": "Payer",
    "QC": "Patient",
}

# HL03 levels of a 277CA: source (payer/clearinghouse), receiver (submitter), billing
# provider, patient (the claim level, 2000D).
_SOURCE, _RECEIVER, _PROVIDER, _PATIENT = "20", "21", "19", "PT"
_LEVELS = frozenset({_SOURCE, _RECEIVER, _PROVIDER, _PATIENT})
_277CA_SEGMENTS = frozenset({"BHT", "HL", "NM1", "TRN", "STC", "QTY", "AMT", "REF", "DTP", "SVC"})

_ACTION_REJECT = "U"  # STC03 at claim level: WQ accept, U reject


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransactionAck:
    group_control: str  # AK102: our GS06
    transaction_set: str  # AK201: "837"
    transaction_control: str  # AK202: our ST02
    status: str  # IK501: A accepted, E accepted with errors, M/R/W/X rejected
    accepted: bool
    errors: list[str]  # readable, from IK3/IK4/IK5; never the bad value itself


@dataclass(frozen=True)
class GroupAck:
    group_control: str  # AK102
    status: str  # AK901: A, E, P partially, R (or M/W/X)
    accepted_count: int  # AK904
    received_count: int  # AK903
    transactions: list[TransactionAck]
    errors: list[str] = field(default_factory=list)  # AK905..AK909, readable


@dataclass(frozen=True)
class Ack999:
    interchange_control: str  # the 999's own ISA13
    groups: list[GroupAck]  # one per 999 transaction set (each acknowledges one group)


@dataclass(frozen=True)
class ClaimStatus:
    patient_control_number: str  # TRN02 of the claim level (2200D) = our CLM01
    accepted: bool
    statuses: list[str]  # STC01/STC10/STC11 composites as "A7:562:85", in order
    reasons: list[str]  # readable meanings, billing-provider rejections first, STC12 text
    payer_claim_control_number: str | None  # REF*1K
    total_charge: Decimal | None  # STC04
    status_date: date | None  # STC02


# --- kind --------------------------------------------------------------------------------------


def detect_kind(text: str) -> AckKind:
    """Which acknowledgment `text` holds, from ST01 and the version (ST03, else GS08)."""
    _, kind = _read(text)
    return kind


def _kind_of(transaction: Transaction, group: Group) -> AckKind:
    st = transaction.st
    set_id = transaction.transaction_set
    # ST03 overrides GS08 in 5010; point at whichever one carries the version.
    version_at: tuple[Segment, int] = (st, 3) if st.get(3) else (group.gs, 8)
    if set_id == "999":
        if transaction.version in _999_VERSIONS:
            return "999"
        expected = " or ".join(sorted(_999_VERSIONS))
    elif set_id == "277":
        if transaction.version == _277CA_VERSION:
            return "277CA"
        expected = f"{_277CA_VERSION} (a 277CA; other 277s are claim status responses)"
    else:
        raise st.error(
            f"transaction set {set_id or '(empty)'!r} is not an acknowledgment "
            "(expected 999 or 277)",
            1,
        )
    seg, position = version_at
    raise seg.error(f"version {transaction.version!r} is not {expected}", position)


def _read(text: str) -> tuple[Interchange, AckKind]:
    interchange = read_interchange(text)
    kind: AckKind | None = None
    for group in interchange.groups:
        for transaction in group.transactions:
            this = _kind_of(transaction, group)
            if kind is None:
                kind = this
            elif this != kind:
                raise transaction.st.error(
                    f"a {this} in an interchange that began with a {kind} (one kind per file)", 1
                )
    if kind is None:
        raise interchange.isa.error("the interchange holds no transaction set")
    return interchange, kind


def _require_kind(text: str, wanted: AckKind) -> Interchange:
    interchange, kind = _read(text)
    if kind != wanted:
        st = interchange.groups[0].transactions[0].st
        raise st.error(f"this is a {kind}, not a {wanted}", 1)
    return interchange


def _meaning(table: dict[str, str], code: str) -> str:
    return table.get(code, "code not in the table")


# --- 999 ---------------------------------------------------------------------------------------


def parse_999(text: str) -> Ack999:
    """Every group a 999 acknowledges, with the status and errors of each transaction."""
    interchange = _require_kind(text, "999")
    groups = [
        _parse_999_transaction(transaction)
        for group in interchange.groups
        for transaction in group.transactions
    ]
    return Ack999(interchange_control=interchange.control_number, groups=groups)


@dataclass
class _OpenTransaction:
    """An AK2 loop being read: what IK3/IK4 add, until its IK5 closes it."""

    ak2: Segment
    errors: list[str] = field(default_factory=list)
    ik3: Segment | None = None


def _parse_999_transaction(transaction: Transaction) -> GroupAck:
    body = transaction.body
    se = transaction.segments[-1]
    first = body[0] if body else se
    if first.id != "AK1":
        raise first.error("expected AK1 (the acknowledged group) right after ST")
    group_control = _required(first, 2, "AK102 (group control number)")
    if len(group_control) > 9:  # N0 1/9 in the guide: a GS06 we could have written
        raise first.error("AK102 is longer than 9 digits", 2)
    acks: list[TransactionAck] = []
    current: _OpenTransaction | None = None
    ak9: Segment | None = None
    for seg in body[1:]:
        sid = seg.id
        if ak9 is not None:
            raise seg.error(f"{sid} after the AK9 at segment {ak9.number} (AK9 closes the 999)")
        if sid == "AK2":
            _no_open_loop(current, seg)
            _required(seg, 1, "AK201 (transaction set identifier)")
            if len(_required(seg, 2, "AK202 (transaction set control number)")) > 9:
                raise seg.error("AK202 is longer than 9 characters", 2)
            current = _OpenTransaction(seg)
        elif sid in ("IK3", "IK4", "CTX"):
            _error_detail(current, seg)
        elif sid == "IK5":
            if current is None:
                raise seg.error("IK5 without AK2")
            acks.append(_close_transaction(current, seg, group_control))
            current = None
        elif sid == "AK9":
            _no_open_loop(current, seg)
            ak9 = seg
        else:
            raise seg.error(f"{sid} does not belong in a 999")
    if ak9 is None:
        _no_open_loop(current, se)
        raise se.error("the 999 has no AK9 (functional group response trailer)")
    return _group_ack(ak9, group_control, acks)


def _error_detail(current: _OpenTransaction | None, seg: Segment) -> None:
    """An IK3, IK4 or CTX inside the AK2 loop `current`."""
    if current is None:
        raise seg.error(f"{seg.id} outside a transaction response (no AK2 before it)")
    if seg.id == "IK3":
        current.ik3 = seg
        current.errors.append(_ik3_message(seg))
    elif seg.id == "IK4":
        if current.ik3 is None:
            raise seg.error("IK4 without the IK3 it belongs to")
        current.errors.append(_ik4_message(seg, current.ik3))
    # CTX gives context (e.g. the claim's CLM01); it may identify a patient's account, so
    # it stays out of the readable errors.


def _no_open_loop(current: _OpenTransaction | None, seg: Segment) -> None:
    if current is not None:
        raise seg.error(
            f"the transaction response (AK2) at segment {current.ak2.number} has no IK5 "
            f"before this {seg.id}"
        )


def _close_transaction(loop: _OpenTransaction, ik5: Segment, group_control: str) -> TransactionAck:
    status = _required(ik5, 1, "IK501 (transaction set acknowledgment code)")
    if status not in _TRANSACTION_STATUS:
        raise ik5.error(f"IK501 {status!r} is not an acknowledgment code", 1)
    errors = list(loop.errors)
    for position in range(2, 7):
        code = ik5.get(position)
        if code:
            errors.append(
                f"transaction: {_meaning(_TRANSACTION_ERRORS, code)} (IK5{position:02d} {code})"
            )
    return TransactionAck(
        group_control=group_control,
        transaction_set=loop.ak2.get(1),
        transaction_control=loop.ak2.get(2),
        status=status,
        accepted=status in _ACCEPTED_STATUSES,
        errors=errors,
    )


def _ik3_where(ik3: Segment) -> str:
    where = f"segment {ik3.get(1)} at position {ik3.get(2)}"
    loop = ik3.get(3)
    return f"{where} in loop {loop}" if loop else where


def _ik3_message(ik3: Segment) -> str:
    _required(ik3, 1, "IK301 (segment id)")
    ik3.integer(2)  # IK302: position in the transaction set, required
    code = _required(ik3, 4, "IK304 (segment syntax error code)")
    return f"{_ik3_where(ik3)}: {_meaning(_SEGMENT_ERRORS, code)} (IK304 {code})"


def _ik4_message(ik4: Segment, ik3: Segment) -> str:
    element = _position(ik4, 1, 1, "IK401-1 (element position)")
    component = _position(ik4, 1, 2, "IK401-2 (component position)", required=False)
    repetition = _position(ik4, 1, 3, "IK401-3 (repetition)", required=False)
    code = _required(ik4, 3, "IK403 (data element syntax error code)")
    # IK404 (a copy of the bad value) is left out on purpose: it may be a name or an id.
    name = f"{ik3.get(1)}{element:02d}"
    if component is not None:
        name += f"-{component}"
    if repetition is not None:
        name += f" repetition {repetition}"
    return f"{name} ({_ik3_where(ik3)}): {_meaning(_ELEMENT_ERRORS, code)} (IK403 {code})"


def _group_ack(ak9: Segment, group_control: str, acks: list[TransactionAck]) -> GroupAck:
    status = _required(ak9, 1, "AK901 (functional group acknowledgment code)")
    if status not in _GROUP_STATUS:
        raise ak9.error(f"AK901 {status!r} is not an acknowledgment code", 1)
    ak9.integer(2)  # AK902: transaction sets included, required
    received = ak9.integer(3)
    accepted = ak9.integer(4)
    if accepted > received:
        raise ak9.error(f"AK904 accepts {accepted} of {received} received transaction sets", 4)
    errors = [
        f"group: {_meaning(_GROUP_ERRORS, code)} (AK9{position:02d} {code})"
        for position in range(5, 10)
        if (code := ak9.get(position))
    ]
    return GroupAck(
        group_control=group_control,
        status=status,
        accepted_count=accepted,
        received_count=received,
        transactions=acks,
        errors=errors,
    )


def _required(seg: Segment, position: int, what: str) -> str:
    value = seg.get(position)
    if not value:
        raise seg.error(f"{what} is missing", position)
    return value


def _position(
    seg: Segment, element: int, component: int, what: str, *, required: bool = True
) -> int | None:
    value = seg.component(element, component)
    if not value:
        if required:
            raise seg.error(f"{what} is missing", element, component)
        return None
    # nine digits are more than any X12 position count (and int() of a huge text raises)
    if not (value.isascii() and value.isdigit() and len(value) <= 9 and int(value) > 0):
        raise seg.error(f"{what} is not a positive whole number", element, component)
    return int(value)


# --- 277CA -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Status:
    """One STC composite (STC01, STC10 or STC11)."""

    category: str
    code: str
    entity: str
    text: str  # "A7:562:85", whatever the component separator

    def describe(self) -> str:
        out = f"{self.category} {_meaning(_CATEGORIES, self.category)}: "
        out += f"{self.code} {_meaning(_STATUS_CODES, self.code)}"
        if self.entity:
            entity = _ENTITIES.get(self.entity)
            out += f" (entity {self.entity} {entity})" if entity else f" (entity {self.entity})"
        return out


@dataclass
class _Level:
    """One HL loop of a 277CA."""

    hl: Segment
    code: str  # HL03
    parent: _Level | None
    rejections: list[str] = field(default_factory=list)  # billing provider level only


@dataclass
class _Claim:
    """A claim level (2000D) being read."""

    level: _Level
    patient_control_number: str | None = None
    statuses: list[_Status] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    rejected_by_action: bool = False
    payer_claim_control_number: str | None = None
    total_charge: Decimal | None = None
    status_date: date | None = None
    stc_seen: bool = False
    in_service_line: bool = False


def parse_277ca(text: str) -> list[ClaimStatus]:
    """One ClaimStatus per claim level (2200D), in file order."""
    interchange = _require_kind(text, "277CA")
    out: list[ClaimStatus] = []
    for group in interchange.groups:
        for transaction in group.transactions:
            out.extend(_parse_277ca_transaction(transaction))
    return out


def _parse_277ca_transaction(transaction: Transaction) -> list[ClaimStatus]:
    levels: dict[str, _Level] = {}
    level: _Level | None = None
    claim: _Claim | None = None
    done: list[ClaimStatus] = []
    for seg in transaction.body:
        sid = seg.id
        if sid not in _277CA_SEGMENTS:
            raise seg.error(f"{sid} does not belong in a 277CA")
        if sid == "BHT":
            if level is not None:
                raise seg.error("BHT must come before the first HL")
            continue
        if sid == "HL":
            if claim is not None:
                done.append(_close_claim(claim, seg))
            level = _open_level(seg, levels)
            claim = _Claim(level) if level.code == _PATIENT else None
            continue
        if level is None:
            raise seg.error(f"{sid} before the first HL")
        if claim is not None:
            _claim_segment(claim, seg)
        elif sid == "STC":
            # Source/receiver/provider status: read (so a malformed STC is reported), and
            # kept only when it rejects at the billing provider, which rejects its claims.
            statuses = _stc_statuses(seg)
            if level.code == _PROVIDER and _rejects(statuses, seg):
                level.rejections.extend(
                    f"billing provider: {reason}" for reason in _stc_reasons(statuses, seg)
                )
    if claim is not None:
        done.append(_close_claim(claim, transaction.segments[-1]))
    return done


def _open_level(hl: Segment, levels: dict[str, _Level]) -> _Level:
    hl_id = _required(hl, 1, "HL01 (hierarchical id)")
    if hl_id in levels:
        raise hl.error(f"HL01 {hl_id!r} repeats the HL at segment {levels[hl_id].hl.number}", 1)
    parent: _Level | None = None
    parent_id = hl.get(2)
    if parent_id:
        parent = levels.get(parent_id)
        if parent is None:
            raise hl.error(f"HL02 {parent_id!r} names no earlier HL", 2)
    code = _required(hl, 3, "HL03 (hierarchical level code)")
    if code not in _LEVELS:
        raise hl.error(f"HL03 {code!r} is not a 277CA level (20, 21, 19 or PT)", 3)
    level = _Level(hl, code, parent)
    levels[hl_id] = level
    return level


def _claim_segment(claim: _Claim, seg: Segment) -> None:
    sid = seg.id
    if sid == "NM1":
        return  # 2100D patient name: PHI, and not needed to find the claim
    if sid == "TRN":
        if claim.patient_control_number is not None:
            raise seg.error("a second TRN in the same claim level")
        claim.patient_control_number = _required(seg, 2, "TRN02 (patient control number)")
        return
    if claim.patient_control_number is None:
        raise seg.error(
            f"the claim level (HL at segment {claim.level.hl.number}) has no TRN before "
            f"this {sid}: TRN02 carries the patient control number"
        )
    if sid == "SVC":
        if not claim.stc_seen:
            raise seg.error(
                f"the claim level (HL at segment {claim.level.hl.number}) has no STC "
                "before its service lines"
            )
        claim.in_service_line = True
    elif claim.in_service_line:
        # 2220D line status: a rejected line also rejects the claim at claim level, so the
        # claim-level STC already says so.
        if sid == "STC":
            _stc_statuses(seg)
    elif sid == "STC":
        _claim_stc(claim, seg)
    elif sid == "REF" and seg.get(1) == "1K":
        claim.payer_claim_control_number = _required(seg, 2, "REF02 (payer claim control number)")


def _claim_stc(claim: _Claim, stc: Segment) -> None:
    statuses = _stc_statuses(stc)
    first = not claim.stc_seen
    claim.stc_seen = True
    claim.statuses.extend(statuses)
    claim.reasons.extend(_stc_reasons(statuses, stc))
    if stc.get(3) == _ACTION_REJECT:
        claim.rejected_by_action = True
    status_date = stc.date(2, required=False)
    if first:
        claim.status_date = status_date
    if claim.total_charge is None:
        claim.total_charge = stc.decimal(4, required=False)


def _stc_statuses(stc: Segment) -> list[_Status]:
    """STC01 (required), STC10 and STC11 (optional) as composites."""
    statuses = [_composite(stc, 1)]
    statuses.extend(_composite(stc, position) for position in (10, 11) if stc.get(position))
    return statuses


def _composite(stc: Segment, position: int) -> _Status:
    parts = stc.components(position)
    while parts and not parts[-1]:
        parts.pop()
    if not parts:
        raise stc.error(f"STC{position:02d} (claim status composite) is missing", position)
    category = parts[0]
    if not category:
        raise stc.error("the status category code is missing", position, 1)
    if len(parts) < 2 or not parts[1]:
        raise stc.error("the claim status code is missing", position, 2)
    entity = parts[2] if len(parts) > 2 else ""
    return _Status(category, parts[1], entity, ":".join(parts))


def _stc_reasons(statuses: list[_Status], stc: Segment) -> list[str]:
    reasons = [status.describe() for status in statuses]
    if stc.get(3) == _ACTION_REJECT:
        reasons.append("action code U: reject")
    message = stc.get(12)
    if message:
        reasons.append(f"message: {message}")
    return reasons


def _rejects(statuses: list[_Status], stc: Segment) -> bool:
    return stc.get(3) == _ACTION_REJECT or any(s.category in _REJECTING for s in statuses)


def _close_claim(claim: _Claim, at: Segment) -> ClaimStatus:
    """The finished claim level; `at` is the segment that ended it (next HL or SE)."""
    start = claim.level.hl.number
    if claim.patient_control_number is None:
        raise at.error(
            f"the claim level (HL at segment {start}) has no TRN: TRN02 carries the "
            "patient control number"
        )
    if not claim.stc_seen:
        raise at.error(f"the claim level (HL at segment {start}) has no STC (claim status)")
    provider = claim.level.parent
    while provider is not None and provider.code != _PROVIDER:
        provider = provider.parent
    provider_rejections = provider.rejections if provider is not None else []
    categories = {status.category for status in claim.statuses}
    rejected = (
        bool(provider_rejections) or claim.rejected_by_action or bool(categories & _REJECTING)
    )
    return ClaimStatus(
        patient_control_number=claim.patient_control_number,
        # Accepted needs a positive answer too: a category outside both lists decides nothing.
        accepted=not rejected and bool(categories & _ACCEPTING),
        statuses=[status.text for status in claim.statuses],
        reasons=[*provider_rejections, *claim.reasons],
        payer_claim_control_number=claim.payer_claim_control_number,
        total_charge=claim.total_charge,
        status_date=claim.status_date,
    )
