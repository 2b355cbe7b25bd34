"""Clinics (billing providers): the rules a clinic's billing identity must satisfy, and the
events that record its registration and changes."""

from __future__ import annotations

from dataclasses import dataclass

from rcm_shared.errors import InvalidInput
from rcm_shared.events.reference import Address, ClinicRegistered, ClinicUpdated
from rcm_shared.npi import is_valid_npi


@dataclass(frozen=True)
class ClinicDetails:
    name: str
    npi: str
    tax_id: str
    taxonomy_code: str
    address: Address
    pay_to_address: Address | None = None


def check_details(details: ClinicDetails, path: str = "body") -> None:
    problems = []
    if not is_valid_npi(details.npi):
        problems.append(
            {
                "path": f"{path}.npi",
                "message": "NPI check digit is wrong",
                "type": "npi_check_digit",
            }
        )
    if problems:
        raise InvalidInput("clinic details are invalid", problems)


def registered(clinic_id: str, details: ClinicDetails) -> ClinicRegistered:
    check_details(details)
    return ClinicRegistered(clinic_id=clinic_id, version=1, **_fields(details))


def updated(clinic_id: str, version: int, details: ClinicDetails) -> ClinicUpdated:
    check_details(details)
    return ClinicUpdated(clinic_id=clinic_id, version=version + 1, **_fields(details))


def _fields(details: ClinicDetails) -> dict[str, object]:
    return {
        "name": details.name,
        "npi": details.npi,
        "tax_id": details.tax_id,
        "taxonomy_code": details.taxonomy_code,
        "address": details.address,
        "pay_to_address": details.pay_to_address,
    }
