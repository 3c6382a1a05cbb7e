"""The end-to-end rig: the demo stack of stand-ins, the real web app on loopback, and Slack as
the sender of signed requests. Tests assert on what the stand-ins received and show."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.runtime import Runtime, build_runtime
from bot.settings import Settings, settings_from
from bot.web import make_web_app
from handlers.blocks.card import UNLINK_ACTION
from sandbox.runner import RunningServer, serve
from sandbox.slack.sender import Delivery, SlackSender
from sandbox.slack.world import SlackMessage
from sandbox.stack import Stack, start_stack
from storage import packages
from tests.conftest import database_url, fresh_database

TOWER_A = 101
TOWER_CHANNEL = "C0TOWERA"
SYNC_WRITE = r"/external_data/sync$"


def settings_for(stack: Stack, db_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {k.lower(): v for k, v in stack.app_env().items()}
    values.update(database_url=db_url, procore_max_rate_limit_wait=10.0, **overrides)
    return settings_from(values)


@dataclass
class Rig:
    stack: Stack
    runtime: Runtime
    server: RunningServer
    http: httpx.AsyncClient
    sender: SlackSender

    @property
    def events_url(self) -> str:
        return f"{self.server.url}/slack/events"

    # -- what users do ------------------------------------------------------------------------

    async def command(
        self, text: str, user: str = "U0ANA", channel: str = TOWER_CHANNEL
    ) -> Delivery:
        return await self.sender.slash_command(user, channel, text)

    async def link(self, project: int = TOWER_A, channel: str = TOWER_CHANNEL) -> None:
        before = len(self.stack.slack.channel_messages(channel))
        delivery = await self.command(f"link {project}", channel=channel)
        assert delivery.status == 200, delivery.body
        await self.until(lambda: len(self.stack.slack.channel_messages(channel)) > before)

    async def watched(self, project: int = TOWER_A) -> None:
        """Wait until the app watches the linked project (flows.watching.watch_project): its
        index filled, its Hook made, then reconciled once. A change made in Procore before that
        may be in the fill's reading already, so it is nobody's news (no alert, no row change)."""

        async def reconciled() -> bool:
            async with self.runtime.db.session() as s:
                found = await packages.get_project(session=s, project_id=project)
            if found is None or found.filled_at is None or found.reconciled_at is None:
                return False
            return found.reconciled_at > found.filled_at

        deadline = time.monotonic() + 10
        while not await reconciled():
            assert time.monotonic() < deadline, f"project {project} was never watched"
            await asyncio.sleep(0.05)

    async def card(
        self, query: str = "", user: str = "U0ANA", channel: str = TOWER_CHANNEL
    ) -> SlackMessage:
        before = {m.ts for m in self.cards(channel)}
        delivery = await self.command(f"unlink {query}".strip(), user=user, channel=channel)
        assert delivery.status == 200, delivery.body
        await self.until(lambda: any(m.ts not in before for m in self.cards(channel)))
        return next(m for m in self.cards(channel) if m.ts not in before)

    def cards(self, channel: str = TOWER_CHANNEL) -> list[SlackMessage]:
        return [
            m
            for m in self.stack.slack.channel_messages(channel)
            if m.thread_ts is None and m.user == self.stack.slack.bot_user_id and _is_card(m)
        ]

    async def click_unlink(self, card: SlackMessage, number: str, user: str = "U0ANA") -> Delivery:
        """Click Unlink on a row, once the row shows the button (a person can't click sooner)."""
        package_id = self.stack.index.packages[(TOWER_A, number)]
        await self.until(lambda: self.row_has_button(card, number), limit=5)
        return await self.sender.click(user, card.channel, card.ts, UNLINK_ACTION, str(package_id))

    async def reply(self, card: SlackMessage, count: int = 1) -> SlackMessage:
        """Wait for the card's thread to hold `count` replies; return the latest."""
        await self.until(lambda: len(self.replies(card)) >= count)
        return self.replies(card)[-1]

    def replies(self, card: SlackMessage) -> list[SlackMessage]:
        return self.stack.slack.thread_replies(card.channel, card.ts)

    # -- what the stand-ins saw ---------------------------------------------------------------

    def procore_writes(self) -> int:
        return self.stack.procore.recorder.count("PATCH", SYNC_WRITE)

    def row_text(self, card: SlackMessage, number: str) -> str:
        current = self.stack.slack.message(card.channel, card.ts)
        assert current is not None
        package_id = self.stack.index.packages[(TOWER_A, number)]
        for block in current.blocks:
            if block.get("block_id") == f"cco:{package_id}":
                return str(block["text"]["text"])
        raise AssertionError(f"no row for CCO {number} on the card")

    def row_has_button(self, card: SlackMessage, number: str) -> bool:
        current = self.stack.slack.message(card.channel, card.ts)
        assert current is not None
        package_id = self.stack.index.packages[(TOWER_A, number)]
        return any(b.get("block_id") == f"act:{package_id}" for b in current.blocks)

    @staticmethod
    async def until(check: Callable[[], bool], limit: float = 10.0) -> None:
        deadline = time.monotonic() + limit
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for the app")
            await asyncio.sleep(0.02)

    async def settle(self) -> None:
        """Wait until no attempt is in flight (every click has its final answer). A click's
        attempt is stored a moment after Slack's request is acknowledged, so first wait for the
        acknowledged work itself (the app's in-flight count, as a deploy's drain does)."""
        from sqlmodel import col, select

        from storage.models import UnlinkAttempt

        async def active() -> int:
            async with self.runtime.db.session() as s:
                rows = await s.exec(
                    select(UnlinkAttempt).where(col(UnlinkAttempt.finished_at).is_(None))
                )
                return len(rows.all())

        deadline = time.monotonic() + 15
        while self.runtime.inflight.count or await active():
            assert time.monotonic() < deadline, "attempts still in flight"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _is_card(message: SlackMessage) -> bool:
    return any(str(b.get("block_id", "")).startswith("cco:") for b in message.blocks)


def text_of(message: SlackMessage) -> str:
    """Everything a reader sees in a message: text, blocks and attachment blocks."""
    parts = [message.text or ""]
    blocks = list(message.blocks) + [b for a in message.attachments for b in a.get("blocks", [])]
    for block in blocks:
        parts.extend(_texts(block))
    return "\n".join(parts)


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [str(node["text"])] if isinstance(node.get("text"), str) else []
        for value in node.values():
            if isinstance(value, dict | list):
                found.extend(_texts(value))
        return found
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def attachment_color(message: SlackMessage) -> str | None:
    return message.attachments[0].get("color") if message.attachments else None


async def start_rig(db_kind: str, tmp_path: Path, erp: str = "acumatica", **overrides: Any) -> Rig:
    return await start_rig_on(await start_stack(erp), db_kind, tmp_path, **overrides)


async def start_rig_on(stack: Stack, db_kind: str, tmp_path: Path, **overrides: Any) -> Rig:
    url = database_url(db_kind, tmp_path)
    await (await fresh_database(url)).dispose()
    port = free_port()
    overrides.setdefault("public_url", f"http://127.0.0.1:{port}")
    runtime = await build_runtime(settings_for(stack, url, **overrides))
    server = await serve(make_web_app(runtime), port=port)
    http = httpx.AsyncClient(timeout=30)
    sender = SlackSender(stack.slack, f"{server.url}/slack/events", http)
    return Rig(stack, runtime, server, http, sender)


async def stop_rig(rig: Rig) -> None:
    await rig.http.aclose()
    await rig.server.stop()
    await rig.stack.stop()
