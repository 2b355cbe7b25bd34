"""Sign in with a token (pasted, or minted here in development) kept in an HttpOnly cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rcm_console.backend import COOKIE, console_of
from rcm_shared.auth import ALL_SCOPES, mint_token

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> HTMLResponse:
    console = console_of(request)
    return console.page(request, "login.html", can_mint=console.settings.can_mint)


@router.post("/login")
async def login(
    request: Request,
    token: Annotated[str, Form()] = "",
    tenant: Annotated[str, Form()] = "",
    clinics: Annotated[str, Form()] = "",
) -> Response:
    settings = console_of(request).settings
    if not token.strip() and tenant.strip() and settings.can_mint:
        clinic_ids = [c.strip() for c in clinics.split(",") if c.strip()] or None
        token = mint_token(
            settings.jwt_secret.get_secret_value(),
            tenant.strip(),
            scopes=ALL_SCOPES,
            clinic_ids=clinic_ids,
            subject="console-dev",
        )
    if not token.strip():
        return RedirectResponse("/login?flash=Paste+a+token", status_code=303)
    response = RedirectResponse("/denials", status_code=303)
    secure = settings.env == "production"
    response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict", secure=secure)
    return response


@router.post("/logout")
async def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
