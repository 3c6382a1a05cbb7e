"""The aiohttp web app: `POST /slack/events` (Bolt, request verification on) and `GET /healthz`."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable

import structlog
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.signature import SignatureVerifier

from bot.background import background_work
from bot.many_workspaces import add_install_routes
from bot.oauth_routes import AccountsOf, add_oauth_routes
from bot.operations import add_operations_routes, metrics_port
from bot.runtime import Runtime
from bot.webhooks import add_webhook_routes
from flows.accounts import Connected, ConnectRefused, ProcoreAccounts
from flows.history import CSV_COLUMNS, audit_csv, csv_link_valid
from handlers.accounts_io import connected_notice, refused_notice
from handlers.payloads import shape_problem
from handlers.slack_oauth import acting_for
from i18n import Words, words_for
from storage.db import ping

log = structlog.get_logger("cco.web")

#: Slack's interaction payloads are a few KB; anything near this is not from Slack.
MAX_BODY = 512 * 1024
RUNTIME = web.AppKey("runtime", Runtime)


async def slack_events(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    if not _timestamp_well_formed(request):
        # Bolt's verification would crash on int() of it (a 500 with a traceback in the log).
        log.info("slack.malformed_timestamp")
        return web.json_response({"error": "invalid request signature"}, status=401)
    try:
        bolt_request = await to_bolt_request(request)
    except web.HTTPException:
        raise  # e.g. 413 for a body over MAX_BODY
    except Exception as exc:
        log.info("slack.malformed_request", error=type(exc).__name__)
        return web.json_response({"error": "malformed request"}, status=400)
    problem = shape_problem(bolt_request.body)
    if problem is not None and _signed(runtime, bolt_request.raw_body, request):
        # Unsigned bodies go on to Bolt, whose request verification answers 401.
        log.info("slack.malformed_payload", problem=problem)
        return web.json_response({"error": "malformed payload", "problem": problem}, status=400)
    bolt_response = await runtime.bolt.async_dispatch(bolt_request)
    return await to_aiohttp_response(bolt_response)


def _timestamp_well_formed(request: web.Request) -> bool:
    """Slack's `X-Slack-Request-Timestamp` is whole seconds; an absent one is Bolt's 401."""
    stamp = request.headers.get("X-Slack-Request-Timestamp")
    return stamp is None or re.fullmatch(r"[0-9]{1,12}", stamp) is not None


def _signed(runtime: Runtime, body: str, request: web.Request) -> bool:
    secret = runtime.settings.slack_signing_secret
    if not secret:
        return False
    try:
        return SignatureVerifier(secret).is_valid_request(body, dict(request.headers))
    except ValueError:
        return False


async def audit_csv_download(request: web.Request) -> web.Response:
    """The project's full audit as CSV, for a signed link handed to an approver."""
    runtime = request.app[RUNTIME]
    svc = runtime.services
    try:
        project_id = int(request.match_info["project_id"])
        expires = int(request.query.get("expires", "0"))
        company = int(request.query.get("company", "0"))
    except ValueError:
        return web.Response(status=400, text="malformed link")
    signature = request.query.get("signature", "")
    if runtime.tenants is not None and runtime.tenants.many:
        # the link's company picks the tenant (its signature covers that company)
        tenant = await runtime.tenants.for_company(company)
        if tenant is None:
            return web.Response(status=403, text="this download link is invalid or has expired")
        svc = tenant
    if not csv_link_valid(svc.links.key, svc.policy.company_id, project_id, expires, signature):
        return web.Response(status=403, text="this download link is invalid or has expired")
    t = words_for(request.query.get("lang"), svc.policy.default_locale)
    body = await audit_csv(svc, project_id, [t.gettext(column) for column in CSV_COLUMNS])
    return web.Response(
        text=body,
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="cco-audit-{project_id}.csv"'},
    )


