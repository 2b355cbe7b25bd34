"""The sandbox payers' rule set: who is covered (member-id patterns), what a procedure is
worth (fee schedules), and how a claim is adjudicated. Pure: no I/O, no clock.

Everything here is documented, with the patterns that trigger each outcome, in
deploy/sandbox/README.md: a demo or an end-to-end test builds a day from that table and
compares what the services did with the sandbox's ground truth.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

# Modifiers that tell the payer a column-2 procedure was distinct from the column-1 one
# (NCCI's modifier 59 and its X{EPSU} subsets): the pair is then not bundled.
UNBUNDLING_MODIFIERS = frozenset({"59", "XE", "XP", "XS", "XU"})
# Office or other outpatient E/M visits: the services a copay applies to.
OFFICE_VISITS = frozenset(
    {"99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215"}
)

# Denial categories of the ground truth, by the CARC that carries them.
CATEGORIES: dict[str, str] = {
    "197": "authorization",
    "11": "coding",
    "18": "duplicate",
    "29": "timely_filing",
    "27": "eligibility",
    "97": "bundling",
    "16": "missing_information",
    "22": "coordination_of_benefits",
}


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- payers


@dataclass(frozen=True)
class Payer:
    payer_id: str
    name: str
    tax_id: str
    claim_filing_indicator: str  # CLP06
    timely_filing_days: int
    payment: Literal["ACH", "CHK"]
    default_allowed_percent: Decimal
    prior_auth_procedures: frozenset[str]
    referral_procedures: frozenset[str]
    fee_schedule: dict[str, Decimal]
    bundled_pairs: frozenset[tuple[str, str]]  # (column 1, column 2)
    diagnosis_conflicts: frozenset[tuple[str, str]]  # (procedure, ICD-10-CM without dot)
    # As a secondary or tertiary payer: the patient responsibility reasons a prior payer
    # left (PR-1 deductible, PR-2 coinsurance, PR-3 copay) that this payer pays.
    cob_covers: frozenset[str] = frozenset({"1", "2", "3"})

    def allowed(self, procedure: str, charge: Decimal, units: Decimal) -> Decimal:
        fee = self.fee_schedule.get(procedure)
        # Codes off the schedule are priced at a percentage of the charge.
        value = charge * self.default_allowed_percent / HUNDRED if fee is None else fee * units
        return min(money(value), charge)


@dataclass(frozen=True)
class Clearinghouse:
    identifier: str  # ISA06 / GS02 of what the sandbox sends
    name: str
    prompt_pay_days: int  # a claim paid later than this after its service earns interest
    interest_percent: Decimal


@dataclass(frozen=True)
class Catalog:
    clearinghouse: Clearinghouse
    payers: dict[str, Payer]
    deleted_procedures: frozenset[str]


def load_catalog(path: Path) -> Catalog:
    raw: dict[str, Any] = json.loads(path.read_text())
    ch = raw["clearinghouse"]
    payers = {}
    for p in raw["payers"]:
        payers[p["payer_id"]] = Payer(
            payer_id=p["payer_id"],
            name=p["name"],
            tax_id=p["tax_id"],
            claim_filing_indicator=p["claim_filing_indicator"],
            timely_filing_days=int(p["timely_filing_days"]),
            payment=p["payment"],
            default_allowed_percent=Decimal(p["default_allowed_percent"]),
            prior_auth_procedures=frozenset(p["prior_auth_procedures"]),
            referral_procedures=frozenset(p["referral_procedures"]),
            fee_schedule={code: Decimal(v) for code, v in p["fee_schedule"].items()},
            bundled_pairs=frozenset((a, b) for a, b in p["bundled_pairs"]),
            diagnosis_conflicts=frozenset((a, b) for a, b in p["diagnosis_conflicts"]),
            cob_covers=frozenset(p.get("cob_covers", ["1", "2", "3"])),
        )
    return Catalog(
        clearinghouse=Clearinghouse(
            identifier=ch["id"],
            name=ch["name"],
            prompt_pay_days=int(ch["prompt_pay_days"]),
            interest_percent=Decimal(ch["interest_percent"]),
        ),
        payers=payers,
        deleted_procedures=frozenset(raw.get("deleted_procedures", [])),
    )


# -------------------------------------------------------------------------- members

Eligibility = Literal["active", "inactive", "terminated", "aaa"]


@dataclass(frozen=True)
class Member:
    """What the payers know about a member, chosen by the member id's prefix."""

    pattern: str
    eligibility: Eligibility
    plan: str | None = None
    copay: Decimal | None = None  # per claim, on its first office visit line (PR-3)
    # What the 271 quotes for other service types (urgent care, emergency) besides `copay`.
    copays: tuple[tuple[str, Decimal], ...] = ()
    coinsurance_percent: Decimal | None = None  # of what is left after copay/deductible (PR-2)
    deductible: Decimal | None = None  # per calendar year
    deductible_remaining: Decimal | None = None  # applied to each claim, first (PR-1)
    aaa_code: str | None = None  # 271 AAA03
    aaa_level: Literal["source", "subscriber"] | None = None
    coverage_terminated: bool = False  # claims deny CO-27
    reject_277ca: tuple[str, str] | None = None  # (STC01-2 status code, STC01-3 entity)
    reject_999: bool = False  # the 837 transaction set holding it fails a front-end edit
    # The 271 reports another payer, primary ahead of this one (EB*R, 2120 NM1*PRP): the
    # claim must go to that payer first.
    other_primary: tuple[str, str] | None = None  # (payer id, name)
    # Accepted by the 277CA, then lost by the payer: never adjudicated, and a 276 about it
    # is answered A4 (not found).
    lost: bool = False


