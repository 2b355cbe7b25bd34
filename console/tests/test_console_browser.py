"""The console in a real browser: Debian's chromium, headless, driven by Playwright, against
the denials service on the real PostgreSQL and Kafka. One full path: sign in, find the
denial in the queue, open it, appeal it, see it change state and the letter appear; and
the accessibility basics (labels, language, a skip link first in the focus order, text
contrast)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from rcm_console.app import create_app as console_app
from rcm_console.config import ConsoleSettings
from rcm_denials.app import create_app as denials_app
from rcm_denials.config import DenialsSettings
from rcm_shared.events.catalog import EventPayload, new_event
from rcm_shared.events.claims import ClaimCreated, ClaimLineSummary
from rcm_shared.events.reference import Address, ClinicRegistered, PayerRegistered
from rcm_shared.events.remittance import AdjudicatedLine, Adjustment, ClaimPaymentAdjudicated
from rcm_shared.testing.fixtures import bearer, serving, settings_for, wait_for
from rcm_shared.testing.kafka import publish_events

from .browser_kit import CONTRAST, SHOTS, UNLABELLED, sign_in


@pytest.fixture(scope="module")
async def servers(stack: dict[str, Any]) -> AsyncIterator[dict[str, str]]:
    denials = denials_app(settings_for(DenialsSettings, "denials"), run_workers=True)
    async with denials.router.lifespan_context(denials), serving(denials) as denials_url:
        console = console_app(ConsoleSettings(env="test", denials_url=denials_url))
        async with console.router.lifespan_context(console), serving(console) as console_url:
            yield {"denials": denials_url, "console": console_url}


def _ev(tenant: str, payload: EventPayload) -> Any:
    return new_event(payload, tenant_id=tenant, source="/tests")


async def a_denial(stack: dict[str, Any], denials_url: str, tenant: str) -> dict[str, Any]:
    """A claim denied for want of prior authorization (CO-197), through Kafka."""
    clinic, claim = str(uuid.uuid4()), str(uuid.uuid4())
    dos = date.today() - timedelta(days=20)
    street = Address(line1="1 Main St", city="Springfield", state="IL", postal_code="627011234")
    line = ClaimLineSummary(
        line_number=1, procedure_code="72148", modifiers=[], charge=Decimal("980.00"),
        units=Decimal(1), service_date=dos,
    )  # fmt: skip
    denied = AdjudicatedLine(
        procedure_code="72148", charge=Decimal("980.00"), paid=Decimal("0"),
        adjustments=[Adjustment(group_code="CO", reason_code="197", amount=Decimal("980.00"))],
        remark_codes=["N54"],
    )  # fmt: skip
    await publish_events(
        stack,
        [
            _ev(tenant, ClinicRegistered(clinic_id=clinic, name="Main St Clinic", npi="1245319599",
                tax_id="123456789", taxonomy_code="207Q00000X", address=street, version=1)),
            _ev(tenant, PayerRegistered(payer_id="87726", name="Acme Health",
                claim_filing_indicator="CI", timely_filing_days=365, appeal_window_days=60,
                version=1)),
            _ev(tenant, ClaimCreated(claim_id=claim, patient_control_number="PCN-MRI-1",
                clinic_id=clinic, payer_id="87726", status="draft", occurred_at=datetime.now(UTC),
                patient_key=uuid.uuid4().hex, rendering_provider_id=None, frequency_code="1",
                total_charge=Decimal("980.00"), service_date_from=dos, service_date_to=dos,
                diagnosis_codes=["M5416"], lines=[line])),
            _ev(tenant, ClaimPaymentAdjudicated(claim_key=claim, claim_id=claim,
                patient_control_number="PCN-MRI-1", remittance_id="era-1", payment_id="pay-1",
                payer_id="87726", payer_claim_control_number="ICN-1", claim_status_code="4",
                total_charge=Decimal("980.00"), paid_amount=Decimal("0"),
                patient_responsibility=Decimal("0"), lines=[denied],
                remittance_date=date.today(), clinic_id=clinic)),
        ],
    )  # fmt: skip
    found: list[dict[str, Any]] = []

    async def opened() -> bool:
        nonlocal found
        async with httpx.AsyncClient(base_url=denials_url, headers=bearer(tenant)) as api:
            found = (await api.get("/v1/denials")).json()["items"]
        return bool(found)

    await wait_for(opened, timeout=60, what="the denial in the work queue")
    return found[0]


async def test_open_a_denial_appeal_it_and_see_it_change_state(
    stack: dict[str, Any], servers: dict[str, str], browser: Browser, tenant: str
) -> None:
    denial = await a_denial(stack, servers["denials"], tenant)
    page = await browser.new_page()
    await sign_in(page, servers["console"], tenant)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "denials-queue.png"), full_page=True)

    # the queue filters by category; the denial is there, then opened from its row
    await page.get_by_label("Category").select_option("authorization")
    await page.get_by_role("button", name="Filter").click()
    row = page.get_by_role("row").filter(has_text="PCN-MRI-1")
    await expect(row).to_contain_text("authorization")
    await expect(row).to_contain_text("$980.00")
    await row.get_by_role("link", name="PCN-MRI-1").click()
    await expect(page.get_by_test_id("status")).to_have_text("open")
    # the CARC and RARC, explained in words
    await expect(page.get_by_role("table").get_by_text("Precertification")).to_be_visible()
    await expect(page.get_by_role("table").get_by_text("N54")).to_be_visible()
    await page.screenshot(path=str(SHOTS / "denial.png"), full_page=True)

    await page.get_by_label("Argument").fill("The MRI was authorized by phone on the visit day.")
    await page.get_by_role("button", name="Generate appeal letter").click()
    await expect(page.get_by_role("status")).to_have_text("Appeal letter generated")
    await expect(page.get_by_test_id("status")).to_have_text("appealed")
    letter = page.get_by_test_id("appeals").get_by_role("link")
    await expect(letter).to_have_count(1)
    pdf = await page.request.get(servers["console"] + (await letter.get_attribute("href") or ""))
    assert pdf.headers["content-type"] == "application/pdf" and (await pdf.body())[:4] == b"%PDF"
    # and the service agrees: the work item is appealed
    async with httpx.AsyncClient(base_url=servers["denials"], headers=bearer(tenant)) as api:
        assert (await api.get(f"/v1/denials/{denial['id']}")).json()["status"] == "appealed"
    await page.close()


async def test_signing_in_is_required_and_a_bad_token_is_sent_back(
    servers: dict[str, str], browser: Browser
) -> None:
    page = await browser.new_page()
    await page.goto(f"{servers['console']}/denials")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label("Access token").fill("not-a-token")
    await page.get_by_role("button", name="Sign in with this token").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # 401: back
    await page.close()


async def test_accessibility_basics(
    stack: dict[str, Any], servers: dict[str, str], browser: Browser, tenant: str
) -> None:
    denial = await a_denial(stack, servers["denials"], tenant)
    page = await browser.new_page()
    await sign_in(page, servers["console"], tenant)
    for path in ("/login", "/denials", f"/denials/{denial['id']}"):
        await page.goto(servers["console"] + path)
        assert await page.get_attribute("html", "lang") == "en"
        assert await page.evaluate(UNLABELLED) == [], path
        assert await page.evaluate(CONTRAST) == [], path
        await page.keyboard.press("Tab")  # the first stop is the skip link
        assert await page.evaluate("document.activeElement.textContent") == "Skip to content"
    await page.close()


async def test_resubmit_with_corrections_and_a_clinic_scoped_token(
    stack: dict[str, Any], servers: dict[str, str], browser: Browser, tenant: str
) -> None:
    denial = await a_denial(stack, servers["denials"], tenant)
    page = await browser.new_page()
    # a token for another clinic of the tenant sees nothing of this clinic's queue
    await page.goto(f"{servers['console']}/login")
    await page.get_by_label("Tenant id").fill(tenant)
    await page.get_by_label("Clinic ids").fill(str(uuid.uuid4()))
    await page.get_by_role("button", name="Mint and sign in").click()
    await expect(page.get_by_role("row").filter(has_text="PCN-MRI-1")).to_have_count(0)
    await page.context.clear_cookies()

    await sign_in(page, servers["console"], tenant)
    await page.goto(f"{servers['console']}/denials/{denial['id']}")
    await page.get_by_label("Prior authorization number").fill("PA-778812")
    await page.get_by_role("button", name="Request the corrected claim").click()
    await expect(page.get_by_role("status")).to_have_text("Corrected claim requested")
    await expect(page.get_by_test_id("status")).to_have_text("resubmitted")
    await page.close()
