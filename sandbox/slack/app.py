"""The Slack sandbox over HTTP: Web API (`/api/<method>`), response URLs, Socket Mode.

slack_sdk's AsyncWebClient (3.48) sends chat.* and views.* as POST with a JSON body, users.* and
conversations.info as GET with query parameters, auth.test as POST with query parameters, always
with `Authorization: Bearer <token>`; other clients send form-encoded bodies, possibly carrying
`token` and JSON-encoded `blocks` / `attachments` / `view` strings. All of these are accepted;
`sandbox.slack.wire` reads them.
"""

from __future__ import annotations

import json

from aiohttp import web

from sandbox.faults import instrument
from sandbox.runner import RunningServer, serve
from sandbox.slack.blocks import attachment_problems, block_problems, with_generated_ids
from sandbox.slack.consent import APPROVE_PATH, AUTHORIZE_PATH, approve_redirect, consent_html
from sandbox.slack.installs import Grant, OAuthError
from sandbox.slack.methods import METHODS
from sandbox.slack.socket_mode import OPEN_METHOD, check_app_token, connections_open, socket_mode
from sandbox.slack.wire import (
    RESPONSE_URL_BAD_BLOCKS,
    RESPONSE_URL_BAD_JSON,
    RESPONSE_URL_EXPIRED,
    RESPONSE_URL_NO_TEXT,
    RESPONSE_URL_OK,
    ApiError,
    Params,
    call_token,
    client_credentials,
    plain,
    read_params,
)
from sandbox.slack.world import SlackWorkspace

WORKSPACE = web.AppKey("slack_workspace", SlackWorkspace)


def _check_token(ws: SlackWorkspace, request: web.Request, params: Params) -> Grant | None:
    """Refuse a call without a working token; the OAuth installation it belongs to, if any
    (None: the workspace's own configured bot token)."""
    token = call_token(request.headers.get("Authorization", ""), params)
    if request.match_info["method"] == OPEN_METHOD:
        check_app_token(ws, token)
        return None
    if not token:
        raise ApiError("not_authed")
    if token in ws.revoked_tokens:
        raise ApiError("token_revoked")
    grant = ws.installs.live(str(token))
    if token != ws.bot_token and grant is None:
        raise ApiError("invalid_auth")
    return grant


def _oauth_v2_access(ws: SlackWorkspace, request: web.Request, params: Params) -> Params:
    client = client_credentials(request.headers.get("Authorization", ""), params)
    try:
        return ws.installs.access(client, params)
    except OAuthError as refused:
        raise ApiError(refused.error) from None


def _auth_test(ws: SlackWorkspace, grant: Grant) -> Params:
    """auth.test for an OAuth-installed token: the team (or org) it was issued to."""
    team = ws.installs.teams.get(grant.team_id or "")
    return {
        "ok": True,
        "url": f"https://{team.domain if team else 'org'}.slack.com/",
        "team": team.name if team else "",
        "user": ws.bot_name,
        "team_id": grant.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "enterprise_id": grant.enterprise_id,
        "is_enterprise_install": grant.is_enterprise_install,
    }


async def web_api(request: web.Request) -> web.Response:
    ws = request.app[WORKSPACE]
    name = request.match_info["method"]
    try:
        params = await read_params(request)
        if name == "oauth.v2.access":  # the app's client credentials, no token
            return web.json_response(_oauth_v2_access(ws, request, params))
        grant = _check_token(ws, request, params)
        method = connections_open if name == OPEN_METHOD else METHODS.get(name)
        if method is None:
            raise ApiError("unknown_method", req_method=name)
        answer = _auth_test(ws, grant) if grant and name == "auth.test" else method(ws, params)
    except ApiError as refused:
        answer = refused.body()
    return web.json_response(answer, headers={"X-OAuth-Scopes": ",".join(sorted(ws.scopes))})


async def response_url(request: web.Request) -> web.Response:
    ws = request.app[WORKSPACE]
    url = ws.use_response_url(request.match_info["token"])
    if url is None:
        return plain(RESPONSE_URL_EXPIRED)
    try:
        payload = json.loads(await request.text())
    except ValueError:
        return plain(RESPONSE_URL_BAD_JSON)
    if not isinstance(payload, dict):
        return plain(RESPONSE_URL_BAD_JSON)
    blocks, attachments = payload.get("blocks"), payload.get("attachments")
    if block_problems(blocks, attachments) or attachment_problems(attachments):
        return plain(RESPONSE_URL_BAD_BLOCKS)
    if not (payload.get("delete_original") or payload.get("text") or blocks or attachments):
        return plain(RESPONSE_URL_NO_TEXT)
    if isinstance(blocks, list):
        payload["blocks"] = with_generated_ids(blocks)
    source = ws.message(url.channel_id, url.source_ts) if url.source_ts else None
    ws.show_response(url.channel_id, url.user_id, payload, source)
    return plain(RESPONSE_URL_OK)


async def _consent_page(request: web.Request) -> web.Response:
    try:
        ws = request.app[WORKSPACE]
        people = [(u.id, u.real_name) for u in ws.users.values() if not u.is_bot and not u.deleted]
        page = consent_html(ws.installs, dict(request.query), people)
    except OAuthError as refused:
        return web.Response(status=400, text=refused.error)
    return web.Response(text=page, content_type="text/html")


async def _approve(request: web.Request) -> web.Response:
    try:
        target = approve_redirect(request.app[WORKSPACE].installs, dict(request.query))
    except OAuthError as refused:
        return web.Response(status=400, text=refused.error)
    raise web.HTTPFound(target)


async def _socket_mode(request: web.Request) -> web.StreamResponse:
    return await socket_mode(request, request.app[WORKSPACE])


def create_app(workspace: SlackWorkspace) -> web.Application:
    """The Slack sandbox app; its Recorder and Faults are `workspace.recorder` / `.faults`."""
    app = web.Application()
    app[WORKSPACE] = workspace
    instrument(app, workspace.recorder, workspace.faults)
    app.router.add_route("*", "/api/{method}", web_api)
    app.router.add_post("/response/{token}", response_url)
    app.router.add_get("/socket-mode/{ticket}", _socket_mode)
    app.router.add_get(AUTHORIZE_PATH, _consent_page)
    app.router.add_get(APPROVE_PATH, _approve)
    return app


async def serve_slack(
    workspace: SlackWorkspace, host: str = "127.0.0.1", port: int = 0
) -> RunningServer:
    """Start the sandbox and point the workspace's response URLs at it."""
    server = await serve(create_app(workspace), host, port)
    workspace.base_url = server.url
    return server


def api_url(server: RunningServer) -> str:
    """The `SLACK_API_URL` / AsyncWebClient `base_url` for a running sandbox."""
    return f"{server.url}/api/"
