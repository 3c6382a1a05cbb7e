"""Socket Mode in the Slack stand-in: `apps.connections.open` (with the app-level token) hands
out a WebSocket URL on this sandbox; a connection is greeted with `hello` as Slack greets it.

Slack documents the method (app-level token with `connections:write`, answers `{"ok": true,
"url": "wss://…"}`) and the `hello` message; the stand-in's URL is plain `ws://` on loopback and
it pushes no envelopes (tests drive Socket Mode processes only to see what they run besides).
"""

from __future__ import annotations

import secrets

from aiohttp import WSMsgType, web

from sandbox.slack.wire import ApiError, Params
from sandbox.slack.world import SlackWorkspace

OPEN_METHOD = "apps.connections.open"


def check_app_token(ws: SlackWorkspace, token: str | None) -> None:
    if not token:
        raise ApiError("not_authed")
    if token != ws.app_token:
        raise ApiError("invalid_auth")


def connections_open(ws: SlackWorkspace, params: Params) -> dict[str, object]:
    ticket = secrets.token_urlsafe(12)
    ws.socket_tickets.add(ticket)
    base = ws.base_url.replace("http://", "ws://", 1)
    return {"ok": True, "url": f"{base}/socket-mode/{ticket}?app_id={ws.app_id}"}


async def socket_mode(request: web.Request, ws: SlackWorkspace) -> web.StreamResponse:
    ticket = request.match_info["ticket"]
    if ticket not in ws.socket_tickets:
        return web.Response(status=401, text="invalid ticket")
    ws.socket_tickets.discard(ticket)
    socket = web.WebSocketResponse(autoping=True)
    await socket.prepare(request)
    ws.socket_connections += 1
    await socket.send_json(
        {
            "type": "hello",
            "num_connections": ws.socket_connections,
            "connection_info": {"app_id": ws.app_id},
            "debug_info": {"host": "sandbox", "approximate_connection_time": 18060},
        }
    )
    try:
        async for message in socket:
            if message.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                break
    finally:
        ws.socket_connections -= 1
    return socket
