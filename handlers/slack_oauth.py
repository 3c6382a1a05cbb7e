"""Many workspaces (SLACK_CLIENT_ID / SLACK_CLIENT_SECRET): slack_sdk's installation-store and
OAuth-state-store interfaces over our tables (`flows/slack_installs.py`, tokens encrypted), and
the Web API client that calls Slack with the token of the workspace it acts for.

Bolt's OAuth flow saves installations and checks `state` through the two stores; its
authorize finds a request's bot token (and rotates it) through `async_find_bot`. Our own calls
go through `TeamSlackClient`: the workspace comes from the request being answered (`acting_for`,
set by `route_by_team`) or, for background work, from whoever opens `acting_for` around it."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from flows.slack_installs import Installed, SlackInstalls
from handlers.slack_gate import GatedSlackClient, InstallationGone

_log = logging.getLogger("cco.slack_installs")

#: (team_id, enterprise_id, is_enterprise_install) of the workspace being served
_ACTING_FOR: ContextVar[tuple[str | None, str | None, bool] | None] = ContextVar(
    "slack_acting_for", default=None
)


@contextmanager
def acting_for(
    team_id: str | None, enterprise_id: str | None = None, org_wide: bool = False
) -> Iterator[None]:
    """Calls made inside (and by tasks started inside) use this workspace's installation."""
    token = _ACTING_FOR.set((team_id, enterprise_id, org_wide))
    try:
        yield
    finally:
        _ACTING_FOR.reset(token)


async def route_by_team(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
    """Middleware: everything a request starts acts for the request's workspace."""
    org_wide = bool(context.is_enterprise_install)
    with acting_for(context.team_id, context.enterprise_id, org_wide):
        await next()


def _epoch(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def _when(epoch: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


def _scopes(value: Any) -> str:
    return ",".join(value) if isinstance(value, list | tuple) else str(value or "")


def installed_from(source: Installation | Bot) -> Installed:
    """Our record of an installation Bolt hands over (after an install or a rotation)."""
    return Installed(
        team_id=source.team_id,
        enterprise_id=source.enterprise_id,
        is_enterprise_install=bool(source.is_enterprise_install),
        bot_token=source.bot_token or "",
        bot_refresh_token=source.bot_refresh_token,
        bot_token_expires_at=_when(source.bot_token_expires_at),
        bot_id=source.bot_id or "",
        bot_user_id=source.bot_user_id or "",
        bot_scopes=_scopes(source.bot_scopes),
        app_id=source.app_id or "",
        installer_user_id=getattr(source, "user_id", None) or "",
        team_name=source.team_name or "",
        enterprise_name=source.enterprise_name or "",
    )


def bot_of(found: Installed) -> Bot:
    installed_at = found.installed_at or datetime.now(UTC)
    return Bot(
        app_id=found.app_id,
        enterprise_id=found.enterprise_id,
        enterprise_name=found.enterprise_name,
        team_id=found.team_id,
        team_name=found.team_name,
        bot_token=found.bot_token,
        bot_id=found.bot_id,
        bot_user_id=found.bot_user_id,
        bot_scopes=found.bot_scopes,
        bot_refresh_token=found.bot_refresh_token,
        bot_token_expires_at=_epoch(found.bot_token_expires_at),
        is_enterprise_install=found.is_enterprise_install,
        installed_at=installed_at.timestamp(),
    )


class InstallationStore(AsyncInstallationStore):
    """Bot installations only (Bolt runs with `installation_store_bot_only`)."""

    def __init__(self, installs: SlackInstalls) -> None:
        self.installs = installs

    @property
    def logger(self) -> logging.Logger:
        return _log

    async def async_save(self, installation: Installation) -> None:
        await self.installs.save(installed_from(installation))

    async def async_save_bot(self, bot: Bot) -> None:
        await self.installs.save(installed_from(bot))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = await self.installs.find(team_id, enterprise_id, is_enterprise_install)
        return bot_of(found) if found is not None else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.installs.remove(team_id, enterprise_id, None)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:  # a user's own token is never stored
            await self.installs.remove(team_id, enterprise_id, None)


class OAuthStateStore(AsyncOAuthStateStore):
    def __init__(self, installs: SlackInstalls) -> None:
        self.installs = installs

    @property
    def logger(self) -> logging.Logger:
        return _log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        await self.installs.issue_state(state)
        return state

    async def async_consume(self, state: str) -> bool:
        return await self.installs.consume_state(state)


Acting = tuple[str | None, str | None, bool]


class TeamSlackClient(GatedSlackClient):
    """One client for every workspace: each call uses the bot token of the workspace it acts
    for (`acting_for`, or the one it is `bound_to`), rotated first when it is about to expire.
    A workspace without an installation (never installed, or removed) gets no call:
    `InstallationGone`. The process-wide gate of single-workspace mode stays open: each
    workspace's removal deletes its installation instead."""

    def __init__(
        self,
        *args: Any,
        installs: SlackInstalls,
        rotator: AsyncTokenRotator | None,
        rotate_minutes_before: int = 120,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.installs = installs
        self.rotator = rotator
        self.rotate_minutes_before = rotate_minutes_before
        self.bound: Acting | None = None

    @property
    def installation_gone(self) -> bool:
        return False

    @installation_gone.setter
    def installation_gone(self, _value: bool) -> None:
        pass

    def bound_to(
        self, team_id: str | None, enterprise_id: str | None = None, org_wide: bool = False
    ) -> TeamSlackClient:
        """A client that always acts for this workspace (or org-wide install): for a tenant's
        own services and background work."""
        client = TeamSlackClient(
            base_url=self.base_url,
            timeout=self.timeout,
            retry_handlers=self.retry_handlers,
            installs=self.installs,
            rotator=self.rotator,
            rotate_minutes_before=self.rotate_minutes_before,
        )
        client.bound = (team_id, enterprise_id, org_wide)
        return client

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        token = await self.token_for_now()
        if token is None:
            raise InstallationGone(api_method)
        headers = dict(kwargs.pop("headers", None) or {})
        headers["Authorization"] = f"Bearer {token}"
        return await super().api_call(api_method, headers=headers, **kwargs)

    async def token_for_now(self) -> str | None:
        acting = self.bound or _ACTING_FOR.get()
        if acting is None:
            return None
        team_id, enterprise_id, org_wide = acting
        found = await self.installs.find(team_id, enterprise_id, org_wide)
        if found is None:
            return None
        if found.bot_refresh_token and self.rotator is not None:
            rotated = await self.rotator.perform_bot_token_rotation(
                bot=bot_of(found), minutes_before_expiration=self.rotate_minutes_before
            )
            if rotated is not None:
                await self.installs.save(installed_from(rotated))
                return rotated.bot_token
        return found.bot_token
