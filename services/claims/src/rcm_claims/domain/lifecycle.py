"""The claim's state machine. Only the transitions listed here happen; anything else is a
409 naming both states.

Rejected (refused before adjudication by a 999/277CA: fix and send again) stays distinct
from denied (adjudicated and not paid: appeal or correct).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from rcm_shared.errors import Conflict


class Status(StrEnum):
    DRAFT = "draft"
    SCRUB_FAILED = "scrub_failed"
    READY = "ready"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    DENIED = "denied"
    CORRECTED = "corrected"
    VOIDED = "voided"
    CLOSED = "closed"


S = Status
ADJUDICATED = {S.PAID, S.PARTIALLY_PAID, S.DENIED}

TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.DRAFT: frozenset({S.SCRUB_FAILED, S.READY}),
    S.SCRUB_FAILED: frozenset({S.SCRUB_FAILED, S.READY, S.VOIDED}),
    # Accepted without a submission of ours: a crossover (the prior payer forwarded it).
    S.READY: frozenset({S.SCRUB_FAILED, S.READY, S.SUBMITTED, S.ACCEPTED, S.VOIDED}),
    # An 835 may arrive before (or instead of) the 277CA.
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED} | ADJUDICATED),
    # A payer can be asked to cancel (frequency 8) a claim it accepted but not yet decided.
    S.ACCEPTED: frozenset(ADJUDICATED | {S.REJECTED, S.VOIDED}),
    # Fixed after a rejection: re-scrubbed, then sent again as an original.
    S.REJECTED: frozenset({S.SCRUB_FAILED, S.READY, S.VOIDED}),
    # A later 835 can reverse (back to accepted) or re-adjudicate (appeal won).
    S.PAID: frozenset({S.ACCEPTED, S.CLOSED, S.CORRECTED, S.VOIDED} | ADJUDICATED),
    S.PARTIALLY_PAID: frozenset({S.ACCEPTED, S.CLOSED, S.CORRECTED, S.VOIDED} | ADJUDICATED),
    S.DENIED: frozenset({S.ACCEPTED, S.CLOSED, S.CORRECTED, S.VOIDED} | ADJUDICATED),
    S.CORRECTED: frozenset(),
    S.VOIDED: frozenset(),
    S.CLOSED: frozenset(),
}

EDITABLE = {S.DRAFT, S.SCRUB_FAILED, S.READY, S.REJECTED}
SUBMITTABLE = {S.READY}
FINAL = {S.CORRECTED, S.VOIDED, S.CLOSED}
# Sent to the payer at least once: a void or correction must go out as frequency 8 or 7.
AT_PAYER = {S.SUBMITTED, S.ACCEPTED} | ADJUDICATED
# Submitted at least once and not voided: a new claim for the same services as one of
# these bills them twice. Rejected claims count (they are fixed and sent again as they
# are), and so do corrected (their replacement bills the services) and closed ones.
SENT_NOT_VOIDED = AT_PAYER | {S.REJECTED, S.CORRECTED, S.CLOSED}


def can_move(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def move(current: str, target: Status) -> Status:
    here = Status(current)
    if not can_move(here, target):
        raise Conflict(
            f"a {here.value} claim cannot become {target.value}",
            {"from": here.value, "to": target.value},
        )
    return target


# Adjustments that are part of a normal payment, not a refusal: anything the patient owes
# (PR: deductible, coinsurance, copay), the contractual write-down to the fee schedule
# (CO-45), sequestration (CO-253) and the prior payer's share (OA-23).
ROUTINE_ADJUSTMENTS = {("CO", "45"), ("CO", "253"), ("OA", "23")}


def is_routine(group_code: str, reason_code: str) -> bool:
    return group_code == "PR" or (group_code, reason_code) in ROUTINE_ADJUSTMENTS


def status_for_adjudication(
    claim_status_code: str,
    paid: Decimal,
    adjustments: list[tuple[str, str]],
    patient_responsibility: Decimal = Decimal(0),
) -> Status:
    """CLP02 and adjustments to our status. 22 is a reversal and 23 a hand-off to another
    payer (back to accepted, awaiting a decision); 4 is denied; otherwise paid when every
    adjustment is routine, partially paid when something was refused but some of the claim
    was allowed (money came, or the patient owes for an allowed line, e.g. a deductible),
    denied when nothing was."""
    # 22: reversal of a previous payment; 23: not our claim, forwarded to another payer.
    # Either way the claim waits for a (new) decision.
    if claim_status_code in ("22", "23"):
        return S.ACCEPTED
    if claim_status_code == "4":
        return S.DENIED
    if all(is_routine(group, reason) for group, reason in adjustments):
        return S.PAID
    return S.PARTIALLY_PAID if paid > 0 or patient_responsibility > 0 else S.DENIED
