"""The HIPAA 5010 271 eligibility response (005010X279A1): parse it, then answer the
questions a front desk asks (is the patient covered, under which plan, what will they owe).
Pure: no I/O.

Layout (loop ids are the implementation guide's):

    ST  BHT
      2000A information source HL (HL03 = 20)   AAA   2100A payer NM1, AAA
        2000B information receiver HL (21)      2100B provider NM1, AAA
          2000C subscriber HL (22)  TRN  2100C NM1 REF DMG INS DTP AAA ...
            2110C EB  REF DTP AAA MSG  LS 2120C NM1 ... LE
            2000D dependent HL (23)  TRN  2100D ... 2110D ... (same shape as C)
    SE

`parse_271` makes one `Response271` per 2000C and per 2000D loop, in file order; the
caller finds its own by the trace number it sent in the 270 (TRN02). A source or receiver
that rejected the inquiry outright sends no 2000C at all (the guide's answer to "payer
unavailable"): such a level yields one response with only the rejections, so a retry
decision never depends on a subscriber loop being there.

Every error is an `X12SyntaxError` at the offending segment and element, never carrying
the value (names, member ids and birth dates are PHI).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from rcm_shared.x12.reader import EnvelopeValidator, Segment, iter_segments

__all__ = [
    "FOLLOW_UP_ACTIONS",
    "INSURANCE_TYPES",
    "REJECT_REASONS",
    "RETRYABLE_REASONS",
    "Benefit",
    "CostShare",
    "CoverageAnswer",
    "Rejection",
    "RelatedEntity",
    "Response271",
    "parse_271",
    "summarize",
]

Level = Literal["source", "receiver", "subscriber", "dependent"]

# AAA03 reject reason codes used in the 271 (all loops).
REJECT_REASONS: dict[str, str] = {
    "04": "Authorized Quantity Exceeded",
    "15": "Required application data missing",
    "41": "Authorization/Access Restrictions",
    "42": "Unable to Respond at Current Time",
    "43": "Invalid/Missing Provider Identification",
    "44": "Invalid/Missing Provider Name",
    "45": "Invalid/Missing Provider Specialty",
    "46": "Invalid/Missing Provider Phone Number",
    "47": "Invalid/Missing Provider State",
    "48": "Invalid/Missing Referring Provider Identification Number",
    "49": "Provider is Not Primary Care Physician",
    "50": "Provider Ineligible for Inquiries",
    "51": "Provider Not on File",
    "52": "Service Dates Not Within Provider Plan Enrollment",
    "53": "Inquired Benefit Inconsistent with Provider Type",
    "54": "Inappropriate Product/Service ID Qualifier",
    "55": "Inappropriate Product/Service ID",
    "56": "Inappropriate Date",
    "57": "Invalid/Missing Date(s) of Service",
    "58": "Invalid/Missing Date-of-Birth",
    "60": "Date of Birth Follows Date(s) of Service",
    "61": "Date of Death Precedes Date(s) of Service",
    "62": "Date of Service Not Within Allowable Inquiry Period",
    "63": "Date of Service in Future",
    "64": "Invalid/Missing Patient ID",
    "65": "Invalid/Missing Patient Name",
    "66": "Invalid/Missing Patient Gender Code",
    "67": "Patient Not Found",
    "68": "Duplicate Patient ID Number",
    "69": "Inconsistent with Patient's Age",
    "70": "Inconsistent with Patient's Gender",
    "71": "Patient Birth Date Does Not Match That for the Patient on the Database",
    "72": "Invalid/Missing Subscriber/Insured ID",
    "73": "Invalid/Missing Subscriber/Insured Name",
    "74": "Invalid/Missing Subscriber/Insured Gender Code",
    "75": "Subscriber/Insured Not Found",
    "76": "Duplicate Subscriber/Insured ID Number",
    "77": "Subscriber Found, Patient Not Found",
    "78": "Subscriber/Insured Not in Group/Plan Identified",
    "79": "Invalid Participant Identification",
    "80": "No Response received - Transaction Terminated",
    "97": "Invalid or Missing Provider Address",
    "T4": "Payer Name or Identifier Missing",
}

# AAA04 follow-up action codes.
FOLLOW_UP_ACTIONS: dict[str, str] = {
    "C": "Please Correct and Resubmit",
    "N": "Resubmission Not Allowed",
    "P": "Please Resubmit Original Transaction",
    "R": "Resubmission Allowed",
    "S": "Do Not Resubmit; Inquiry Initiated to a Third Party",
    "W": "Please Wait 30 Days and Resubmit",
    "X": "Please Wait 10 Days and Resubmit",
    "Y": "Do Not Resubmit; We Will Hold Your Request and Respond Again Shortly",
}

# Conditions on the payer's or clearinghouse's side that pass: the same 270 sent again
# later can succeed. Every other reason is about the request's data (member id, name, date
# of birth, provider) and fails again until someone corrects it.
RETRYABLE_REASONS = frozenset(
    {
        "04",  # too many inquiries for now (authorized quantity exceeded)
        "42",  # unable to respond at current time
        "80",  # no response received, transaction terminated
    }
)

_HL_LEVELS: dict[str, Level] = {
    "20": "source",
    "21": "receiver",
    "22": "subscriber",
    "23": "dependent",
}
# The level an HL's parent (HL02) must be at; the source is the root.
_PARENT_LEVEL: dict[Level, Level | None] = {
    "source": None,
    "receiver": "source",
    "subscriber": "receiver",
    "dependent": "subscriber",
}
_LOOP_IDS: dict[Level, str] = {
    "source": "2000A",
    "receiver": "2000B",
    "subscriber": "2000C",
    "dependent": "2000D",
}
# EB12 in-plan-network indicator: W (not applicable) and U (unknown) say nothing either way.
_IN_NETWORK: dict[str, bool | None] = {"Y": True, "N": False, "W": None, "U": None, "": None}


@dataclass(frozen=True)
class Rejection:
    code: str  # AAA03 reject reason code
    reason: str  # its meaning
    follow_up: str | None  # AAA04 meaning
    level: Level  # where the AAA stood
    retryable: bool  # a passing condition: sending the same inquiry later may succeed


@dataclass(frozen=True)
class RelatedEntity:
    """An NM1 of loop 2120 (between LS and LE): a primary payer, a primary care provider..."""

    entity_code: str  # NM101: PRP primary payer, P3 primary care provider, ...
    name: str | None  # an organisation's name, or a person's "first middle last"
    identifier: str | None  # NM109


@dataclass(frozen=True)
class Benefit:
    """One EB segment (loop 2110) with what belongs to it."""

    info: str  # EB01: 1 active, 6 inactive, A coinsurance, B copay, C deductible, G OOP ...
    coverage_level: str | None  # EB02: IND, FAM, EMP, ...
    service_types: tuple[str, ...]  # EB03, every repetition
    insurance_type: str | None  # EB04
    plan_description: str | None  # EB05
    time_period: str | None  # EB06: 23 calendar year, 29 remaining, 24 year to date ...
    amount: Decimal | None  # EB07
    percent: Decimal | None  # EB08, a fraction: 0.2 is 20%
    quantity_qualifier: str | None  # EB09
    quantity: Decimal | None  # EB10
    authorization_required: str | None  # EB11: Y, N, U
    in_network: bool | None  # EB12: Y True, N False, W/U/absent None
    messages: tuple[str, ...] = ()  # MSG01s
    dates: dict[str, str] = field(default_factory=dict)  # 2110 DTP: qualifier -> DTP03
    related: tuple[RelatedEntity, ...] = ()  # 2120 loops


@dataclass(frozen=True)
class Response271:
    """What a 271 says about one subscriber (2000C) or dependent (2000D)."""

    trace_numbers: tuple[str, ...]  # TRN02s: the 270's trace comes back here
    payer_name: str | None  # 2100A NM103
    payer_id: str | None  # 2100A NM109
    member_id: str | None  # NM109 (a dependent without one: the subscriber's)
    last_name: str | None
    first_name: str | None
    birth_date: date | None  # DMG02
    is_dependent: bool
    group_number: str | None  # REF*6P (REF*1L when the payer cannot tell group from policy)
    plan_number: str | None  # REF*18
    # 2100 DTP by qualifier: 346/347 plan begin/end, 356/357 eligibility begin/end, 291
    # plan, 307 eligibility; a D8 is a date, an RD8 a (first, last) pair.
    plan_dates: dict[str, date | tuple[date, date]]
    rejections: tuple[Rejection, ...]  # this level's AAAs and those above that apply to it
    benefits: tuple[Benefit, ...]


@dataclass(frozen=True)
class CostShare:
    service_type: str
    copay: Decimal | None  # EB01 B
    coinsurance_percent: Decimal | None  # EB01 A as a percentage: 20 for EB08 0.2
    deductible: Decimal | None  # EB01 C for the period (calendar year, contract ...)
    deductible_remaining: Decimal | None  # EB01 C, EB06 29 (remaining)
    out_of_pocket_max: Decimal | None  # EB01 G
    out_of_pocket_remaining: Decimal | None  # EB01 G, EB06 29
    coverage_level: str | None
    in_network: bool | None


@dataclass(frozen=True)
class OtherPayer:
    """Another payer the 271 reports for the member (EB01 R, its 2120 loop): coordination
    of benefits. `order` is the 2120 NM101's: primary (PRP), secondary (SEP), tertiary
    (TTP), or None when the payer names it without saying."""

    order: Literal["primary", "secondary", "tertiary"] | None
    name: str | None
    payer_id: str | None
    insurance_type: str | None  # EB04


@dataclass(frozen=True)
class CoverageAnswer:
    status: Literal["active", "inactive", "unknown"]
    plan_name: str | None
    group_number: str | None
    coverage_start: date | None
    coverage_end: date | None
    cost_share: tuple[CostShare, ...]
    rejections: tuple[Rejection, ...]
    other_payers: tuple[OtherPayer, ...] = ()


# --- parsing -----------------------------------------------------------------------------


def _ccyymmdd(seg: Segment, text: str, pos: int) -> date:
    if len(text) != 8 or not text.isdigit() or not text.isascii():
        raise seg.error("not a date (CCYYMMDD)", pos)
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise seg.error("not a calendar date (CCYYMMDD)", pos) from None


def _dtp(seg: Segment) -> tuple[str, date | tuple[date, date]]:
    """DTP01 and DTP03 as a date (D8) or a first-last pair (RD8), checked."""
    qualifier = seg.get(1)
    if not qualifier:
        raise seg.error("DTP01 (date qualifier) is missing", 1)
    form = seg.get(2)
    value = seg.get(3)
    if not value:
        raise seg.error("DTP03 (date) is missing", 3)
    if form == "D8":
        return qualifier, _ccyymmdd(seg, value, 3)
    if form == "RD8":
        first, dash, last = value.partition("-")
        if not dash:
            raise seg.error("an RD8 date range is CCYYMMDD-CCYYMMDD", 3)
        begin, end = _ccyymmdd(seg, first, 3), _ccyymmdd(seg, last, 3)
        if end < begin:
            raise seg.error("the date range ends before it begins", 3)
        return qualifier, (begin, end)
    raise seg.error("DTP02 must be D8 or RD8 in a 271", 2)


def _rejection(seg: Segment, level: Level) -> Rejection:
    if seg.get(1) not in ("Y", "N"):
        raise seg.error("AAA01 (valid request indicator) must be Y or N", 1)
    code = seg.get(3)
    if not code:
        raise seg.error("AAA03 (reject reason code) is missing", 3)
    action = seg.get(4)
    return Rejection(
        code=code,
        # An unlisted code is kept (payers invent some) rather than failing the response.
        reason=REJECT_REASONS.get(code, f"reject reason code {code}"),
        follow_up=FOLLOW_UP_ACTIONS.get(action, f"follow-up action code {action}")
        if action
        else None,
        level=level,
        retryable=code in RETRYABLE_REASONS,
    )


def _person_or_org(seg: Segment) -> str | None:
    if seg.get(2) == "1":  # a person: NM103 last, NM104 first, NM105 middle
        parts = [seg.get(4), seg.get(5), seg.get(3)]
        return " ".join(p for p in parts if p) or None
    return seg.get(3) or None


# EB01..EB12 as parsed, in the order of Benefit's first fields (a plain tuple: built once
# per EB line, where a NamedTuple's Python-level constructor showed in profiles).
_EBFields = tuple[
    str,
    str | None,
    tuple[str, ...],
    str | None,
    str | None,
    str | None,
    Decimal | None,
    Decimal | None,
    str | None,
    Decimal | None,
    str | None,
    bool | None,
]


class _Draft:
    """A 2110 loop being read: the EB's values plus what follows it."""

    __slots__ = ("dates", "eb", "fields", "ls", "messages", "related")

    def __init__(self, eb: Segment, fields: _EBFields) -> None:
        self.eb = eb
        self.fields = fields
        self.ls: Segment | None = None  # the open LS, until its LE
        self.messages: list[str] = []
        self.dates: dict[str, str] = {}
        self.related: list[RelatedEntity] = []