PPO_COPAYS = (("UC", Decimal("75.00")), ("86", Decimal("150.00")))

MEMBERS: dict[str, Member] = {
    "ACT": Member(
        "ACT",
        "active",
        "GOLD PPO",
        copay=Decimal("25.00"),
        copays=PPO_COPAYS,
        coinsurance_percent=Decimal(20),
        deductible=Decimal("1500.00"),
        deductible_remaining=ZERO,
    ),
    "DED": Member(
        "DED",
        "active",
        "BRONZE HDHP",
        coinsurance_percent=Decimal(20),
        deductible=Decimal("2000.00"),
        deductible_remaining=Decimal("500.00"),
    ),
    "COP": Member("COP", "active", "SILVER HMO", copay=Decimal("40.00")),
    "FUL": Member("FUL", "active", "PLATINUM PPO"),
    "INA": Member("INA", "inactive", coverage_terminated=True),
    "TRM": Member("TRM", "terminated", coverage_terminated=True),
    # Retroactively terminated: the 271 still says active, the claim is denied.
    "RET": Member(
        "RET",
        "active",
        "GOLD PPO",
        copay=Decimal("25.00"),
        copays=PPO_COPAYS,
        coinsurance_percent=Decimal(20),
        deductible=Decimal("1500.00"),
        deductible_remaining=ZERO,
        coverage_terminated=True,
    ),
    # Covered here, but Medicare is primary: a secondary coverage.
    "COB": Member(
        "COB",
        "active",
        "MEDIGAP PLAN G",
        coinsurance_percent=Decimal(20),
        other_primary=("00952", "SANDBOX MEDICARE PART B"),
    ),
    "LST": Member("LST", "active", "GOLD PPO", copay=Decimal("25.00"), lost=True),
    "BAD": Member("BAD", "aaa", aaa_code="72", aaa_level="subscriber", reject_277ca=("164", "IL")),
    "NOF": Member("NOF", "aaa", aaa_code="75", aaa_level="subscriber", reject_277ca=("33", "IL")),
    "BUSY": Member(
        "BUSY",
        "aaa",
        "GOLD PPO",
        copay=Decimal("25.00"),
        copays=PPO_COPAYS,
        coinsurance_percent=Decimal(20),
        deductible=Decimal("1500.00"),
        deductible_remaining=ZERO,
        aaa_code="42",
        aaa_level="source",
    ),
    "SYN": Member(
        "SYN",
        "active",
        "GOLD PPO",
        copay=Decimal("25.00"),
        copays=PPO_COPAYS,
        coinsurance_percent=Decimal(20),
        deductible=Decimal("1500.00"),
        deductible_remaining=ZERO,
        reject_999=True,
    ),
}
DEFAULT_MEMBER = MEMBERS["ACT"]


