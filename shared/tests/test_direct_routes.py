"""Direct routes: served ahead of FastAPI's routing, with everything around the router
(error handlers, observability) still in place, and documented by their FastAPI twin."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request, Response

from rcm_shared.direct_routes import DirectRoute, serve_directly
from rcm_shared.errors import Conflict, install_error_handlers
from rcm_shared.observability import HTTP_LATENCY, install_observability
from rcm_shared.testing.fixtures import documented_operations


async def direct(request: Request) -> Response:
    if (await request.body()) == b"conflict":
        raise Conflict("taken")
    return Response(b"direct", status_code=201)


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_observability(app, "direct-test")
    router = APIRouter(prefix="/v1/things")

    @router.post("", status_code=201)
    async def documented() -> str:
        return "fastapi"  # never reached while the direct route is in front

    @router.get("")
    async def listing() -> list[str]:
        return ["listed by fastapi"]

    app.include_router(router)
    serve_directly(app, [DirectRoute("/v1/things", direct, "POST")])
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_the_direct_route_serves_and_the_others_still_route(
    client: httpx.AsyncClient,
) -> None:
    posted = await client.post("/v1/things", content=b"x")
    assert (posted.status_code, posted.content) == (201, b"direct")
    listed = await client.get("/v1/things")
    assert listed.json() == ["listed by fastapi"]
    assert (await client.delete("/v1/things")).status_code == 405


async def test_errors_of_a_direct_route_get_the_service_error_body(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/things", content=b"conflict")
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert response.headers["x-request-id"]


async def test_a_direct_route_is_measured_under_its_template(client: httpx.AsyncClient) -> None:
    series = HTTP_LATENCY.labels("direct-test", "POST", "/v1/things", "201")
    before = series._sum.get()
    await client.post("/v1/things", content=b"x")
    assert series._sum.get() > before


def test_the_twin_documents_the_direct_route() -> None:
    app = make_app()
    assert ("/v1/things", "POST") in documented_operations(app)
    assert isinstance(app.router.routes[0], DirectRoute)