async def _words_of(runtime: Runtime, team_id: str, user_id: str) -> Words:
    """A person's words for a private message (their Slack locale), else DEFAULT_LOCALE."""
    svc = runtime.services
    try:
        locale = await svc.directory.locale_of(team_id, user_id)
    except Exception:
        locale = None
    return words_for(locale, svc.policy.default_locale)


def _tell_connected(runtime: Runtime) -> Callable[[Connected], Awaitable[None]]:
    async def tell(connected: Connected) -> None:
        t = await _words_of(runtime, connected.team_id, connected.slack_user_id)
        text = connected_notice(t, connected.procore_user_name)
        with acting_for(connected.team_id):
            await runtime.slack.chat_postMessage(channel=connected.slack_user_id, text=text)

    return tell


def _tell_refused(runtime: Runtime) -> Callable[[ConnectRefused], Awaitable[None]]:
    """A private Slack message to whoever started a connect link that was refused."""

    async def tell(refused: ConnectRefused) -> None:
        if not refused.slack_user_id:
            return
        t = await _words_of(runtime, "", refused.slack_user_id)
        text = refused_notice(t, refused)
        if text:
            await runtime.slack.chat_postMessage(channel=refused.slack_user_id, text=text)

    return tell


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    if await ping(runtime.db.engine):
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "unavailable", "database": "not answering"}, status=503)


def make_web_app(runtime: Runtime) -> web.Application:
    app = make_public_app(runtime)
    app.router.add_post("/slack/events", slack_events)
    add_install_routes(app, runtime.bolt)
    app.cleanup_ctx.append(_sweeping)
    app.cleanup_ctx.append(_metrics_port)
    app.on_shutdown.append(_drain)

    async def close(_app: web.Application) -> None:
        await runtime.aclose()

    app.on_cleanup.append(close)
    return app


def make_public_app(runtime: Runtime) -> web.Application:
    """What PUBLIC_URL points at besides Slack's request URL: /healthz, the audit CSV links and
    the Procore OAuth callback. `cco-bot socket` serves this alone (Slack needs no URL there)."""
    app = web.Application(client_max_size=MAX_BODY)
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    add_operations_routes(app, runtime.db, runtime.settings)  # /readyz, /metrics with a token
    app.router.add_get("/audit/{project_id}.csv", audit_csv_download)
    add_webhook_routes(app, runtime)
    accounts = runtime.services.accounts
    if accounts is not None:
        add_oauth_routes(
            app,
            accounts,
            on_connected=_tell_connected(runtime),
            on_refused=_tell_refused(runtime),
            locale_of=runtime.services.directory.locale_of,
            default_locale=runtime.services.policy.default_locale,
            accounts_of=_tenant_accounts(runtime),
        )
    return app


def _tenant_accounts(runtime: Runtime) -> AccountsOf | None:
    """Many workspaces: a connect link is finished by its tenant's account linking (the
    tenant's company); single-company mode: None, the one linking serves every link."""
    tenants = runtime.tenants
    if tenants is None or not tenants.many:
        return None

    async def accounts_of(state: str) -> ProcoreAccounts | None:
        found = await tenants.for_link_state(state)
        return None if found is None else found.accounts

    return accounts_of


#: on SIGTERM, how long acknowledged work may take to finish before the process stops
DRAIN_SECONDS = 5.0


async def _drain(app: web.Application) -> None:
    inflight = app[RUNTIME].inflight
    if inflight.count and not await inflight.drain(DRAIN_SECONDS):
        log.warning("shutdown.work_abandoned", in_flight=inflight.count)


async def _metrics_port(app: web.Application) -> AsyncIterator[None]:
    """`/metrics` on METRICS_PORT, when set (bot/operations.py)."""
    runtime = app[RUNTIME]
    async with metrics_port(runtime.db, runtime.settings):
        yield


async def _sweeping(app: web.Application) -> AsyncIterator[None]:
    """Each replica recovers abandoned attempts and retries owed replies in the background
    (the same work `cco-bot socket` runs: bot/background.py)."""
    async with background_work(app[RUNTIME]):
        yield
