"""The side panel's changes made in Procore, over the playground's JSON API (no browser): each one
reaches the app through the Procore stand-in's webhook, and the app's alert shows up in the page's
feed of the linked channel; with `/cco alerts off` nothing is posted."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

import httpx

from bot.sandbox_cmd import Sandbox

TOWER_A, CHANNEL, ANA = 101, "C0TOWERA", "U0ANA"
VIEWER = {"channel": CHANNEL, "user": ANA}
#: the Done-when says 1 s; the test allows for a loaded CI machine
ALERT_SECONDS = 5.0


class Page:
    """What the page does: its API calls, and the channel feed it long-polls."""

    def __init__(self, sandbox: Sandbox, http: httpx.AsyncClient) -> None:
        self.sandbox = sandbox
        self.http = http
        self.seq = 0

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return (await self.http.post(path, json=body)).json()

    async def panel(self) -> Any:
        return (await self.http.get("api/world", params=VIEWER)).json()

    async def in_procore(self, kind: str, **body: Any) -> Any:
        return await self.post(
            f"api/world/procore-{kind}", {"project": TOWER_A, "person": ANA} | body
        )

    async def wait_for(self, needle: str, within: float = ALERT_SECONDS) -> str:
        """The first message changed in the channel feed since the last wait that holds
        `needle`, as the page receives it (`/api/events`)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            answer = (
                await self.http.get("api/events", params={**VIEWER, "after": self.seq})
            ).json()
            self.seq = answer["seq"]
            for change in answer["changes"]:
                if needle in change.get("html", ""):
                    return str(change["html"])
        raise AssertionError(f"no message with {needle!r} within {within} s")

    async def hooked(self) -> None:
        for _ in range(100):
            if (await self.panel())["project"]["hooked"]:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the app made no hook on Tower A after /cco link")


def cco(panel: Any, number: str) -> Any:
    return next(c for c in panel["ccos"] if c["number"] == number)


def alerted(sandbox: Sandbox, number: str) -> bool:
    """The app handled the change of CCO #`number` (alerted, or silenced by the channel)."""
    with sqlite3.connect(sandbox.folder / "cco-bot.db") as db:
        rows = db.execute(
            "SELECT alerted_at FROM package_change WHERE project_id = ? AND number = ?",
            (TOWER_A, number),
        ).fetchall()
    return bool(rows) and all(row[0] is not None for row in rows)


async def test_procore_changes_from_the_panel_reach_the_channel_as_alerts(
    sandbox: Sandbox,
) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=30) as http:
        page = Page(sandbox, http)
        before = await page.panel()
        assert before["project"]["hooked"] is False
        assert cco(before, "004")["synced"] is False and cco(before, "007")["synced"] is False
        await page.post("api/command", {**VIEWER, "text": "/cco link 101"})
        await page.wait_for("linked this channel")
        await page.hooked()

        synced = await page.in_procore("sync", number="004")
        assert synced == {"ok": True, "number": "004"}
        await page.wait_for("CCO #004 “Extra outlets, lobby” was synced to Acumatica")
        shown = cco(await page.panel(), "004")
        assert shown["synced"] is True and shown["state"] == "present"
        assert (await page.in_procore("sync", number="004"))[
            "error"
        ] == "CCO #004 is synced already"

        await page.in_procore("unlink", number="004")
        await page.wait_for("CCO #004 “Extra outlets, lobby” was unlinked in Procore")
        assert cco(await page.panel(), "004")["synced"] is False

        added = await page.in_procore("add")
        assert added == {"ok": True, "number": "008"}
        await page.wait_for("CCO #008 “Added fire dampers, level 4” was synced to Acumatica")
        assert cco(await page.panel(), "008")["synced"] is True

        await page.in_procore("delete", number="008")
        await page.wait_for("CCO #008 “Added fire dampers, level 4” was deleted")
        gone = cco(await page.panel(), "008")
        assert gone["deleted"] is True and gone["forecast"]["kind"] == "deleted"
        refused = await page.in_procore("sync", number="008")
        assert refused["ok"] is False and "deleted in Procore" in refused["error"]
        unknown = await page.in_procore("sync", number="999")
        assert unknown["ok"] is False and "no CCO #999" in unknown["error"]


async def test_with_alerts_off_a_cco_synced_in_procore_posts_nothing(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=30) as http:
        page = Page(sandbox, http)
        await page.post("api/command", {**VIEWER, "text": "/cco link 101"})
        await page.wait_for("linked this channel")
        await page.hooked()
        await page.post("api/command", {**VIEWER, "text": "/cco alerts off"})
        await page.wait_for("off")
        await page.in_procore("sync", number="007")
        deadline = time.monotonic() + ALERT_SECONDS
        while not alerted(sandbox, "007"):
            assert time.monotonic() < deadline, "the app never handled #007's change"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # what an outbox delivery would take
        texts = [m.text for m in sandbox.stack.slack.messages if m.channel == CHANNEL]
        assert not [t for t in texts if "#007" in t], texts
        assert cco(await page.panel(), "007")["synced"] is True
