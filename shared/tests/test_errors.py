"""Error bodies: one shape, exact field paths, and never the caller's data (it may be PHI)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from rcm_shared.errors import Conflict, NotFound, field_path, install_error_handlers

PHI = "SMITH-PHI-123"


class Line(BaseModel):
    code: str
    charge: float


class ClaimIn(BaseModel):
    patient: str
    lines: list[Line]


def test_field_path() -> None:
    assert field_path(("body", "lines", 0, "charge")) == "body.lines[0].charge"
    assert field_path(["query", "limit"]) == "query.limit"
    assert field_path(()) == ""
    # a client's key with a NUL or a lone surrogate is spelled out: storable as text
    assert field_path(("body", "a\x00b", "\ud800")) == "body.a\\u0000b.\\ud800"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/claims")
    async def create(claim: ClaimIn) -> dict[str, int]:
        return {"lines": len(claim.lines)}

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound("no such claim")

    @app.get("/conflict")
    async def conflict() -> None:
        raise Conflict("claim already submitted")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(f"secret {PHI}")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_validation_error_names_field_and_hides_value(client: httpx.AsyncClient) -> None:
    body = {
        "patient": "x",
        "lines": [{"code": "99213", "charge": 10}, {"code": "99214", "charge": PHI}],
    }
    response = await client.post("/claims", json=body)
    assert response.status_code == 422
    payload = response.json()
    assert payload["error"] == "validation_error"
    assert [item["path"] for item in payload["detail"]] == ["body.lines[1].charge"]
    assert PHI not in response.text


async def test_valid_body_passes(client: httpx.AsyncClient) -> None:
    response = await client.post("/claims", json={"patient": "x", "lines": []})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/missing", 404, "not_found"),
        ("/conflict", 409, "conflict"),
        ("/no-such-route", 404, "not_found"),
    ],
)
async def test_rcm_errors_render_status_and_code(
    client: httpx.AsyncClient, url: str, status: int, code: str
) -> None:
    response = await client.get(url)
    assert response.status_code == status
    assert response.json()["error"] == code


async def test_unexpected_error_is_500_with_id_only(client: httpx.AsyncClient) -> None:
    response = await client.get("/boom")
    assert response.status_code == 500
    payload = response.json()
    assert payload["error"] == "internal_error"
    assert len(payload["error_id"]) == 32
    assert PHI not in response.text
    assert "secret" not in response.text