_EB_WIDTH = 13  # EB00 (the id) to EB12
_EB_PADDING = [""] * _EB_WIDTH
_PERCENT_RANGE = (Decimal(0), Decimal(1))


def _eb(seg: Segment) -> _Draft:
    # Elements read straight from the list (padded once): EB is the bulk of a 271 and
    # twelve Segment.get calls per line were a third of the parse time.
    el = seg.elements
    if len(el) < _EB_WIDTH:
        el = el + _EB_PADDING[len(el) :]
    info = el[1]
    if not info:
        raise seg.error("EB01 (eligibility or benefit information code) is missing", 1)
    qualifier = el[9] or None
    quantity = seg.decimal(10, False) if el[10] else None
    # Syntax rule P0910: a quantity needs its qualifier and the other way round.
    if quantity is not None and qualifier is None:
        raise seg.error("EB10 (quantity) needs EB09 (quantity qualifier)", 9)
    if qualifier is not None and quantity is None:
        raise seg.error("EB09 (quantity qualifier) needs EB10 (quantity)", 10)
    percent = seg.decimal(8, False) if el[8] else None
    if percent is not None and not _PERCENT_RANGE[0] <= percent <= _PERCENT_RANGE[1]:
        # A payer writing 20 for 20% would otherwise become 2000% coinsurance.
        raise seg.error("EB08 (percent) must be a fraction from 0 to 1 (0.2 is 20%)", 8)
    if el[12] not in _IN_NETWORK:
        raise seg.error("EB12 (in plan network) must be Y, N, W or U", 12)
    services = el[3]
    fields: _EBFields = (
        info,
        el[2] or None,
        # Repeated with ISA11's separator: "1^33^98" is three service types.
        tuple(filter(None, services.split(seg.separators.repetition))) if services else (),
        el[4] or None,
        el[5] or None,
        el[6] or None,
        seg.decimal(7, False) if el[7] else None,
        percent,
        qualifier,
        quantity,
        el[11] or None,
        _IN_NETWORK[el[12]],
    )
    return _Draft(seg, fields)


