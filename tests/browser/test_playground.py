"""The playground in headless Chromium: type `/cco link` and `/cco unlink`, click Unlink through
the confirm dialog, see the green reply in the card's thread; revoke a permission in the side
panel, click again, see the red one.

Needs Debian's `chromium` (or CCO_CHROMIUM=<path>) and the `playwright` package; never downloads
a browser. With CCO_PLAYGROUND_SCREENSHOTS=<folder> (e.g. `docs`) it saves
playground-green.png and playground-red.png there, and the French pair playground-fr-green.png
and playground-fr-red.png (`-k "green_then_revoke or french"`; colour emoji need Debian's
fonts-noto-color-emoji).
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


async def click_unlink(
    page: Page, sandbox: Sandbox, number: str, question: str = "Unlink CCO #{number}?"
) -> None:
    package_id = sandbox.stack.index.packages[(TOWER_A, number)]
    await page.locator(  # on the latest card
        f'button[data-action-id="{UNLINK_ACTION}"][data-value="{package_id}"]'
    ).last.click()
    dialog = page.locator("dialog[open]")
    await expect(dialog).to_contain_text(question.format(number=number))
    await dialog.locator("button[value=confirm]").click()


def reply(page: Page, color: str, text: str) -> Locator:
    """A reply in a card's thread with a `color` bar that reads `text` (its headline sits above
    the bar, as Slack shows a message's text above its attachments)."""
    bar = page.locator(f'.bk-attachment[data-color="{color}"]')
    return page.locator(".thread .msg.reply").filter(has=bar).filter(has_text=text)


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
        "linked this channel to the Procore project Tower A", timeout=WAIT_MS
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


# -- what the README promises: Home, /cco connect, More, reset, scenarios, the channel header --


async def follow(page: Page, scenario: str, steps: slice) -> None:
    """Click the scenario's "Do it" buttons in `steps`, each after the previous one's effect."""
    box = page.locator(f'[data-scenario="{scenario}"]')
    if not await box.evaluate("details => details.open"):
        await box.locator("summary").click()
    buttons = box.locator("li button[data-step=do]")
    for number in range(await buttons.count())[steps]:
        await buttons.nth(number).click()
        await expect(buttons.nth(number).locator("xpath=..")).to_have_class("done")


async def shown_card(page: Page, title: str) -> Locator:
    card = page.locator(".msg", has=page.locator(".bk-header", has_text=title))
    await expect(card).to_be_visible(timeout=WAIT_MS)
    return card


async def test_request_then_approve_on_the_home_tab(page: Page, sandbox: Sandbox) -> None:
    await follow(page, "approve", slice(0, 4))  # as Ben: #tower-a, /cco link 101, /cco unlink
    await expect(page.locator("#acting-as")).to_have_value("U0BEN")
    await shown_card(page, "ERP-synced CCOs — Tower A")
    package_id = sandbox.stack.index.packages[(TOWER_A, "003")]
    await page.locator(f'button[data-action-id="cco_request"][data-value="{package_id}"]').click()
    modal = page.locator("dialog.bk-modal[open]")
    await expect(modal).to_contain_text("#003")
    await modal.locator(".bk-field-input").first.fill("Deleted in the ERP yesterday")
    await modal.locator('button[value="submit"]').click()
    request = page.locator(".thread .msg.reply").filter(has_text="asks an approver to unlink")
    await expect(request).to_be_visible(timeout=WAIT_MS)

    await follow(page, "approve", slice(4, 6))  # act as Ana, open Home
    home = page.locator("#home-body")
    await expect(page.locator("#channel-name")).to_have_text("cco-bot — Home")
    await expect(home).to_contain_text("Requests you can approve", timeout=WAIT_MS)
    await expect(home).to_contain_text("Deleted in the ERP yesterday")
    async with page.expect_response("**/api/home/click") as answered:
        await home.locator("button[data-action-id=cco_approve]").click()
        confirm = page.locator("dialog.bk-confirm[open]")
        await expect(confirm).to_be_visible()
        await confirm.locator("button[value=confirm]").click()
    assert (await (await answered.value).json())["ok"]
    world = sandbox.stack.procore.world
    for _ in range(100):
        if world.packages[package_id].origin_id is None:
            break
        await page.wait_for_timeout(100)
    assert world.packages[package_id].origin_id is None, "approving on Home unlinked nothing"
    await page.locator('[data-channel-id="C0TOWERA"]').click()
    green = reply(page, BAR_COLORS["good"], "Successfully unlinked CCO #003")
    await expect(green).to_contain_text("@Ben Okafor asked for this unlink", timeout=WAIT_MS)


