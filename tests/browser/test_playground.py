"""The playground in headless Chromium: type `/cco link` and `/cco unlink`, click Unlink through
the confirm dialog, see the green reply in the card's thread; revoke a permission in the side
panel, click again, see the red one.

Needs Debian's `chromium` (or CCO_CHROMIUM=<path>) and the `playwright` package; never downloads
a browser. With CCO_PLAYGROUND_SCREENSHOTS=<folder> (e.g. `docs`) it saves
playground-green.png and playground-red.png there.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox_cmd import Sandbox
from handlers.blocks.card import UNLINK_ACTION
from sandbox.playground.render import BAR_COLORS

try:
    from playwright.async_api import Locator, Page, async_playwright, expect

    HAVE_PLAYWRIGHT = True
except ImportError:  # pragma: no cover - depends on the machine
    HAVE_PLAYWRIGHT = False

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CCO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 20_000
TOWER_A = 101

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not HAVE_PLAYWRIGHT,
        reason="the playwright package is not installed (pip install playwright)",
    ),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CCO_CHROMIUM)",
    ),
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


async def type_command(page: Page, text: str) -> None:
    box = page.locator("#message-box")
    await box.fill(text)
    await box.press("Enter")


async def click_unlink(page: Page, sandbox: Sandbox, number: str) -> None:
    package_id = sandbox.stack.index.packages[(TOWER_A, number)]
    await page.locator(
        f'button[data-action-id="{UNLINK_ACTION}"][data-value="{package_id}"]'
    ).click()
    dialog = page.locator("dialog[open]")
    await expect(dialog).to_contain_text(f"Unlink CCO #{number}?")
    await dialog.locator("button[value=confirm]").click()


def reply(page: Page, color: str, text: str) -> Locator:
    return page.locator(f'.thread .msg.reply .bk-attachment[data-color="{color}"]').filter(
        has_text=text
    )


async def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("CCO_PLAYGROUND_SCREENSHOTS")
    if folder:
        target = Path(folder) if Path(folder).is_absolute() else REPO / folder
        target.mkdir(parents=True, exist_ok=True)
        await page.mouse.move(0, 0)
        await page.locator("#messages").evaluate("list => { list.scrollTop = list.scrollHeight; }")
        await expect(page.locator("#toast")).to_be_hidden(timeout=8000)
        await page.wait_for_timeout(1700)  # let the new reply's highlight fade
        await page.screenshot(path=str(target / f"playground-{name}.png"))


async def test_link_unlink_green_then_revoke_and_red(page: Page, sandbox: Sandbox) -> None:
    await expect(page.locator("#channel-name")).to_have_text("# tower-a")
    await type_command(page, "/cco link 101")
    await expect(page.locator("#messages")).to_contain_text(
        "linked this channel to Procore project Tower A", timeout=WAIT_MS
    )
    await type_command(page, "/cco unlink")
    await expect(page.locator(".bk-header")).to_have_text(
        "ERP-synced CCOs — Tower A", timeout=WAIT_MS
    )

    await click_unlink(page, sandbox, "002")
    green = reply(page, BAR_COLORS["good"], "Successfully unlinked CCO #002")
    await expect(green).to_be_visible(timeout=WAIT_MS)
    world, index = sandbox.stack.procore.world, sandbox.stack.index
    assert world.packages[index.packages[(TOWER_A, "002")]].origin_id is None
    card = page.locator(".msg", has=page.locator(".bk-header"))
    await expect(card.locator(".msg-edited")).to_be_visible()
    await expect(card.locator(".msg-body").first).to_contain_text("✅ Unlinked by @Ana Alvarez")
    await screenshot(page, "green")

    ana = page.locator('[data-person="U0ANA"]')
    await ana.locator('[data-permission="can_push"] .track').click()
    await expect(ana.locator(".forecast")).to_contain_text("lacks Can Push to Accounting")
    assert not world.users[index.users["ana"]].erp_integrated_accountant
    cco_003 = page.locator('#ccos [data-cco="003"] .forecast')
    await expect(cco_003).to_contain_text("missing Can Push to Accounting")

    await click_unlink(page, sandbox, "003")
    red = reply(page, BAR_COLORS["danger"], "You can't unlink CCO #003 yet")
    await expect(red).to_be_visible(timeout=WAIT_MS)
    await expect(red).to_contain_text("Can Push to Accounting")
    assert world.packages[index.packages[(TOWER_A, "003")]].origin_id is not None
    await expect(card.locator(".msg-body").first).to_contain_text("❌ Last try by @Ana Alvarez")
    await screenshot(page, "red")
