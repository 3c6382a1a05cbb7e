"""`app_uninstalled` and `tokens_revoked`: the workspace removed the app, so the app stops using
its token (`GatedSlackClient`) and records the installation as gone; any later request from
Slack (a reinstall) opens the gate again. Nothing is deleted (README, "Data retention")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from flows.installation import INSTALLED, TOKENS_REVOKED, UNINSTALLED, mark
from flows.services import Services
from handlers.failures import Failures
from handlers.slack_gate import GatedSlackClient

log = structlog.get_logger("cco.installation")

_GONE_EVENTS = ("app_uninstalled", "tokens_revoked")


def register_installation(app: AsyncApp, svc: Services, slack: AsyncWebClient) -> None:
    gate = slack if isinstance(slack, GatedSlackClient) else None
    failures = Failures(svc, slack)

    async def gone(body: dict[str, Any], state: str) -> None:
        if gate is not None:
            gate.installation_gone = True
        async with failures.guard(body):
            await mark(svc.db, str(body.get("team_id") or ""), state)
        log.warning("installation.gone", state=state, team_id=body.get("team_id"))

    @app.event("app_uninstalled")
    async def on_uninstalled(body: dict[str, Any]) -> None:
        await gone(body, UNINSTALLED)

    @app.event("tokens_revoked")
    async def on_tokens_revoked(event: dict[str, Any], body: dict[str, Any]) -> None:
        if (event.get("tokens") or {}).get("bot"):
            await gone(body, TOKENS_REVOKED)  # user tokens alone: the app holds none

    @app.middleware
    async def reinstalled(body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
        """Slack sends nothing to an app that is not installed: a request other than the two
        removal events means the app is back (with a token that works)."""
        event = str((body.get("event") or {}).get("type") or "")
        if gate is not None and gate.installation_gone and event not in _GONE_EVENTS:
            gate.installation_gone = False
            team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
            await mark(svc.db, str(team), INSTALLED)
        await next()
