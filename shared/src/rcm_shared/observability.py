"""JSON logs carrying request and correlation ids (never PHI), and Prometheus metrics."""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)

# Attributes every LogRecord has; anything else passed via `extra=` is emitted as a field.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}

# Labels are identifiers and code values only: never member ids, names or dates of birth.
HTTP_LATENCY = Histogram(
    "rcm_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route", "status"],
)
EVENTS_PUBLISHED = Counter(
    "rcm_events_published_total", "Events published from the outbox", ["service", "type"]
)
EVENTS_CONSUMED = Counter(
    "rcm_events_consumed_total",
    "Events consumed, by outcome",
    ["service", "group", "type", "outcome"],
)
COALESCED_BATCH = Histogram(
    "rcm_coalesced_batch_size",
    "Items written together by one group commit (rcm_shared.coalesce)",
    ["name"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
OUTBOX_LAG = Gauge("rcm_outbox_unsent", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST = Gauge(
    "rcm_outbox_oldest_unsent_seconds", "Age of the oldest unsent outbox row", ["service"]
)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if rid := request_id_var.get():
            doc["request_id"] = rid
        if cid := correlation_id_var.get():
            doc["correlation_id"] = cid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                doc[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # the type only: exception messages from drivers can quote row values
            doc["exc_type"] = record.exc_info[0].__name__
        return json.dumps(doc, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    # replace an earlier JSON handler (several apps in one test process), keep others
    root.handlers[:] = [h for h in root.handlers if not isinstance(h.formatter, JsonFormatter)]
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's access log prints full query strings; our middleware logs routes instead
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    # httpx logs every URL at INFO, query strings included (payer connectors use it)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


class ObservabilityMiddleware:
    """Request and correlation ids, latency histogram, one log line per request.

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware re-wraps every response in a
    stream and costs a large share of a small endpoint's time."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service
        self.log = logging.getLogger(f"rcm.{service}.http")
        # one histogram series per route, method and status: a bounded set (route
        # templates, never raw paths)
        self._series: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        # 32 random hex digits, as uuid4().hex gives, at a third of its cost
        rid = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or os.urandom(16).hex()
        cid = headers.get(b"x-correlation-id", b"").decode("latin-1")[:64] or rid
        rid_token = request_id_var.set(rid)
        cid_token = correlation_id_var.set(cid)
        started = time.perf_counter()
        status = 500

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", rid.encode("latin-1")),
                    (b"x-correlation-id", cid.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            elapsed = time.perf_counter() - started
            # the route template (/v1/claims/{claim_id}), never the raw path or query
            template = getattr(scope.get("route"), "path", "unmatched")
            method = scope.get("method", "")
            key = (method, template, status)
            series = self._series.get(key)
            if series is None:  # labels() takes a lock and builds its key on every call
                series = HTTP_LATENCY.labels(self.service, method, template, str(status))
                self._series[key] = series
            series.observe(elapsed)
            if template not in ("/healthz", "/readyz", "/metrics"):
                self.log.info(
                    "request",
                    extra={
                        "method": method,
                        "route": template,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                    },
                )
            request_id_var.reset(rid_token)
            correlation_id_var.reset(cid_token)


def install_observability(app: FastAPI, service: str) -> None:
    app.add_middleware(ObservabilityMiddleware, service=service)

    @app.get("/metrics", include_in_schema=False)
    async def _metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
