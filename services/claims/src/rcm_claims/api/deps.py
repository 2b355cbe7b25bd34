from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from rcm_shared.auth import Principal, requires
from rcm_shared.runtime import Session

Reader = Annotated[Principal, Depends(requires("claims:read"))]
Writer = Annotated[Principal, Depends(requires("claims:write"))]

__all__ = ["Reader", "Session", "Writer"]