class _Node:
    """One HL level as read so far."""

    __slots__ = (
        "benefits",
        "birth_date",
        "first_name",
        "group_number",
        "has_children",
        "hl",
        "inherited",
        "last_name",
        "level",
        "member_id",
        "name",
        "named",
        "parent",
        "payer_id",
        "plan_dates",
        "plan_number",
        "rejections",
        "traces",
    )

    def __init__(self, hl: Segment, level: Level, parent: _Node | None) -> None:
        self.hl = hl
        self.level: Level = level
        self.parent = parent
        self.has_children = False
        self.named = False  # its 2100 NM1 was read
        self.rejections: list[Rejection] = []  # every AAA of this level, in file order
        # The 2000/2100 AAAs (not the 2110 ones, which concern one benefit inquiry):
        # a subscriber's apply to its dependents as well.
        self.inherited: list[Rejection] = []
        self.name: str | None = None  # 2100A payer name
        self.payer_id: str | None = None
        self.traces: list[str] = []
        self.member_id: str | None = None
        self.last_name: str | None = None
        self.first_name: str | None = None
        self.birth_date: date | None = None
        self.group_number: str | None = None
        self.plan_number: str | None = None
        self.plan_dates: dict[str, date | tuple[date, date]] = {}
        self.benefits: list[Benefit] = []


