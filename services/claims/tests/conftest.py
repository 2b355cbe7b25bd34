"""The claims app as most API tests use it: workers off (tests drive them), its own
outbound and inbound mailbox folders. A module that needs another app defines its own
`app`/`api` fixtures, which take precedence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from rcm_claims.app import create_app
from rcm_claims.config import ClaimsSettings
from rcm_shared.testing.fixtures import running, settings_for


@pytest.fixture
async def app(stack: dict[str, Any], tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = settings_for(
        ClaimsSettings,
        "claims",
        outbound_dir=str(tmp_path / "out"),
        inbound_dir=str(tmp_path / "in"),
    )
    application = create_app(settings, run_workers=False)
    async with running(application) as client:
        application.state.client = client
        yield application


@pytest.fixture
def api(app: FastAPI) -> httpx.AsyncClient:
    client: httpx.AsyncClient = app.state.client
    return client
