"""A linked user's rights, read as that user: their own permission manifest and company record.

With the user's access token Procore answers for the user themself, so this is authoritative
(the template reading in `ProcoreClient.read_permissions` is an approximation). Vendor JSON is
turned into `procore.models` here and goes no further.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from procore.errors import ProcoreAuthError, ProcoreBadResponse, mapped_transport
from procore.http import json_body, procore_message, raise_for_status
from procore.models import PermissionSnapshot, ProcoreUser
from procore.permissions import COMMITMENTS, DEFAULT_KEYS, ERP_INTEGRATIONS, PermissionKeys

# --- Not publicly documented: how the manifest names tools and levels ----------------------------
# Procore documents the manifest's shape (`{"tools": [{name, friendly_name, user_access_level:
# {id, name}}]}`) but not the internal `name` of the Commitments or ERP Integrations tool, nor how
# a "None" level is shown. A tool is matched by `name` against `PermissionKeys` (the same keys as
# the templates' `user_access_levels`), then by its UI name in `friendly_name`, case-insensitively.
# A tool that is absent, or whose level has no id, counts as None. Level names come from Procore's
# manifest examples (4 Admin, 3 Standard, 2 Read Only).
FRIENDLY_NAMES = {"commitments": COMMITMENTS, "erp_integrations": ERP_INTEGRATIONS}
LEVEL_NAMES = {"read only": 2, "none": 0}
MANIFEST_PATH = "/rest/v1.0/settings/permissions"
#: the v1.1+ company `me` carries `erp_integrated_accountant` ("Can Push to Accounting")
COMPANY_ME_PATH = "/rest/v1.1/companies/{company_id}/me"
# -------------------------------------------------------------------------------------------------


class TokenRefused(ProcoreAuthError):
    """401: Procore refused the user's access token (expired, or revoked in Procore)."""


class ManifestReader:
    def __init__(
        self,
        *,
        api_url: str,
        company_id: int,
        http: httpx.AsyncClient,
        keys: PermissionKeys = DEFAULT_KEYS,
    ) -> None:
        self.company_id = company_id
        self._base = api_url.rstrip("/")
        self._http = http
        self._keys = keys

    async def me(self, access_token: str) -> ProcoreUser:
        """The token's user as a company user (403 `ProcoreForbidden` if not in the company)."""
        path = COMPANY_ME_PATH.format(company_id=self.company_id)
        data = await self._get(access_token, path, None)
        try:
            return _user(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            reason = f"Procore answered `me` in an unexpected shape: {exc!r}"
            raise ProcoreBadResponse(reason) from exc

    async def read_permissions_as_user(
        self, access_token: str, project_id: int
    ) -> PermissionSnapshot:
        """Commitments from the project manifest, ERP Integrations from the company manifest and
        Can Push to Accounting from the company `me` record; the three reads run at once."""
        keys = self._keys
        project_tools, company_tools, user = await asyncio.gather(
            self._get(access_token, MANIFEST_PATH, {"project_id": project_id}),
            self._get(access_token, MANIFEST_PATH, {"company_id": self.company_id}),
            self.me(access_token),
        )
        return PermissionSnapshot(
            user=user,
            project_id=project_id,
            commitments_level=_tool_level(project_tools, keys.commitments_tool, keys),
            erp_integrations_level=_tool_level(company_tools, keys.erp_integrations_tool, keys),
            source="linked",
        )

    async def _get(self, access_token: str, path: str, params: dict[str, Any] | None) -> Any:
        headers = {
            "Authorization": f"Bearer {access_token}",
            "Procore-Company-Id": str(self.company_id),
            "Accept": "application/json",
        }
        with mapped_transport():
            response = await self._http.get(self._base + path, params=params, headers=headers)
        _raise_for(response)
        return json_body(response)


def _raise_for(response: httpx.Response) -> None:
    """A user's token refused is this module's own case; the rest is `procore.http`'s table."""
    if response.status_code == 401:
        raise TokenRefused(f"Procore refused the user's token: {procore_message(response)}")
    retry_after = response.headers.get("Retry-After", "")
    raise_for_status(response, float(retry_after) if retry_after.isdecimal() else None)


def _tool_level(manifest: Any, key: str, keys: PermissionKeys) -> int:
    tools = manifest.get("tools") if isinstance(manifest, dict) else None
    if not isinstance(tools, list):
        raise ProcoreBadResponse("Procore answered the permission manifest without `tools`")
    tools = [t for t in tools if isinstance(t, dict)]
    tool = next((t for t in tools if t.get("name") == key), None)
    if tool is None:
        friendly = FRIENDLY_NAMES.get(key, key).casefold()
        wanted = {friendly, key.casefold()}
        tool = next(
            (t for t in tools if str(t.get("friendly_name", "")).casefold() in wanted), None
        )
    return 0 if tool is None else _level(tool.get("user_access_level"), keys)


def _level(value: Any, keys: PermissionKeys) -> int:
    """The level id; when only a name is given, its id (Admin/Standard per `keys`)."""
    if not isinstance(value, dict):
        return 0
    level = value.get("id")
    if isinstance(level, int) and not isinstance(level, bool):
        return level
    if isinstance(level, str) and level.isdecimal():
        return int(level)
    name = str(value.get("name") or "").casefold()
    by_name = LEVEL_NAMES | {"admin": keys.admin_level, "standard": keys.standard_level}
    return by_name.get(name, 0)


def _user(data: dict[str, Any]) -> ProcoreUser:
    template = data.get("company_permission_template") or {}
    template_id = data.get("company_permission_template_id", template.get("id"))
    return ProcoreUser(
        id=int(data["id"]),
        name=str(data.get("name") or ""),
        email=str(data.get("email_address") or data.get("login") or "").strip(),
        is_active=bool(data.get("is_active", True)),
        can_push_to_accounting=bool(data.get("erp_integrated_accountant")),
        company_permission_template_id=None if template_id is None else int(template_id),
    )
