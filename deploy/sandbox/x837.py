"""Reading an 837P interchange the way a clearinghouse front end does: the envelope with the
shared reader, then each transaction set on its own, so that one bad transaction set is
rejected in the 999 (IK5*R) while the others go on. Pure: no I/O.

Only what the sandbox needs is kept: the billing provider, subscriber and patient names
(the 277CA and 835 echo them), the payer, and each claim's CLM, REF, HI and service lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from deploy.sandbox.rules import Adjustment, ClaimFacts, Line, PriorPayer
from rcm_shared.x12.errors import X12SyntaxError
from rcm_shared.x12.reader import Interchange, Segment, Transaction, read_interchange

VERSION = "005010X222A1"


@dataclass(frozen=True)
class Person:
    last: str
    first: str | None


@dataclass
class Claim837:
    facts: ClaimFacts
    billing_npi: str
    billing_name: str
    billing_tax_id: str
    payer_id: str
    payer_name: str
    subscriber: Person
    patient: Person | None  # None: the subscriber is the patient
    place_of_service: str
    replaces: str | None  # REF*F8: the payer claim control number a 7 or 8 names
    has_rendering: bool
    clm_position: int  # CLM's position in its transaction set (ST = 1), for the 999
    member_position: int  # NM1*IL's position

    @property
    def patient_control_number(self) -> str:
        return self.facts.patient_control_number

    @property
    def patient_person(self) -> Person:
        return self.patient or self.subscriber


@dataclass(frozen=True)
class ElementError:
    """One IK3/IK4 pair of the 999."""

    segment_id: str
    position: int  # in the transaction set, ST = 1
    loop: str | None
    segment_code: str  # IK304
    element: int | None = None
    element_reference: str | None = None  # IK402: the data element's reference number
    element_code: str | None = None  # IK403


@dataclass
class Transaction837:
    control_number: str  # ST02
    reference: str  # BHT03: the submitter's batch id, echoed in the 277CA
    submitter_name: str
    submitter_id: str
    claims: list[Claim837] = field(default_factory=list)
    errors: list[ElementError] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.errors


@dataclass
class Interchange837:
    sender_id: str  # ISA06
    control_number: str  # ISA13
    group_control: str  # GS06
    version: str  # GS08
    transactions: list[Transaction837]


def read_837(text: str) -> Interchange837:
    """Raises X12SyntaxError when the envelope itself is broken (nothing to acknowledge)."""
    interchange: Interchange = read_interchange(text)
    if len(interchange.groups) != 1:
        raise interchange.isa.error("the sandbox takes one functional group per interchange")
    group = interchange.groups[0]
    if group.functional_id != "HC":
        raise group.gs.error("GS01 must be HC (health care claim)", 1)
    return Interchange837(
        sender_id=interchange.isa.get(6).strip(),
        control_number=interchange.control_number,
        group_control=group.control_number,
        version=group.version,
        transactions=[_transaction(t) for t in group.transactions],
    )


@dataclass
class _OpenLine:
    seg: Segment
    procedure: str
    modifiers: tuple[str, ...]
    charge: Decimal
    units: Decimal
    pointers: list[int]
    start: date | None = None
    end: date | None = None
    control: str | None = None


@dataclass
class _OpenPrior:
    """A 2320 loop being read, with the 2430 loops that name its payer."""

    responsibility: str
    payer_id: str = ""
    member_id: str = ""
    paid: Decimal | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    lines: dict[int, tuple[Decimal, list[Adjustment]]] = field(default_factory=dict)


@dataclass
class _OpenClaim:
    seg: Segment
    pcn: str
    charge: Decimal
    place_of_service: str
    frequency: str
    diagnoses: list[str] = field(default_factory=list)
    rendering: bool = False
    prior_auth: str | None = None
    referral: str | None = None
    replaces: str | None = None
    lines: list[_OpenLine] = field(default_factory=list)
    others: list[_OpenPrior] = field(default_factory=list)
    line_cas: list[Adjustment] | None = None  # the 2430 loop being read: where CAS goes


class _Reject(Exception):
    def __init__(self, error: ElementError) -> None:
        self.error = error


def _transaction(transaction: Transaction) -> Transaction837:
    out = Transaction837(transaction.control_number, "", "", "")
    try:
        if transaction.transaction_set != "837" or transaction.version != VERSION:
            raise _Reject(ElementError("ST", 1, None, "8", 3, "1705", "7"))
        _Reader(transaction, out).run()
    except _Reject as rejected:
        out.errors.append(rejected.error)
        out.claims.clear()
    return out


def _element(
    seg: Segment, st: Segment, loop: str | None, pos: int, ref: str, code: str
) -> ElementError:
    return ElementError(seg.id, seg.number - st.number + 1, loop, "8", pos, ref, code)


class _Reader:
    """One 837P transaction set, segment by segment."""

    def __init__(self, transaction: Transaction, out: Transaction837) -> None:
        self.transaction = transaction
        self.st = transaction.st
        self.out = out
        self.billing: tuple[str, str, str] = ("", "", "")  # npi, name, tax id
        self.subscriber = Person("", None)
        self.member_id = ""
        self.member_position = 0
        self.payer = ("", "")
        self.patient: Person | None = None
        self.responsibility = "P"
        self.claim: _OpenClaim | None = None
        self.loop = "HEADER"

    def position(self, seg: Segment) -> int:
        return seg.number - self.st.number + 1

    def required(self, seg: Segment, pos: int, ref: str) -> str:
        value = seg.get(pos)
        if not value:
            raise _Reject(_element(seg, self.st, self.loop, pos, ref, "1"))
        return value

    def amount(self, seg: Segment, pos: int, ref: str) -> Decimal:
        try:
            return seg.decimal(pos)
        except X12SyntaxError:
            raise _Reject(_element(seg, self.st, self.loop, pos, ref, "6")) from None

    def run(self) -> None:
        handlers = {
            "BHT": self._bht,
            "HL": self._hl,
            "NM1": self._nm1,
            "REF": self._ref,
            "CLM": self._clm,
            "HI": self._hi,
            "LX": self._lx,
            "SV1": self._sv1,
            "DTP": self._dtp,
            "SBR": self._sbr,
            "AMT": self._amt,
            "CAS": self._cas,
            "SVD": self._svd,
        }
        for seg in self.transaction.body:
            handler = handlers.get(seg.id)
            if handler is not None:
                handler(seg)
        self._close_claim(self.transaction.segments[-1])
        if not self.out.claims:
            raise _Reject(
                ElementError("CLM", self.position(self.transaction.segments[-1]), "2300", "3")
            )

    def _bht(self, seg: Segment) -> None:
        self.out.reference = self.required(seg, 3, "127")

    def _hl(self, seg: Segment) -> None:
        self._close_claim(seg)
        level = seg.get(3)
        if level == "20":
            self.loop = "2000A"
        elif level == "22":
            self.loop = "2000B"
            self.patient = None
        elif level == "23":
            self.loop = "2000C"
        else:
            raise _Reject(_element(seg, self.st, self.loop, 3, "735", "7"))

    def _nm1(self, seg: Segment) -> None:
        entity = seg.get(1)
        if entity == "41":
            self.out.submitter_name = seg.get(3)
            self.out.submitter_id = self.required(seg, 9, "67")
        elif entity == "85":
            self.loop = "2010AA"
            self.billing = (self.required(seg, 9, "67"), self.required(seg, 3, "1035"), "")
        elif entity == "IL" and self.claim is not None:
            self.loop = "2330A"  # the other payer's subscriber: not this claim's member
            if self.claim.others:
                self.claim.others[-1].member_id = seg.get(9)
        elif entity == "PR" and self.claim is not None and self.claim.others:
            self.loop = "2330B"
            self.claim.others[-1].payer_id = self.required(seg, 9, "67")
        elif entity == "IL":
            self.loop = "2010BA"
            self.subscriber = Person(self.required(seg, 3, "1035"), seg.get(4) or None)
            self.member_id = self.required(seg, 9, "67")
            self.member_position = self.position(seg)
        elif entity == "PR" and self.claim is None:
            self.loop = "2010BB"
            self.payer = (self.required(seg, 9, "67"), seg.get(3))
        elif entity == "QC":
            self.loop = "2010CA"
            self.patient = Person(self.required(seg, 3, "1035"), seg.get(4) or None)
        elif entity == "82" and self.claim is not None:
            self.claim.rendering = True

    def _ref(self, seg: Segment) -> None:
        qualifier = seg.get(1)
        claim = self.claim
        if qualifier == "EI" and self.loop == "2010AA":
            self.billing = (self.billing[0], self.billing[1], seg.get(2))
        elif claim is None or self.loop in ("2320", "2330A", "2330B"):
            return  # REF*F8 of 2330B is the other payer's claim number, not a replacement's
        elif claim.lines:
            if qualifier == "6R":
                claim.lines[-1].control = self.required(seg, 2, "127")
        elif qualifier == "G1":
            claim.prior_auth = self.required(seg, 2, "127")
        elif qualifier == "9F":
            claim.referral = self.required(seg, 2, "127")
        elif qualifier == "F8":
            claim.replaces = self.required(seg, 2, "127")

    def _clm(self, seg: Segment) -> None:
        self._close_claim(seg)
        if not self.member_id or not self.payer[0]:
            raise _Reject(ElementError("CLM", self.position(seg), "2300", "7"))
        self.loop = "2300"
        composite = seg.components(5)
        claim = _OpenClaim(
            seg=seg,
            pcn=self.required(seg, 1, "1028"),
            charge=self.amount(seg, 2, "782"),
            place_of_service=composite[0] if composite else "",
            frequency=composite[2] if len(composite) > 2 else "",
        )
        if claim.frequency not in ("1", "7", "8"):
            raise _Reject(_element(seg, self.st, self.loop, 5, "1325", "7"))
        self.claim = claim

    def _hi(self, seg: Segment) -> None:
        if self.claim is None:
            return
        for pos in range(1, 13):
            parts = seg.components(pos)
            if len(parts) >= 2 and parts[0] in ("ABK", "ABF", "BK", "BF"):
                self.claim.diagnoses.append(parts[1])

    def _lx(self, seg: Segment) -> None:
        if self.claim is None:
            raise _Reject(ElementError("LX", self.position(seg), "2400", "2"))
        self.loop = "2400"
        self.claim.line_cas = None

    def _sbr(self, seg: Segment) -> None:
        responsibility = self.required(seg, 1, "1138")
        if self.claim is None:  # 2000B
            self.responsibility = responsibility
            return
        self.loop = "2320"
        self.claim.others.append(_OpenPrior(responsibility))

    def _amt(self, seg: Segment) -> None:
        claim = self.claim
        if claim is not None and self.loop == "2320" and seg.get(1) == "D":
            claim.others[-1].paid = self.amount(seg, 2, "782")

    def _cas(self, seg: Segment) -> None:
        claim = self.claim
        if claim is None:
            return
        if self.loop == "2320":
            target = claim.others[-1].adjustments
        elif self.loop == "2430" and claim.line_cas is not None:
            target = claim.line_cas
        else:
            return
        group = self.required(seg, 1, "1033")
        for pos in range(2, 20, 3):  # up to six reason / amount / quantity triplets
            if not seg.get(pos):
                break
            target.append(Adjustment(group, seg.get(pos), self.amount(seg, pos + 1, "782")))

    def _svd(self, seg: Segment) -> None:
        claim = self.claim
        if claim is None or not claim.lines:
            raise _Reject(ElementError("SVD", self.position(seg), self.loop, "2"))
        self.loop = "2430"
        payer_id = self.required(seg, 1, "67")
        prior = next((o for o in claim.others if o.payer_id == payer_id), None)
        if prior is None:  # SVD01 must name a 2330B payer of this claim
            raise _Reject(_element(seg, self.st, self.loop, 1, "67", "7"))
        adjustments: list[Adjustment] = []
        prior.lines[len(claim.lines) - 1] = (self.amount(seg, 2, "782"), adjustments)
        claim.line_cas = adjustments

    def _sv1(self, seg: Segment) -> None:
        if self.claim is None or self.loop != "2400":
            raise _Reject(ElementError("SV1", self.position(seg), self.loop, "2"))
        procedure = seg.components(1)
        if len(procedure) < 2 or procedure[0] not in ("HC", "WK", "ER", "IV"):
            raise _Reject(_element(seg, self.st, self.loop, 1, "235", "7"))
        pointers = []
        for text in seg.components(7):
            if not text.isdigit():
                raise _Reject(_element(seg, self.st, self.loop, 7, "1328", "7"))
            pointers.append(int(text))
        self.claim.lines.append(
            _OpenLine(
                seg=seg,
                procedure=procedure[1],
                modifiers=tuple(m for m in procedure[2:6] if m),
                charge=self.amount(seg, 2, "782"),
                units=self.amount(seg, 4, "380") if seg.get(4) else Decimal(1),
                pointers=pointers,
            )
        )

    def _dtp(self, seg: Segment) -> None:
        claim = self.claim
        if claim is None or not claim.lines or seg.get(1) != "472":
            return
        line = claim.lines[-1]
        form, value = seg.get(2), seg.get(3)
        if form == "RD8":
            first, _, last = value.partition("-")
            line.start, line.end = _day(first), _day(last)
        else:
            line.start = line.end = _day(value)
        if line.start is None or line.end is None or line.end < line.start:
            raise _Reject(_element(seg, self.st, self.loop, 3, "1251", "8"))

    def _close_claim(self, at: Segment) -> None:
        claim = self.claim
        if claim is None:
            return
        self.claim = None
        if not claim.lines:
            raise _Reject(ElementError("LX", self.position(at), "2400", "3"))
        if not claim.diagnoses:
            raise _Reject(ElementError("HI", self.position(at), "2300", "3"))
        built = []
        for line in claim.lines:
            if line.start is None or line.end is None:
                raise _Reject(ElementError("DTP", self.position(line.seg) + 1, "2400", "3"))
            if any(not 1 <= p <= len(claim.diagnoses) for p in line.pointers):
                raise _Reject(_element(line.seg, self.st, "2400", 7, "1328", "7"))
            built.append(
                Line(
                    procedure=line.procedure,
                    modifiers=line.modifiers,
                    charge=line.charge,
                    units=line.units,
                    diagnoses=tuple(claim.diagnoses[p - 1] for p in line.pointers),
                    service_from=line.start,
                    service_to=line.end,
                    control_number=line.control,
                )
            )
        if claim.frequency in ("7", "8") and not claim.replaces:
            raise _Reject(ElementError("REF", self.position(claim.seg), "2300", "3"))
        self.out.claims.append(
            Claim837(
                facts=ClaimFacts(
                    patient_control_number=claim.pcn,
                    member_id=self.member_id,
                    charge=claim.charge,
                    frequency=claim.frequency,
                    prior_authorization=claim.prior_auth,
                    referral=claim.referral,
                    lines=tuple(built),
                    responsibility=self.responsibility,
                    others=tuple(
                        PriorPayer(
                            payer_id=o.payer_id,
                            responsibility=o.responsibility,
                            member_id=o.member_id,
                            paid=o.paid,
                            adjustments=tuple(o.adjustments),
                            lines=tuple(
                                (n, paid, tuple(adj)) for n, (paid, adj) in sorted(o.lines.items())
                            ),
                        )
                        for o in claim.others
                    ),
                ),
                billing_npi=self.billing[0],
                billing_name=self.billing[1],
                billing_tax_id=self.billing[2],
                payer_id=self.payer[0],
                payer_name=self.payer[1],
                subscriber=self.subscriber,
                patient=self.patient,
                place_of_service=claim.place_of_service,
                replaces=claim.replaces,
                has_rendering=claim.rendering,
                clm_position=self.position(claim.seg),
                member_position=self.member_position,
            )
        )


def _day(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
