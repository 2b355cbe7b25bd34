"""Reference data a tenant keeps in the claims service: clinics (billing providers),
rendering/referring providers, payers. Other services keep the copies they need."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from rcm_shared.events.catalog import TOPIC_REFERENCE, EventPayload, register


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    line1: str = Field(min_length=1, max_length=55)
    line2: str | None = Field(default=None, max_length=55)
    city: str = Field(min_length=2, max_length=30)
    state: str = Field(pattern=r"^[A-Z]{2}$")
    postal_code: str = Field(pattern=r"^[0-9]{5}([0-9]{4})?$")


class _ClinicFields(EventPayload):
    topic: ClassVar[str] = TOPIC_REFERENCE
    key_field: ClassVar[str] = "clinic_id"

    clinic_id: str
    name: str
    npi: str = Field(pattern=r"^[0-9]{10}$")
    tax_id: str = Field(pattern=r"^[0-9]{9}$")
    taxonomy_code: str = Field(pattern=r"^[0-9A-Z]{9}X$")
    address: Address
    pay_to_address: Address | None = None
    version: int = Field(ge=1, description="increases by one with every change")


@register
class ClinicRegistered(_ClinicFields):
    event_type: ClassVar[str] = "rcm.clinic.registered.v1"
    summary: ClassVar[str] = "A billing provider (clinic) was registered for a tenant."


@register
class ClinicUpdated(_ClinicFields):
    event_type: ClassVar[str] = "rcm.clinic.updated.v1"
    summary: ClassVar[str] = "A clinic's billing details changed; carries the whole new state."


class _ProviderFields(EventPayload):
    topic: ClassVar[str] = TOPIC_REFERENCE
    key_field: ClassVar[str] = "provider_id"

    provider_id: str
    npi: str = Field(pattern=r"^[0-9]{10}$")
    first_name: str
    last_name: str
    taxonomy_code: str | None = Field(default=None, pattern=r"^[0-9A-Z]{9}X$")
    version: int = Field(ge=1)


@register
class ProviderRegistered(_ProviderFields):
    event_type: ClassVar[str] = "rcm.provider.registered.v1"
    summary: ClassVar[str] = "A rendering or referring provider was registered for a tenant."


@register
class ProviderUpdated(_ProviderFields):
    event_type: ClassVar[str] = "rcm.provider.updated.v1"
    summary: ClassVar[str] = "A provider's details changed; carries the whole new state."


class _PayerFields(EventPayload):
    topic: ClassVar[str] = TOPIC_REFERENCE
    key_field: ClassVar[str] = "payer_id"

    payer_id: str = Field(description="the payer's id as the clearinghouse knows it")
    name: str
    claim_filing_indicator: str = Field(description="SBR09, e.g. CI commercial, MB Medicare B")
    timely_filing_days: int = Field(ge=1)
    appeal_window_days: int = Field(ge=1)
    prior_auth_procedures: list[str] = Field(
        default_factory=list, description="procedure codes this payer authorises in advance"
    )
    claim_status_after_days: int = Field(
        default=30, ge=1, description="days without an 835 before the claim's status is asked"
    )
    version: int = Field(ge=1)


@register
class PayerRegistered(_PayerFields):
    event_type: ClassVar[str] = "rcm.payer.registered.v1"
    summary: ClassVar[str] = "A payer was configured for a tenant."


@register
class PayerUpdated(_PayerFields):
    event_type: ClassVar[str] = "rcm.payer.updated.v1"
    summary: ClassVar[str] = "A payer's rules changed (filing limit, appeal window, ...)."
