"""Build every client once (database, Procore, ERP, Slack, Bolt) and close them on shutdown."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import httpx
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)

from bot.many_workspaces import oauth_bolt_app, slack_installs, team_client
from bot.metrics import MeteredClient
from bot.oauth_routes import CALLBACK_PATH, START_PATH
from bot.settings import Settings
from bot.tenant_services import process_settings, tenancy
from bot.watcher import TenantWatchers, Watcher, watcher_for
from erp.base import ErpAdapter
from erp.registry import build_adapter
from flows.accounts import ProcoreAccounts, SlackLookup
from flows.inflight import InFlight
from flows.installation import is_gone as installation_gone
from flows.services import Policy, PublicLinks, Services, WebhookConfig
from flows.tenants import Tenants
from handlers.app import register
from handlers.reader_locale import ReaderLocales
from handlers.slack_gate import GatedSlackClient
from handlers.slack_io import SlackDirectory, SlackMessenger
from procore.budget import LocalBudget, RequestBudget
from procore.client import ProcoreClient
from procore.manifest import ManifestReader
from procore.oauth import ProcoreOAuth
from storage.accounts import TokenCipher
from storage.budget import SharedBudget
from storage.db import Database, make_engine, upgrade_schema


@dataclass
class Runtime:
    settings: Settings
    db: Database
    procore_http: httpx.AsyncClient
    erp_http: httpx.AsyncClient
    procore: ProcoreClient
    erp: ErpAdapter
    slack: GatedSlackClient
    bolt: AsyncApp
    services: Services
    #: acknowledged work still running (drained on shutdown)
    inflight: InFlight
    #: applies Procore's deliveries and posts the alerts (None: webhooks are off)
    watcher: Watcher | TenantWatchers | None = None
    #: the services of each tenant (`flows/tenants.py`; single-company mode: the one above)
    tenants: Tenants | None = None

    async def aclose(self) -> None:
        if self.tenants is not None:
            await self.tenants.aclose()
        await self.erp.aclose()
        await self.procore.aclose()
        await self.erp_http.aclose()
        await self.procore_http.aclose()
        await self.db.dispose()


def procore_accounts(
    settings: Settings, db: Database, http: httpx.AsyncClient, slack_person: SlackLookup
) -> ProcoreAccounts | None:
    """Procore account linking, when PUBLIC_URL and TOKEN_ENCRYPTION_KEY are set."""
    if not settings.linking_enabled():
        return None
    assert settings.token_encryption_key and settings.procore_company_id is not None
    return ProcoreAccounts(
        db=db,
        oauth=ProcoreOAuth(
            login_url=settings.procore_login_url,
            client_id=settings.procore_client_id or "",
            client_secret=settings.procore_client_secret or "",
            redirect_uri=f"{settings.public_url}{CALLBACK_PATH}",
            http=http,
        ),
        reader=ManifestReader(
            api_url=settings.procore_api_url,
            company_id=settings.procore_company_id,
            http=http,
            keys=settings.permission_keys(),
        ),
        cipher=TokenCipher(settings.token_encryption_key),
        slack_person=slack_person,
        start_url=f"{settings.public_url}{START_PATH}",
    )


def policy(settings: Settings) -> Policy:
    """The rules the flows follow, from the settings."""
    assert settings.procore_company_id is not None
    return Policy(
        company_id=settings.procore_company_id,
        lease=timedelta(seconds=settings.attempt_lease_seconds),
        request_ttl=timedelta(hours=settings.request_ttl_hours),
        four_eyes=settings.four_eyes,
        require_linked=settings.require_linked_account,
        outbox_claim=timedelta(seconds=settings.outbox_claim_seconds),
        default_locale=settings.default_locale,
        currency=settings.currency,
    )


def link_key(settings: Settings) -> bytes:
    """A key for signed download links, derived from the signing secret (never the secret)."""
    secret = (settings.slack_signing_secret or settings.slack_app_token or "").encode()
    return hmac.new(secret, b"cco-bot download links", hashlib.sha256).digest()


def slack_retries() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]


#: where Procore delivers (the route of `bot/webhooks.py`)
WEBHOOKS_ROUTE = "/procore/webhooks"


def webhook_config(settings: Settings) -> WebhookConfig | None:
    """Procore webhooks, when PUBLIC_URL is set (Procore needs somewhere to deliver)."""
    if not settings.public_url:
        return None
    return WebhookConfig(
        url=f"{settings.public_url}{WEBHOOKS_ROUTE}",
        namespace=settings.procore_webhook_namespace,
        authorization=settings.webhook_authorization(),
    )


def slack_client(settings: Settings) -> GatedSlackClient:
    """The Web API client; it stops using the token once the app is uninstalled."""
    return GatedSlackClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout,
        retry_handlers=slack_retries(),
    )


async def slack_side(
    settings: Settings, db: Database, mode: Literal["http", "socket"]
) -> tuple[GatedSlackClient, AsyncApp]:
    """The Web API client and Bolt: one bot token (single workspace), or Slack's OAuth install
    and each workspace's own token (many workspaces, `bot/many_workspaces.py`)."""
    if settings.many_workspaces():
        installs = slack_installs(settings, db)
        bolt = oauth_bolt_app(settings, installs, mode)
        return team_client(settings, installs, slack_retries()), bolt
    slack = slack_client(settings)
    slack.installation_gone = await installation_gone(db)
    return slack, bolt_app(settings, slack, mode)


