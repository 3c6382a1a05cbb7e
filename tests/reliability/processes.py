"""Real `cco-bot serve` processes (`python -m bot serve`) against the stand-in stack, for the
multi-replica and crash tests. The stand-ins run in the test's event loop; each replica is a
subprocess on its own loopback port, all sharing one PostgreSQL database."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlmodel import col, select

from handlers.blocks.card import UNLINK_ACTION
from sandbox.slack.sender import SlackSender
from sandbox.slack.world import SlackMessage
from sandbox.stack import Stack
from storage.db import Database
from storage.models import UnlinkAttempt

#: short enough that recovery takes seconds, long enough that a busy 2-core machine never lets
#: the lease of a live attempt run out between two heartbeats
TEST_TIMINGS = {
    "ATTEMPT_LEASE_SECONDS": "2",
    "SWEEP_INTERVAL_SECONDS": "0.5",
    "OUTBOX_CLAIM_SECONDS": "2",
}
#: settings of ours that must not leak into a replica from the test's environment
_APP_PREFIXES = ("SLACK_", "PROCORE_", "ERP_", "DATABASE_URL", "ATTEMPT_", "SWEEP_", "OUTBOX_")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def replica_env(stack: Stack, database_url: str, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(_APP_PREFIXES)}
    return {
        **base,
        **stack.app_env(),
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
        "PROCORE_MAX_RATE_LIMIT_WAIT": "10",
        **TEST_TIMINGS,
        **extra,
    }


#: every replica the running test started, so that a failure can show their logs (conftest)
STARTED: list[Replica] = []


@dataclass
class Replica:
    """One `cco-bot serve` process; its output goes to `log_path`."""

    name: str
    port: int
    process: asyncio.subprocess.Process
    log_path: Path
    killed_at: float | None = field(default=None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    def sender(self, stack: Stack, http: httpx.AsyncClient) -> SlackSender:
        return SlackSender(stack.slack, self.events_url, http)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def kill(self) -> float:
        """SIGKILL: no cleanup, no goodbye. Returns the monotonic time of the kill."""
        self.process.send_signal(signal.SIGKILL)
        self.killed_at = time.monotonic()
        await self.process.wait()
        return self.killed_at

    async def stop(self) -> None:
        if self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()


async def start_replica(
    name: str, env: dict[str, str], workdir: Path, http: httpx.AsyncClient
) -> Replica:
    """Start `python -m bot serve` on a free port and wait until `/healthz` answers 200."""
    port = free_port()
    log_path = workdir / f"{name}.log"
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            env=env,
            cwd=str(workdir),  # no stray .env from the repository
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    replica = Replica(name, port, process, log_path)
    STARTED.append(replica)
    deadline = time.monotonic() + 40
    while True:
        if process.returncode is not None:
            raise AssertionError(f"{name} exited with {process.returncode}:\n{replica.log_tail()}")
        try:
            answer = await http.get(f"{replica.url}/healthz", timeout=2)
            if answer.status_code == 200:
                return replica
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            await replica.stop()
            raise AssertionError(f"{name} never became healthy:\n{replica.log_tail()}")
        await asyncio.sleep(0.1)


async def until(
    check: Callable[[], bool],
    limit: float = 20.0,
    step: float = 0.02,
    *,
    what: str | None = None,
    seen: Callable[[], object] | None = None,
) -> float:
    """Wait (without blocking the stand-ins) until `check()`; return the monotonic time it held.
    On time-out the error says `what` was awaited and, with `seen`, what there was instead."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            instead = f"; instead: {seen()!r}" if seen is not None else ""
            awaited = what or check
            raise AssertionError(f"timed out after {limit:g} s waiting for {awaited}{instead}")
        await asyncio.sleep(step)
    return time.monotonic()


async def attempts_in_flight(db: Database) -> int:
    async with db.session() as s:
        rows = await s.exec(select(UnlinkAttempt).where(col(UnlinkAttempt.finished_at).is_(None)))
        return len(rows.all())


async def settled(db: Database, limit: float = 20.0) -> None:
    """Wait until no attempt is in flight."""
    deadline = time.monotonic() + limit
    while await attempts_in_flight(db):
        assert time.monotonic() < deadline, "attempts still in flight"
        await asyncio.sleep(0.05)


def is_card(message: SlackMessage) -> bool:
    return any(str(b.get("block_id", "")).startswith("cco:") for b in message.blocks)


async def link_and_post_card(
    stack: Stack, sender: SlackSender, channel: str, project: int
) -> SlackMessage:
    """`/cco link <project>` then `/cco unlink` in `channel`; return the card the app posted."""
    slack = stack.slack
    before = len(slack.channel_messages(channel))
    linked = await sender.slash_command("U0ANA", channel, f"link {project}")
    assert linked.status == 200, linked.body
    await until(lambda: len(slack.channel_messages(channel)) > before)
    listed = await sender.slash_command("U0ANA", channel, "unlink")
    assert listed.status == 200, listed.body
    await until(lambda: any(is_card(m) for m in slack.channel_messages(channel)))
    return next(m for m in slack.channel_messages(channel) if is_card(m))


async def stale_click(sender: SlackSender, card: SlackMessage, user_id: str, value: str) -> int:
    """A click on an Unlink button the user still sees on an older copy of the card (e.g. a
    double click, or a client that had not refreshed yet): same payload as a fresh click."""
    ws = sender.workspace
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id, "name": user_id, "team_id": ws.team_id},
        "api_app_id": ws.app_id,
        "token": ws.verification_token,
        "trigger_id": ws.issue_trigger(user_id),
        "team": {"id": ws.team_id, "domain": ws.domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "container": {
            "type": "message",
            "message_ts": card.ts,
            "channel_id": card.channel,
            "is_ephemeral": False,
        },
        "channel": {"id": card.channel, "name": ws.channels[card.channel].name},
        "response_url": ws.issue_response_url(card.channel, user_id, card.ts),
        "actions": [
            {
                "action_id": UNLINK_ACTION,
                "block_id": f"act:{value}",
                "type": "button",
                "value": value,
                "action_ts": ws.next_ts(),
            }
        ],
        "state": {"values": {}},
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return (await sender.deliver(body, "application/x-www-form-urlencoded")).status
