"""Broken X12 through every door it comes in by: 835s to the remittance service, 999s and
277CAs to the claims service, 271s from the payer through the eligibility service's
connector. Whatever arrives, the answer is never a 5xx, every refusal names the segment
(and the element, when one element is at fault), and the services stay ready."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
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
from rcm_shared.testing.fixtures import REPO, bearer, running, settings_for
from rcm_shared.testing.x12_data import sample_files

from .mutations import mutants
from .tally import TALLY

if str(REPO) not in sys.path:  # deploy/ is not an installed package
    sys.path.insert(0, str(REPO))

from deploy.sandbox.app import create_app as sandbox_app
from deploy.sandbox.config import SandboxSettings

EDI = {"content-type": "application/edi-x12"}
PER_SEED = 4  # of each mutation, for every seed file


def located(body: dict[str, Any]) -> bool:
    """A refusal that says where: a detail entry with the segment's number."""
    detail = body.get("detail")
    for entry in detail if isinstance(detail, list) else [detail]:
        if not isinstance(entry, dict):
            continue
        number = entry.get("segment_number")
        if isinstance(number, int) and number > 0:
            return True
        if any(located({"detail": i}) for i in entry.get("imbalances") or []):
            return True
    return False


def seeds(kind: str) -> list[bytes]:
    return [p.read_bytes() for p in sample_files(kind)]


async def fire(
    api: httpx.AsyncClient, path: str, name: str, cases: list[tuple[str, bytes]], tenant: str
) -> list[str]:
    problems = []
    count = TALLY[name]
    for mutation, data in cases:
        response = await api.post(path, content=data, headers={**bearer(tenant), **EDI})
        count.tried += 1
        count.statuses[response.status_code] += 1
        if response.status_code >= 500:
            count.server_errors += 1
            problems.append(f"{mutation}: {response.status_code} {response.text[:200]}")
        # 413 is about the size of the body, which has no segment to name
        elif 400 <= response.status_code != 413 and not located(response.json()):
            count.unlocated += 1
            problems.append(f"{mutation}: {response.status_code} unlocated {response.text[:300]}")
    return problems


async def ready(api: httpx.AsyncClient) -> int:
    return (await api.get("/readyz")).status_code


async def test_broken_835s(stack: dict[str, Any], tenant: str, tmp_path: Path) -> None:
    settings = settings_for(RemittanceSettings, "remittance", inbound_dir=str(tmp_path / "in"))
    async with running(remittance_app(settings, run_workers=False)) as api:
        cases = list(mutants(seeds("835"), PER_SEED, seed=835))
        problems = await fire(
            api, "/v1/remittances", "remittance POST /v1/remittances (835)", cases, tenant
        )
        assert problems == []
        assert await ready(api) == 200


@pytest.mark.parametrize("kind", ["999", "277ca"])
async def test_broken_acknowledgments(
    stack: dict[str, Any], tenant: str, tmp_path: Path, kind: str
) -> None:
    settings = settings_for(
        ClaimsSettings,
        "claims",
        outbound_dir=str(tmp_path / "out"),
        inbound_dir=str(tmp_path / "in"),
    )
    async with running(claims_app(settings, run_workers=False)) as api:
        cases = list(mutants(seeds(kind), PER_SEED, seed=999 if kind == "999" else 277))
        name = f"claims POST /v1/acknowledgments ({kind.upper()})"
        problems = await fire(api, "/v1/acknowledgments", name, cases, tenant)
        assert problems == []
        assert await ready(api) == 200


class MutatingPayer:
    """A payer endpoint that answers each 270 with the sandbox's own 271 for it, broken by
    the next mutation in line (or whole, when the line is empty)."""

    def __init__(self, sandbox: httpx.AsyncClient) -> None:
        self.sandbox = sandbox
        self.queue: list[tuple[str, bytes | None]] = []
        self.app = Starlette(routes=[Route("/270", self.answer, methods=["POST"])])

    async def answer(self, request: Request) -> Response:
        good = (await self.sandbox.post("/270", content=await request.body())).content
        _, mutate = self.queue.pop(0) if self.queue else ("", None)
        return Response(good if mutate is None else mutate, media_type="application/edi-x12")


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/270"
    finally:
        server.should_exit = True
        await task


def check_body(n: int) -> dict[str, Any]:
    return {
        "subscriber": {
            "member_id": f"ACT{n:08d}",
            "first_name": "Jane",
            "last_name": "Doe",
            "birth_date": "1980-04-02",
            "gender": "F",
        },
        "payer": {"payer_id": "87726", "name": "Acme Health Plan"},
        "provider": {"npi": "1245319599", "name": "Springfield Clinic"},
        "service_date": "2026-11-24",
    }


async def test_broken_271s_through_the_payer_connector(
    stack: dict[str, Any], tenant: str, tmp_path: Path
) -> None:
    box = SandboxSettings(
        data_dir=tmp_path / "sandbox",
        outbound_dir=tmp_path / "o",
        inbound_dir=tmp_path / "i",
        remittance_dir=tmp_path / "r",
        mailbox_poll_seconds=0,
        remit_every_seconds=0,
    )
    sandbox = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox_app(box, run_workers=False)),
        base_url="http://sandbox",
    )
    payer = MutatingPayer(sandbox)
    async with sandbox, serving(payer.app) as payer_url:
        settings = settings_for(
            EligibilitySettings, "eligibility", payer_url=payer_url, payer_attempts=1
        )
        async with running(eligibility_app(settings, run_workers=False)) as api:
            # the seed is the sandbox's real answer to this service's 270
            check = await api.post(
                "/v1/eligibility/checks", json=check_body(0), headers=bearer(tenant)
            )
            assert check.status_code == 201 and check.json()["state"] == "complete", check.text
            x12 = (
                await api.get(
                    f"/v1/eligibility/checks/{check.json()['id']}/x12", headers=bearer(tenant)
                )
            ).json()["x12_271"]
            cases = list(mutants([x12.encode("latin-1"), *seeds("271")], PER_SEED, seed=271))
            count = TALLY["eligibility 271 via the payer connector"]
            problems = []
            for n, (mutation, data) in enumerate(cases, 1):
                payer.queue.append((mutation, data))
                response = await api.post(
                    "/v1/eligibility/checks", json=check_body(n), headers=bearer(tenant)
                )
                count.tried += 1
                count.statuses[response.status_code] += 1
                if response.status_code >= 500:
                    count.server_errors += 1
                    problems.append(f"{mutation}: {response.status_code} {response.text[:200]}")
                    continue
                result = response.json()
                error = result.get("error") or {}
                malformed = result["state"] == "error" and error.get("code") == "malformed_271"
                if malformed and not isinstance(error.get("segment_number"), int):
                    count.unlocated += 1
                    problems.append(f"{mutation}: unlocated {error}")
            assert problems == []
            assert await ready(api) == 200
