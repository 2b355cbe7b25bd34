"""What is a denial, and why: per claim and per line, from the adjustments (group + CARC) and
remark codes (RARC) of one adjudication. Pure functions over the event payload."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from rcm_denials.domain.codes import PATIENT_RESPONSIBILITY, CodeBook
from rcm_shared.events.remittance import Adjustment, ClaimPaymentAdjudicated

ZERO = Decimal("0.00")
DENIED_STATUS = "4"  # CLP02: denied
REVERSAL_STATUS = "22"  # CLP02: reversal of a previous payment
UNKNOWN_CARC = "other"


@dataclass(frozen=True)
class Reason:
    """One denying adjustment, classified."""

    group_code: str
    carc: str
    amount: Decimal
    category: str
    action: str
    remark_codes: tuple[str, ...]
    refined_by: str | None = None  # the RARC that changed the CARC's category
    known_code: bool = True


@dataclass(frozen=True)
class DeniedLine:
    line_index: int  # 0-based position in the remittance
    line_number: int  # 1-based, what a corrected claim's line_modifiers names
    procedure_code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    paid: Decimal
    allowed: Decimal | None
    denied_amount: Decimal
    reasons: tuple[Reason, ...]

    @property
    def primary(self) -> Reason | None:
        return _primary(self.reasons)


@dataclass(frozen=True)
class LineOutcome:
    """Every adjudicated line, denied or not: the base of the risk and analytics figures."""

    line_index: int
    procedure_code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    paid: Decimal
    denied_amount: Decimal
    category: str | None
    carc: str | None

    @property
    def denied(self) -> bool:
        return self.denied_amount > ZERO


@dataclass(frozen=True)
class Decision:
    denied: bool
    denied_amount: Decimal
    claim_reasons: tuple[Reason, ...]  # claim-level (CAS in loop 2100)
    lines: tuple[DeniedLine, ...]
    outcomes: tuple[LineOutcome, ...]
    category: str | None = None
    action: str | None = None
    carc: str | None = None
    group_code: str | None = None
    remark_codes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def all_carcs(self) -> list[str]:
        seen: dict[str, None] = {}
        for reason in (*self.claim_reasons, *(r for ln in self.lines for r in ln.reasons)):
            seen.setdefault(reason.carc, None)
        return list(seen)


def is_denial_adjustment(book: CodeBook, group_code: str, carc: str) -> bool:
    """CO-45 (above the fee schedule), CO-253 (sequestration) and PR-1/2/3 (deductible,
    coinsurance, copay) and the other payment mechanics marked denial=0 are not denials. A
    code missing from the list is treated as one: better a work item than a lost dollar."""
    rule = book.carc_rules.get(carc)
    if rule is None:
        return True
    if rule.category == PATIENT_RESPONSIBILITY:
        return False
    return rule.denial


def classify(book: CodeBook, adjustment: Adjustment, remark_codes: Sequence[str]) -> Reason:
    carc, group = adjustment.reason_code, adjustment.group_code
    rule = book.carc_rules.get(carc)
    if rule is None:
        return Reason(
            group,
            carc,
            adjustment.amount,
            UNKNOWN_CARC,
            "appeal",
            tuple(remark_codes),
            known_code=False,
        )
    category, action, refined_by = rule.category, rule.action, None
    for rarc in remark_codes:
        refined = book.rarc_rules.get((carc, rarc)) or (
            book.rarc_rules.get(("*", rarc)) if rule.refine else None
        )
        if refined is not None:
            category, action, refined_by = refined.category, refined.action, rarc
            break
    if group == "PR":
        # the payer says the patient owes it (e.g. PR-204 non-covered with a waiver on file)
        action = "bill_patient"
    return Reason(group, carc, adjustment.amount, category, action, tuple(remark_codes), refined_by)


def _primary(reasons: Sequence[Reason]) -> Reason | None:
    best: Reason | None = None
    for reason in reasons:  # the largest amount; the first one on a tie
        if best is None or reason.amount > best.amount:
            best = reason
    return best


def decide(book: CodeBook, payment: ClaimPaymentAdjudicated) -> Decision:
    """A claim is denied when CLP02 = 4, or when a line paid nothing or less than allowed
    because of an adjustment whose reason is a denial reason, or a claim-level adjustment
    denies money. Reversals are never denials (they undo an earlier payment)."""
    if payment.is_reversal or payment.claim_status_code == REVERSAL_STATUS:
        return Decision(False, ZERO, (), (), ())
    claim_denied_status = payment.claim_status_code == DENIED_STATUS
    claim_remarks = list(payment.remark_codes)
    claim_reasons = tuple(
        classify(book, adj, claim_remarks)
        for adj in payment.adjustments
        if adj.amount > ZERO and is_denial_adjustment(book, adj.group_code, adj.reason_code)
    )
    lines: list[DeniedLine] = []
    outcomes: list[LineOutcome] = []
    for index, line in enumerate(payment.lines):
        remarks = [*line.remark_codes, *(r for r in claim_remarks if r not in line.remark_codes)]
        reasons = tuple(
            classify(book, adj, remarks)
            for adj in line.adjustments
            if adj.amount > ZERO and is_denial_adjustment(book, adj.group_code, adj.reason_code)
        )
        amount = sum((r.amount for r in reasons), ZERO)
        short = line.paid == ZERO or line.allowed_amount is None or line.paid < line.allowed_amount
        if claim_denied_status and line.paid == ZERO and not reasons and not line.adjustments:
            # a denied claim whose line carries no CAS of its own: the claim's reasons apply
            amount, short = line.charge, True
        line_denied = amount > ZERO and short
        primary = _primary(reasons) or (_primary(claim_reasons) if line_denied else None)
        outcomes.append(
            LineOutcome(
                line_index=index,
                procedure_code=line.procedure_code,
                modifiers=tuple(sorted(m.upper() for m in line.modifiers)),
                charge=line.charge,
                paid=line.paid,
                denied_amount=amount if line_denied else ZERO,
                category=primary.category if primary and line_denied else None,
                carc=primary.carc if primary and line_denied else None,
            )
        )
        if line_denied:
            lines.append(
                DeniedLine(
                    line_index=index,
                    line_number=index + 1,
                    procedure_code=line.procedure_code,
                    modifiers=tuple(line.modifiers),
                    charge=line.charge,
                    paid=line.paid,
                    allowed=line.allowed_amount,
                    denied_amount=amount,
                    reasons=reasons,
                )
            )
    claim_amount = sum((r.amount for r in claim_reasons), ZERO)
    # Line amounts for lines that only inherited the claim's reasons are the same dollars as
    # the claim-level CAS: count them once.
    line_amount = sum((ln.denied_amount for ln in lines if ln.reasons), ZERO)
    denied_amount = claim_amount + line_amount
    denied = claim_denied_status or denied_amount > ZERO
    if not denied:
        return Decision(False, ZERO, (), (), tuple(outcomes))
    if denied_amount == ZERO:
        inherited = sum((ln.denied_amount for ln in lines), ZERO)
        rest = payment.total_charge - payment.paid_amount - payment.patient_responsibility
        denied_amount = inherited or max(rest, ZERO)
    primary = _primary([*claim_reasons, *(r for ln in lines for r in ln.reasons)])
    return Decision(
        denied=True,
        denied_amount=denied_amount,
        claim_reasons=claim_reasons,
        lines=tuple(lines),
        outcomes=tuple(outcomes),
        category=primary.category if primary else UNKNOWN_CARC,
        action=primary.action if primary else "appeal",
        carc=primary.carc if primary else None,
        group_code=primary.group_code if primary else None,
        remark_codes=primary.remark_codes if primary else tuple(claim_remarks),
    )
