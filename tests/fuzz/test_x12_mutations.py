"""Mutated X12 (truncation, byte flips, wrong separators, bad SE counts, huge elements,
binary garbage, an empty body) into every ingestion endpoint: no 5xx, every refusal names
where the file is wrong, and the service is still ready afterwards.

"Located" means the error detail carries the segment's number in the file and an
element position (null only when the fault is the segment as a whole, e.g. a missing
terminator or a bad segment id). An unbalanced 835 is a business refusal: located when
each imbalance names its segment. An empty (or all-whitespace) body has no segment to
name: its refusal names the body (`path` "body") instead."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rcm_claims.app import create_app as claims_app
from rcm_claims.config import ClaimsSettings
from rcm_eligibility.app import create_app as eligibility_app
from rcm_eligibility.config import EligibilitySettings
from rcm_remittance.app import create_app as remittance_app
from rcm_remittance.config import RemittanceSettings
from rcm_shared.testing.fixtures import bearer, running, settings_for
from rcm_shared.testing.x12_data import sample_files

from .conftest import count
from .mutator import mutants

PER_KIND = 8  # mutants per kind and endpoint: ~65 each, bounded for the suite's budget
X12 = {"content-type": "application/edi-x12"}


def located(detail: Any, body: bytes = b"x") -> bool:
    if not body.strip() and isinstance(detail, list):
        return any(isinstance(i, dict) and i.get("path") == "body" for i in detail)
    if not isinstance(detail, dict):
        return False
    if "imbalances" in detail:
        items = detail["imbalances"]
        return bool(items) and all(located(i) for i in items)
    number = detail.get("segment_number")
    return isinstance(number, int) and number >= 1 and "element_position" in detail


def seeds(*kinds: str) -> list[bytes]:
    return [p.read_bytes() for kind in kinds for p in sample_files(kind)]


async def fuzz(
    target: str,
    cases: list[tuple[str, bytes]],
    send: Callable[[bytes], Any],
) -> list[str]:
    """Sends each case; returns what went wrong (5xx, an unlocated 4xx)."""
    problems: list[str] = []
    for kind, body in cases:
        status, detail = await send(body)
        count("x12-mutation", target, tried=1)
        if status >= 500:
            count("x12-mutation", target, **{"5xx": 1})
            problems.append(f"{kind}: {status}")
        elif 400 <= status < 500:
            count("x12-mutation", target, **{"4xx": 1})
            if not located(detail, body):
                count("x12-mutation", target, unlocated=1)
                problems.append(f"{kind}: {status} unlocated {detail!r}"[:400])
        else:
            count("x12-mutation", target, accepted=1)
    return problems


@pytest.mark.integration
async def test_mutated_835s(stack: dict[str, Any], tenant: str, tmp_path: Path) -> None:
    settings = settings_for(RemittanceSettings, "remittance", inbound_dir=str(tmp_path / "in"))
    async with running(remittance_app(settings, run_workers=False)) as api:

        async def send(body: bytes) -> tuple[int, Any]:
            r = await api.post("/v1/remittances", content=body, headers={**X12, **bearer(tenant)})
            return r.status_code, r.json().get("detail") if r.status_code >= 400 else None

        cases = list(mutants(seeds("835"), seed=835, per_kind=PER_KIND))
        problems = await fuzz("remittance POST /v1/remittances (835)", cases, send)
        assert (await api.get("/readyz")).status_code == 200
    assert not problems, "\n".join(problems)


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["999", "277ca"])
async def test_mutated_acknowledgments(
    stack: dict[str, Any], tenant: str, tmp_path: Path, kind: str
) -> None:
    settings = settings_for(
        ClaimsSettings, "claims", outbound_dir=str(tmp_path / "o"), inbound_dir=str(tmp_path / "i")
    )
    async with running(claims_app(settings, run_workers=False)) as api:

        async def send(body: bytes) -> tuple[int, Any]:
            r = await api.post(
                "/v1/acknowledgments", content=body, headers={**X12, **bearer(tenant)}
            )
            return r.status_code, r.json().get("detail") if r.status_code >= 400 else None

        cases = list(mutants(seeds(kind), seed=999 if kind == "999" else 277, per_kind=PER_KIND))
        problems = await fuzz(f"claims POST /v1/acknowledgments ({kind})", cases, send)
        assert (await api.get("/readyz")).status_code == 200
    assert not problems, "\n".join(problems)


class _Payer:
    """Answers every 270 with whatever 271 the test put in `answer`."""

    def __init__(self) -> None:
        self.answer = b""
        self.app = Starlette(routes=[Route("/270", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        await request.body()
        return Response(self.answer, media_type="application/edi-x12")


@contextlib.asynccontextmanager
async def payer_server() -> AsyncIterator[tuple[_Payer, str]]:
    payer = _Payer()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        payer.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.02)
    try:
        yield payer, f"http://127.0.0.1:{port}/270"
    finally:
        server.should_exit = True
        await task


def check_body(n: int) -> dict[str, Any]:
    return {
        "subscriber": {
            "member_id": f"FUZZ{n:06d}",
            "first_name": "Jane",
            "last_name": "Doe",
            "birth_date": "1980-04-02",
            "gender": "F",
        },
        "payer": {"payer_id": "87726", "name": "Acme Health Plan"},
        "provider": {"npi": "1245319599", "name": "Springfield Clinic"},
        "service_date": "2026-11-24",
    }


@pytest.mark.integration
async def test_mutated_271s_through_the_payer_connector(stack: dict[str, Any], tenant: str) -> None:
    async with payer_server() as (payer, url):
        settings = settings_for(
            EligibilitySettings,
            "eligibility",
            payer_url=url,
            payer_timeout_seconds=5,
            payer_attempts=1,
        )
        async with running(eligibility_app(settings, run_workers=False)) as api:
            n = 0

            async def send(body: bytes) -> tuple[int, Any]:
                # the check itself is accepted; the mutated 271 must end it in an error
                # state that says where the 271 is wrong (a 4xx-like outcome, counted so)
                nonlocal n
                n += 1
                payer.answer = body
                r = await api.post(
                    "/v1/eligibility/checks",
                    params={"force": "true"},
                    json=check_body(n),
                    headers=bearer(tenant),
                )
                if r.status_code >= 400:
                    return r.status_code, r.json().get("detail")
                check = r.json()
                if check["state"] != "error":
                    return r.status_code, None
                return 422, check["error"]

            cases = list(mutants(seeds("271"), seed=271, per_kind=PER_KIND))
            problems = await fuzz("eligibility 271 via payer connector", cases, send)
            assert (await api.get("/readyz")).status_code == 200
    assert not problems, "\n".join(problems)
