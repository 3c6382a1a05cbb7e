"""A seeded Slack sandbox on loopback for the Slack sandbox tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.runner import RunningServer
from sandbox.slack.app import api_url, serve_slack
from sandbox.slack.world import SlackWorkspace

ANA = "U0ANA"  # has an email
BEN = "U0BEN"  # no email on his profile
TOWER = "C0TOWER"  # public, bot and both users are members
LOBBY = "C0LOBBY"  # public, bot is not a member
VAULT = "G0VAULT"  # private, bot is not a member


class FakeClock:
    """The workspace's clock, moved by hand (ts values, trigger and response_url expiry)."""

    def __init__(self, now: float = 1_732_700_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Slack:
    workspace: SlackWorkspace
    server: RunningServer
    clock: FakeClock

    @property
    def api_url(self) -> str:
        return api_url(self.server)

    def client(self, token: str | None = None) -> AsyncWebClient:
        return AsyncWebClient(base_url=self.api_url, token=token or self.workspace.bot_token)


def seeded_workspace(clock: FakeClock) -> SlackWorkspace:
    ws = SlackWorkspace(clock=clock)
    ws.add_user(ANA, "ana", "Ana Ruiz", "Ana.Ruiz@example.com")
    ws.add_user(BEN, "ben", "Ben Okafor")
    ws.add_channel(TOWER, "tower-a", members=[ANA, BEN])
    ws.add_channel(LOBBY, "lobby", members=[ANA], bot_member=False)
    ws.add_channel(VAULT, "vault", members=[ANA], is_private=True, bot_member=False)
    return ws


@pytest.fixture
async def slack() -> AsyncIterator[Slack]:
    clock = FakeClock()
    workspace = seeded_workspace(clock)
    server = await serve_slack(workspace)
    try:
        yield Slack(workspace, server, clock)
    finally:
        await server.stop()
