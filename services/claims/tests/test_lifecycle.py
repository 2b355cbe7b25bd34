"""The claim state machine and the 835 (CLP02 + CAS) to status mapping."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rcm_claims.domain.lifecycle import (
    FINAL,
    TRANSITIONS,
    Status,
    can_move,
    move,
    status_for_adjudication,
)
from rcm_shared.errors import Conflict

S = Status
LEGAL = [(here, there) for here, targets in TRANSITIONS.items() for there in sorted(targets)]
ILLEGAL = [(here, there) for here in S for there in S if there not in TRANSITIONS[here]]


def test_table_covers_every_status_and_only_final_states_are_dead_ends() -> None:
    assert set(TRANSITIONS) == set(S)
    assert {here for here, targets in TRANSITIONS.items() if not targets} == FINAL


@pytest.mark.parametrize(("here", "there"), LEGAL, ids=[f"{a}->{b}" for a, b in LEGAL])
def test_every_listed_transition_is_allowed(here: Status, there: Status) -> None:
    assert can_move(here, there)
    assert move(here.value, there) is there


@pytest.mark.parametrize(
    ("here", "there"),
    [
        ("draft", "ready"),
        ("draft", "scrub_failed"),
        ("scrub_failed", "ready"),
        ("ready", "submitted"),
        ("ready", "voided"),
        ("submitted", "accepted"),
        ("submitted", "rejected"),
        ("submitted", "paid"),  # an 835 before (or instead of) the 277CA
        ("accepted", "rejected"),
        ("accepted", "paid"),
        ("accepted", "partially_paid"),
        ("accepted", "denied"),
        ("rejected", "ready"),
        ("rejected", "scrub_failed"),
        ("denied", "corrected"),
        ("denied", "paid"),  # appeal won
        ("paid", "accepted"),  # reversal
        ("paid", "closed"),
        ("partially_paid", "voided"),
    ],
)
def test_business_critical_transitions(here: str, there: str) -> None:
    assert move(here, S(there)) == there


@pytest.mark.parametrize(
    ("here", "there"),
    [
        ("draft", "submitted"),
        ("ready", "paid"),
        ("voided", "ready"),
        ("corrected", "submitted"),
        ("closed", "paid"),
        ("rejected", "paid"),
        ("scrub_failed", "submitted"),
        ("denied", "submitted"),
        ("submitted", "ready"),
        ("accepted", "submitted"),
    ],
)
def test_illegal_transitions_are_conflicts_naming_both_states(here: str, there: str) -> None:
    assert not can_move(S(here), S(there))
    with pytest.raises(Conflict) as caught:
        move(here, S(there))
    assert caught.value.status_code == 409
    assert caught.value.detail == {"from": here, "to": there}
    assert here in caught.value.message
    assert there in caught.value.message


@pytest.mark.parametrize(("here", "there"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_everything_not_listed_is_refused(here: Status, there: Status) -> None:
    with pytest.raises(Conflict):
        move(here.value, there)


@pytest.mark.parametrize("final", sorted(FINAL))
def test_final_states_have_no_way_out(final: Status) -> None:
    assert not [there for there in S if can_move(final, there)]


ROUTINE = [("PR", "1"), ("PR", "2"), ("PR", "3"), ("CO", "45"), ("CO", "253"), ("OA", "23")]


@pytest.mark.parametrize("clp02", ["1", "2", "3"])
@pytest.mark.parametrize(
    ("paid", "adjustments", "expected"),
    [
        ("80.00", [], S.PAID),
        ("80.00", ROUTINE, S.PAID),
        ("0.00", [("PR", "1"), ("CO", "45")], S.PAID),  # all to the deductible
        ("40.00", [("CO", "45"), ("CO", "197")], S.PARTIALLY_PAID),
        ("0.00", [("CO", "45"), ("CO", "197")], S.DENIED),
        ("0.00", [("OA", "45")], S.DENIED),  # only CO-45 is routine, not any group's 45
        ("0.00", [("CO", "1")], S.DENIED),  # only PR-1 is routine
    ],
)
def test_processed_claims(
    clp02: str, paid: str, adjustments: list[tuple[str, str]], expected: Status
) -> None:
    assert status_for_adjudication(clp02, Decimal(paid), adjustments) is expected


@pytest.mark.parametrize(
    ("clp02", "paid", "adjustments", "expected"),
    [
        ("22", "-80.00", [("CO", "45")], S.ACCEPTED),  # reversal of a prior payment
        ("22", "0.00", [("CO", "197")], S.ACCEPTED),
        ("4", "0.00", [("CO", "45")], S.DENIED),
        ("4", "0.00", [], S.DENIED),
    ],
)
def test_reversals_and_denials(
    clp02: str, paid: str, adjustments: list[tuple[str, str]], expected: Status
) -> None:
    assert status_for_adjudication(clp02, Decimal(paid), adjustments) is expected


@pytest.mark.parametrize(
    ("patient_owes", "expected"), [("0.00", S.DENIED), ("50.00", S.PARTIALLY_PAID)]
)
def test_a_refused_line_beside_one_allowed_to_the_deductible(
    patient_owes: str, expected: Status
) -> None:
    """One line denied (CO-197), the other allowed and applied to the deductible (PR-1):
    the payer paid nothing, but the claim was not wholly denied."""
    adjustments = [("CO", "197"), ("PR", "1")]
    found = status_for_adjudication("1", Decimal("0.00"), adjustments, Decimal(patient_owes))
    assert found is expected


def test_forwarded_claim_waits_for_the_next_payer() -> None:
    # CLP02 23: not our claim, forwarded to another payer: not paid, not denied
    assert status_for_adjudication("23", Decimal("0"), []) is Status.ACCEPTED
