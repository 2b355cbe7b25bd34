"""The claim scrubber: what a payer or clearinghouse would refuse, found before the claim
leaves. Pure: everything it needs (payer rules, providers, coverage, duplicates, today)
comes in a ScrubContext the service assembles.

Every edit has a stable code, a severity, a message and the JSON path it concerns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from rcm_claims.domain.claim import (
    FREQUENCY_REPLACEMENT,
    FREQUENCY_VOID,
    RESPONSIBILITY_ORDER,
    ClaimData,
)
from rcm_claims.domain.cob import balance_problems
from rcm_claims.domain.codes import icd10_status, is_modifier, is_procedure_code
from rcm_shared.npi import is_valid_npi

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Edit:
    code: str
    severity: Severity
    message: str
    path: str

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
        }


@dataclass(frozen=True)
class PayerRules:
    payer_id: str
    timely_filing_days: int
    prior_auth_procedures: frozenset[str]


@dataclass(frozen=True)
class BillingProvider:
    npi: str
    postal_code: str
    address_line1: str


@dataclass(frozen=True)
class CoverageFact:
    status: str  # active, inactive, unknown, error
    coverage_start: date | None
    coverage_end: date | None


@dataclass(frozen=True)
class ScrubContext:
    today: date
    billing: BillingProvider | None
    payer: PayerRules | None
    rendering_npi: str | None = None
    referring_npi: str | None = None
    rendering_known: bool = True
    referring_known: bool = True
    coverage: CoverageFact | None = None
    duplicate_of: list[str] = field(default_factory=list)
    known_payers: frozenset[str] = frozenset()  # of the other coverages' payers, those on file


def scrub(claim: ClaimData, ctx: ScrubContext) -> list[Edit]:
    edits: list[Edit] = []
    edits += _references(claim, ctx)
    edits += _npis(claim, ctx)
    edits += _diagnoses(claim)
    edits += _lines(claim)
    edits += _totals(claim)
    edits += _dates(claim, ctx)
    edits += _frequency(claim)
    edits += _situational(claim)
    edits += _coverage(claim, ctx)
    edits += _prior_auth(claim, ctx)
    edits += _coordination(claim, ctx)
    if ctx.duplicate_of:
        edits.append(
            Edit(
                "DUPLICATE_CLAIM",
                "error",
                "same patient, payer, date of service, procedure and charge as claim "
                + ", ".join(ctx.duplicate_of),
                "lines",
            )
        )
    return edits


def has_errors(edits: list[Edit]) -> bool:
    return any(e.severity == "error" for e in edits)


def _references(claim: ClaimData, ctx: ScrubContext) -> list[Edit]:
    out = []
    if ctx.billing is None:
        out.append(Edit("BILLING_PROVIDER_UNKNOWN", "error", "clinic not found", "clinic_id"))
    else:
        # 837P 2010AA N403: the billing provider's ZIP must carry all 9 digits, and N301 a
        # street address (payers refuse a PO box for the billing provider).
        if len(ctx.billing.postal_code) != 9:
            out.append(
                Edit(
                    "BILLING_ZIP_NOT_9_DIGITS",
                    "error",
                    "the billing provider's postal code needs all 9 digits (ZIP+4)",
                    "clinic.address.postal_code",
                )
            )
        if _is_po_box(ctx.billing.address_line1):
            out.append(
                Edit(
                    "BILLING_ADDRESS_PO_BOX",
                    "error",
                    "the billing provider's address must be a street address",
                    "clinic.address.line1",
                )
            )
    facility = claim.service_facility
    if facility is not None and len(facility.address.postal_code) != 9:
        # 2310C N403, like 2010AA: the service location needs its ZIP+4
        out.append(
            Edit(
                "FACILITY_ZIP_NOT_9_DIGITS",
                "error",
                "the service facility's postal code needs all 9 digits (ZIP+4)",
                "service_facility.address.postal_code",
            )
        )
    if ctx.payer is None:
        out.append(
            Edit("PAYER_UNKNOWN", "error", "payer not configured for this tenant", "payer_id")
        )
    if claim.rendering_provider_id and not ctx.rendering_known:
        out.append(
            Edit(
                "RENDERING_PROVIDER_UNKNOWN",
                "error",
                "rendering provider not found",
                "rendering_provider_id",
            )
        )
    if claim.referring_provider_id and not ctx.referring_known:
        out.append(
            Edit(
                "REFERRING_PROVIDER_UNKNOWN",
                "error",
                "referring provider not found",
                "referring_provider_id",
            )
        )
    return out


PO_BOX = re.compile(
    r"^\s*(P\.?\s*O\.?\s*BOX|POST\s+OFFICE\s+BOX|POB|PMB|BOX)\s*#?\s*\d", re.IGNORECASE
)


def _is_po_box(line: str) -> bool:
    # "PO Box 12", "P.O. BOX 12", "Box 12", "PMB 12"; not "Boxwood Medical Plaza"
    return bool(PO_BOX.match(line))


def _npis(claim: ClaimData, ctx: ScrubContext) -> list[Edit]:
    checks = [
        ("clinic.npi", ctx.billing.npi if ctx.billing else None),
        ("rendering_provider.npi", ctx.rendering_npi),
        ("referring_provider.npi", ctx.referring_npi),
        ("service_facility.npi", claim.service_facility.npi if claim.service_facility else None),
    ]
    return [
        Edit("NPI_CHECK_DIGIT", "error", f"NPI {npi} fails the check digit", path)
        for path, npi in checks
        if npi and not is_valid_npi(npi)
    ]


def _diagnoses(claim: ClaimData) -> list[Edit]:
    out = []
    seen: set[str] = set()
    for i, code in enumerate(claim.diagnosis_codes):
        path = f"diagnosis_codes[{i}]"
        status = icd10_status(code)
        if status == "unknown":
            out.append(Edit("ICD10_UNKNOWN", "error", f"{code} is not an ICD-10-CM code", path))
        elif status == "not_billable":
            out.append(
                Edit(
                    "ICD10_NOT_BILLABLE",
                    "error",
                    f"{code} is a category: code to the highest specificity",
                    path,
                )
            )
        if code in seen:
            out.append(Edit("ICD10_DUPLICATE", "error", f"{code} is listed twice", path))
        seen.add(code)
    return out


def _lines(claim: ClaimData) -> list[Edit]:
    out = []
    count = len(claim.diagnosis_codes)
    for i, line in enumerate(claim.lines):
        base = f"lines[{i}]"
        if not is_procedure_code(line.procedure_code):
            out.append(
                Edit(
                    "PROCEDURE_CODE_FORMAT",
                    "error",
                    f"{line.procedure_code} is neither a CPT nor a HCPCS Level II code",
                    f"{base}.procedure_code",
                )
            )
        for j, modifier in enumerate(line.modifiers):
            if not is_modifier(modifier):
                out.append(
                    Edit(
                        "MODIFIER_FORMAT",
                        "error",
                        f"modifier {modifier!r} must be 2 letters or digits",
                        f"{base}.modifiers[{j}]",
                    )
                )
        for j, pointer in enumerate(line.diagnosis_pointers):
            if not 1 <= pointer <= count:
                out.append(
                    Edit(
                        "DIAGNOSIS_POINTER",
                        "error",
                        f"pointer {pointer} points at no diagnosis (claim has {count})",
                        f"{base}.diagnosis_pointers[{j}]",
                    )
                )
        if len(set(line.diagnosis_pointers)) != len(line.diagnosis_pointers):
            out.append(
                Edit(
                    "DIAGNOSIS_POINTER_REPEATED",
                    "error",
                    "a pointer is repeated",
                    f"{base}.diagnosis_pointers",
                )
            )
        if line.charge <= 0:
            out.append(
                Edit(
                    "LINE_CHARGE_NOT_POSITIVE",
                    "error",
                    "line charge must be above 0",
                    f"{base}.charge",
                )
            )
        if line.service_date_to and line.service_date_to < line.service_date_from:
            out.append(
                Edit(
                    "LINE_DATES_REVERSED",
                    "error",
                    "service ends before it starts",
                    f"{base}.service_date_to",
                )
            )
    return out


def _totals(claim: ClaimData) -> list[Edit]:
    if claim.total_charge != claim.lines_total:
        return [
            Edit(
                "TOTAL_MISMATCH",
                "error",
                f"total {claim.total_charge} differs from the lines' sum {claim.lines_total}",
                "total_charge",
            )
        ]
    return []


def _dates(claim: ClaimData, ctx: ScrubContext) -> list[Edit]:
    out = []
    if claim.last_date > ctx.today:
        out.append(
            Edit("FUTURE_DATE", "error", "date of service is in the future", "service_date_to")
        )
    for i, line in enumerate(claim.lines):
        if line.service_date_from < claim.first_date or line.last_date > claim.last_date:
            out.append(
                Edit(
                    "LINE_DATE_OUTSIDE_CLAIM",
                    "error",
                    "line dates fall outside the claim's service period",
                    f"lines[{i}].service_date_from",
                )
            )
        elif line.last_date > ctx.today:
            out.append(
                Edit(
                    "FUTURE_DATE",
                    "error",
                    "date of service is in the future",
                    f"lines[{i}].service_date_from",
                )
            )
    if ctx.payer is not None and claim.frequency_code != FREQUENCY_VOID:
        deadline = claim.first_date + timedelta(days=ctx.payer.timely_filing_days)
        if ctx.today > deadline:
            out.append(
                Edit(
                    "TIMELY_FILING",
                    "error",
                    f"past the payer's {ctx.payer.timely_filing_days}-day filing limit "
                    f"(deadline {deadline.isoformat()})",
                    "service_date_from",
                )
            )
    if claim.patient_person.birth_date > claim.first_date:
        out.append(
            Edit(
                "BIRTH_AFTER_SERVICE",
                "error",
                "patient born after the service",
                "patient.birth_date" if claim.patient else "subscriber.birth_date",
            )
        )
    return out


# Places of service that are not the billing provider's office (hospital inpatient,
# outpatient and emergency, ambulatory surgery, nursing facilities, ...): the 837P's
# 2310C service facility loop is required whenever the service happened away from the
# 2010AA address, and a payer refuses such a claim without it.
FACILITY_PLACES_OF_SERVICE = frozenset(
    {"19", "21", "22", "23", "24", "26", "31", "32", "34", "51", "52", "53", "56", "61"}
)


def _situational(claim: ClaimData) -> list[Edit]:
    """837P segments the schema cannot demand on its own: required by what else the claim
    says (the schema's 422 already covers what every claim needs)."""
    out: list[Edit] = []
    places = {claim.place_of_service} | {ln.place_of_service or "" for ln in claim.lines}
    facility_places = sorted(places & FACILITY_PLACES_OF_SERVICE)
    if facility_places and claim.service_facility is None:
        out.append(
            Edit(
                "SERVICE_FACILITY_REQUIRED",
                "error",
                f"place of service {', '.join(facility_places)} is not the billing "
                "provider's office: the service facility (2310C) is required",
                "service_facility",
            )
        )
    if claim.referral_number and not claim.referring_provider_id:
        # A warning: the guide asks for 2310A when a referral is involved, but payers
        # that deny for a missing referral (CO-16 MA130) accept the number alone, and a
        # resubmission that adds it (the denials service's corrections) must go out.
        out.append(
            Edit(
                "REFERRING_PROVIDER_REQUIRED",
                "warning",
                "a claim with a referral number should name its referring provider (2310A)",
                "referring_provider_id",
            )
        )
    return out


def _frequency(claim: ClaimData) -> list[Edit]:
    if claim.frequency_code in (FREQUENCY_REPLACEMENT, FREQUENCY_VOID) and not (
        claim.payer_claim_control_number
    ):
        return [
            Edit(
                "ORIGINAL_REFERENCE_MISSING",
                "error",
                "a replacement or void needs the payer's claim control number (REF*F8)",
                "payer_claim_control_number",
            )
        ]
    return []


def _coverage(claim: ClaimData, ctx: ScrubContext) -> list[Edit]:
    fact = ctx.coverage
    if fact is None or fact.status in ("unknown", "error"):
        return [
            Edit(
                "COVERAGE_UNKNOWN",
                "warning",
                "no eligibility answer on file for this patient and payer",
                "subscriber",
            )
        ]
    inside = (fact.coverage_start is None or fact.coverage_start <= claim.first_date) and (
        fact.coverage_end is None or claim.last_date <= fact.coverage_end
    )
    if fact.status == "inactive" or not inside:
        return [
            Edit(
                "COVERAGE_INACTIVE",
                "error",
                "the payer reported no active coverage on the date of service",
                "subscriber",
            )
        ]
    return []


def _prior_auth(claim: ClaimData, ctx: ScrubContext) -> list[Edit]:
    if ctx.payer is None or claim.prior_authorization_number:
        return []
    return [
        Edit(
            "PRIOR_AUTH_MISSING",
            "error",
            f"the payer requires prior authorization for {line.procedure_code}",
            f"lines[{i}].procedure_code",
        )
        for i, line in enumerate(claim.lines)
        if line.procedure_code in ctx.payer.prior_auth_procedures
    ]


def _coordination(claim: ClaimData, ctx: ScrubContext) -> list[Edit]:
    """Coordination of benefits: one payer per place in the order of payment, each known,
    each with its subscriber; a secondary or tertiary claim carries every prior payer's
    decision, and each decision balances."""
    if not claim.other_coverages:
        if claim.payer_responsibility != "P":
            return [
                Edit(
                    "COB_PRIOR_PAYER_MISSING",
                    "error",
                    f"a claim to the {_place(claim.payer_responsibility)} payer names no payer "
                    "ahead of it",
                    "other_coverages",
                )
            ]
        return []
    out: list[Edit] = []
    taken = {claim.payer_responsibility: "payer_responsibility"}
    for index, coverage in enumerate(claim.other_coverages):
        path = f"other_coverages[{index}]"
        if coverage.responsibility in taken:
            out.append(
                Edit(
                    "COB_SEQUENCE_DUPLICATE",
                    "error",
                    f"two payers are {_place(coverage.responsibility)} "
                    f"(also {taken[coverage.responsibility]})",
                    f"{path}.responsibility",
                )
            )
        taken.setdefault(coverage.responsibility, path)
        if coverage.payer_id not in ctx.known_payers:
            out.append(
                Edit(
                    "COB_PAYER_UNKNOWN",
                    "error",
                    f"payer {coverage.payer_id!r} is not on file",
                    f"{path}.payer_id",
                )
            )
        if coverage.subscriber is None:
            out.append(
                Edit(
                    "COB_SUBSCRIBER_MISSING",
                    "error",
                    "the other coverage's subscriber (name, member id, birth date) is required",
                    f"{path}.subscriber",
                )
            )
    mine = RESPONSIBILITY_ORDER.index(claim.payer_responsibility)
    for place in RESPONSIBILITY_ORDER[:mine]:
        if place not in taken:
            out.append(
                Edit(
                    "COB_PRIOR_PAYER_MISSING",
                    "error",
                    f"no {_place(place)} payer is named ahead of this claim's payer",
                    "other_coverages",
                )
            )
    for index, coverage in enumerate(claim.other_coverages):
        before = RESPONSIBILITY_ORDER.index(coverage.responsibility) < mine
        if before and coverage.adjudication is None:
            out.append(
                Edit(
                    "COB_PRIOR_DECISION_MISSING",
                    "error",
                    f"the {_place(coverage.responsibility)} payer's adjudication (paid amount, "
                    "adjustments, date) must come with the claim",
                    f"other_coverages[{index}].adjudication",
                )
            )
    for path, message in balance_problems(claim):
        out.append(Edit("COB_UNBALANCED", "error", message, path))
    return out


def _place(responsibility: str) -> str:
    return {"P": "primary", "S": "secondary", "T": "tertiary"}[responsibility]