def member_for(member_id: str) -> Member:
    """The profile of the longest listed prefix the id starts with; ACT otherwise."""
    upper = member_id.upper()
    for prefix in sorted(MEMBERS, key=len, reverse=True):
        if upper.startswith(prefix):
            return MEMBERS[prefix]
    return DEFAULT_MEMBER


# --------------------------------------------------------------------------- claims


@dataclass(frozen=True)
class Line:
    procedure: str
    modifiers: tuple[str, ...]
    charge: Decimal
    units: Decimal
    diagnoses: tuple[str, ...]  # the codes its pointers name, in pointer order
    service_from: date
    service_to: date
    control_number: str | None = None  # REF*6R


@dataclass(frozen=True)
class Adjustment:
    group: str  # CAS01: CO contractual, PR patient responsibility
    reason: str  # CARC
    amount: Decimal


@dataclass(frozen=True)
class PriorPayer:
    """A payer ahead of this one, as the claim's 2320/2330B/2430 loops tell it."""

    payer_id: str  # 2330B NM109
    responsibility: str  # 2320 SBR01
    paid: Decimal | None  # AMT*D; None: the claim does not say what it paid
    adjustments: tuple[Adjustment, ...] = ()  # 2320 CAS
    # per 2400 line (0-based): 2430 SVD02 paid and its CAS
    lines: tuple[tuple[int, Decimal, tuple[Adjustment, ...]], ...] = ()
    member_id: str = ""  # 2330A NM109: the member's id with that payer


# Medicare forwards a claim to the supplement itself (a crossover) when the supplement's
# member id (2330A NM109) starts with this.
CROSSOVER_PREFIX = "XOV"


@dataclass(frozen=True)
class ClaimFacts:
    """What adjudication reads from one 837P claim."""

    patient_control_number: str
    member_id: str
    charge: Decimal
    frequency: str  # CLM05-3: 1 original, 7 replacement, 8 void
    prior_authorization: str | None
    referral: str | None
    lines: tuple[Line, ...]
    responsibility: str = "P"  # 2000B SBR01: this payer's place in the order of payment
    others: tuple[PriorPayer, ...] = ()  # every 2320 loop, in the order sent

    @property
    def first_date(self) -> date:
        return min(line.service_from for line in self.lines)

    @property
    def last_date(self) -> date:
        return max(line.service_to for line in self.lines)


@dataclass(frozen=True)
class LineResult:
    line: Line
    allowed: Decimal
    paid: Decimal
    adjustments: tuple[Adjustment, ...]
    remarks: tuple[str, ...] = ()  # RARCs (LQ*HE)


@dataclass(frozen=True)
class Decision:
    lines: tuple[LineResult, ...]
    remarks: tuple[str, ...] = ()  # claim-level RARCs (MOA)
    scenario: str = "paid"  # what the README calls the outcome
    processed_as: str = "1"  # CLP02 when not denied: 1 primary, 2 secondary, 3 tertiary

    @property
    def paid(self) -> Decimal:
        return sum((r.paid for r in self.lines), ZERO)

    @property
    def charge(self) -> Decimal:
        return sum((r.line.charge for r in self.lines), ZERO)

    @property
    def allowed(self) -> Decimal:
        return sum((r.allowed for r in self.lines), ZERO)

    @property
    def patient_responsibility(self) -> Decimal:
        return sum((a.amount for r in self.lines for a in r.adjustments if a.group == "PR"), ZERO)

    @property
    def status(self) -> str:
        """CLP02: 1, 2, 3 processed as primary, secondary, tertiary; 4 denied (nothing
        paid and nothing owed)."""
        return self.processed_as if self.paid or self.patient_responsibility else "4"

    @property
    def carcs(self) -> list[tuple[str, str]]:
        """Distinct (group, reason) pairs in line order."""
        seen: dict[tuple[str, str], None] = {}
        for r in self.lines:
            for a in r.adjustments:
                seen[(a.group, a.reason)] = None
        return list(seen)

    @property
    def rarcs(self) -> list[str]:
        return list(dict.fromkeys([*self.remarks, *(c for r in self.lines for c in r.remarks)]))

    @property
    def categories(self) -> list[str]:
        # MA04 (the primary's payment information is missing) makes a CO-16 a COB denial
        cob = "MA04" in self.rarcs
        return list(
            dict.fromkeys(
                "coordination_of_benefits" if cob and reason == "16" else CATEGORIES[reason]
                for group, reason in self.carcs
                if reason in CATEGORIES
            )
        )