def _chain(node: _Node) -> list[_Node]:
    """`node` and its ancestors, nearest first."""
    chain: list[_Node] = []
    up: _Node | None = node
    while up is not None:
        chain.append(up)
        up = up.parent
    return chain


def _response(node: _Node) -> Response271:
    """The response for a subscriber, a dependent, or a childless source/receiver."""
    chain = _chain(node)[::-1]  # source first
    source = chain[0]
    rejections: list[Rejection] = []
    for ancestor in chain[:-1]:
        rejections += ancestor.inherited
    rejections += node.rejections
    member_id, group, plan = node.member_id, node.group_number, node.plan_number
    plan_dates = node.plan_dates
    dependent = node.level == "dependent"
    if dependent:
        # The coverage is the subscriber's: a dependent without an id of their own is
        # billed under the subscriber's, and the group and plan are the subscriber's.
        subscriber = chain[-2]
        member_id = member_id or subscriber.member_id
        group = group or subscriber.group_number
        plan = plan or subscriber.plan_number
        plan_dates = {**subscriber.plan_dates, **plan_dates}
    return Response271(
        trace_numbers=tuple(node.traces),
        payer_name=source.name,
        payer_id=source.payer_id,
        member_id=member_id,
        last_name=node.last_name,
        first_name=node.first_name,
        birth_date=node.birth_date,
        is_dependent=dependent,
        group_number=group,
        plan_number=plan,
        plan_dates=dict(plan_dates),
        rejections=tuple(rejections),
        benefits=tuple(node.benefits),
    )


