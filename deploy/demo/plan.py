"""The demo day as data: a tenant's clinics, providers, payers, patients and claims, built
deterministically from a seed. No I/O.

Patients get member-id prefixes the sandbox reads (deploy/sandbox/README.md, "Trigger
table"): mostly active coverage (ACT/DED/COP/FUL), some inactive, retro-terminated,
invalid, unknown and malformed (INA/RET/BAD/NOF/SYN). Some claims are built to be denied
for a reason a biller can fix (prior authorization, diagnosis, bundling, referral) and
carry the fix the biller would send with the corrected claim; others for reasons that are
appealed (coverage terminated, timely filing) or written off (duplicate).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

# The sandbox's payer ids, with the SBR09 the practice files under and a display name.
PAYERS = [
    ("87726", "Acme Health Plan", "CI"),
    ("41122", "Lakeshore Mutual", "HM"),
    ("00952", "Sandbox Medicare Part B", "MB"),
    ("77031", "Prairie State Medicaid", "MC"),
    ("60054", "Heartland Medigap Supplement", "15"),
]
# Primary payers a patient is enrolled with (the supplement is only ever secondary).
PRIMARY_PAYERS = PAYERS[:4]
SUPPLEMENT = "60054"
MEDICARE = "00952"
# Share of the Medicare patients with a routine visit who also hold the supplement: their
# claims go to it once Medicare's 835 leaves them coinsurance or a copay.
SUPPLEMENT_SHARE = 0.6
# What the practice believes: fewer prior-auth codes and a longer filing limit than the
# payers apply, so CO-197 and CO-29 come back from the payer instead of being stopped by
# our own scrubber (the sandbox README's "what the demo's reference data must agree on").
PRACTICE_PRIOR_AUTH = ["70553"]
PRACTICE_FILING_DAYS = 730

CLINICS = [
    ("Springfield Family Medicine", "207Q00000X", "100 Main St", "Springfield", "627011234"),
    ("Lakeside Internal Medicine", "207R00000X", "9 Lake Shore Dr", "Chicago", "606110001"),
    ("Prairie Orthopedics", "207X00000X", "42 Harvest Rd", "Peoria", "616021002"),
]
FIRST = ["Ana", "Ben", "Carla", "Dev", "Elena", "Femi", "Grace", "Hugo", "Iris", "Jon", "Kai"]
LAST = ["Silva", "Okafor", "Nguyen", "Schmidt", "Rossi", "Haddad", "Kowalski", "Lind", "Moreau"]
STREETS = ["5 Oak Ave", "18 Elm St", "230 Pine Rd", "77 Cedar Ln", "9 Birch Ct"]

# Member-id prefix mix for a day (weights); the rest of the id is digits.
MEMBER_MIX = [
    ("ACT", 40),
    ("DED", 15),
    ("COP", 14),
    ("FUL", 10),
    ("INA", 4),
    ("RET", 4),
    ("BAD", 3),
    ("NOF", 3),
    ("SYN", 2),
]
CLEAN = ("ACT", "DED", "COP", "FUL")
# Claims built to meet one payer rule each (share of the clean-coverage patients).
BUILT = [
    ("prior_auth", 6),
    ("dx_conflict", 5),
    ("bundled", 5),
    ("referral", 4),
    ("timely", 3),
    ("duplicate", 3),
]
CHARGES = {
    "99204": "310.00",
    "99213": "155.00",
    "99214": "215.00",
    "36415": "20.00",
    "85025": "38.00",
    "80053": "62.00",
    "93000": "78.00",
    "93005": "46.00",
    "72148": "1250.00",
    "73610": "115.00",
    "97110": "95.00",
}
ROUTINE = [
    (["99213"], ["I10"]),
    (["99214", "36415", "85025"], ["E11.9", "I10"]),
    (["99213", "80053"], ["E78.5"]),
    (["99214", "93000"], ["R07.9", "I10"]),
    (["99213", "97110"], ["M54.50"]),
    (["99213"], ["J06.9"]),
]


def npi_with_check_digit(base9: str) -> str:
    """An NPI is 9 digits and a Luhn check digit computed over '80840' + those digits."""
    digits = [int(d) for d in "80840" + base9]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if i % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return base9 + str((10 - total % 10) % 10)


@dataclass
class Patient:
    member_id: str
    first_name: str
    last_name: str
    birth_date: date
    gender: str
    street: str
    payer_id: str
    clinic: int
    secondary_member_id: str | None = None  # the supplement's, when the patient holds it

    @property
    def prefix(self) -> str:
        return self.member_id[:3]


@dataclass
class PlannedClaim:
    """One claim of the day; `fix` is what the biller changes in the corrected claim
    (the denials API's ResubmitIn) when the payer denies it; `intent` names the rule the
    claim was built to meet (for the report; the sandbox's ground truth is the judge)."""

    patient: Patient
    procedures: list[str]
    diagnoses: list[str]
    service_date: date
    intent: str
    modifiers: dict[int, list[str]] = field(default_factory=dict)
    fix: dict[str, Any] | None = None

    @property
    def payer_id(self) -> str:
        return self.patient.payer_id


@dataclass
class Day:
    tenant: str
    today: date
    clinics: list[dict[str, Any]]
    providers: list[list[dict[str, Any]]]  # per clinic
    payers: list[dict[str, Any]]
    patients: list[Patient]
    claims: list[PlannedClaim]

    def eligibility_checks(self, service_date: date) -> list[dict[str, Any]]:
        return [
            {
                "subscriber": {
                    "member_id": p.member_id,
                    "first_name": p.first_name,
                    "last_name": p.last_name,
                    "birth_date": p.birth_date.isoformat(),
                    "gender": p.gender,
                },
                "payer": {"payer_id": p.payer_id, "name": _payer_name(p.payer_id)},
                "provider": {
                    "npi": self.clinics[p.clinic]["npi"],
                    "name": self.clinics[p.clinic]["name"],
                },
                "service_types": ["30"],
                "service_date": service_date.isoformat(),
            }
            for p in self.patients
        ]


def _payer_name(payer_id: str) -> str:
    return next(name for pid, name, _ in PAYERS if pid == payer_id)


def claim_body(
    planned: PlannedClaim, clinic_id: str, provider_id: str | None = None
) -> dict[str, Any]:
    """The claims API's ClaimData for a planned claim."""
    p = planned.patient
    lines = []
    for number, code in enumerate(planned.procedures, start=1):
        lines.append(
            {
                "procedure_code": code,
                "modifiers": planned.modifiers.get(number, []),
                "charge": CHARGES[code],
                "service_date_from": planned.service_date.isoformat(),
                "diagnosis_pointers": [1],
            }
        )
    total = sum((Decimal(CHARGES[c]) for c in planned.procedures), Decimal(0))
    return {
        "clinic_id": clinic_id,
        "payer_id": p.payer_id,
        "subscriber": {
            "member_id": p.member_id,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "birth_date": p.birth_date.isoformat(),
            "gender": p.gender,
            "address": {
                "line1": p.street,
                "city": "Springfield",
                "state": "IL",
                "postal_code": "62704",
            },
        },
        "rendering_provider_id": provider_id,
        "other_coverages": [
            {
                "payer_id": SUPPLEMENT,
                "responsibility": "S",
                "subscriber": {
                    "member_id": p.secondary_member_id,
                    "first_name": p.first_name,
                    "last_name": p.last_name,
                    "birth_date": p.birth_date.isoformat(),
                    "gender": p.gender,
                    "address": {
                        "line1": p.street,
                        "city": "Springfield",
                        "state": "IL",
                        "postal_code": "62704",
                    },
                },
            }
        ]
        if p.secondary_member_id
        else [],
        "place_of_service": "11",
        "diagnosis_codes": planned.diagnoses,
        "lines": lines,
        "total_charge": str(total),
    }


def _built_claim(kind: str, patient: Patient, dos: date, today: date) -> PlannedClaim:
    if kind == "prior_auth":  # lumbar MRI without REF*G1: CO-197
        return PlannedClaim(
            patient,
            ["72148"],
            ["M54.50"],
            dos,
            kind,
            fix={"prior_authorization_number": f"PA{patient.member_id[-6:]}"},
        )
    if kind == "dx_conflict":  # ankle x-ray pointing at pneumonia: CO-11 M76
        return PlannedClaim(
            patient,
            ["99213", "73610"],
            ["J18.9"],
            dos,
            kind,
            fix={"diagnosis_codes": ["S93.401A"]},
        )
    if kind == "bundled":  # ECG tracing with the global ECG, no 59: CO-97 M15 on line 3
        return PlannedClaim(
            patient,
            ["99214", "93000", "93005"],
            ["R07.9"],
            dos,
            kind,
            fix={"line_modifiers": {3: ["59"]}},
        )
    if kind == "referral":  # new-patient visit without REF*9F at an HMO: CO-16 MA130
        return PlannedClaim(
            patient,
            ["99204"],
            ["R10.9"],
            dos,
            kind,
            fix={"referral_number": f"RF{patient.member_id[-6:]}"},
        )
    if kind == "timely":  # a visit found in a drawer, past Medicaid's 90 days: CO-29
        return PlannedClaim(patient, ["99213"], ["I10"], today - timedelta(days=120), kind)
    raise ValueError(kind)


def build_day(tenant: str, today: date, patients: int = 300, seed: int = 7) -> Day:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    clinics = []
    providers: list[list[dict[str, Any]]] = []
    for i, (name, taxonomy, street, city, zip9) in enumerate(CLINICS):
        clinics.append(
            {
                "name": name,
                "npi": npi_with_check_digit(f"1{i + 1:02d}0000{i + 1:02d}"),
                "tax_id": f"{36 + i}1234567",
                "taxonomy_code": taxonomy,
                "address": {"line1": street, "city": city, "state": "IL", "postal_code": zip9},
            }
        )
        providers.append(
            [
                {
                    "npi": npi_with_check_digit(f"1{i + 1:02d}1{j:05d}"),
                    "first_name": rng.choice(FIRST),
                    "last_name": rng.choice(LAST),
                    "taxonomy_code": taxonomy,
                }
                for j in range(2)
            ]
        )
    payers = [
        {
            "payer_id": pid,
            "name": name,
            "claim_filing_indicator": sbr09,
            "timely_filing_days": PRACTICE_FILING_DAYS,
            "appeal_window_days": 90,
            "prior_auth_procedures": PRACTICE_PRIOR_AUTH,
        }
        for pid, name, sbr09 in PAYERS
    ]
    people: list[Patient] = []
    prefixes = [p for p, _ in MEMBER_MIX]
    weights = [w for _, w in MEMBER_MIX]
    for n in range(patients):
        # the first patients cover every prefix, so a small day still has each outcome
        prefix = prefixes[n] if n < len(prefixes) else rng.choices(prefixes, weights)[0]
        people.append(
            Patient(
                member_id=f"{prefix}{rng.randrange(10**8, 10**9)}",
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                birth_date=date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 65)),
                gender=rng.choice("MF"),
                street=rng.choice(STREETS),
                payer_id=rng.choice(PRIMARY_PAYERS)[0],
                clinic=n % len(CLINICS),
            )
        )
    dos = today - timedelta(days=3)
    claims: list[PlannedClaim] = []
    kinds = [k for k, _ in BUILT]
    kind_weights = [w for _, w in BUILT]
    clean_seen = 0
    for person in people:
        kind = None
        if person.prefix in CLEAN:
            # the first clean patients get one built claim each, then a random share
            if clean_seen < len(kinds):
                kind = kinds[clean_seen]
            elif rng.random() < sum(kind_weights) / 100:
                kind = rng.choices(kinds, kind_weights)[0]
            clean_seen += 1
        if kind in ("prior_auth", "timely", "referral"):
            # the payer that applies the rule: Acme and Medicaid want auth for 72148,
            # Medicaid files within 90 days, Lakeshore wants a referral for 99204
            person.payer_id = {"prior_auth": "87726", "timely": "77031", "referral": "41122"}[kind]
        if kind is None or kind == "duplicate":
            procedures, diagnoses = rng.choice(ROUTINE)
            claims.append(PlannedClaim(person, procedures, diagnoses, dos, "routine"))
            if kind == "duplicate":  # the same visit keyed twice: CO-18 on the second
                claims.append(PlannedClaim(person, procedures, diagnoses, dos, "duplicate"))
        else:
            claims.append(_built_claim(kind, person, dos, today))
    _supplements(claims, random.Random(seed + 1))  # noqa: S311 - demo data
    _one_lost(claims)
    return Day(tenant, today, clinics, providers, payers, people, claims)


