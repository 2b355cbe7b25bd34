"""The baseline of bench/claims_intake.py: a bare FastAPI endpoint that inserts one row
with asyncpg. Nothing else: no auth, no validation beyond JSON, no outbox."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, Request

DSN = os.environ["BENCH_DSN"]
pool: Any = None


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    global pool  # noqa: PLW0603 - one pool for this tiny app
    pool = await asyncpg.create_pool(DSN, min_size=10, max_size=20)
    # its own schema, so the service's migrations never see the table
    await pool.execute("CREATE SCHEMA IF NOT EXISTS bench")
    await pool.execute(
        "CREATE TABLE IF NOT EXISTS bench.baseline (id uuid PRIMARY KEY, body jsonb NOT NULL)"
    )
    yield
    await pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/insert", status_code=201)
async def insert(request: Request) -> dict[str, str]:
    body = await request.json()
    row_id = uuid.uuid4()
    await pool.execute(
        "INSERT INTO bench.baseline (id, body) VALUES ($1, $2)", row_id, json.dumps(body)
    )
    return {"id": str(row_id)}
