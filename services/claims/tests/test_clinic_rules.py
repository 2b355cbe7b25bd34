"""Clinic rules: events carry the next version; a bad NPI is refused with a field path."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rcm_claims.domain.clinics import ClinicDetails, registered, updated
from rcm_shared.errors import InvalidInput
from rcm_shared.events.reference import Address, ClinicRegistered, ClinicUpdated

ADDRESS = Address(line1="1 Main St", city="Springfield", state="IL", postal_code="62701")


def details(npi: str = "1245319599") -> ClinicDetails:
    return ClinicDetails(
        name="Main St Clinic",
        npi=npi,
        tax_id="123456789",
        taxonomy_code="207Q00000X",
        address=ADDRESS,
    )


def test_registered_is_version_1() -> None:
    event = registered("clinic-1", details())
    assert isinstance(event, ClinicRegistered)
    assert (event.clinic_id, event.version, event.npi) == ("clinic-1", 1, "1245319599")
    assert event.key == "clinic-1"


def test_updated_is_next_version() -> None:
    event = updated("clinic-1", 4, details("1234567893"))
    assert isinstance(event, ClinicUpdated)
    assert (event.version, event.npi) == (5, "1234567893")


@pytest.mark.parametrize(
    "make",
    [lambda d: registered("clinic-1", d), lambda d: updated("clinic-1", 1, d)],
    ids=["registered", "updated"],
)
def test_bad_npi_is_invalid_input_at_body_npi(make: Callable[[ClinicDetails], object]) -> None:
    with pytest.raises(InvalidInput) as caught:
        make(details("1245319598"))
    assert caught.value.status_code == 422
    assert [item["path"] for item in caught.value.detail] == ["body.npi"]