@dataclass
class Context:
    received: date  # the day the clearinghouse took the claim in
    duplicate: bool = False  # the same patient/date/procedures/charges were adjudicated
    notes: list[str] = field(default_factory=list)


def _deny_all(
    claim: ClaimFacts, reason: str, scenario: str, remarks: Sequence[str] = ()
) -> Decision:
    return Decision(
        lines=tuple(
            LineResult(line, ZERO, ZERO, (Adjustment("CO", reason, line.charge),))
            for line in claim.lines
        ),
        remarks=tuple(remarks),
        scenario=scenario,
        processed_as=_PROCESSED_AS.get(claim.responsibility, "1"),
    )


_PROCESSED_AS = {"P": "1", "S": "2", "T": "3"}


def _cob_balanced(claim: ClaimFacts, prior: PriorPayer) -> bool:
    """COB balancing of one prior payer's loops: claim and every line it decided."""
    if prior.paid is None:
        return False
    line_cas = ZERO
    for index, paid, adjustments in prior.lines:
        if index >= len(claim.lines):
            return False
        cas = sum((a.amount for a in adjustments), ZERO)
        if claim.lines[index].charge - paid != cas:
            return False
        line_cas += cas
    claim_cas = sum((a.amount for a in prior.adjustments), ZERO)
    return claim.charge - prior.paid == claim_cas + line_cas


def adjudicate_after_prior(claim: ClaimFacts, payer: Payer, ctx: Context) -> Decision:
    """A secondary or tertiary claim (see README, "Secondary payers"): the last payer
    ahead must have decided every line, and every prior payer's loops must balance;
    then this payer pays, of what the last payer left to the patient, the reasons it
    covers. What the prior payers settled is OA-23; what it does not cover stays PR."""
    if claim.responsibility == "P":
        # billed as primary while another payer is primary: CO-22, bill that one first
        return _deny_all(claim, "22", "cob_other_primary")
    if member_for(claim.member_id).coverage_terminated:
        return _deny_all(claim, "27", "coverage_terminated")
    if ctx.duplicate:
        return _deny_all(claim, "18", "duplicate")
    ahead = [o for o in claim.others if o.responsibility < claim.responsibility]
    last = max(ahead, key=lambda o: o.responsibility, default=None)
    decided = {index: (paid, adj) for index, paid, adj in last.lines} if last else {}
    if last is None or last.paid is None or len(decided) != len(claim.lines):
        # MA04: secondary payment cannot be considered without the primary's payment
        return _deny_all(claim, "16", "cob_prior_missing", ("MA04",))
    if not all(_cob_balanced(claim, prior) for prior in ahead):
        return _deny_all(claim, "16", "cob_unbalanced", ("MA04",))
    results: list[LineResult] = []
    for index, line in enumerate(claim.lines):
        _, adjustments = decided[index]
        owed = [a for a in adjustments if a.group == "PR"]
        left = sum((a.amount for a in owed), ZERO)
        paid = sum((a.amount for a in owed if a.reason in payer.cob_covers), ZERO)
        cas: list[Adjustment] = []
        if line.charge - left:
            cas.append(Adjustment("OA", "23", line.charge - left))
        cas += [a for a in owed if a.reason not in payer.cob_covers]
        results.append(LineResult(line, left, paid, tuple(cas)))
    return Decision(
        lines=tuple(results),
        scenario="paid",
        processed_as=_PROCESSED_AS.get(claim.responsibility, "2"),
    )