class _Parser:
    """One pass over the segments: envelope checks and the 271 structure together."""

    def __init__(self) -> None:
        self.responses: list[Response271] = []
        self.validator = EnvelopeValidator()
        self.handlers: dict[str, Callable[[Segment], None]] = {
            "GS": self._gs,
            "ST": self._st,
            "SE": self._se,
            "HL": self._hl,
            "TRN": self._trn,
            "NM1": self._nm1,
            "REF": self._ref,
            "DMG": self._dmg,
            "DTP": self._dtp,
            "AAA": self._aaa,
            "EB": self._eb,
            "MSG": self._msg,
            "LS": self._ls,
            "LE": self._le,
        }
        self._reset()

    def _reset(self) -> None:
        self.nodes: dict[str, _Node] = {}  # by HL01
        self.order: list[_Node] = []  # file order
        self.node: _Node | None = None  # the current HL level
        self.draft: _Draft | None = None  # the current 2110 loop

    def run(self, text: str) -> list[Response271]:
        feed = self.validator.feed
        handlers = self.handlers
        for seg in iter_segments(text):
            feed(seg)  # first, so an envelope error wins at the same segment
            handler = handlers.get(seg.id)
            if handler is not None:
                handler(seg)
            # N3, N4, PER, PRV, INS, HI, MPI, HSD, III, BHT...: nothing the answer uses.
        self.validator.finish()
        return self.responses

    # envelope

    def _gs(self, seg: Segment) -> None:
        if seg.get(1) != "HB":
            raise seg.error("GS01 must be HB (eligibility response) for a 271", 1)

    def _st(self, seg: Segment) -> None:
        if seg.get(1) != "271":
            raise seg.error("ST01 must be 271", 1)
        self._reset()

    def _se(self, seg: Segment) -> None:
        self._close_benefit()
        found = 0
        for node in self.order:
            if node.level in ("subscriber", "dependent"):
                self.responses.append(_response(node))
                found += 1
            elif not node.has_children and any(n.inherited for n in _chain(node)):
                # Rejected before any subscriber was looked up (payer down, provider
                # not enrolled): the rejection is the whole answer.
                self.responses.append(_response(node))
                found += 1
        if not found:
            raise seg.error("the transaction has no subscriber level (HL03 = 22)")
        self._reset()

    # structure

    def _current(self, seg: Segment) -> _Node:
        node = self.node
        if node is None:
            raise seg.error(f"{seg.id} before the first HL")
        return node

    def _member(self, seg: Segment) -> _Node:
        node = self._current(seg)
        if node.level not in ("subscriber", "dependent"):
            raise seg.error(
                f"{seg.id} outside a subscriber or dependent level "
                f"(it is in loop {_LOOP_IDS[node.level]})"
            )
        return node

    def _hl(self, seg: Segment) -> None:
        self._close_benefit()
        hl_id = seg.get(1)
        if not hl_id:
            raise seg.error("HL01 (hierarchical id number) is missing", 1)
        if hl_id in self.nodes:
            raise seg.error("HL01 repeats an earlier HL's id", 1)
        level = _HL_LEVELS.get(seg.get(3))
        if level is None:
            raise seg.error("HL03 must be 20, 21, 22 or 23 in a 271", 3)
        parent_level = _PARENT_LEVEL[level]
        parent: _Node | None = None
        if parent_level is None:
            if seg.get(2):
                raise seg.error("the information source level (HL03 = 20) has no parent", 2)
        else:
            parent = self.nodes.get(seg.get(2))
            if parent is None or parent.level != parent_level:
                raise seg.error(f"HL02 must name an earlier {parent_level} level HL", 2)
            parent.has_children = True
        node = _Node(seg, level, parent)
        self.nodes[hl_id] = node
        self.order.append(node)
        self.node = node

    def _trn(self, seg: Segment) -> None:
        node = self._member(seg)
        if self.draft is not None:
            # The guide puts TRN before the NM1; after it the meaning is still plain, but
            # inside a 2110 loop it would be a trace of one benefit line, which has none.
            raise seg.error("TRN inside loop 2110 (after an EB)")
        trace = seg.get(2)
        if not trace:
            raise seg.error("TRN02 (trace number) is missing", 2)
        node.traces.append(trace)

    def _nm1(self, seg: Segment) -> None:
        draft = self.draft
        if draft is not None:
            if draft.ls is None:
                raise seg.error("NM1 in loop 2110 outside LS/LE (loop 2120)")
            draft.related.append(
                RelatedEntity(
                    entity_code=seg.get(1),
                    name=_person_or_org(seg),
                    identifier=seg.get(9) or None,
                )
            )
            return
        node = self._current(seg)
        if node.named:
            raise seg.error(f"a second NM1 in loop 2100 of the HL at segment {node.hl.number}")
        node.named = True
        if not seg.get(1):
            raise seg.error("NM101 (entity identifier code) is missing", 1)
        if node.level == "source":
            node.name = seg.get(3) or None
            node.payer_id = seg.get(9) or None
        elif node.level != "receiver":
            node.last_name = seg.get(3) or None
            node.first_name = seg.get(4) or None
            node.member_id = seg.get(9) or None

    def _ref(self, seg: Segment) -> None:
        node = self.node
        if self.draft is not None or node is None or node.level in ("source", "receiver"):
            return  # benefit-level and provider references: not part of the answer
        qualifier = seg.get(1)
        if qualifier not in ("6P", "1L", "18"):
            return
        value = seg.get(2)
        if not value:
            raise seg.error("REF02 (reference identification) is missing", 2)
        if qualifier == "18":
            node.plan_number = node.plan_number or value
        elif qualifier == "6P" or node.group_number is None:
            # 1L is for "group or policy, cannot tell": only when no 6P says better.
            node.group_number = value

    def _dmg(self, seg: Segment) -> None:
        node = self._member(seg)
        if seg.get(2) and seg.get(1) != "D8":
            raise seg.error("DMG01 must be D8 when DMG02 (birth date) is present", 1)
        node.birth_date = seg.date(2, False)

    def _dtp(self, seg: Segment) -> None:
        qualifier, value = _dtp(seg)  # checked wherever it stands
        draft = self.draft
        if draft is not None:
            draft.dates.setdefault(qualifier, seg.get(3))
            return
        node = self.node
        if node is not None and node.level in ("subscriber", "dependent"):
            node.plan_dates.setdefault(qualifier, value)

    def _aaa(self, seg: Segment) -> None:
        node = self._current(seg)
        rejection = _rejection(seg, node.level)
        node.rejections.append(rejection)
        if self.draft is None:
            node.inherited.append(rejection)

    def _eb(self, seg: Segment) -> None:
        self._member(seg)
        self._close_benefit()
        self.draft = _eb(seg)

    def _msg(self, seg: Segment) -> None:
        draft = self.draft
        if draft is None:
            raise seg.error("MSG outside loop 2110 (no EB before it)")
        draft.messages.append(seg.get(1))

    def _ls(self, seg: Segment) -> None:
        draft = self.draft
        if draft is None:
            raise seg.error("LS outside loop 2110 (no EB before it)")
        if draft.ls is not None:
            raise seg.error(f"LS while the LS at segment {draft.ls.number} is still open")
        if seg.get(1) != "2120":
            raise seg.error("LS01 must be 2120 in a 271", 1)
        draft.ls = seg

    def _le(self, seg: Segment) -> None:
        draft = self.draft
        if draft is None or draft.ls is None:
            raise seg.error("LE without LS")
        if seg.get(1) != draft.ls.get(1):
            raise seg.error("LE01 must repeat LS01", 1)
        draft.ls = None

    def _close_benefit(self) -> None:
        draft = self.draft
        if draft is None:
            return
        if draft.ls is not None:
            raise draft.ls.error("LS without its LE")
        node = self.node
        assert node is not None  # an EB is only accepted inside a member level
        messages, related = draft.messages, draft.related
        node.benefits.append(
            Benefit(
                *draft.fields,
                tuple(messages) if messages else (),
                draft.dates,
                tuple(related) if related else (),
            )
        )
        self.draft = None


