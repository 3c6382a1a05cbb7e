"""`cco-bot sandbox --workspaces` in headless Chromium: on the new workspace's page the visitor
clicks *Add to Slack*, goes through the app's install page and the Slack stand-in's consent
screen in the page's frame, opens cco-bot — Home as the installer, clicks *Set up*, fills the
set-up modal (company and ERP pickers, the ERP settings the side panel lists), *Test* shows ✓
per check, *Save* closes it, and `/cco link 101` links #bravo-tower (before set-up it answers
with a link to App Home, which the page opens).

Needs Debian's `chromium` (or CCO_CHROMIUM=<path>) and the `playwright` package, as
tests/browser/test_playground.py; with CCO_PLAYGROUND_SCREENSHOTS=<folder> it saves
playground-set-up.png there.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox_cmd import Sandbox, start_sandbox

try:
    from playwright.async_api import Page, async_playwright, expect

    HAVE_PLAYWRIGHT = True
except ImportError:  # pragma: no cover - depends on the machine
    HAVE_PLAYWRIGHT = False

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CCO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
WAIT_MS = 20_000
#: the set-up form's text fields and the side panel's labels of their values
FIELDS = {
    "base_url": "ERP URL",
    "username": "ERP user name",
    "password": "ERP password",
    "tenant": "ERP company or tenant",
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_PLAYWRIGHT, reason="the playwright package is not installed"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not found at {CHROMIUM}"),
]


@pytest.fixture
async def many(tmp_path: Path) -> AsyncIterator[Sandbox]:
    started = await start_sandbox(folder=tmp_path, workspaces=True)
    try:
        yield started
    finally:
        await started.stop()


@pytest.fixture
async def page(many: Sandbox) -> AsyncIterator[Page]:
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            opened = await browser.new_page(viewport={"width": 1440, "height": 1080})
            errors: list[str] = []
            opened.on("pageerror", lambda error: errors.append(str(error)))
            await opened.goto(many.url)
            yield opened
            assert not errors, f"the page raised: {errors}"
        finally:
            await browser.close()


async def install(page: Page) -> None:
    await page.get_by_role("link", name="Bravo Builders (new)").click()
    await page.get_by_role("button", name="Add to Slack").click()
    frame = page.frame_locator("iframe.install-frame")
    await frame.get_by_role("link", name="Add to Slack").click()  # the app's own install page
    await frame.get_by_label("Signed in to Slack as").select_option(label="Ana Alvarez")
    await frame.get_by_role("button", name="Allow in Bravo Builders").click()
    await expect(page.locator("#install")).to_contain_text("installed here (by Ana Alvarez)")
    await expect(page.locator("dialog.install-dialog")).to_have_count(0)


async def test_install_set_up_and_link_a_new_workspace(page: Page, many: Sandbox) -> None:
    await install(page)
    box = page.locator("#message-box")
    await box.fill("/cco link 101")
    await box.press("Enter")
    # until set-up, the app answers with a slack:// link to its Home tab: the page opens it
    await page.locator("#messages").get_by_role("link", name="App Home").click()
    await page.locator("#home-body").get_by_role("button", name="Set up").click()
    form = page.locator("dialog.bk-modal")
    await expect(form).to_be_visible(timeout=WAIT_MS)
    await form.locator("select[data-block-id=company]").select_option(
        label="Northwind Builders (4264)"
    )
    await form.locator("select[data-block-id=erp_system]").select_option(label="Acumatica")
    facts = page.locator("#set-up-facts dl")
    for block, label in FIELDS.items():
        value = await facts.locator(f"dt:text-is('{label}') + dd").inner_text()
        await form.locator(f"input[data-block-id={block}]").fill(value)
    await form.get_by_role("button", name="Test").click()
    checks = page.locator("dialog.bk-modal [data-block-id=checks]")
    await expect(checks).to_contain_text("✓ ERP sign-in", timeout=WAIT_MS)
    await expect(checks).not_to_contain_text("✗")
    # views.update kept what was typed (the form never shows the password back)
    password = page.locator("dialog.bk-modal input[data-block-id=password]")
    await expect(password).to_have_value(
        await facts.locator("dt:text-is('ERP password') + dd").inner_text()
    )
    folder = os.environ.get("CCO_PLAYGROUND_SCREENSHOTS")
    if folder:
        target = Path(folder) if Path(folder).is_absolute() else REPO / folder
        target.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(target / "playground-set-up.png"))
    await page.locator("dialog.bk-modal").get_by_role("button", name="Save").click()
    await expect(page.locator("dialog.bk-modal")).to_have_count(0, timeout=WAIT_MS)
    await expect(page.locator("#home-body")).to_contain_text("Your requests", timeout=WAIT_MS)

    await page.locator("#channels li", has_text="bravo-tower").click()
    await box.fill("/cco link 101")
    await box.press("Enter")
    await expect(page.locator("#messages")).to_contain_text(
        "linked this channel to the Procore project Tower A", timeout=WAIT_MS
    )
