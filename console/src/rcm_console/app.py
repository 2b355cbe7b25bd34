"""The console's web app: server-rendered pages that call the services' public REST APIs
with the signed-in user's token. It stores nothing: the token lives in an HttpOnly cookie,
and every figure on a page is what an API answered for that token."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from rcm_console.backend import HERE, ApiError, Console, SignedOut
from rcm_console.config import ConsoleSettings
from rcm_console.pages import routers


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=settings.request_timeout_seconds) as client:
            app.state.console = Console(settings, client)
            yield

    app = FastAPI(title="RCM console", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in routers:
        app.include_router(router)

    @app.exception_handler(SignedOut)
    async def _signed_out(request: Request, _: SignedOut) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        console: Console = request.app.state.console
        page = console.page(request, "error.html", status=exc.status, message=exc.message)
        page.status_code = exc.status if exc.status < 500 else 502
        return page

    @app.get("/healthz")
    @app.get("/readyz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "console"}

    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        return RedirectResponse("/denials", status_code=303)

    return app
