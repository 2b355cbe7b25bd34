from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from rcm_shared.auth import Principal, requires
from rcm_shared.runtime import db_session

Session = Annotated[AsyncSession, Depends(db_session)]
Reader = Annotated[Principal, Depends(requires("claims:read"))]
Writer = Annotated[Principal, Depends(requires("claims:write"))]
