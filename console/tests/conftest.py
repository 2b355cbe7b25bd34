"""Debian's chromium under Playwright, for the console's browser tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

from rcm_console.chromium import CHROMIUM, FLAGS, HAVE_CHROMIUM


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    assert HAVE_CHROMIUM, "chromium is missing: deploy/browser.sh installs it"
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        await launched.close()
