"""What the console's browser tests share: signing in, where screenshots go, and the
page checks (labels, contrast)."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page, expect

# .cache: not committed; the README's screenshots are chosen by hand from a run
SHOTS = Path(__file__).resolve().parents[2] / ".cache" / "console-screenshots"


async def sign_in(page: Page, console: str, tenant: str) -> None:
    await page.goto(f"{console}/login")
    await page.get_by_label("Tenant id").fill(tenant)
    await page.get_by_role("button", name="Mint and sign in").click()
    await expect(page.get_by_role("heading", name="Denials queue")).to_be_visible()


CONTRAST = "\n".join(
    line
    for line in (Path(__file__).parent / "contrast.js").read_text().splitlines()
    if not line.startswith("//")
)

UNLABELLED = """() => [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
  .map((el) => el.name)"""
