"""`GET /procore/oauth/start` and `GET /procore/oauth/callback`: the two pages of `/cco connect`.

The start page (the link Slack shows) names the Slack user being linked before the browser goes
to Procore, so someone who was forwarded the link sees it is not theirs. The callback page says
who was connected, or why not, and nothing else: the URL carries a one-time code, so the pages
are not cached and send no referrer.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from aiohttp import web

from flows.accounts import (
    STATE_REFUSED,
    Connected,
    ConnectRefused,
    ProcoreAccounts,
    connect_start,
    finish_connect,
    refuse_connect,
)

log = structlog.get_logger("cco.oauth")

CALLBACK_PATH = "/procore/oauth/callback"
START_PATH = "/procore/oauth/start"
FAILED = "Something went wrong on our side — nothing was saved. Run `/cco connect` again."
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}

OnConnected = Callable[[Connected], Awaitable[None]]
#: tells the Slack user who started a refused link (e.g. a Slack DM)
OnRefused = Callable[[ConnectRefused], Awaitable[None]]
_Told = TypeVar("_Told", Connected, ConnectRefused)


def _page(
    title: str, message: str, status: int, link: tuple[str, str] | None = None
) -> web.Response:
    button = (
        f"<p><a href='{html.escape(link[0], quote=True)}'>{html.escape(link[1])}</a></p>"
        if link
        else ""
    )
    text = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        "<body style='font-family:sans-serif;max-width:36em;margin:4em auto'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>{button}</body></html>"
    )
    return web.Response(text=text, status=status, content_type="text/html", headers=HEADERS)


async def _outcome(accounts: ProcoreAccounts, query: dict[str, str]) -> Connected | ConnectRefused:
    state, code = query.get("state", ""), query.get("code", "")
    if "error" in query:
        return await refuse_connect(accounts, state)
    if not state or not code:
        return ConnectRefused(STATE_REFUSED)
    return await finish_connect(accounts, state, code)


@dataclass(frozen=True)
class OAuthPages:
    """What the two pages need: the account linking, and who is told afterwards."""

    accounts: ProcoreAccounts
    on_connected: OnConnected | None = None
    on_refused: OnRefused | None = None


PAGES = web.AppKey("procore_oauth_pages", OAuthPages)


def add_oauth_routes(
    app: web.Application,
    accounts: ProcoreAccounts,
    *,
    path: str = CALLBACK_PATH,
    on_connected: OnConnected | None = None,
    on_refused: OnRefused | None = None,
) -> None:
    """Mount the start page and the callback. `on_connected` (e.g. a Slack DM) runs after a
    successful link, `on_refused` after a refusal the Slack user must hear of; their failure is
    logged and does not change the page."""
    app[PAGES] = OAuthPages(accounts, on_connected, on_refused)
    app.router.add_get(START_PATH, start_page)
    app.router.add_get(path, callback_page)


async def start_page(request: web.Request) -> web.Response:
    try:
        page = await connect_start(request.app[PAGES].accounts, request.query.get("state", ""))
    except Exception:
        log.exception("oauth.start_failed")
        return _page("Not connected", FAILED, 503)
    if isinstance(page, ConnectRefused):
        return _page("Not connected", page.reason, 400)
    message = (
        f"This link connects a Procore account to the Slack user {page.slack_user_name}. "
        f"Continue only if you are {page.slack_user_name}, and sign in to Procore with your "
        "own account: the app links it only if its email is that Slack user's email, and "
        "refuses (and revokes) any other sign-in."
    )
    title = f"Link Procore to {page.slack_user_name}"
    return _page(title, message, 200, (page.authorize_url, "Continue to Procore sign-in"))


async def callback_page(request: web.Request) -> web.Response:
    pages = request.app[PAGES]
    try:
        outcome = await _outcome(pages.accounts, dict(request.query))
    except Exception:
        log.exception("oauth.callback_failed")
        return _page("Not connected", FAILED, 503)
    if isinstance(outcome, ConnectRefused):
        if outcome.notify is not None:
            await _tell(pages.on_refused, outcome, "oauth.on_refused_failed")
        return _page("Not connected", outcome.reason, 400)
    await _tell(pages.on_connected, outcome, "oauth.on_connected_failed")
    slack = f" (Slack user {outcome.slack_user_name})" if outcome.slack_user_name else ""
    message = f"Connected as {outcome.procore_user_name}{slack} — you can close this tab."
    return _page("Procore account connected", message, 200)


async def _tell(
    hook: Callable[[_Told], Awaitable[None]] | None, outcome: _Told, failed: str
) -> None:
    """Run a page's follow-up (a Slack DM); its failure is logged and changes no page."""
    if hook is None:
        return
    try:
        await hook(outcome)
    except Exception:
        log.exception(failed, user=outcome.slack_user_id)
