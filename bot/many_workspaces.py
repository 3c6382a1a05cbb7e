"""Many workspaces: the app installed by Slack's OAuth flow into any workspace or Grid org
(`SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET` set; `SLACK_BOT_TOKEN` is then unused).

Bolt runs its own OAuth machinery (`AsyncOAuthSettings`): `GET /slack/install` sends the
installer to Slack's consent page, `GET /slack/oauth_redirect` checks the `state` and exchanges
the code (`oauth.v2.access` at SLACK_API_URL), then saves the installation through our store
(`handlers/slack_oauth.py`, tokens encrypted). Each request's token comes from Bolt's authorize
(rotated when token rotation is on); our own calls use `TeamSlackClient`."""

from __future__ import annotations

import logging
from typing import Literal

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings
from flows.slack_installs import SlackInstalls
from handlers.slack_oauth import (
    InstallationStore,
    OAuthStateStore,
    TeamSlackClient,
    route_by_team,
)
from storage.accounts import TokenCipher
from storage.db import Database

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

#: the bot scopes asked for at install: manifest.yml's `oauth_config.scopes.bot`
#: (tests/e2e/test_manifest.py keeps the two equal)
BOT_SCOPES = (
    "commands",
    "chat:write",
    "users:read",
    "users:read.email",
    "channels:history",
    "groups:history",
)

#: rotate a bot token this long before it expires (Bolt's default: 120; tokens live 12 hours)
ROTATE_MINUTES_BEFORE = 120


def slack_installs(settings: Settings, db: Database) -> SlackInstalls:
    assert settings.token_encryption_key, "require_for checks TOKEN_ENCRYPTION_KEY"
    return SlackInstalls(db, TokenCipher(settings.token_encryption_key))


def authorize_url(settings: Settings) -> str:
    """Slack's consent page: beside the Web API (`https://slack.com/api/` →
    `https://slack.com/oauth/v2/authorize`), so a stand-in at SLACK_API_URL serves it too."""
    return settings.slack_api_url.removesuffix("api/") + "oauth/v2/authorize"


def oauth_settings(settings: Settings, installs: SlackInstalls) -> AsyncOAuthSettings:
    public = settings.public_url
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        redirect_uri=f"{public}{REDIRECT_PATH}" if public else None,
        authorization_url=authorize_url(settings),
        installation_store=InstallationStore(installs),
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=ROTATE_MINUTES_BEFORE,
        state_store=OAuthStateStore(installs),
    )


def oauth_bolt_app(
    settings: Settings, installs: SlackInstalls, mode: Literal["http", "socket"]
) -> AsyncApp:
    """Bolt with the OAuth flow; its own client (code exchange, rotation, `context.client`)
    carries no token of ours. Over HTTP every request is verified (as in single mode)."""
    oauth = oauth_settings(settings, installs)
    app = AsyncApp(
        client=AsyncWebClient(base_url=settings.slack_api_url, timeout=settings.slack_timeout),
        signing_secret=settings.slack_signing_secret if mode == "http" else None,
        request_verification_enabled=mode == "http",
        oauth_settings=oauth,
        # Bolt's own authorize, but rotating tokens at SLACK_API_URL (the settings' authorize
        # would refresh them at slack.com whatever the API URL)
        authorize=AsyncInstallationStoreAuthorize(  # type: ignore[arg-type]  # Bolt takes one
            logger=logging.getLogger("cco.slack_installs"),
            installation_store=oauth.installation_store,
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            token_rotation_expiration_minutes=ROTATE_MINUTES_BEFORE,
            bot_only=True,
            client=AsyncWebClient(base_url=settings.slack_api_url, timeout=settings.slack_timeout),
        ),
        installation_store_bot_only=True,
        process_before_response=False,
    )
    app.use(route_by_team)
    return app


def team_client(
    settings: Settings, installs: SlackInstalls, retry: list[AsyncRetryHandler]
) -> TeamSlackClient:
    rotator = AsyncTokenRotator(
        client_id=settings.slack_client_id or "",
        client_secret=settings.slack_client_secret or "",
        client=AsyncWebClient(base_url=settings.slack_api_url, timeout=settings.slack_timeout),
    )
    return TeamSlackClient(
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout,
        retry_handlers=retry,
        installs=installs,
        rotator=rotator,
        rotate_minutes_before=ROTATE_MINUTES_BEFORE,
    )


def add_install_routes(app: web.Application, bolt: AsyncApp) -> None:
    """`GET /slack/install` and `GET /slack/oauth_redirect`, answered by Bolt's OAuth flow
    (its install page, its state cookie and `state` check, its success and failure pages)."""
    flow = bolt.oauth_flow
    if flow is None:
        return

    async def install(request: web.Request) -> web.StreamResponse:
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def redirect(request: web.Request) -> web.StreamResponse:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    app.router.add_get(flow.install_path, install)
    app.router.add_get(flow.redirect_uri_path, redirect)
