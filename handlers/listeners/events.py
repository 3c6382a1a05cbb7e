"""Events API events: the App Home opened, and the app uninstalled or its token revoked."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from handlers.context import deps_of
from handlers.home import publish_home
from handlers.installation import gone
from handlers.listeners.setup import home_before_set_up
from storage.states import InstallationState


def register(app: AsyncApp) -> None:
    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)
    app.event("app_home_opened")(on_home_opened)


async def on_uninstalled(body: dict[str, Any], context: AsyncBoltContext) -> None:
    deps = deps_of(context)
    async with deps.inflight.hold():
        await gone(deps, body, InstallationState.UNINSTALLED)


async def on_tokens_revoked(
    event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
) -> None:
    if (event.get("tokens") or {}).get("bot"):  # user tokens alone: the app holds none
        deps = deps_of(context)
        async with deps.inflight.hold():
            await gone(deps, body, InstallationState.TOKENS_REVOKED)


async def on_home_opened(
    event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
) -> None:
    if event.get("tab", "home") != "home":
        return
    deps = deps_of(context)
    async with deps.inflight.hold(), deps.failures.guard(body):
        user_id = str(event.get("user") or "")
        team_id = str(body.get("team_id") or "")
        if deps.setting_up:
            await home_before_set_up(deps, context, user_id)
            return
        await publish_home(deps.services, deps.slack, deps.viewers, team_id, user_id)