def parse_271(text: str) -> list[Response271]:
    """Every subscriber (2000C) and dependent (2000D) of every 271 in `text`, in file order.

    Separators come from the ISA; the envelope is validated as the segments stream
    (a SE02 that does not match ST02 is an X12SyntaxError at the SE, element 2).
    """
    return _Parser().run(text)


# --- the answer --------------------------------------------------------------------------

# EB01 codes that mean the member is covered (2-5: active under capitation or pending
# investigation) or is not (7, 8: inactive pending an update or an investigation).
_ACTIVE = frozenset({"1", "2", "3", "4", "5"})
_INACTIVE = frozenset({"6", "7", "8"})
# EB06 periods that state what is left rather than the limit itself.
_REMAINING = frozenset({"29", "33"})  # remaining, lifetime remaining
# EB06 24 (year to date) states what was spent so far: neither the limit nor what is left.
_SPENT = "24"
# EB01 A coinsurance, B copay, C deductible, G out of pocket (stop loss).
_COST_KINDS = frozenset({"A", "B", "C", "G"})
# EB04 insurance type codes, for a plan name when EB05 is absent.
INSURANCE_TYPES: dict[str, str] = {
    "C1": "Commercial",
    "CO": "COBRA",
    "EP": "Exclusive Provider Organization (EPO)",
    "HM": "Health Maintenance Organization (HMO)",
    "HN": "HMO - Medicare Risk",
    "IN": "Indemnity",
    "MA": "Medicare Part A",
    "MB": "Medicare Part B",
    "MC": "Medicaid",
    "MP": "Medicare Primary",
    "PR": "Preferred Provider Organization (PPO)",
    "PS": "Point of Service (POS)",
    "SP": "Supplemental Policy",
    "WC": "Workers Compensation",
}

