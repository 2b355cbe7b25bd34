from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from rcm_shared.db import new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
    # Server-made values come back with RETURNING: an expired attribute would need a lazy
    # load, which async sessions forbid.
    __mapper_args__ = {"eager_defaults": True}
