"""The sandbox's HTTP face: a payer's 270 endpoint, a clearinghouse's 837 endpoint, and the
endpoints a demo or a test drives it with (run now, ground truth, re-pricing, recoveries).
Two background loops read the mailbox and send 835s on their schedules."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from deploy.sandbox.clearinghouse import Sandbox, SandboxError
from deploy.sandbox.config import SandboxSettings

log = logging.getLogger("rcm.sandbox")

X12 = "application/edi-x12"


class ClaimRef(BaseModel):
    tenant_id: str = Field(min_length=1, max_length=100)
    patient_control_number: str = Field(min_length=1, max_length=20)


class Recovery(ClaimRef):
    amount: Decimal | None = Field(default=None, gt=0, max_digits=10, decimal_places=2)


async def _every(seconds: float, what: str, action: Callable[[], Awaitable[Any]]) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await action()
        except Exception:  # a bad pass must not stop the schedule
            log.exception("sandbox %s pass failed", what)


def create_app(
    settings: SandboxSettings | None = None,
    sandbox: Sandbox | None = None,
    run_workers: bool = True,
) -> FastAPI:
    settings = settings or SandboxSettings()
    box = sandbox or Sandbox(settings)
    # One pass at a time: the loops and the endpoints share the state and the mailboxes.
    lock = asyncio.Lock()

    async def locked(action: Callable[[], Any]) -> Any:
        async with lock:
            return await asyncio.to_thread(action)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = []
        if run_workers and settings.mailbox_poll_seconds > 0:
            tasks.append(
                asyncio.create_task(
                    _every(
                        settings.mailbox_poll_seconds,
                        "mailbox",
                        lambda: locked(lambda: (box.flush(), box.scan_mailbox())),
                    )
                )
            )
        if run_workers and settings.remit_every_seconds > 0:
            tasks.append(
                asyncio.create_task(
                    _every(
                        settings.remit_every_seconds,
                        "835",
                        lambda: locked(box.deliver_remittances),
                    )
                )
            )
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(
        title="RCM clearinghouse/payer sandbox",
        description="Speaks X12 the way a clearinghouse and its payers do. See "
        "deploy/sandbox/README.md for the member-id and claim patterns behind each outcome.",
        lifespan=lifespan,
    )
    app.state.sandbox = box

    @app.exception_handler(SandboxError)
    async def _refused(request: Request, exc: SandboxError) -> JSONResponse:
        return JSONResponse({"error": str(exc), "detail": exc.detail}, status_code=exc.status)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/270", response_class=Response, summary="A 270 in, its 271 out (payer)")
    async def eligibility(request: Request) -> Response:
        text = (await request.body()).decode("latin-1")
        answer = await locked(lambda: box.answer_270(text))
        return Response(answer.encode("latin-1"), media_type=X12)

    @app.post("/276", response_class=Response, summary="A 276 in, its 277 out (claim status)")
    async def claim_status(
        request: Request, x_tenant_id: str = Header(min_length=1, max_length=100)
    ) -> Response:
        text = (await request.body()).decode("latin-1")
        answer = await locked(lambda: box.answer_276(x_tenant_id, text))
        return Response(answer.encode("latin-1"), media_type=X12)

    @app.post("/837", status_code=202, summary="An 837 batch (clearinghouse HTTP connector)")
    async def claims(
        request: Request,
        x_tenant_id: str = Header(min_length=1, max_length=100),
        x_file_name: str = Header(default="upload.837", max_length=200),
    ) -> dict[str, Any]:
        text = (await request.body()).decode("latin-1")
        return dict(await locked(lambda: box.receive_837(x_tenant_id, x_file_name, text)))

    @app.post("/sandbox/run", summary="Read the mailbox and send every pending 835 now")
    async def run() -> dict[str, Any]:
        return dict(await locked(box.run))

    @app.get("/sandbox/truth", summary="Expected outcome per claim (tenant, CLM01)")
    async def truth(tenant_id: str | None = Query(default=None)) -> dict[str, Any]:
        claims = await locked(lambda: box.truth(tenant_id))
        return {"claims": claims}

    @app.post("/sandbox/reprocess", summary="Reverse a paid claim and pay it again (+10%)")
    async def reprocess(body: ClaimRef) -> dict[str, Any]:
        return dict(
            await locked(lambda: box.reprocess(body.tenant_id, body.patient_control_number))
        )

    @app.post("/sandbox/recoveries", summary="Recover an overpayment in the next 835 (PLB WO)")
    async def recover(body: Recovery) -> dict[str, Any]:
        return dict(
            await locked(
                lambda: box.recover(body.tenant_id, body.patient_control_number, body.amount)
            )
        )

    return app