def _one_lost(claims: list[PlannedClaim]) -> None:
    """The last routine visit of a fully covered patient (no supplement) becomes the one the
    payer loses (the sandbox's LST members): accepted, never paid, and "not found" when
    the biller asks about it (a follow-up item). The rest of the day is as it was."""
    visits = Counter(c.patient.member_id for c in claims)
    for planned in reversed(claims):
        person = planned.patient
        if (
            planned.intent == "routine"
            and person.prefix in ("ACT", "FUL")
            and person.secondary_member_id is None
            and visits[person.member_id] == 1
        ):
            person.member_id = "LST" + person.member_id[3:]
            return


def _supplements(claims: list[PlannedClaim], rng: random.Random) -> None:
    """Medicare patients with one routine visit (clean coverage) who also hold the
    supplement; the first such patient always does, so that a small day has one. Drawn
    from an RNG of their own: the rest of the day is the same as without them."""
    visits = Counter(c.patient.member_id for c in claims)
    first = True
    for planned in claims:
        person = planned.patient
        if (
            person.payer_id == MEDICARE
            and person.prefix in CLEAN
            and planned.intent == "routine"
            and visits[person.member_id] == 1
            and (first or rng.random() < SUPPLEMENT_SHARE)
        ):
            person.secondary_member_id = f"ACT{rng.randrange(10**8, 10**9)}"
            first = False