_BEGIN = ("356", "346")  # eligibility begin before plan begin: the member's own dates win
_END = ("357", "347")
_SPANS = ("307", "291")  # eligibility, plan: a D8 (first day) or an RD8 (first, last)


def _coverage_dates(
    dates: dict[str, date | tuple[date, date]],
) -> tuple[date | None, date | None]:
    """(start, end) from 2100 dates, the member's eligibility before the plan's."""
    start: date | None = None
    end: date | None = None
    for begin_q, end_q, span_q in zip(_BEGIN, _END, _SPANS, strict=True):
        for qualifier in (begin_q, span_q):
            value = dates.get(qualifier)
            if start is None and value is not None:
                start = value[0] if isinstance(value, tuple) else value
        for qualifier in (end_q, span_q):
            value = dates.get(qualifier)
            if end is None and value is not None:
                # A single D8 "eligibility" date is a first day, never a last one.
                if isinstance(value, tuple):
                    end = value[1]
                elif qualifier == end_q:
                    end = value
    return start, end


def _benefit_dates(benefit: Benefit) -> dict[str, date | tuple[date, date]]:
    """A 2110's DTPs as dates (they were checked when parsed)."""
    out: dict[str, date | tuple[date, date]] = {}
    for qualifier, raw in benefit.dates.items():
        first, _, last = raw.partition("-")
        begin = date(int(first[:4]), int(first[4:6]), int(first[6:8]))
        if last:
            out[qualifier] = (begin, date(int(last[:4]), int(last[4:6]), int(last[6:8])))
        else:
            out[qualifier] = begin
    return out


class _Share:
    __slots__ = ("coinsurance", "copay", "deductible", "left", "oop", "oop_left")

    def __init__(self) -> None:
        self.copay: Decimal | None = None
        self.coinsurance: Decimal | None = None
        self.deductible: Decimal | None = None
        self.left: Decimal | None = None
        self.oop: Decimal | None = None
        self.oop_left: Decimal | None = None


def _add(share: _Share, benefit: Benefit) -> None:
    """Fold one benefit into a share; the first value of a kind wins (file order)."""
    info, amount = benefit.info, benefit.amount
    if info == "A":
        if benefit.percent is not None and share.coinsurance is None:
            share.coinsurance = benefit.percent * 100
        return
    if amount is None:
        return
    period = benefit.time_period
    if info == "B":
        share.copay = share.copay if share.copay is not None else amount
    elif period == _SPENT:
        return
    elif info == "C":
        if period in _REMAINING:
            share.left = share.left if share.left is not None else amount
        else:
            share.deductible = share.deductible if share.deductible is not None else amount
    elif info == "G":
        if period in _REMAINING:
            share.oop_left = share.oop_left if share.oop_left is not None else amount
        else:
            share.oop = share.oop if share.oop is not None else amount


