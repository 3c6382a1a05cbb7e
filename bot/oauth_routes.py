"""`GET /procore/oauth/callback`: where Procore sends the browser after `/cco connect`.

The page says who was connected, or why not, and nothing else: the URL carries a one-time code,
so the page is not cached and sends no referrer.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web

from handlers.flows.accounts import (
    STATE_REFUSED,
    Connected,
    ConnectRefused,
    ProcoreAccounts,
    finish_connect,
    refuse_connect,
)

log = structlog.get_logger("cco.oauth")

CALLBACK_PATH = "/procore/oauth/callback"
FAILED = "Something went wrong on our side — nothing was saved. Run `/cco connect` again."
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}

OnConnected = Callable[[Connected], Awaitable[None]]


def _page(title: str, message: str, status: int) -> web.Response:
    text = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        "<body style='font-family:sans-serif;max-width:36em;margin:4em auto'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return web.Response(text=text, status=status, content_type="text/html", headers=HEADERS)


async def _outcome(accounts: ProcoreAccounts, query: dict[str, str]) -> Connected | ConnectRefused:
    state, code = query.get("state", ""), query.get("code", "")
    if "error" in query:
        return await refuse_connect(accounts, state)
    if not state or not code:
        return ConnectRefused(STATE_REFUSED)
    return await finish_connect(accounts, state, code)


def add_oauth_routes(
    app: web.Application,
    accounts: ProcoreAccounts,
    *,
    path: str = CALLBACK_PATH,
    on_connected: OnConnected | None = None,
) -> None:
    """Mount the callback. `on_connected` (e.g. a Slack DM) runs after a successful link; its
    failure is logged and does not change the page."""

    async def callback(request: web.Request) -> web.Response:
        try:
            outcome = await _outcome(accounts, dict(request.query))
        except Exception:
            log.exception("oauth.callback_failed")
            return _page("Not connected", FAILED, 503)
        if isinstance(outcome, ConnectRefused):
            return _page("Not connected", outcome.reason, 400)
        if on_connected is not None:
            try:
                await on_connected(outcome)
            except Exception:
                log.exception("oauth.on_connected_failed", user=outcome.slack_user_id)
        message = f"Connected as {outcome.procore_user_name} — you can close this tab."
        return _page("Procore account connected", message, 200)

    app.router.add_get(path, callback)
