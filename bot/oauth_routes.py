"""`GET /procore/oauth/start` and `GET /procore/oauth/callback`: the two pages of `/cco connect`.

The start page (the link Slack shows) names the Slack user being linked before the browser goes
to Procore, so someone who was forwarded the link sees it is not theirs. The callback page says
who was connected, or why not, and nothing else: the URL carries a one-time code, so the pages
are not cached and send no referrer.

The pages speak the language of the Slack user whose link it is (their Slack locale, asked of
the directory with the link's state), else the browser's (`Accept-Language`, negotiated with
`i18n.negotiate`), else DEFAULT_LOCALE. Every value is HTML-escaped with the page's text.
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
from i18n import N_, SOURCE, Words, supported, words_for

log = structlog.get_logger("cco.oauth")

CALLBACK_PATH = "/procore/oauth/callback"
START_PATH = "/procore/oauth/start"
FAILED = N_("Something went wrong on our side — nothing was saved. Run `/cco connect` again.")
NOT_CONNECTED = N_("Not connected")
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}

OnConnected = Callable[[Connected], Awaitable[None]]
#: tells the Slack user who started a refused link (e.g. a Slack DM)
OnRefused = Callable[[ConnectRefused], Awaitable[None]]
#: a Slack user's locale by workspace and user id (`SlackDirectory.locale_of`)
LocaleOf = Callable[[str, str], Awaitable[str | None]]
#: the account linking a connect link's `state` belongs to (many workspaces: its tenant's)
AccountsOf = Callable[[str], Awaitable[ProcoreAccounts | None]]
_Told = TypeVar("_Told", Connected, ConnectRefused)


def accept_language(header: str) -> str | None:
    """The first locale the app speaks among the browser's `Accept-Language`, by weight."""
    ranked: list[tuple[float, int, str]] = []
    for order, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag and tag != "*" and weight > 0:
            ranked.append((-weight, order, tag))
    for _, _, tag in sorted(ranked):
        if (found := supported(tag)) is not None:
            return found
    return None


def _page(
    t: Words, title: str, message: str, status: int, link: tuple[str, str] | None = None
) -> web.Response:
    """The page in `t`'s language; `title`, `message` and the link are escaped here."""
    button = (
        f"<p><a href='{html.escape(link[0], quote=True)}'>{html.escape(link[1])}</a></p>"
        if link
        else ""
    )
    text = (
        f"<!doctype html><html lang='{html.escape(t.locale, quote=True)}'><head>"
        "<meta charset='utf-8'>"
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
    #: the locale of the Slack user whose link it is (None: the browser's language)
    locale_of: LocaleOf | None = None
    default_locale: str = SOURCE
    #: many workspaces: the account linking of the tenant whose link a `state` is (None: no
    #: tenant, the link is refused); unset: `accounts` serves every link
    accounts_of: AccountsOf | None = None

    async def linking(self, state: str) -> ProcoreAccounts | None:
        return self.accounts if self.accounts_of is None else await self.accounts_of(state)

    async def words(self, request: web.Request, team_id: str | None, user_id: str | None) -> Words:
        """The language of whose link it is, else the browser's, else DEFAULT_LOCALE."""
        locale = None
        if self.locale_of is not None and team_id and user_id:
            try:
                locale = await self.locale_of(team_id, user_id)
            except Exception:
                log.warning("oauth.locale_unreadable", user=user_id, exc_info=True)
        if supported(locale) is None:
            locale = accept_language(request.headers.get("Accept-Language", ""))
        return words_for(locale, self.default_locale)


PAGES = web.AppKey("procore_oauth_pages", OAuthPages)


def add_oauth_routes(
    app: web.Application,
    accounts: ProcoreAccounts,
    *,
    path: str = CALLBACK_PATH,
    on_connected: OnConnected | None = None,
    on_refused: OnRefused | None = None,
    locale_of: LocaleOf | None = None,
    default_locale: str = SOURCE,
    accounts_of: AccountsOf | None = None,
) -> None:
    """Mount the start page and the callback. `on_connected` (e.g. a Slack DM) runs after a
    successful link, `on_refused` after a refusal the Slack user must hear of; their failure is
    logged and does not change the page. `locale_of` tells the pages whose language to speak."""
    app[PAGES] = OAuthPages(
        accounts, on_connected, on_refused, locale_of, default_locale, accounts_of
    )
    app.router.add_get(START_PATH, start_page)
    app.router.add_get(path, callback_page)


async def start_page(request: web.Request) -> web.Response:
    pages = request.app[PAGES]
    state = request.query.get("state", "")
    try:
        accounts = await pages.linking(state)
        page = (
            ConnectRefused(STATE_REFUSED)
            if accounts is None
            else await connect_start(accounts, state)
        )
    except Exception:
        log.exception("oauth.start_failed")
        t = await pages.words(request, None, None)
        return _page(t, t.gettext(NOT_CONNECTED), t.gettext(FAILED), 503)
    if isinstance(page, ConnectRefused):
        t = await pages.words(request, page.team_id, page.slack_user_id)
        return _page(t, t.gettext(NOT_CONNECTED), refused_text(t, page), 400)
    t = await pages.words(request, page.team_id, page.slack_user_id)
    message = t.gettext(
        "This link connects a Procore account to the Slack user {user}. Continue only if you "
        "are {user}, and sign in to Procore with your own account: the app links it only if its "
        "email is that Slack user's email, and refuses (and revokes) any other sign-in.",
        user=page.slack_user_name,
    )
    title = t.gettext("Link Procore to {user}", user=page.slack_user_name)
    link = (page.authorize_url, t.gettext("Continue to Procore sign-in"))
    return _page(t, title, message, 200, link)


def refused_text(t: Words, refused: ConnectRefused) -> str:
    """Why nothing was connected, in the page's language."""
    return t.gettext(refused.message or refused.reason, **dict(refused.values))


async def callback_page(request: web.Request) -> web.Response:
    pages = request.app[PAGES]
    try:
        accounts = await pages.linking(request.query.get("state", ""))
        outcome = (
            ConnectRefused(STATE_REFUSED)
            if accounts is None
            else await _outcome(accounts, dict(request.query))
        )
    except Exception:
        log.exception("oauth.callback_failed")
        t = await pages.words(request, None, None)
        return _page(t, t.gettext(NOT_CONNECTED), t.gettext(FAILED), 503)
    if isinstance(outcome, ConnectRefused):
        if outcome.notify is not None:
            await _tell(pages.on_refused, outcome, "oauth.on_refused_failed")
        t = await pages.words(request, outcome.team_id, outcome.slack_user_id)
        return _page(t, t.gettext(NOT_CONNECTED), refused_text(t, outcome), 400)
    await _tell(pages.on_connected, outcome, "oauth.on_connected_failed")
    t = await pages.words(request, outcome.team_id, outcome.slack_user_id)
    return _page(t, t.gettext("Procore account connected"), connected_text(t, outcome), 200)


def connected_text(t: Words, outcome: Connected) -> str:
    if outcome.slack_user_name:
        return t.gettext(
            "Connected as {procore_user} (Slack user {slack_user}) — you can close this tab.",
            procore_user=outcome.procore_user_name,
            slack_user=outcome.slack_user_name,
        )
    return t.gettext(
        "Connected as {procore_user} — you can close this tab.",
        procore_user=outcome.procore_user_name,
    )


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
