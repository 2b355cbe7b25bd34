"""The console's other pages in chromium against the real claims, remittance and denials
services: a claim found by its patient control number and its timeline; an 835 whose
payments match no claim, one of them matched by hand from the unmatched queue; the
dashboard's charts."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import func, select

from rcm_shared.testing.fixtures import REPO

if str(REPO) not in sys.path:  # deploy/ is not an installed package
    sys.path.insert(0, str(REPO))

from deploy.demo.plan import build_day, claim_body
from rcm_claims.app import create_app as claims_app
from rcm_claims.config import ClaimsSettings
from rcm_console.app import create_app as console_app
from rcm_console.config import ConsoleSettings
from rcm_denials.app import create_app as denials_app
from rcm_denials.config import DenialsSettings
from rcm_remittance.app import create_app as remittance_app
from rcm_remittance.config import RemittanceSettings
from rcm_remittance.models import ClaimRef
from rcm_shared.testing.fixtures import bearer, serving, settings_for, wait_for

from .browser_kit import CONTRAST, SHOTS, UNLABELLED, sign_in

# public sample, origin in tests/data/x12/SOURCES.md; its CLP01s match no claim of ours
SAMPLE_835 = REPO / "tests" / "data" / "x12" / "835" / "lfh__managed-care.835"


@pytest.fixture(scope="module")
async def servers(
    stack: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, str]]:
    folder = tmp_path_factory.mktemp("console-mailbox")
    claims = claims_app(
        settings_for(ClaimsSettings, "claims", outbound_dir=str(folder / "out"),
                     inbound_dir=str(folder / "in")),
        run_workers=True,
    )  # fmt: skip
    remittance = remittance_app(
        settings_for(RemittanceSettings, "remittance", inbound_dir=str(folder / "835")),
        run_workers=True,
    )
    denials = denials_app(settings_for(DenialsSettings, "denials"), run_workers=True)
    urls: dict[str, str] = {}
    async with (
        claims.router.lifespan_context(claims),
        remittance.router.lifespan_context(remittance),
        denials.router.lifespan_context(denials),
        serving(claims) as urls["claims"],  # type: ignore[misc]
        serving(remittance) as urls["remittance"],  # type: ignore[misc]
        serving(denials) as urls["denials"],  # type: ignore[misc]
    ):
        console = console_app(
            ConsoleSettings(
                env="test",
                claims_url=urls["claims"],
                remittance_url=urls["remittance"],
                denials_url=urls["denials"],
            )
        )
        async with console.router.lifespan_context(console), serving(console) as url:
            yield {**urls, "console": url}


async def a_claim(claims_url: str, tenant: str) -> dict[str, Any]:
    """A clinic, its payers and a provider, and one claim, through the claims API."""
    day = build_day(tenant, date.today(), patients=30, seed=3)
    async with httpx.AsyncClient(base_url=claims_url, headers=bearer(tenant), timeout=30) as api:
        clinic = (await api.post("/v1/clinics", json=day.clinics[0])).json()["id"]
        provider = (await api.post("/v1/providers", json=day.providers[0][0])).json()["id"]
        for payer in day.payers:
            assert (await api.post("/v1/payers", json=payer)).status_code == 201
        routine = next(c for c in day.claims if c.intent == "routine")
        created = await api.post("/v1/claims", json=claim_body(routine, clinic, provider))
        assert created.status_code == 201, created.text
        return dict(created.json())


async def test_find_a_claim_and_read_its_timeline(
    servers: dict[str, str], browser: Browser, tenant: str
) -> None:
    claim = await a_claim(servers["claims"], tenant)
    page = await browser.new_page()
    await sign_in(page, servers["console"], tenant)
    await page.get_by_role("link", name="Claims").click()
    await page.get_by_label("Patient control number").fill(claim["patient_control_number"])
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name=claim["patient_control_number"]).click()
    await expect(page.get_by_test_id("claim-status")).to_have_text(
        claim["status"].replace("_", " ")
    )
    await expect(page.get_by_test_id("timeline").get_by_role("listitem")).not_to_have_count(0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "claim.png"), full_page=True)
    await page.close()


async def test_match_an_unmatched_payment_by_hand(
    stack: dict[str, Any], servers: dict[str, str], browser: Browser, tenant: str
) -> None:
    claim = await a_claim(servers["claims"], tenant)
    async with httpx.AsyncClient(
        base_url=servers["remittance"], headers=bearer(tenant), timeout=30
    ) as api:
        posted = await api.post(
            "/v1/remittances", content=SAMPLE_835.read_bytes(),
            headers={"content-type": "application/edi-x12"},
        )  # fmt: skip
        assert posted.status_code == 201, posted.text

        async def claim_known() -> bool:  # the remittance service's copy, from rcm.claims
            async with stack["engines"]["remittance"].connect() as conn:
                found = await conn.scalar(
                    select(func.count()).where(
                        ClaimRef.tenant_id == tenant, ClaimRef.claim_id == claim["id"]
                    )
                )
            return bool(found)

        await wait_for(claim_known, timeout=60, what="the claim in the remittance service")
        before = (await api.get("/v1/unmatched-payments")).json()["items"]
    assert len(before) == 2
    page = await browser.new_page()
    await sign_in(page, servers["console"], tenant)
    await page.get_by_role("link", name="Remittances").click()
    unmatched = page.get_by_test_id("unmatched")
    await expect(unmatched.get_by_role("row")).to_have_count(3)  # the header and two
    await page.screenshot(path=str(SHOTS / "remittances.png"), full_page=True)
    first = before[0]
    await page.get_by_label(
        f"Claim id or patient control number for {first['patient_control_number']}"
    ).fill(claim["id"])
    await (
        unmatched.get_by_role("row")
        .filter(has_text=first["patient_control_number"])
        .get_by_role("button", name="Match")
        .click()
    )
    await expect(page.get_by_role("status")).to_contain_text("Payment matched")
    await expect(unmatched.get_by_role("row")).to_have_count(2)
    async with httpx.AsyncClient(base_url=servers["remittance"], headers=bearer(tenant)) as api:
        postings = (await api.get(f"/v1/claims/{claim['id']}/postings")).json()
    assert [p["id"] for p in postings] == [first["id"]]
    await page.close()


async def test_the_dashboard_draws_its_charts(
    servers: dict[str, str], browser: Browser, tenant: str
) -> None:
    await a_claim(servers["claims"], tenant)
    page = await browser.new_page()
    await sign_in(page, servers["console"], tenant)
    await page.get_by_role("link", name="Dashboard").click()
    await expect(page.get_by_test_id("tiles")).to_contain_text("Clean claim rate")
    charts = page.locator("svg[role=img]")
    await expect(charts).to_have_count(4)
    await expect(page.get_by_role("img", name="A/R aging, dollars")).to_be_visible()
    await page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    await page.close()


async def test_accessibility_basics_of_the_other_pages(
    servers: dict[str, str], browser: Browser, tenant: str
) -> None:
    claim = await a_claim(servers["claims"], tenant)
    page = await browser.new_page()
    await sign_in(page, servers["console"], tenant)
    paths = ("/claims", f"/claims/{claim['id']}", "/remittances", "/dashboard", "/eligibility")
    for path in paths:
        await page.goto(servers["console"] + path)
        assert await page.get_attribute("html", "lang") == "en"
        assert await page.evaluate(UNLABELLED) == [], path
        assert await page.evaluate(CONTRAST) == [], path
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.textContent") == "Skip to content"
    await page.close()
