"""App Home: published when a person opens the app's Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from handlers.blocks.home import home_view
from handlers.failures import Failures
from handlers.flows.home import home_for
from handlers.flows.services import Services


def register_home(app: AsyncApp, svc: Services, slack: AsyncWebClient) -> None:
    failures = Failures(svc, slack)

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        async with failures.guard(body):
            user_id = str(event.get("user") or "")
            team_id = str(body.get("team_id") or "")
            data = await home_for(svc, team_id, user_id)
            await slack.views_publish(user_id=user_id, view=home_view(data))
