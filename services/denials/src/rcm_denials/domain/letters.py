"""Appeal letters: the claim's facts, what the payer's codes say, and the argument that fits
the denial's category. Markdown; rcm_denials.pdf turns it into a PDF."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rcm_denials.domain.codes import CodeBook

# What a biller argues per root cause. The letter states facts the payer can check; the
# biller's own words (the request's `argument`) come after.
ARGUMENTS: dict[str, str] = {
    "eligibility": (
        "The patient's coverage with your plan was active on the date(s) of service. We "
        "verified eligibility before the visit and ask that you re-check enrollment for "
        "these dates and reprocess the claim."
    ),
    "authorization": (
        "The service was authorized, or met your plan's criteria for services that do not "
        "require prior authorization. Where authorization was obtained after the service, "
        "the enclosed records show the clinical urgency that prevented obtaining it in "
        "advance. We ask that you review the authorization on file and reprocess the claim."
    ),
    "coding": (
        "The procedure and diagnosis codes billed are valid for the date(s) of service and "
        "accurately describe the services documented in the medical record. We ask that you "
        "review the coding against the enclosed documentation and reprocess the claim."
    ),
    "medical_necessity": (
        "The service was medically necessary for the diagnoses listed. The enclosed clinical "
        "documentation shows the patient's condition, the treatment history and why this "
        "service was required, consistent with generally accepted standards of practice and "
        "with your published coverage policy. We ask for a clinical review of this decision."
    ),
    "duplicate": (
        "This claim is not a duplicate: it is for a distinct service, date or line that has "
        "not been paid before. We ask that you compare it with the claim you consider its "
        "original and reprocess it."
    ),
    "timely_filing": (
        "The claim was first filed within your timely filing limit. We ask that you accept "
        "the enclosed proof of timely submission (the clearinghouse acceptance report) and "
        "reprocess the claim."
    ),
    "missing_information": (
        "The information you asked for is enclosed with this letter. We ask that you attach "
        "it to the claim and reprocess it."
    ),
    "bundling": (
        "The services billed were separate and distinct: they were performed at different "
        "sessions, sites or for different conditions, as the documentation shows, and are "
        "not components of one another under the National Correct Coding Initiative edits. "
        "We ask that you pay each service separately."
    ),
    "coordination_of_benefits": (
        "Your plan is the patient's responsible payer for these services under the "
        "coordination of benefits rules, or the primary payer's determination is enclosed. "
        "We ask that you update the coordination of benefits record and reprocess the claim."
    ),
    "non_covered": (
        "The service is a covered benefit under the patient's plan for the diagnoses billed. "
        "We ask that you review the plan's benefit documents and reprocess the claim."
    ),
    "pricing": (
        "The payment does not match the rate in our agreement with you for this service. We "
        "ask that you reprice the claim at the contracted rate and pay the difference."
    ),
    "other": (
        "We believe this claim was denied in error and ask that you review it and the "
        "enclosed documentation, and reprocess it."
    ),
}


@dataclass(frozen=True)
class LetterLine:
    line_number: int
    procedure_code: str
    modifiers: Sequence[str]
    charge: Decimal
    denied_amount: Decimal
    reasons: Sequence[tuple[str, str]]  # (group, CARC)
    remark_codes: Sequence[str]


@dataclass(frozen=True)
class AppealFacts:
    denial_id: str
    claim_id: str | None
    patient_control_number: str
    payer_claim_control_number: str | None
    payer_id: str
    payer_name: str | None
    clinic_name: str | None
    clinic_npi: str | None
    rendering_provider: str | None  # "Name, NPI n"
    service_date_from: date | None
    service_date_to: date | None
    diagnosis_codes: Sequence[str]
    total_charge: Decimal
    denied_amount: Decimal
    remittance_date: date
    deadline: date
    category: str
    claim_reasons: Sequence[tuple[str, str]]
    remark_codes: Sequence[str]
    lines: Sequence[LetterLine] = field(default_factory=tuple)


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def _icd(code: str) -> str:
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 and "." not in code else code


def appeal_letter(facts: AppealFacts, book: CodeBook, today: date, argument: str | None) -> str:
    carcs: dict[str, str] = {}
    for group, carc in (*facts.claim_reasons, *(r for ln in facts.lines for r in ln.reasons)):
        carcs.setdefault(f"{group}-{carc}", book.carc_description(carc))
    rarcs = sorted({*facts.remark_codes, *(c for ln in facts.lines for c in ln.remark_codes)})
    dates = (
        facts.service_date_from.isoformat()
        if facts.service_date_from and facts.service_date_from == facts.service_date_to
        else f"{facts.service_date_from} to {facts.service_date_to}"
        if facts.service_date_from
        else "as on the claim"
    )
    claim_ref = facts.payer_claim_control_number or facts.patient_control_number
    out = [
        f"# Request for reconsideration: claim {claim_ref}",
        "",
        f"Date: {today.isoformat()}",
        "",
        f"To: {facts.payer_name or 'Appeals department'} (payer id {facts.payer_id}), "
        "Appeals and Reconsideration",
        "",
        f"From: {facts.clinic_name or 'the billing provider'}"
        + (f", NPI {facts.clinic_npi}" if facts.clinic_npi else ""),
        "",
        "## Claim",
        "",
        "| | |",
        "|---|---|",
        f"| Payer claim control number | {facts.payer_claim_control_number or 'not assigned'} |",
        f"| Patient account (claim) number | {facts.patient_control_number} |",
        f"| Date(s) of service | {dates} |",
    ]
    if facts.rendering_provider:
        out.append(f"| Rendering provider | {facts.rendering_provider} |")
    if facts.diagnosis_codes:
        out.append(
            f"| Diagnoses (ICD-10-CM) | {', '.join(_icd(c) for c in facts.diagnosis_codes)} |"
        )
    out += [
        f"| Total charge | {_money(facts.total_charge)} |",
        f"| Amount denied | {_money(facts.denied_amount)} |",
        f"| Remittance date | {facts.remittance_date.isoformat()} |",
        "",
    ]
    if facts.lines:
        out += [
            "## Services denied",
            "",
            "| Line | Procedure | Modifiers | Charge | Denied | Reasons |",
            "|---|---|---|---|---|---|",
        ]
        for ln in facts.lines:
            reasons = ", ".join([f"{g}-{c}" for g, c in ln.reasons] + list(ln.remark_codes))
            out.append(
                f"| {ln.line_number} | {ln.procedure_code} | {' '.join(ln.modifiers) or '-'} "
                f"| {_money(ln.charge)} | {_money(ln.denied_amount)} | {reasons or '-'} |"
            )
        out.append("")
    out += ["## The payer's reasons", ""]
    out += [f"- **{code}**: {text}" for code, text in carcs.items()] or ["- (no reason code)"]
    out += [f"- **{code}**: {book.rarc_description(code)}" for code in rarcs]
    out += [
        "",
        "## Why the claim should be paid",
        "",
        ARGUMENTS.get(facts.category, ARGUMENTS["other"]),
    ]
    if argument:
        out += ["", argument.strip()]
    out += [
        "",
        f"This request is made within the appeal period, which ends on "
        f"{facts.deadline.isoformat()}. Please reprocess the claim and send the corrected "
        "remittance to the billing provider above.",
        "",
        "Sincerely,",
        "",
        f"{facts.clinic_name or 'Billing office'}",
        "",
        f"Reference: denial {facts.denial_id}",
        "",
    ]
    return "\n".join(out)
