"""The playground in headless Chromium: link #tower-a, click "Sync in Procore" on CCO #004 in the
side panel, and the app's alert appears in the channel feed within a few seconds (Procore's
webhook → the app → chat.postMessage → the page's long-poll), with no reload.

Needs Debian's `chromium` (or CCO_CHROMIUM=<path>) and the `playwright` package, as
tests/browser/test_playground.py; with CCO_PLAYGROUND_SCREENSHOTS=<folder> it saves
playground-alert.png there.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox_cmd import Sandbox

try:
    from playwright.async_api import Page, async_playwright, expect

    HAVE_PLAYWRIGHT = True
except ImportError:  # pragma: no cover - depends on the machine
    HAVE_PLAYWRIGHT = False

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CCO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
WAIT_MS = 20_000
#: from the click to the alert on the page (the Done-when says 1 s; CI machines are slower)
ALERT_MS = 5_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_PLAYWRIGHT, reason="the playwright package is not installed"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}"),
]


@pytest.fixture
async def page(sandbox: Sandbox) -> AsyncIterator[Page]:
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            opened = await browser.new_page(viewport={"width": 1440, "height": 1080})
            errors: list[str] = []
            opened.on("pageerror", lambda error: errors.append(str(error)))
            await opened.goto(sandbox.url)
            yield opened
            assert not errors, f"the page raised: {errors}"
        finally:
            await browser.close()


async def test_sync_in_procore_shows_the_alert_in_the_channel(page: Page, sandbox: Sandbox) -> None:
    await expect(page.locator("#channel-name")).to_have_text("# tower-a")
    hook = page.locator("#ccos .hook-status")
    await expect(hook).to_contain_text("No webhook on Tower A yet")
    box = page.locator("#message-box")
    await box.fill("/cco link 101")
    await box.press("Enter")
    await expect(page.locator("#messages")).to_contain_text(
        "linked this channel to the Procore project Tower A", timeout=WAIT_MS
    )
    await expect(hook).to_contain_text("Procore webhooks on", timeout=WAIT_MS)

    row = page.locator('#ccos [data-cco="004"]')
    await row.get_by_role("button", name="Sync in Procore").click()
    alert = page.locator("#messages .msg").filter(
        has_text="CCO #004 “Extra outlets, lobby” was synced to Acumatica"
    )
    await expect(alert).to_be_visible(timeout=ALERT_MS)
    await expect(page.locator("#toast")).to_contain_text("Procore tells the app through its hook")
    await expect(row.get_by_role("button", name="Unlink in Procore")).to_be_visible()
    world, index = sandbox.stack.procore.world, sandbox.stack.index
    assert world.packages[index.packages[(101, "004")]].origin_id is not None

    folder = os.environ.get("CCO_PLAYGROUND_SCREENSHOTS")
    if folder:
        target = Path(folder) if Path(folder).is_absolute() else REPO / folder
        target.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(target / "playground-alert.png"))
