"""Many-workspace mode: the services of one tenant, built from its set-up the same way
`bot.runtime` builds the single company's from the environment — the app's one Procore service
account (PROCORE_CLIENT_ID/SECRET) working in the tenant's company, the tenant's ERP adapter
(`erp.registry.build_adapter` from its stored settings), its own request budget and policy."""

from __future__ import annotations

from dataclasses import replace

import httpx

from bot.settings import Settings
from erp.registry import build_adapter
from erp.settings import ErpSettings
from flows.services import Services
from flows.tenants import Build, SetupProbe, Tenants
from handlers.reader_locale import ReaderLocales
from handlers.slack_gate import GatedSlackClient
from handlers.slack_oauth import TeamSlackClient
from storage.accounts import TokenCipher
from storage.db import Database
from storage.tenants import TenantSetup

#: the ERP settings a tenant's set-up may give (`ErpSettings` field names; secrets among them)
ERP_FIELDS = ("base_url", "username", "password", "client_id", "client_secret", "tenant")
#: those that are secrets (never shown back, never logged)
ERP_SECRETS = frozenset({"password", "client_secret"})
#: the ERP of the process's own services in many-workspace mode: one the app never calls
NO_ERP = "netsuite"


def tenant_settings(settings: Settings, setup: TenantSetup) -> Settings:
    """The environment's settings with the tenant's company and ERP in place of its own."""
    update: dict[str, object] = {
        "procore_company_id": setup.procore_company_id,
        "erp_system": setup.erp_system,
    }
    for name in ERP_FIELDS:
        update[f"erp_{name}"] = setup.erp.get(name) or None
    return settings.model_copy(update=update)


def erp_settings(settings: Settings, system: str, given: dict[str, str]) -> ErpSettings:
    """The ERP settings a set-up names (the environment's endpoint, versions and timeout kept)."""

    def value(name: str) -> str | None:
        return given.get(name) or None

    return ErpSettings(
        system=system,
        base_url=value("base_url"),
        username=value("username"),
        password=value("password"),
        client_id=value("client_id"),
        client_secret=value("client_secret"),
        tenant=value("tenant"),
        endpoint=settings.erp_endpoint,
        allow_voided=settings.erp_allow_voided,
        api_version=settings.erp_api_version,
        timeout=settings.erp_timeout,
    )


def builder(
    settings: Settings,
    db: Database,
    *,
    procore_http: httpx.AsyncClient,
    erp_http: httpx.AsyncClient,
    slack: GatedSlackClient,
    locales: ReaderLocales,
) -> Build:
    """Build one tenant's services (called by `flows.tenants.Tenants` when first needed)."""
    from bot.runtime import flow_services, procore_budget, procore_client

    def build(setup: TenantSetup) -> Services:
        own = tenant_settings(settings, setup)
        procore = procore_client(own, procore_http, procore_budget(own, db))
        erp = build_adapter(own.erp(), erp_http)
        services = flow_services(
            own,
            db,
            procore=procore,
            procore_http=procore_http,
            erp=erp,
            slack=own_slack(slack, setup),
            locales=locales,
        )
        return replace(services, policy=replace(services.policy, tenant=setup.key))

    return build


def own_slack(slack: GatedSlackClient, setup: TenantSetup) -> GatedSlackClient:
    """The tenant's services call Slack with its installation's token (also from background
    work, where no request names the workspace)."""
    if isinstance(slack, TeamSlackClient):
        return slack.bound_to(setup.team_id, setup.enterprise_id, setup.team_id is None)
    return slack


async def close(services: Services) -> None:
    """Close what a tenant's services opened (the shared HTTP clients stay open)."""
    await services.erp.aclose()
    await services.procore.aclose()


def process_settings(settings: Settings) -> Settings:
    """Many workspaces without PROCORE_COMPANY_ID / ERP_SYSTEM: the process's own services
    (used before a workspace is set up, and for what no tenant owns) serve no company (0) and
    call no ERP; single-company mode's settings are returned unchanged."""
    if not settings.many_workspaces():
        return settings
    update: dict[str, object] = {}
    if settings.procore_company_id is None:
        update["procore_company_id"] = 0
    if settings.erp_system is None:
        update["erp_system"] = NO_ERP
    return settings.model_copy(update=update) if update else settings


def tenants_for(
    settings: Settings,
    db: Database,
    services: Services,
    *,
    procore_http: httpx.AsyncClient,
    erp_http: httpx.AsyncClient,
    slack: GatedSlackClient,
    locales: ReaderLocales,
) -> Tenants:
    """Single-company mode: the one implicit tenant. Many workspaces: one per set-up row."""
    if not settings.many_workspaces():
        return Tenants(db, single=services)
    assert settings.token_encryption_key, "many workspaces need TOKEN_ENCRYPTION_KEY"
    build = builder(
        settings, db, procore_http=procore_http, erp_http=erp_http, slack=slack, locales=locales
    )
    return Tenants(db, cipher=TokenCipher(settings.token_encryption_key), build=build, close=close)


def tenancy(
    settings: Settings,
    db: Database,
    services: Services,
    procore_http: httpx.AsyncClient,
    erp_http: httpx.AsyncClient,
    slack: GatedSlackClient,
    locales: ReaderLocales,
) -> tuple[Tenants, SetupProbe]:
    """The tenants (`tenants_for`) and what set-up from App Home reads live."""
    from bot.tenant_checks import SetupChecks  # it reads bot.doctor, which imports bot.runtime

    tenants = tenants_for(
        settings,
        db,
        services,
        procore_http=procore_http,
        erp_http=erp_http,
        slack=slack,
        locales=locales,
    )
    return tenants, SetupChecks(settings, procore_http)