async def test_connect_through_procores_login_in_the_browser(page: Page, sandbox: Sandbox) -> None:
    await type_command(page, "/cco link 101")
    await expect(page.locator("#messages")).to_contain_text("linked this channel", timeout=WAIT_MS)
    await type_command(page, "/cco connect")
    button = page.locator('.msg button[data-action-id="cco_connect_link"]')
    async with (
        page.expect_response("**/api/click") as answered,
        page.context.expect_page() as opened,
    ):
        await button.click()
    login = await opened.value
    click = await (await answered.value).json()
    assert click["ok"], f"Slack would show the click as failed: {click}"
    await expect(login.locator("h1")).to_have_text("Link Procore to Ana Alvarez")
    await login.get_by_text("Continue to Procore sign-in").click()
    await expect(login.locator("h1")).to_have_text("Sign in to Procore")
    await login.get_by_label("Ana Alvarez <ana@northwind.example>").check()
    await login.get_by_role("button", name="Sign in and authorize").click()
    await expect(login.locator("body")).to_contain_text("Ana Alvarez")
    assert "/procore/oauth/callback" in login.url
    await login.close()

    await page.locator("#dm-link").click()  # the app tells Ana privately
    await expect(page.locator("#channel-name")).to_have_text("cco-bot — Messages")
    await expect(page.locator("#messages")).to_contain_text(
        "now linked to Procore as Ana Alvarez", timeout=WAIT_MS
    )
    await page.locator('[data-channel-id="C0TOWERA"]').click()
    await type_command(page, "/cco status")
    status = page.locator(".msg").filter(has_text="Read from your linked Procore account")
    await expect(status).to_be_visible(timeout=WAIT_MS)


async def test_a_big_project_pages_and_the_header_follows_the_link(page: Page) -> None:
    await page.locator('[data-channel-id="C0CAMPUSC"]').click()
    topic = page.locator("#channel-topic")
    await expect(topic).to_have_text("Not linked to a Procore project yet — try /cco link 303")
    await type_command(page, "/cco link 303")
    await expect(topic).to_have_text("Linked to Procore project 303 · Campus C", timeout=WAIT_MS)
    await expect(page.locator("#ccos h3")).to_have_text("CCOs of Campus C in Acumatica")
    await type_command(page, "/cco unlink")
    card = await shown_card(page, "ERP-synced CCOs — Campus C")
    await expect(card).to_contain_text("26 synced")
    unlink_buttons = card.locator(f'button[data-action-id="{UNLINK_ACTION}"]')
    await expect(unlink_buttons).to_have_count(10)
    await expect(card).to_contain_text("CCO #001")
    await card.locator("button.bk-button", has_text="More").click()
    await expect(card).to_contain_text("CCO #011", timeout=WAIT_MS)
    await expect(card).not_to_contain_text("CCO #001 ")

    await type_command(page, "/cco link 202")  # the same channel, now bound to Harbor B
    await expect(topic).to_have_text("Linked to Procore project 202 · Harbor B", timeout=WAIT_MS)


async def test_reset_brings_the_seeded_world_back(page: Page, sandbox: Sandbox) -> None:
    await type_command(page, "/cco link 101")
    topic = page.locator("#channel-topic")
    await expect(topic).to_have_text("Linked to Procore project 101 · Tower A", timeout=WAIT_MS)
    ana = page.locator('[data-person="U0ANA"]')
    await ana.locator('[data-permission="can_push"] .track').click()
    await expect(ana.locator(".forecast")).to_contain_text("lacks Can Push to Accounting")

    page.once("dialog", lambda dialog: dialog.accept())
    async with page.expect_navigation():
        await page.locator("#reset-world").click()
    await expect(topic).to_have_text("Not linked to a Procore project yet — try /cco link 101")
    await expect(page.locator("#messages")).to_contain_text("This is the very beginning")
    ana = page.locator('[data-person="U0ANA"]')
    await expect(ana.locator(".forecast")).to_contain_text("holds all three permissions")
    world, index = sandbox.stack.procore.world, sandbox.stack.index
    assert world.users[index.users["ana"]].erp_integrated_accountant


