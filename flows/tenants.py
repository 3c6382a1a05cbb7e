"""Which `Services` serve a request: one set per tenant (a Slack installation ↔ one Procore
company ↔ one ERP connection, `storage/tenants.py`), built from the tenant's row when first
needed and rebuilt when its set-up changes (on any replica: the row's `updated_at` says so).

In single-company mode there is no tenant row: the environment settings are the one implicit
tenant and `Tenants.single` serves every request exactly as before. In many-workspace mode a
workspace whose admin has not finished set-up has no services: the caller answers "an admin
needs to finish set-up" (`for_request` returns None).

The ids that pick a tenant come from Slack's signed request (team, enterprise) or from a
Procore webhook's `company_id`, never from a button value: every row a tenant's flows read is
then filtered by that tenant's company (`svc.policy.company_id`) and workspace, so a value of
tenant A replayed in tenant B finds nothing of A's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog

from flows.services import Services
from storage import accounts, audit, tenants
from storage.accounts import TokenCipher
from storage.db import Database
from storage.models import AuditEvent
from storage.tenants import CompanyTaken, TenantSetup

log = structlog.get_logger("cco.tenants")

#: the audit event of a saved set-up and of a removed one (no secret in their detail)
SET_UP_EVENT = "tenant_set_up"
REMOVED_EVENT = "tenant_removed"

__all__ = ["CheckLine", "CompanyTaken", "SetupProbe", "TenantSetup", "Tenants", "tenant_key"]


@dataclass(frozen=True)
class CheckLine:
    """One live check of a set-up (`cco-bot doctor`'s): passed, failed or not checked."""

    name: str
    ok: bool | None
    detail: str
    fix: str | None = None


class SetupProbe(Protocol):
    """What set-up from App Home reads live (built in `bot/`, where the doctor lives)."""

    async def companies(self) -> list[tuple[int, str]]:
        """The Procore companies the app's service account can reach: (id, name)."""
        ...

    async def check(self, setup: TenantSetup) -> list[CheckLine]:
        """The doctor's checks of a set-up, run now (nothing is written)."""
        ...

    def settings_problem(self, system: str, given: dict[str, str]) -> str | None:
        """Why these ERP settings cannot build the adapter (None: they can)."""
        ...


def tenant_key(team_id: str | None, enterprise_id: str | None, org_wide: bool) -> str:
    """The key of the tenant an installation is: its enterprise for an org-wide install, else
    its workspace."""
    key = enterprise_id if org_wide else team_id
    if not key:
        raise ValueError("an installation names its workspace or, org-wide, its enterprise")
    return key


@dataclass
class _Built:
    services: Services
    updated_at: datetime | None
    setup: TenantSetup


Build = Callable[[TenantSetup], Services]
Close = Callable[[Services], Awaitable[None]]


class Tenants:
    """The services of each tenant. `single` set: single-company mode (every request, every
    company-less background pass, gets it)."""

    def __init__(
        self,
        db: Database,
        *,
        single: Services | None = None,
        cipher: TokenCipher | None = None,
        build: Build | None = None,
        close: Close | None = None,
    ) -> None:
        if single is None and (cipher is None or build is None):
            raise ValueError("many-workspace mode needs TOKEN_ENCRYPTION_KEY and a builder")
        self.db, self.single, self.cipher = db, single, cipher
        self._build, self._close = build, close
        self._built: dict[str, _Built] = {}
        self._lock = asyncio.Lock()

    @property
    def many(self) -> bool:
        return self.single is None

    async def for_request(self, team_id: str | None, enterprise_id: str | None) -> Services | None:
        """The services of the tenant serving this workspace; None until it is set up."""
        if self.single is not None:
            return self.single
        async with self.db.session() as s:
            row = await tenants.tenant_for(session=s, team_id=team_id, enterprise_id=enterprise_id)
        return None if row is None else await self._services(row)

    async def for_company(self, company_id: int) -> Services | None:
        """The services of the tenant of a Procore company (a webhook's `company_id`)."""
        if self.single is not None:
            return self.single if self.single.policy.company_id == company_id else None
        async with self.db.session() as s:
            row = await tenants.tenant_of_company(session=s, company_id=company_id)
        return None if row is None else await self._services(row)

    async def for_link_state(self, state: str) -> Services | None:
        """The services of the tenant whose person a Procore connect link (`state`) is for:
        the OAuth pages link the account in that tenant's company."""
        if self.single is not None:
            return self.single
        async with self.db.session() as s:
            who = await accounts.peek_link_state(session=s, state=state)
        return None if who is None else await self.for_request(who.team_id, None)

    async def every(self) -> list[Services]:
        """The services of every set-up tenant (for the background work)."""
        if self.single is not None:
            return [self.single]
        async with self.db.session() as s:
            rows = await tenants.all_tenants(session=s)
        found = [await self._services(row) for row in rows]
        await self._forget_except({row.key for row in rows})
        return found

    async def _services(self, row: tenants.Tenant) -> Services:
        async with self._lock:
            built = self._built.get(row.key)
            if built is not None and built.updated_at == row.updated_at:
                return built.services
            assert self._build is not None and self.cipher is not None
            setup = tenants.decrypted(row, self.cipher)
            services = self._build(setup)
            self._built[row.key] = _Built(services, row.updated_at, setup)
        if built is not None:
            await self._closed(built.services)
        log.info("tenant.services_built", tenant=row.key, company_id=row.procore_company_id)
        return services

    def installation_of(self, services: Services) -> tuple[str | None, str | None, bool] | None:
        """The Slack installation a tenant's services serve: (team_id, enterprise_id,
        org-wide); None in single-company mode."""
        built = self._built.get(services.policy.tenant or "")
        if built is None:
            return None
        setup = built.setup
        return setup.team_id, setup.enterprise_id, setup.team_id is None

    async def _forget_except(self, keys: set[str]) -> None:
        async with self._lock:
            gone = [k for k in self._built if k not in keys]
            dropped = [self._built.pop(k).services for k in gone]
        for services in dropped:
            await self._closed(services)

    async def _closed(self, services: Services) -> None:
        if self._close is not None:
            await self._close(services)

    async def save(self, setup: TenantSetup) -> None:
        """Store a tenant's set-up (secrets encrypted) with its audit row, in one transaction;
        `CompanyTaken` when the company serves another tenant."""
        assert self.cipher is not None
        async with self.db.transaction() as s:
            await tenants.save_tenant(session=s, cipher=self.cipher, setup=setup)
            audit.add_event(session=s, event=_event(SET_UP_EVENT, setup))
        log.info("tenant.set_up", tenant=setup.key, company_id=setup.procore_company_id)

    async def remove(self, key: str, by: str) -> bool:
        """Forget a tenant's set-up (history and audit stay)."""
        if not await remove_set_up(self.db, key, by):
            return False
        await self._forget_except({k for k in self._built if k != key})
        return True

    async def aclose(self) -> None:
        await self._forget_except(set())


async def remove_set_up(db: Database, key: str, by: str) -> bool:
    """Delete a tenant's row with an audit row saying who (another replica's cache sees the row
    gone at its next request); False when there was none."""
    async with db.transaction() as s:
        row = await tenants.get_tenant(session=s, key=key)
        if row is None:
            return False
        await tenants.remove_tenant(session=s, key=key)
        gone = TenantSetup(
            key, row.team_id, row.enterprise_id, row.procore_company_id, row.erp_system, {}, by
        )
        audit.add_event(session=s, event=_event(REMOVED_EVENT, gone))
    log.info("tenant.removed", tenant=key)
    return True


def _event(event: str, setup: TenantSetup) -> AuditEvent:
    """The audit row of a set-up change: who, which company and ERP, which settings were given
    (their names only)."""
    return AuditEvent(
        reference=f"T-{setup.key}"[:16],
        event=event,
        team_id=setup.team_id or setup.enterprise_id or "",
        slack_user_id=setup.set_up_by,
        company_id=setup.procore_company_id,
        project_id=0,
        detail={
            "tenant": setup.key,
            "erp_system": setup.erp_system,
            "erp_settings_given": sorted(k for k, v in setup.erp.items() if v),
        },
    )
