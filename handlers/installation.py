"""`app_uninstalled` and `tokens_revoked`: the workspace removed the app, so the app stops using
its token (`GatedSlackClient`) and records the installation as gone; any later request from
Slack (a reinstall) opens the gate again. Nothing is deleted (README, "Data retention").

The two events' listeners are in `listeners/events.py`; the reopening is a middleware."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from slack_bolt.async_app import AsyncBoltContext

from flows.installation import mark
from handlers.context import Deps, deps_of
from handlers.slack_gate import GatedSlackClient
from handlers.slack_oauth import TeamSlackClient
from storage.states import InstallationState

log = structlog.get_logger("cco.installation")

_GONE_EVENTS = ("app_uninstalled", "tokens_revoked")


async def gone(deps: Deps, body: dict[str, Any], state: InstallationState) -> None:
    """Single workspace: close the process's gate. Many workspaces: delete this installation's
    tokens (the workspace's or, org-wide, the organisation's); other workspaces go on."""
    if isinstance(deps.slack, TeamSlackClient):
        async with deps.failures.guard(body):
            await deps.slack.installs.remove(*installation_of(body))
    elif isinstance(deps.slack, GatedSlackClient):
        deps.slack.installation_gone = True
    async with deps.failures.guard(body):
        await mark(deps.services.db, str(body.get("team_id") or ""), state)
    log.warning("installation.gone", state=state, team_id=body.get("team_id"))


def installation_of(body: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    """(team_id, enterprise_id, org-wide) of the installation an event was sent for (Slack's
    `authorizations` say whether it is an org-wide install; Bolt reads them the same way)."""
    authorizations = body.get("authorizations") or [{}]
    first = authorizations[0] if isinstance(authorizations[0], dict) else {}
    org_wide = bool(first.get("is_enterprise_install") or body.get("is_enterprise_install"))
    team = body.get("team_id") or first.get("team_id")
    enterprise = body.get("enterprise_id") or first.get("enterprise_id")
    return (str(team) if team else None, str(enterprise) if enterprise else None, org_wide)


async def reinstalled(
    body: dict[str, Any], context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
) -> None:
    """Slack sends nothing to an app that is not installed: a request other than the two
    removal events means the app is back (with a token that works)."""
    deps = deps_of(context)
    gate = deps.slack if isinstance(deps.slack, GatedSlackClient) else None
    event = str((body.get("event") or {}).get("type") or "")
    if gate is not None and gate.installation_gone and event not in _GONE_EVENTS:
        gate.installation_gone = False
        team = body.get("team_id") or (body.get("team") or {}).get("id") or ""
        await mark(deps.services.db, str(team), InstallationState.INSTALLED)
    await next()
