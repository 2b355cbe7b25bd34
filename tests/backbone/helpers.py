"""Helpers the backbone tests share: clinic payloads, raw Kafka reads, outbox staging."""

from __future__ import annotations

from typing import Any

from rcm_shared.events.catalog import new_event
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.reference import Address, ClinicRegistered, ClinicUpdated
from rcm_shared.testing.kafka import read_topic

__all__ = ["ADDRESS", "VALID_NPI", "clinic_body", "clinic_event", "read_topic"]

ADDRESS = Address(line1="1 Main St", city="Springfield", state="IL", postal_code="62701")
VALID_NPI = "1245319599"


def clinic_body(name: str = "Main St Clinic", npi: str = VALID_NPI) -> dict[str, Any]:
    return {
        "name": name,
        "npi": npi,
        "tax_id": "123456789",
        "taxonomy_code": "207Q00000X",
        "address": ADDRESS.model_dump(),
    }


def clinic_event(tenant: str, clinic_id: str, version: int, name: str = "Clinic") -> CloudEvent:
    model = ClinicRegistered if version == 1 else ClinicUpdated
    payload = model(
        clinic_id=clinic_id,
        name=name,
        npi=VALID_NPI,
        tax_id="123456789",
        taxonomy_code="207Q00000X",
        address=ADDRESS,
        version=version,
    )
    return new_event(payload, tenant_id=tenant, source="/tests")
