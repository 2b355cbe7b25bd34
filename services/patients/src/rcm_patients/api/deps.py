from typing import Annotated

from fastapi import Depends, Header

from rcm_shared.auth import Principal, requires
from rcm_shared.runtime import Session

Reader = Annotated[Principal, Depends(requires("patients:read"))]
Writer = Annotated[Principal, Depends(requires("patients:write"))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="a retry with the same key and body returns the first result",
    ),
]

__all__ = ["IdempotencyKey", "Reader", "Session", "Writer"]
