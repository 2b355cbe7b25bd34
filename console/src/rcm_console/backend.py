"""What every page does: the caller's token, a call to a service's API with it, a template
rendered with who is signed in. The services decide what the token may see."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import jwt
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from rcm_console.charts import bars
from rcm_console.config import ConsoleSettings

HERE = Path(__file__).resolve().parent
COOKIE = "rcm_console_token"


class SignedOut(Exception):
    """No token, or the services refused it: back to the sign-in page."""


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}")
        self.status, self.body = status, body

    @property
    def message(self) -> str:
        if not isinstance(self.body, dict):
            return str(self.body)[:200]
        detail = self.body.get("detail")
        paths = []
        if isinstance(detail, list):
            paths = [str(d.get("path")) for d in detail if isinstance(d, dict) and d.get("path")]
        text = str(self.body.get("message", "refused"))
        return text + (f" ({', '.join(paths)})" if paths else "")


def money(value: Any) -> str:
    return f"${Decimal(str(value)):,.2f}" if value is not None else "-"


def percent(value: Any) -> str:
    return "-" if value is None else f"{Decimal(str(value)) * 100:.1f}%"


class Console:
    def __init__(self, settings: ConsoleSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self.templates = Jinja2Templates(directory=HERE / "templates")
        self.templates.env.filters["money"] = money
        self.templates.env.filters["percent"] = percent
        self.templates.env.globals["bars"] = bars
        self.urls = {
            "eligibility": settings.eligibility_url,
            "claims": settings.claims_url,
            "remittance": settings.remittance_url,
            "denials": settings.denials_url,
            "patients": settings.patients_url,
        }

    @staticmethod
    def token_of(request: Request) -> str:
        token = request.cookies.get(COOKIE)
        if not token:
            raise SignedOut
        return token

    def who(self, request: Request) -> dict[str, Any]:
        """What the token says, for the header (the services verify it, not the console)."""
        try:
            claims = jwt.decode(self.token_of(request), options={"verify_signature": False})
        except (jwt.PyJWTError, SignedOut):
            return {}
        return {"tenant": claims.get("tid"), "clinics": claims.get("clinics")}

    async def call(
        self, request: Request, service: str, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.token_of(request)}"}
        response: httpx.Response = await self.http.request(
            method, self.urls[service] + path, headers=headers, **kwargs
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

    async def get_json(self, request: Request, service: str, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return (await self.call(request, service, "GET", path, params=clean)).json()

    def page(self, request: Request, name: str, **context: Any) -> HTMLResponse:
        values = {"who": self.who(request), "flash": request.query_params.get("flash"), **context}
        response: HTMLResponse = self.templates.TemplateResponse(request, name, values)
        return response


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def back_to(path: str, flash: str) -> Response:
    return RedirectResponse(f"{path}?flash={flash.replace(' ', '+')}", status_code=303)