async def test_guided_scenarios_green_red_deny_and_outage(page: Page, sandbox: Sandbox) -> None:
    await follow(page, "green", slice(None))
    await shown_card(page, "ERP-synced CCOs — Tower A")
    await click_unlink(page, sandbox, "002")
    await expect(reply(page, BAR_COLORS["good"], "Successfully unlinked CCO #002")).to_be_visible(
        timeout=WAIT_MS
    )

    await follow(page, "red", slice(0, 5))  # ... Can Push off, /cco unlink
    await click_unlink(page, sandbox, "003")
    red = reply(page, BAR_COLORS["danger"], "You can't unlink CCO #003 yet")
    await expect(red).to_contain_text("Can Push to Accounting", timeout=WAIT_MS)
    await follow(page, "red", slice(5, None))
    ana = page.locator('[data-person="U0ANA"]')
    await expect(ana.locator(".forecast")).to_contain_text("holds all three permissions")

    await follow(page, "outage", slice(0, 5))  # ... ERP down, /cco unlink
    await expect(page.locator('#ccos [data-cco="003"] .forecast')).to_contain_text(
        "could not be reached"
    )
    await click_unlink(page, sandbox, "003")
    await expect(reply(page, BAR_COLORS["danger"], "could not be reached").first).to_be_visible(
        timeout=WAIT_MS
    )
    await follow(page, "outage", slice(5, None))
    await click_unlink(page, sandbox, "003")
    await expect(reply(page, BAR_COLORS["good"], "Successfully unlinked CCO #003")).to_be_visible(
        timeout=WAIT_MS
    )

    await follow(page, "deny", slice(0, 4))  # as Chloe: /cco unlink
    package_id = sandbox.stack.index.packages[(TOWER_A, "006")]
    await page.locator(
        f'button[data-action-id="cco_request"][data-value="{package_id}"]'
    ).last.click()
    await page.locator('dialog.bk-modal[open] button[value="submit"]').click()
    request = page.locator(".thread .msg.reply").filter(has_text="asks an approver to unlink")
    await expect(request.last).to_contain_text("#006", timeout=WAIT_MS)
    await follow(page, "deny", slice(4, None))  # act as Ana
    await request.last.locator("button[data-action-id=cco_deny]").click()
    modal = page.locator("dialog.bk-modal[open]")
    await modal.locator(".bk-field-input").first.fill("Still invoiced in the ERP")
    await modal.locator('button[value="submit"]').click()
    await expect(page.locator(".thread .msg.reply").filter(has_text="Denied")).not_to_have_count(
        0, timeout=WAIT_MS
    )
    assert sandbox.stack.procore.world.packages[package_id].origin_id is not None


# -- issue 13: each demo person has a Slack language, shown and changed in the side panel ------


async def test_camille_unlinks_in_french_then_switches_to_english(
    page: Page, sandbox: Sandbox
) -> None:
    await follow(page, "french", slice(0, 4))  # as Camille: #tower-a, /cco link 101, /cco unlink
    await expect(page.locator('.person.viewer[data-person="U0CAMILLE"]')).to_be_visible()
    await expect(page.locator("#acting-role")).to_contain_text("Français (Canada)")
    camille = page.locator('[data-person="U0CAMILLE"]')
    language = camille.get_by_label("Camille Tremblay: Slack language")
    await expect(language).to_have_value("fr-CA")
    await expect(page.locator('[data-person="U0BEN"]').locator("select")).to_have_value("en-US")
    topic = page.locator("#channel-topic")
    await expect(topic).to_have_text("Linked to Procore project 101 · Tower A", timeout=WAIT_MS)
    await expect(page.locator(".bk-header")).to_have_text(
        "ODCE synchronisés avec l'ERP — Tower A", timeout=WAIT_MS
    )

    await click_unlink(page, sandbox, "002", "Dissocier l'ODCE #002")
    green = reply(page, BAR_COLORS["good"], "Dissociation réussie")
    await expect(green).to_be_visible(timeout=WAIT_MS)
    await expect(green).to_contain_text("ODCE #002")
    world, index = sandbox.stack.procore.world, sandbox.stack.index
    assert world.packages[index.packages[(TOWER_A, "002")]].origin_id is None
    await screenshot(page, "fr-green")

    await click_unlink(page, sandbox, "001", "Dissocier l'ODCE #001")
    red = reply(page, BAR_COLORS["danger"], "toujours dans Acumatica")
    await expect(red).to_be_visible(timeout=WAIT_MS)
    assert world.packages[index.packages[(TOWER_A, "001")]].origin_id is not None
    await screenshot(page, "fr-red")

    # Camille picks English in Slack: the app reads users.info again on her next click
    await language.select_option("en-US")
    await expect(page.locator("#toast")).to_contain_text("Camille Tremblay now uses Slack in")
    assert sandbox.stack.slack.users["U0CAMILLE"].locale == "en-US"
    await click_unlink(page, sandbox, "003", "Dissocier l'ODCE #003")  # the card stays French
    english = reply(page, BAR_COLORS["good"], "Successfully unlinked CCO #003")
    await expect(english).to_be_visible(timeout=WAIT_MS)
