"""The CloudEvent envelope, the event catalog, and what a DLQ header may say."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, ValidationError

from rcm_shared.errors import NotFound
from rcm_shared.events import catalog
from rcm_shared.events.catalog import (
    TOPIC_REFERENCE,
    EventPayload,
    new_event,
    payload_of,
    register,
    unchecked_envelope,
    unchecked_event,
)
from rcm_shared.events.envelope import CloudEvent
from rcm_shared.events.reference import ClinicRegistered
from rcm_shared.messaging.consumer import PermanentError
from rcm_shared.messaging.dlq import describe_error, dlq_topic

PHI = "SMITH-PHI-123"
ADDRESS = {"line1": "1 Main St", "city": "Springfield", "state": "IL", "postal_code": "62701"}


def clinic(**overrides: Any) -> ClinicRegistered:
    fields: dict[str, Any] = {
        "clinic_id": "clinic-1",
        "name": "Main St Clinic",
        "npi": "1245319599",
        "tax_id": "123456789",
        "taxonomy_code": "207Q00000X",
        "address": ADDRESS,
        "version": 1,
    }
    return ClinicRegistered(**(fields | overrides))


def test_new_event_fills_envelope() -> None:
    event = new_event(clinic(), tenant_id="tenant-a", source="/rcm/claims")
    assert event.specversion == "1.0"
    assert event.type == "rcm.clinic.registered.v1"
    assert event.subject == "clinic-1"
    assert event.tenantid == "tenant-a"
    assert event.correlationid == event.id
    assert event.data["npi"] == "1245319599"
    assert ClinicRegistered.topic == TOPIC_REFERENCE


def test_an_unchecked_envelope_is_what_a_checked_event_would_be() -> None:
    """Bulk producers skip validation; what they write must still read back as the same
    event, cause and correlation included."""
    payload = clinic()
    cause = new_event(payload, tenant_id="t", source="/rcm/claims", correlation_id="corr-1")
    at = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
    envelope = unchecked_envelope(
        ClinicRegistered,
        payload.model_dump(mode="json"),
        event_id="event-1",
        tenant_id="t",
        source="/rcm/claims",
        time=at,
        cause=cause,
    )
    read = CloudEvent.model_validate_json(json.dumps(envelope))
    checked = new_event(
        payload,
        tenant_id="t",
        source="/rcm/claims",
        correlation_id="corr-1",
        causation_id=cause.id,
        event_id="event-1",
    )
    assert read == checked.model_copy(update={"time": at})
    assert payload_of(read) == payload
    built = unchecked_event(
        ClinicRegistered,
        payload.model_dump(mode="json"),
        event_id="event-1",
        tenant_id="t",
        source="/rcm/claims",
        time=at,
        cause=cause,
    )
    assert CloudEvent.model_validate_json(built.to_bytes()) == read


def test_new_event_keeps_given_correlation() -> None:
    event = new_event(
        clinic(), tenant_id="t", source="/s", correlation_id="corr-1", causation_id="cause-1"
    )
    assert (event.correlationid, event.causationid) == ("corr-1", "cause-1")


def test_bytes_round_trip_and_typed_payload() -> None:
    event = new_event(clinic(), tenant_id="tenant-a", source="/rcm/claims")
    again = CloudEvent.from_bytes(event.to_bytes())
    assert again == event
    assert payload_of(again) == clinic()


def test_unknown_type_is_key_error() -> None:
    event = new_event(clinic(), tenant_id="t", source="/s").model_copy(
        update={"type": "rcm.nothing.happened.v1"}
    )
    with pytest.raises(KeyError):
        payload_of(event)


def _envelope(**changes: Any) -> dict[str, Any]:
    raw = new_event(clinic(), tenant_id="t", source="/s").model_dump(mode="json") | changes
    return {k: v for k, v in raw.items() if v is not None}


@pytest.mark.parametrize(
    "raw",
    [
        _envelope(unexpected="x"),
        _envelope(tenantid=None),
        _envelope(tenantid=""),
        _envelope(specversion="0.3"),
    ],
    ids=["extra-field", "no-tenant", "empty-tenant", "old-spec"],
)
def test_bad_envelope_is_refused(raw: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CloudEvent.model_validate(raw)


@pytest.mark.parametrize(
    "field",
    [
        {"npi": "12453195"},
        {"npi": "124531959X"},
        {"address": ADDRESS | {"state": "Illinois"}},
        {"version": 0},
    ],
)
def test_payload_rules(field: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        clinic(**field)


def test_register_refuses_duplicate_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog, "CATALOG", dict(catalog.CATALOG))

    class Impostor(EventPayload):
        event_type: ClassVar[str] = ClinicRegistered.event_type

    with pytest.raises(ValueError, match="registered twice"):
        register(Impostor)
    assert catalog.CATALOG[ClinicRegistered.event_type] is ClinicRegistered


def test_dlq_topic() -> None:
    assert dlq_topic("rcm.reference", "denials") == "rcm.reference.denials.dlq"


def test_describe_validation_error_omits_values() -> None:
    class Patient(BaseModel):
        member_id: int

    with pytest.raises(ValidationError) as caught:
        Patient.model_validate({"member_id": PHI})
    assert PHI in str(caught.value)  # pydantic's own message would leak it
    described = describe_error(caught.value)
    assert described.startswith("ValidationError: member_id:")
    assert PHI not in described


def test_describe_foreign_error_gives_its_type_only() -> None:
    assert describe_error(KeyError("SMITH-PHI-123")) == "KeyError"
    assert describe_error(PermanentError("unknown tenant t-1")) == (
        "PermanentError: unknown tenant t-1"
    )
    assert describe_error(NotFound("claim c-1 not found")) == "NotFound: claim c-1 not found"
