"""CloudEvents 1.0, structured JSON mode, with our tenancy and tracing extensions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CONTENT_TYPE = "application/cloudevents+json"


class CloudEvent(BaseModel):
    """The Kafka record value. `data` is the payload of the catalog model named by `type`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str = Field(description="URI of the producing service, e.g. /rcm/claims")
    type: str = Field(description="rcm.<aggregate>.<past_tense>.v<N>")
    subject: str | None = Field(default=None, description="aggregate id; never PHI")
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    tenantid: str = Field(min_length=1, max_length=64)
    correlationid: str
    causationid: str | None = None
    traceparent: str | None = None
    data: dict[str, Any]

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> CloudEvent:
        return cls.model_validate_json(raw)
