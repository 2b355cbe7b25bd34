"""Screenshots of every console page, for the README: sign in to the running console (make
up, then make demo) as a tenant and save each page as it looks in Debian's chromium.

    deploy/uv run python console/screenshots.py --tenant demo-1234abcd [--out docs/console]
"""

from __future__ import annotations

import argparse
import asyncio
import re
from pathlib import Path

from playwright.async_api import async_playwright

from rcm_console.chromium import CHROMIUM, FLAGS


async def shoot(base: str, tenant: str, out: Path) -> None:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(f"{base}/login")
        await page.screenshot(path=str(out / "login.png"))
        await page.get_by_label("Tenant id").fill(tenant)
        await page.get_by_role("button", name="Mint and sign in").click()
        await page.screenshot(path=str(out / "denials.png"))
        await page.locator("table.queue tbody a").first.click()
        await page.screenshot(path=str(out / "denial.png"), full_page=True)
        await page.goto(f"{base}/claims?status=paid")
        await page.screenshot(path=str(out / "claims.png"))
        await page.locator("tbody a").first.click()
        await page.screenshot(path=str(out / "claim.png"), full_page=True)
        await page.goto(f"{base}/remittances")
        await page.screenshot(path=str(out / "remittances.png"))
        await page.goto(f"{base}/dashboard")
        await page.screenshot(path=str(out / "dashboard.png"), full_page=True)
        await page.goto(f"{base}/eligibility")
        await page.screenshot(path=str(out / "eligibility.png"))
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenant", required=True)
    parser.add_argument("--base", default="http://127.0.0.1:8020")
    parser.add_argument("--out", default="docs/console")
    args = parser.parse_args()
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", args.tenant):
        raise SystemExit("a tenant id, like demo-1234abcd")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    asyncio.run(shoot(args.base, args.tenant, out))
    print("\n".join(sorted(str(f) for f in out.glob("*.png"))))


if __name__ == "__main__":
    main()
