"""What set-up from App Home reads live (`flows.tenants.SetupProbe`): the Procore companies the
app's service account reaches, and `cco-bot doctor`'s checks of a set-up — the Procore standing
in the chosen company (sign-in, company, the service account's two rights, tool keys, level
ids) and the ERP's: its settings build the adapter, and it answers the app's ERP user (a lookup
of a key no record has: any answer but a refusal or silence proves the sign-in). Nothing is
written anywhere."""

from __future__ import annotations

import httpx

from bot.doctor import procore_checks
from bot.doctor_report import Check, failed, not_checked, passed
from bot.runtime import procore_client
from bot.settings import Settings
from bot.tenant_services import erp_settings, tenant_settings
from erp.base import ErpBadResponse, ErpError, ErpLookup, ErpMisconfigured, ErpUnreachable
from erp.registry import build_adapter, check_settings, info_for
from flows.tenants import CheckLine
from procore.errors import ProcoreError
from storage.tenants import TenantSetup

SETTINGS, SIGN_IN = "ERP settings", "ERP sign-in"
#: a key no ERP record has: the sign-in check looks it up
PROBE_KEY = "cco-bot-set-up-test"


class SetupChecks:
    def __init__(self, settings: Settings, procore_http: httpx.AsyncClient) -> None:
        self.settings, self.http = settings, procore_http

    async def companies(self) -> list[tuple[int, str]]:
        # sent with the process's own company header (PROCORE_COMPANY_ID, else 0): the list
        # is of the companies the app's token reaches, not of that one company
        try:
            found = await procore_client(self.settings, self.http).visible_companies()
        except ProcoreError:
            return []
        return [(c.id, c.name) for c in found]

    def settings_problem(self, system: str, given: dict[str, str]) -> str | None:
        try:
            check_settings(erp_settings(self.settings, system, given))
        except ErpError as exc:
            return exc.reason
        return None

    async def check(self, setup: TenantSetup) -> list[CheckLine]:
        own = tenant_settings(self.settings, setup)
        checks = await procore_checks(procore_client(own, self.http), own.permission_keys())
        checks += await self._erp(setup)
        return [CheckLine(c.name, c.ok, c.detail, c.fix) for c in checks]

    async def _erp(self, setup: TenantSetup) -> list[Check]:
        problem = self.settings_problem(setup.erp_system, setup.erp)
        if problem is not None:
            fix = "fill in the ERP's URL and credentials"
            return [failed(SETTINGS, problem, fix), not_checked(SIGN_IN, "settings incomplete")]
        info = info_for(setup.erp_system)
        fine = passed(SETTINGS, f"{info.name} settings complete")
        if not info.syncs_ccos:
            return [fine, not_checked(SIGN_IN, f"the app never asks {info.name}")]
        return [fine, await self._sign_in(setup)]

    async def _sign_in(self, setup: TenantSetup) -> Check:
        settings = erp_settings(self.settings, setup.erp_system, setup.erp)
        async with httpx.AsyncClient(timeout=self.settings.erp_timeout) as http:
            erp = build_adapter(settings, http)
            try:
                await erp.check(ErpLookup(origin_id=PROBE_KEY, cco_number="", cco_title=""))
            except ErpMisconfigured as exc:
                return failed(SIGN_IN, exc.reason, "check the ERP user name and password")
            except ErpUnreachable as exc:
                return failed(SIGN_IN, exc.reason, "check the ERP URL and that it is reachable")
            except ErpBadResponse as exc:
                return failed(SIGN_IN, exc.reason, "check that the URL is the ERP's API")
            except ErpError:
                pass  # it answered the app (the key is unknown, as it should be)
            finally:
                await erp.aclose()
        return passed(SIGN_IN, f"{erp.info.name} answers the app's ERP user")
