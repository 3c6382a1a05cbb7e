"""`cco-bot sandbox --workspaces` over HTTP, no browser: the new workspace's page (/new-workspace/)
drives the app in many-workspace mode. Before the install `/cco` is not a command there and Home
is empty; the install goes through the app's install page, the Slack stand-in's consent screen
and the app's redirect; then App Home shows *Set up* to the installer, the set-up modal's *Test*
shows ✓ per check, *Save* stores it and `/cco link 101` links #bravo-tower. The default sandbox
has no second page."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.sandbox_cmd import NEW_CHANNEL, Sandbox, start_sandbox
from sandbox.playground.server import NOT_INSTALLED
from tests.e2e.test_slack_install import approve_url

ANA = "U0ANA"
CHANNEL = NEW_CHANNEL[0]


@pytest.fixture
async def many(tmp_path: Path) -> AsyncIterator[Sandbox]:
    started = await start_sandbox(folder=tmp_path, workspaces=True)
    try:
        yield started
    finally:
        await started.stop()


async def install(http: httpx.AsyncClient, page: httpx.AsyncClient, user: str = ANA) -> None:
    """As the page's frame does: the app's install page, the consent screen, the redirect."""
    start = await http.get((await page.get("api/workspace")).json()["install_url"])
    cookie = start.headers["set-cookie"].split(";")[0]
    found = re.search(r'href="([^"]*oauth/v2/authorize[^"]*)"', start.text)
    assert found is not None, start.text
    authorize = html.unescape(found.group(1))
    consent = await http.get(authorize)
    slack = authorize.split("/oauth/", 1)[0]
    back = await http.get(f"{slack}{approve_url(consent.text, 'T0BRAVO', user)}")
    assert back.status_code == 302, back.text
    done = await http.get(back.headers["location"], headers={"Cookie": cookie})
    assert done.status_code == 200 and "Thank you" in done.text, done.text


async def modal(page: httpx.AsyncClient, has: str) -> dict[str, Any]:
    """The viewer's open modal once its HTML shows `has`."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        shown = (await page.get("api/messages", params={"channel": CHANNEL, "user": ANA})).json()
        if shown["modal"] and has in shown["modal"]["html"]:
            return dict(shown["modal"])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no modal showing {has!r}")


async def test_a_new_workspace_installs_sets_up_and_links(many: Sandbox) -> None:
    env = many.stack.app_env()
    values = {
        "company": {"value": env["PROCORE_COMPANY_ID"]},
        "erp_system": {"value": "acumatica"},
        "base_url": {"value": env["ERP_BASE_URL"]},
        "username": {"value": env["ERP_USERNAME"]},
        "password": {"value": env["ERP_PASSWORD"]},
        "tenant": {"value": env["ERP_TENANT"]},
    }
    async with (
        httpx.AsyncClient(timeout=30) as http,
        httpx.AsyncClient(base_url=f"{many.url}new-workspace/", timeout=30) as page,
    ):
        boot = (await page.get("api/bootstrap")).json()
        assert boot["team"] == "Bravo Builders" and boot["workspace"]["installed"] is False
        assert [c["id"] for c in boot["channels"]] == [CHANNEL]
        assert [p["href"] for p in boot["pages"]] == ["/", "/new-workspace/"]
        command = {"user": ANA, "channel": CHANNEL, "text": "/cco link 101"}
        assert (await page.post("api/command", json=command)).json()["error"] == NOT_INSTALLED
        assert (await page.post("api/home", json={"user": ANA})).json()["installed"] is False

        await install(http, page)
        assert (await page.get("api/workspace")).json() | {"facts": []} == {
            **boot["workspace"],
            "installed": True,
            "installer": ANA,
            "facts": [],
        }
        home = (await page.post("api/home", json={"user": ANA})).json()["home"]
        assert 'data-action-id="tenant_setup_open"' in home["html"]
        opened = {"user": ANA, "view_id": home["view_id"], "action_id": "tenant_setup_open"}
        assert (await page.post("api/home/click", json=opened)).json()["ok"] is True
        form = await modal(page, "<select")
        assert f'<option value="{env["PROCORE_COMPANY_ID"]}">' in form["html"]

        test = {"user": ANA, "view_id": form["view_id"], "action_id": "tenant_setup_test"}
        assert (await page.post("api/home/click", json=test | {"values": values})).json()["ok"]
        tested = await modal(page, "✓")
        assert "✗" not in tested["html"] and "Acumatica answers" in tested["html"]
        # what was typed went to the app with the click: the redraw shows it back (no secret)
        assert f'value="{env["ERP_USERNAME"]}"' in tested["html"]
        assert env["ERP_PASSWORD"] not in tested["html"]

        saved = {"user": ANA, "view_id": form["view_id"], "values": values}
        assert (await page.post("api/view/submit", json=saved)).json()["errors"] is None
        assert (await page.post("api/command", json=command)).json() == {"ok": True, "status": 200}
        deadline = time.monotonic() + 15
        while "linked this channel" not in str(many.stack.slack.channel_messages(CHANNEL)):
            assert time.monotonic() < deadline, "no link message in #bravo-tower"
            await asyncio.sleep(0.1)


async def test_the_default_sandbox_has_one_workspace(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=30) as page:
        boot = (await page.get("api/bootstrap")).json()
        assert boot["pages"] == [] and boot["workspace"] is None
        assert (await page.get("new-workspace/")).status_code == 404
    assert "T0BRAVO" not in sandbox.stack.slack.installs.teams
