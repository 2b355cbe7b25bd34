from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from rcm_shared.events.catalog import Address


class ClinicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    npi: str = Field(pattern=r"^[0-9]{10}$", description="10-digit NPI with a valid check digit")
    tax_id: str = Field(pattern=r"^[0-9]{9}$", description="EIN/TIN, 9 digits, no dash")
    taxonomy_code: str = Field(pattern=r"^[0-9A-Z]{9}X$")
    address: Address


class ClinicOut(ClinicIn):
    id: str
    version: int


class ClinicPage(BaseModel):
    items: list[ClinicOut]
    next_cursor: str | None