def _cost_share(benefits: Sequence[Benefit], wanted: Sequence[str]) -> tuple[CostShare, ...]:
    shares: dict[tuple[str, str | None, bool | None], _Share] = {}
    for service_type in wanted:
        for benefit in benefits:
            if benefit.info not in _COST_KINDS:
                continue
            # No EB03: the line is about the plan as a whole, so about every type asked.
            if benefit.service_types and service_type not in benefit.service_types:
                continue
            key = (service_type, benefit.coverage_level, benefit.in_network)
            share = shares.get(key)
            if share is None:
                share = shares[key] = _Share()
            _add(share, benefit)
    return tuple(
        CostShare(
            service_type=service_type,
            copay=s.copay,
            coinsurance_percent=s.coinsurance,
            deductible=s.deductible,
            deductible_remaining=s.left,
            out_of_pocket_max=s.oop,
            out_of_pocket_remaining=s.oop_left,
            coverage_level=level,
            in_network=network,
        )
        for (service_type, level, network), s in shares.items()
        if any(
            v is not None for v in (s.copay, s.coinsurance, s.deductible, s.left, s.oop, s.oop_left)
        )
    )


def _plan_name(candidates: Sequence[Benefit]) -> str | None:
    for benefit in candidates:
        if benefit.plan_description:
            return benefit.plan_description
    for benefit in candidates:
        if benefit.insurance_type:
            return INSURANCE_TYPES.get(benefit.insurance_type, benefit.insurance_type)
    return None


def summarize(response: Response271, service_types: Sequence[str] = ("30",)) -> CoverageAnswer:
    """The coverage answer for the service types asked about (EB03; 30 is the plan).

    A benefit without EB03 concerns the plan as a whole and counts for every type asked;
    a benefit listing several types counts for each of them. Any rejection makes the
    status unknown: the payer did not answer the question that was asked.
    """
    wanted = tuple(dict.fromkeys(service_types))  # de-duplicated, order kept
    wanted_set = frozenset(wanted)
    relevant = [
        b
        for b in response.benefits
        if not b.service_types or not wanted_set.isdisjoint(b.service_types)
    ]
    active = [b for b in relevant if b.info in _ACTIVE]
    inactive = [b for b in relevant if b.info in _INACTIVE]
    status: Literal["active", "inactive", "unknown"]
    if response.rejections:
        status = "unknown"
    elif active:
        status = "active"
    elif inactive:
        status = "inactive"
    else:
        status = "unknown"
    any_active = [b for b in response.benefits if b.info in _ACTIVE]
    start, end = _coverage_dates(response.plan_dates)
    for benefit in active or any_active:
        # Some payers date the coverage on the EB*1 (2110) instead of the member (2100).
        if start is not None and end is not None:
            break
        more_start, more_end = _coverage_dates(_benefit_dates(benefit))
        start = start or more_start
        end = end or more_end
    return CoverageAnswer(
        status=status,
        plan_name=_plan_name([*active, *any_active, *inactive]),
        group_number=response.group_number,
        coverage_start=start,
        coverage_end=end,
        cost_share=_cost_share(response.benefits, wanted),
        rejections=response.rejections,
        other_payers=_other_payers(response.benefits),
    )


# 2120 NM101 entity codes that say where the other payer stands
_PAYER_ORDER: dict[str, Literal["primary", "secondary", "tertiary"]] = {
    "PRP": "primary",
    "SEP": "secondary",
    "TTP": "tertiary",
}
_PAYER_ENTITIES = frozenset({*_PAYER_ORDER, "PR"})  # PR: a payer, order unsaid


def _other_payers(benefits: Sequence[Benefit]) -> tuple[OtherPayer, ...]:
    """Every EB*R (other or additional payer), with the payer its 2120 loop names."""
    found: list[OtherPayer] = []
    for benefit in benefits:
        if benefit.info != "R":
            continue
        named = [r for r in benefit.related if r.entity_code in _PAYER_ENTITIES]
        if not named:
            found.append(OtherPayer(None, benefit.plan_description, None, benefit.insurance_type))
        for entity in named:
            found.append(
                OtherPayer(
                    _PAYER_ORDER.get(entity.entity_code),
                    entity.name,
                    entity.identifier,
                    benefit.insurance_type,
                )
            )
    return tuple(dict.fromkeys(found))
