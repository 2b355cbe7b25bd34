"""The request's unit of work commits before its response is sent: a 2xx means the rows
are in the database, and a commit that fails is the client's error response, not a 2xx
followed by a rollback it never hears of."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from rcm_shared.db import make_sessionmaker
from rcm_shared.runtime import Session


def make_app(engine: AsyncEngine) -> FastAPI:
    app = FastAPI()
    app.state.runtime = SimpleNamespace(sessions=make_sessionmaker(engine))

    @app.post("/commit-fails", status_code=201)
    async def commit_fails(session: Session) -> str:
        # a deferred unique constraint is checked only at COMMIT: the endpoint returns,
        # then the commit raises
        await session.execute(
            text(
                "CREATE TEMP TABLE uow_probe (n int UNIQUE DEFERRABLE INITIALLY DEFERRED)"
                " ON COMMIT DROP"
            )
        )
        await session.execute(text("INSERT INTO uow_probe VALUES (1), (1)"))
        return "created"

    @app.post("/commit-succeeds", status_code=201)
    async def commit_succeeds(session: Session) -> str:
        await session.execute(text("SELECT 1"))
        return "created"

    return app


async def test_a_failed_commit_is_the_response_not_a_201(
    test_databases: dict[str, AsyncEngine],
) -> None:
    app = make_app(test_databases["claims"])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        failed = await client.post("/commit-fails")
        succeeded = await client.post("/commit-succeeds")
    assert failed.status_code == 500, failed.text
    assert succeeded.status_code == 201