def adjudicate(claim: ClaimFacts, payer: Payer, ctx: Context) -> Decision:
    """The payer's decision on one accepted claim (see README, "Adjudication")."""
    if claim.responsibility != "P" or any(o.responsibility == "P" for o in claim.others):
        return adjudicate_after_prior(claim, payer, ctx)
    member = member_for(claim.member_id)
    if member.coverage_terminated:
        return _deny_all(claim, "27", "coverage_terminated")
    if claim.frequency != "7" and (ctx.received - claim.first_date).days > payer.timely_filing_days:
        return _deny_all(claim, "29", "timely_filing")
    if ctx.duplicate:
        return _deny_all(claim, "18", "duplicate")
    if not claim.referral and any(
        line.procedure in payer.referral_procedures for line in claim.lines
    ):
        return _deny_all(claim, "16", "missing_information", ("MA130",))

    procedures = {line.procedure for line in claim.lines}
    results: list[LineResult] = []
    deductible_left = member.deductible_remaining or ZERO
    copay_due = member.copay
    scenarios: list[str] = []
    for line in claim.lines:
        denial: tuple[str, str, tuple[str, ...]] | None = None
        if line.procedure in payer.prior_auth_procedures and not claim.prior_authorization:
            denial = ("197", "prior_auth_missing", ())
        elif line.diagnoses and (line.procedure, line.diagnoses[0]) in payer.diagnosis_conflicts:
            denial = ("11", "diagnosis_inconsistent", ("M76",))
        elif not UNBUNDLING_MODIFIERS.intersection(line.modifiers) and any(
            (other, line.procedure) in payer.bundled_pairs
            for other in procedures
            if other != line.procedure
        ):
            denial = ("97", "bundled", ("M15",))
        if denial is not None:
            reason, scenario, remarks = denial
            scenarios.append(scenario)
            results.append(
                LineResult(line, ZERO, ZERO, (Adjustment("CO", reason, line.charge),), remarks)
            )
            continue
        allowed = payer.allowed(line.procedure, line.charge, line.units)
        adjustments: list[Adjustment] = []
        if line.charge > allowed:
            adjustments.append(Adjustment("CO", "45", line.charge - allowed))
        left = allowed
        if deductible_left > 0 and left > 0:
            part = min(deductible_left, left)
            adjustments.append(Adjustment("PR", "1", part))
            deductible_left -= part
            left -= part
        # An HMO copay is per claim, whatever the service; a PPO's is per office visit.
        if copay_due is not None and (member.pattern == "COP" or line.procedure in OFFICE_VISITS):
            part = min(copay_due, left)
            if part > 0:
                adjustments.append(Adjustment("PR", "3", part))
                left -= part
            copay_due = None
        elif member.coinsurance_percent and left > 0:
            part = money(left * member.coinsurance_percent / HUNDRED)
            if part > 0:
                adjustments.append(Adjustment("PR", "2", part))
                left -= part
        results.append(LineResult(line, allowed, left, tuple(adjustments)))
    if scenarios and len(scenarios) == len(results):
        scenario = scenarios[0]
    elif scenarios:
        scenario = "partial:" + scenarios[0]
    else:
        scenario = "paid"
    return Decision(lines=tuple(results), scenario=scenario)


def interest(paid: Decimal, service: date, paid_on: date, ch: Clearinghouse) -> Decimal:
    """Prompt-pay interest (PLB L6) on a claim paid long after its service; 0 otherwise."""
    if paid <= 0 or (paid_on - service).days <= ch.prompt_pay_days:
        return ZERO
    return max(money(paid * ch.interest_percent / HUNDRED), CENT)