def procore_client(
    settings: Settings, http: httpx.AsyncClient, budget: RequestBudget | None = None
) -> ProcoreClient:
    """The app's Procore client (its client-credentials service account)."""
    assert settings.procore_company_id is not None
    return ProcoreClient(
        api_url=settings.procore_api_url,
        login_url=settings.procore_login_url,
        client_id=settings.procore_client_id or "",
        client_secret=settings.procore_client_secret or "",
        company_id=settings.procore_company_id,
        http=http,
        keys=settings.permission_keys(),
        max_rate_limit_wait=settings.procore_max_rate_limit_wait,
        budget=budget,
    )


def procore_budget(settings: Settings, db: Database) -> RequestBudget:
    """Several replicas share PostgreSQL, so they share one Procore request budget through it."""
    assert settings.procore_company_id is not None
    if db.engine.dialect.name == "postgresql":
        return SharedBudget(db, settings.procore_company_id)
    return LocalBudget()


def bolt_app(
    settings: Settings, slack: GatedSlackClient, mode: Literal["http", "socket"]
) -> AsyncApp:
    return AsyncApp(
        client=slack,
        # Socket Mode carries no HTTP signature (Bolt skips verification for it); over HTTP the
        # signing secret is required and every request is verified.
        signing_secret=settings.slack_signing_secret if mode == "http" else None,
        request_verification_enabled=mode == "http",
        process_before_response=False,
    )


def flow_services(
    settings: Settings,
    db: Database,
    *,
    procore: ProcoreClient,
    procore_http: httpx.AsyncClient,
    erp: ErpAdapter,
    slack: GatedSlackClient,
    locales: ReaderLocales,
) -> Services:
    """What the flows are handed: the clients, the policy and the app's public links. The
    directory fills `locales` from its `users.info` answers (the listeners read them too)."""
    directory = SlackDirectory(slack, locales)
    return Services(
        db=db,
        procore=procore,
        erp=erp,
        keys=settings.permission_keys(),
        directory=directory,
        messenger=SlackMessenger(slack, db, erp.info, settings.default_locale),
        policy=policy(settings),
        links=PublicLinks(settings.public_url, link_key(settings)),
        accounts=procore_accounts(settings, db, procore_http, directory.person),
        webhooks=webhook_config(settings),
    )


async def build_runtime(settings: Settings, mode: Literal["http", "socket"] = "http") -> Runtime:
    settings = process_settings(settings)  # many workspaces: the process serves no company
    db = Database(make_engine(settings.database_url))
    await upgrade_schema(db.engine)  # migrations, under the schema lock (replicas at once)
    procore_http = MeteredClient("procore", timeout=settings.procore_timeout)
    erp_http = MeteredClient(settings.erp_system or "erp", timeout=settings.erp_timeout)
    procore = procore_client(settings, procore_http, procore_budget(settings, db))
    erp = build_adapter(settings.erp(), erp_http)
    slack, bolt = await slack_side(settings, db, mode)
    locales = ReaderLocales()
    services = flow_services(
        settings,
        db,
        procore=procore,
        procore_http=procore_http,
        erp=erp,
        slack=slack,
        locales=locales,
    )
    inflight = InFlight()
    tenants, probe = tenancy(settings, db, services, procore_http, erp_http, slack, locales)
    register(bolt, services, slack, inflight, locales, tenants, probe)
    runtime = Runtime(
        settings, db, procore_http, erp_http, procore, erp, slack, bolt, services, inflight
    )
    runtime.tenants = tenants
    if services.webhooks is not None:
        runtime.watcher = watcher_for(
            services,
            tenants,
            idle_seconds=settings.sweep_interval_seconds,
            paused=lambda: slack.installation_gone,
        )
    return runtime
