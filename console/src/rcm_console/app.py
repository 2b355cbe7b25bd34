"""The console's web app: server-rendered pages that call the services' public REST APIs
with the signed-in user's token. It stores nothing: the token lives in an HttpOnly cookie,
and every figure on a page is what an API answered for that token."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from rcm_console.config import ConsoleSettings
from rcm_shared.auth import ALL_SCOPES, mint_token

HERE = Path(__file__).resolve().parent
COOKIE = "rcm_console_token"
CATEGORIES = (
    "eligibility", "authorization", "coding", "bundling", "missing_information",
    "timely_filing", "duplicate", "coordination_of_benefits", "medical_necessity", "other",
)  # fmt: skip
STATUSES = ("open", "in_progress", "appealed", "resubmitted", "resolved", "written_off")


class SignedOut(Exception):
    """No token, or the services refused it: back to the sign-in page."""


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}")
        self.status, self.body = status, body

    @property
    def message(self) -> str:
        if isinstance(self.body, dict):
            detail = self.body.get("detail")
            paths = ", ".join(
                str(d.get("path")) for d in detail if isinstance(d, dict) and d.get("path")
            ) if isinstance(detail, list) else ""  # fmt: skip
            return f"{self.body.get('message', 'refused')}" + (f" ({paths})" if paths else "")
        return str(self.body)[:200]


def money(value: Any) -> str:
    return f"${Decimal(str(value)):,.2f}" if value is not None else "-"


def create_app(settings: ConsoleSettings | None = None) -> FastAPI:  # noqa: PLR0915 - routes
    settings = settings or ConsoleSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=settings.request_timeout_seconds) as client:
            app.state.http = client
            yield

    app = FastAPI(title="RCM console", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["money"] = money
    urls = {
        "eligibility": settings.eligibility_url,
        "claims": settings.claims_url,
        "remittance": settings.remittance_url,
        "denials": settings.denials_url,
        "patients": settings.patients_url,
    }

    def token_of(request: Request) -> str:
        token = request.cookies.get(COOKIE)
        if not token:
            raise SignedOut
        return token

    def who(request: Request) -> dict[str, Any]:
        """What the token says, for the header (the services verify it, not the console)."""
        try:
            claims = jwt.decode(token_of(request), options={"verify_signature": False})
        except (jwt.PyJWTError, SignedOut):
            return {}
        return {"tenant": claims.get("tid"), "clinics": claims.get("clinics"),
                "subject": claims.get("sub")}  # fmt: skip

    async def call(
        request: Request, service: str, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {token_of(request)}"}
        response: httpx.Response = await app.state.http.request(
            method, urls[service] + path, headers=headers, **kwargs
        )
        if response.status_code == 401:
            raise SignedOut
        if response.status_code >= 400:
            try:
                body: Any = response.json()
            except ValueError:
                body = response.text
            raise ApiError(response.status_code, body)
        return response

    async def get_json(request: Request, service: str, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return (await call(request, service, "GET", path, params=clean)).json()

    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        context = {"who": who(request), "flash": request.query_params.get("flash"), **context}
        response: HTMLResponse = templates.TemplateResponse(request, name, context)
        return response

    @app.exception_handler(SignedOut)
    async def _signed_out(request: Request, _: SignedOut) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return page(request, "error.html", status=exc.status, message=exc.message)

    @app.get("/healthz")
    @app.get("/readyz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "console"}

    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        return RedirectResponse("/denials", status_code=303)

    @app.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request) -> HTMLResponse:
        return page(request, "login.html", can_mint=settings.can_mint)

    @app.post("/login")
    async def login(
        token: Annotated[str, Form()] = "",
        tenant: Annotated[str, Form()] = "",
        clinics: Annotated[str, Form()] = "",
    ) -> Response:
        if not token and tenant and settings.can_mint:
            clinic_ids = [c.strip() for c in clinics.split(",") if c.strip()] or None
            token = mint_token(
                settings.jwt_secret.get_secret_value(), tenant.strip(), scopes=ALL_SCOPES,
                clinic_ids=clinic_ids, subject="console-dev",
            )  # fmt: skip
        if not token.strip():
            return RedirectResponse("/login?flash=Paste+a+token", status_code=303)
        response = RedirectResponse("/denials", status_code=303)
        response.set_cookie(
            COOKIE,
            token.strip(),
            httponly=True,
            samesite="strict",
            secure=settings.env == "production",
        )
        return response

    @app.post("/logout")
    async def logout() -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @app.get("/denials", response_class=HTMLResponse)
    async def denials(
        request: Request,
        status: str | None = None,
        category: str | None = None,
        payer_id: str | None = None,
        clinic_id: str | None = None,
        deadline_to: str | None = None,
        sort: str = "priority",
    ) -> HTMLResponse:
        filters = {"status": status, "category": category, "payer_id": payer_id,
                   "clinic_id": clinic_id, "deadline_to": deadline_to, "sort": sort}  # fmt: skip
        found = await get_json(request, "denials", "/v1/denials", limit=200, **filters)
        return page(
            request, "denials.html", items=found["items"], filters=filters,
            statuses=STATUSES, categories=CATEGORIES,
        )  # fmt: skip

    @app.get("/denials/{denial_id}", response_class=HTMLResponse)
    async def denial(request: Request, denial_id: str) -> HTMLResponse:
        item = await get_json(request, "denials", f"/v1/denials/{denial_id}")
        history = await get_json(request, "denials", f"/v1/denials/{denial_id}/history")
        appeals = await get_json(request, "denials", f"/v1/denials/{denial_id}/appeals")
        return page(request, "denial.html", d=item, history=history, appeals=appeals)

    def back(denial_id: str, flash: str) -> Response:
        return RedirectResponse(
            f"/denials/{denial_id}?flash={flash.replace(' ', '+')}", status_code=303
        )

    @app.post("/denials/{denial_id}/appeal")
    async def appeal(
        request: Request, denial_id: str, argument: Annotated[str, Form()] = ""
    ) -> Response:
        body = {"argument": argument} if argument.strip() else {}
        await call(request, "denials", "POST", f"/v1/denials/{denial_id}/appeals", json=body)
        return back(denial_id, "Appeal letter generated")

    @app.post("/denials/{denial_id}/assign")
    async def assign(
        request: Request, denial_id: str, assignee: Annotated[str, Form()] = ""
    ) -> Response:
        body = {"assignee": assignee.strip() or None}
        await call(request, "denials", "POST", f"/v1/denials/{denial_id}/assign", json=body)
        return back(denial_id, "Assigned")

    @app.post("/denials/{denial_id}/note")
    async def note(request: Request, denial_id: str, text: Annotated[str, Form()] = "") -> Response:
        await call(
            request, "denials", "POST", f"/v1/denials/{denial_id}/notes", json={"text": text}
        )
        return back(denial_id, "Note added")

    @app.post("/denials/{denial_id}/write-off")
    async def write_off(
        request: Request, denial_id: str, reason: Annotated[str, Form()] = "other"
    ) -> Response:
        await call(
            request, "denials", "POST", f"/v1/denials/{denial_id}/write-off",
            json={"reason": reason},
        )  # fmt: skip
        return back(denial_id, "Written off")

    @app.get("/denials/{denial_id}/appeals/{appeal_id}/letter.pdf")
    async def letter(request: Request, denial_id: str, appeal_id: str) -> Response:
        pdf = await call(
            request, "denials", "GET", f"/v1/denials/{denial_id}/appeals/{appeal_id}/letter.pdf"
        )
        return Response(pdf.content, media_type="application/pdf")

    return app
