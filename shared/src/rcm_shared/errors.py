"""One error hierarchy and the FastAPI handlers that render it.

Body shape everywhere: {"error": code, "detail": ...}. Validation errors list field paths;
an unexpected error gets an id to quote to support and nothing else (no stack, no PHI).
"""

from __future__ import annotations

import logging
import re
import traceback
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("rcm.errors")


class RcmError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.detail is not None:
            body["detail"] = self.detail
        return body


class NotFound(RcmError):
    status_code = 404
    code = "not_found"


class Conflict(RcmError):
    status_code = 409
    code = "conflict"


class Unauthorized(RcmError):
    status_code = 401
    code = "unauthorized"


class Forbidden(RcmError):
    status_code = 403
    code = "forbidden"


class PayloadTooLarge(RcmError):
    status_code = 413
    code = "payload_too_large"


class InvalidInput(RcmError):
    """Input that parsed but breaks a rule; `detail` lists {"path", "message"} items."""

    status_code = 422
    code = "invalid_input"


class ValidationFailed(InvalidInput):
    """The schema refuses the request, found after parsing (a PATCH merged into what is
    stored): the same body as FastAPI's own validation errors."""

    code = "validation_error"


# A path names the client's own keys, and an error body may be stored (idempotency
# records, batch results): PostgreSQL text and jsonb refuse NUL and lone surrogates.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """A validator for text that goes into PostgreSQL: NUL and lone surrogates refused."""
    if _UNSTORABLE.search(text):
        raise ValueError("text must not contain NUL characters or lone surrogates")
    return text


def field_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """('body', 'lines', 0, 'charge') -> 'body.lines[0].charge'"""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(part))
            out += f".{name}" if out else name
    return out


def _validation_items(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Only the path, message and type: the offending value could be PHI.
    return [
        {
            "path": field_path(err.get("loc", ())),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RcmError)
    async def _rcm(_: Request, exc: RcmError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            {
                "error": "validation_error",
                "message": "request is invalid",
                "detail": _validation_items(exc),
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            {"error": code, "message": str(exc.detail)}, status_code=exc.status_code
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        # PostgreSQL text cannot hold NUL (SQLSTATE 22021): a NUL in a query parameter or
        # a JSON string is the caller's input, not our failure.
        # 22P05: the same NUL in a jsonb value
        if getattr(exc.orig, "sqlstate", None) in ("22021", "22P05"):
            return JSONResponse(
                {
                    "error": "invalid_input",
                    "message": "text must not contain NUL characters",
                    "detail": [{"path": "request", "message": "a NUL (\\u0000) character"}],
                },
                status_code=422,
            )
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        error_id = uuid.uuid4().hex
        # The exception type and id only: messages of driver errors can echo row values.
        log.error(
            "unhandled error",
            extra={
                "error_id": error_id,
                "exc_type": type(exc).__name__,
                "stack": "".join(traceback.format_tb(exc.__traceback__))[-4000:],
            },
        )
        return JSONResponse(
            {"error": "internal_error", "message": "unexpected error", "error_id": error_id},
            status_code=500,
        )


# Every /v1 operation can answer these in the body above: declared in the OpenAPI
# documents so that clients (and schemathesis) see the error shape, not FastAPI's
# default {"detail": [...]} that the handlers never send.
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "detail": {},
        "error_id": {"type": "string"},
    },
}
ERROR_RESPONSES = {
    400: "bad request",
    401: "no or an invalid bearer token",
    403: "the token lacks the scope or clinic",
    404: "not found",
    409: "conflicts with the current state",
    413: "too large",
    422: "invalid input",
}


def document_errors(app: FastAPI) -> None:
    """Declares ERROR_RESPONSES with ERROR_SCHEMA on every /v1 operation of `app`."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path, item in schema.get("paths", {}).items():
            if not path.startswith("/v1"):
                continue
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for code, description in ERROR_RESPONSES.items():
                    entry = responses.setdefault(str(code), {"description": description})
                    content = entry.get("content", {}).get("application/json", {})
                    if not content or "HTTPValidationError" in str(content.get("schema")):
                        entry["content"] = ref
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
