from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rcm_eligibility.domain.x270 import SERVICE_TYPES

Name = Field(min_length=1, max_length=60, pattern=r"^[^*:~^|>]+$")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonIn(_In):
    first_name: str = Field(min_length=1, max_length=35, pattern=r"^[^*:~^|>]+$")
    last_name: str = Name
    birth_date: date
    gender: Literal["M", "F", "U"] | None = None


class SubscriberIn(PersonIn):
    member_id: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9-]+$")


class PayerIn(_In):
    payer_id: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9]+$")
    name: str = Name


class ProviderIn(_In):
    npi: str = Field(pattern=r"^[0-9]{10}$")
    name: str = Field(description="organization name, or the person's last name")
    first_name: str | None = Field(default=None, description="set for a person")


class CheckIn(_In):
    subscriber: SubscriberIn
    dependent: PersonIn | None = None
    payer: PayerIn
    provider: ProviderIn
    service_types: list[str] = Field(
        default_factory=lambda: ["30"],
        min_length=1,
        max_length=20,
        description="X12 service type codes (EQ01)",
    )
    service_date: date

    @field_validator("service_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in SERVICE_TYPES]
        if unknown:
            raise ValueError(f"unknown service type code(s): {', '.join(unknown)}")
        if len(set(value)) != len(value):
            raise ValueError("a service type is listed twice")
        return value


class CheckOut(BaseModel):
    id: str
    state: str
    coverage_status: str | None
    retryable: bool | None
    error: dict[str, Any] | None
    answer: dict[str, Any] | None
    other_coverage_found: bool = Field(
        default=False,
        description="the 271 reports another payer (answer.other_payers): coordinate benefits",
    )
    from_cache: bool = False
    batch_id: str | None
    payer_id: str
    service_date: date
    created_at: datetime
    completed_at: datetime | None


class BatchIn(_In):
    checks: list[CheckIn] = Field(min_length=1, max_length=10_000)


class BatchOut(BaseModel):
    id: str
    state: str
    total: int
    counts: dict[str, int]
    results: list[CheckOut] = Field(default_factory=list)
    created_at: datetime


class CoverageQuery(_In):
    """Who and which payer: the same fields the check took, so PHI stays in the body."""

    payer_id: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9]+$")
    member_id: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9-]+$")
    birth_date: date = Field(description="the patient's (the dependent's, for a dependent)")


class CoverageOut(BaseModel):
    payer_id: str
    status: str
    check_id: str
    checked_at: datetime
    answer: dict[str, Any]
