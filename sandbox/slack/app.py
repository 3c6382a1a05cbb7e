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
    plain,
    read_params,
)
from sandbox.slack.world import SlackWorkspace

WORKSPACE = web.AppKey("slack_workspace", SlackWorkspace)


def _check_token(ws: SlackWorkspace, request: web.Request, params: Params) -> None:
    token = call_token(request.headers.get("Authorization", ""), params)
    if request.match_info["method"] == OPEN_METHOD:
        check_app_token(ws, token)
        return
    if not token:
        raise ApiError("not_authed")
    if token in ws.revoked_tokens:
        raise ApiError("token_revoked")
    if token != ws.bot_token:
        raise ApiError("invalid_auth")


async def web_api(request: web.Request) -> web.Response:
    ws = request.app[WORKSPACE]
    name = request.match_info["method"]
    try:
        params = await read_params(request)
        _check_token(ws, request, params)
        method = connections_open if name == OPEN_METHOD else METHODS.get(name)
        if method is None:
            raise ApiError("unknown_method", req_method=name)
        answer = method(ws, params)
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
