"""Procore's REST API in the product's words: projects, CCOs, commitments, users, permissions,
and the one call that clears a CCO's sync link. Vendor JSON is turned into `procore.models` here
and goes no further.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from procore.auth import TokenSource
from procore.budget import RequestBudget
from procore.errors import ProcoreBadResponse, ProcoreNotFound, ProcoreRejected
from procore.hooks import ProcoreHooks
from procore.http import ProcoreHttp, message_of
from procore.models import (
    Cco,
    Commitment,
    Company,
    PermissionSnapshot,
    PermissionTemplate,
    ProcoreUser,
    Project,
)
from procore.permissions import DEFAULT_KEYS, PermissionKeys

# --- Not publicly documented: how a CCO's sync link is cleared ----------------------------------
# Procore's ERP events dictionary (`unlink_commitment_change_order`) has the integrator mark the
# change order *and its items* unsynced through the ERP "External Data Sync" endpoint; the guide's
# examples set `origin_id: null` on one `change_order` item and one `line_item` item per line. The
# endpoint's reference is gated, and the guide's own examples disagree on the body: a bare array
# (CCO sections) or `{"updates": [...]}` (PCCO section, older technical guide). We send
# `{"updates": [...]}`, the shape of Procore's public sync actions; the answer is
# `{"entities": [...], "errors": [...]}` (HTTP 200 even when an item fails), so any `errors`
# entry means the unlink did not happen. `item_id` of the change order is the package id; the
# line items' ids are the package show's `line_items[].id`.
SYNC_PATH = "/rest/v1.0/companies/{company_id}/external_data/sync"
SYNC_ITEM_TYPE = "change_order"
SYNC_LINE_ITEM_TYPE = "line_item"
# -------------------------------------------------------------------------------------------------

#: where Procore documents a commitment's `origin_id` (the generic `/commitments/{id}` schema has
#: none), by commitment type; a contract id neither answers is not a commitment (a prime contract)
COMMITMENT_PATHS = {
    "WorkOrderContract": "/rest/v1.0/work_order_contracts/{id}",
    "PurchaseOrderContract": "/rest/v1.0/purchase_order_contracts/{id}",
}

#: page size asked for on list calls. Procore documents no default and recommends at most 2,000
#: (its older guide stated a hard maximum of 10,000); 1,000 reads a 10,000-package project in 10
#: calls instead of 100 (docs/performance.md, "Scale").
PER_PAGE = 1000


class ProcoreClient:
    def __init__(
        self,
        *,
        api_url: str,
        login_url: str,
        client_id: str,
        client_secret: str,
        company_id: int,
        http: httpx.AsyncClient,
        keys: PermissionKeys = DEFAULT_KEYS,
        max_rate_limit_wait: float = 60.0,
        budget: RequestBudget | None = None,
    ) -> None:
        self.company_id = company_id
        self.keys = keys
        self._tokens = TokenSource(
            login_url=login_url, client_id=client_id, client_secret=client_secret, http=http
        )
        self._api = ProcoreHttp(
            api_url=api_url,
            company_id=company_id,
            tokens=self._tokens,
            http=http,
            max_rate_limit_wait=max_rate_limit_wait,
            budget=budget,
        )
        #: the app's Webhooks Hooks and Triggers (same token, budget and retries)
        self.hooks = ProcoreHooks(self._api)

    async def get_project(self, project_id: int) -> Project:
        data = await self._api.get_json(
            f"/rest/v1.0/projects/{project_id}", {"company_id": self.company_id}
        )
        with _shape("project"):
            company = data.get("company") or {}
            return Project(
                id=int(data["id"]),
                company_id=int(data.get("company_id") or company["id"]),
                name=str(data["name"]),
                is_erp_integrated=bool(data.get("is_erp_integrated")),
                origin_id=_text(data.get("origin_id")),
            )

    async def list_ccos(
        self,
        project_id: int,
        *,
        updated_since: datetime | None = None,
        include_deleted: bool = False,
        package_id: int | None = None,
    ) -> list[Cco]:
        """Every change order package of the project (synced or not), all pages.

        `updated_since`: only those updated since then (Procore's documented
        `filters[updated_at]` ISO 8601 range "since...now"); `include_deleted`: deleted ones too
        (`filters[include_deleted]=with`), with `deleted_at` set; `package_id`: only that one
        (the documented `filters[id]`).
        """
        params: dict[str, Any] = {"project_id": project_id}
        if updated_since is not None:
            params["filters[updated_at]"] = _since(updated_since)
        if include_deleted:
            params["filters[include_deleted]"] = "with"
        if package_id is not None:
            params["filters[id]"] = package_id
        items = await self._api.get_all("/rest/v1.0/change_order_packages", params, PER_PAGE)
        with _shape("change order package"):
            return [_cco(item, project_id) for item in items]

    async def get_cco(self, project_id: int, cco_id: int) -> Cco:
        data = await self._api.get_json(
            f"/rest/v1.0/change_order_packages/{cco_id}", {"project_id": project_id}
        )
        with _shape("change order package"):
            return _cco(data, project_id)

    async def get_commitment(
        self, project_id: int, commitment_id: int, type: str | None = None
    ) -> Commitment:
        """The work order or purchase order contract `commitment_id`, with its `origin_id`.

        `type` (when known from an earlier read) picks the endpoint; otherwise the work order
        endpoint is asked first, then the purchase order one. `ProcoreNotFound` when neither
        knows the id: it is no commitment the app can see (e.g. a prime contract).
        """
        kinds = [type] if type in COMMITMENT_PATHS else list(COMMITMENT_PATHS)
        for kind in kinds:
            path = COMMITMENT_PATHS[kind].format(id=commitment_id)
            try:
                data = await self._api.get_json(path, {"project_id": project_id})
            except ProcoreNotFound:
                continue
            with _shape("commitment"):
                vendor = data.get("vendor") or {}
                return Commitment(
                    id=int(data["id"]),
                    number=str(data.get("number") or ""),
                    title=str(data.get("title") or ""),
                    vendor_name=_text(vendor.get("name") or vendor.get("company")),
                    origin_id=_text(data.get("origin_id")),
                    type=str(kind),
                )
        raise ProcoreNotFound(f"no work order or purchase order contract {commitment_id}")

    async def find_company_user(self, email: str) -> ProcoreUser | None:
        """The company user whose email is exactly `email` (case-insensitive), if any.

        Procore's `filters[search]` also matches names and near emails, so every hit is compared.
        """
        wanted = email.strip().casefold()
        if not wanted:
            return None
        items = await self._api.get_all(
            f"/rest/v1.3/companies/{self.company_id}/users", {"filters[search]": wanted}, PER_PAGE
        )
        with _shape("company user"):
            for item in items:
                if str(item.get("email_address") or "").strip().casefold() == wanted:
                    return _user(item)
        return None

    async def read_permissions(self, user: ProcoreUser, project_id: int) -> PermissionSnapshot:
        """The user's Commitments level on the project and ERP Integrations level on the company."""
        commitments, erp_integrations = await asyncio.gather(
            self._commitments_level(user.id, project_id),
            self._template_level(
                user.company_permission_template_id, self.keys.erp_integrations_tool
            ),
        )
        return PermissionSnapshot(
            user=user,
            project_id=project_id,
            commitments_level=commitments,
            erp_integrations_level=erp_integrations,
        )

    async def clear_sync_link(self, cco: Cco) -> None:
        """Mark the CCO and every one of its line items unsynced in Procore, in one call.

        The only place that does. `ProcoreRejected` when Procore lists any error for any item.
        """
        updates: list[dict[str, Any]] = [
            {"item_type": SYNC_ITEM_TYPE, "item_id": int(cco.id), "origin_id": None}
        ]
        updates += [
            {"item_type": SYNC_LINE_ITEM_TYPE, "item_id": int(line_id), "origin_id": None}
            for line_id in cco.line_item_ids
        ]
        data = await self._api.patch_json(
            SYNC_PATH.format(company_id=self.company_id), {"updates": updates}
        )
        if not isinstance(data, dict):
            raise ProcoreBadResponse("Procore answered the sync with something not an object")
        errors = data.get("errors")
        if errors:
            raise ProcoreRejected(message_of(errors) or "Procore refused to clear the sync link")

    async def aclose(self) -> None:
        """Forget the cached token. The shared `httpx.AsyncClient` is closed by its owner."""
        self._tokens.forget()

    # -- the app's own standing (read by `cco-bot doctor`) ---------------------------------------

    async def sign_in(self) -> None:
        """Get the app's client-credentials token (`ProcoreAuthError` when refused)."""
        await self._tokens.token()

    async def visible_companies(self) -> list[Company]:
        """The companies the app's token can see: those where the app is installed."""
        items = await self._api.get_all("/rest/v1.0/companies", {}, PER_PAGE)
        with _shape("company"):
            return [Company(id=int(c["id"]), name=str(c.get("name") or "")) for c in items]

    async def service_account(self) -> ProcoreUser:
        """The app's own Directory record (its service account), as the company `me` of the
        app's token; v1.1+ carries `erp_integrated_accountant` (Can Push to Accounting)."""
        data = await self._api.get_json(f"/rest/v1.1/companies/{self.company_id}/me")
        with _shape("company user"):
            return _user(data)

    async def permission_templates(self) -> list[PermissionTemplate]:
        """Every project and company permission template of the company, with its levels."""
        path = f"/rest/v1.0/companies/{self.company_id}/permission_templates"
        kinds = await asyncio.gather(
            self._api.get_json(path, {"filters[type]": "project_tools"}),
            self._api.get_json(path, {"filters[type]": "company_tools"}),
        )
        with _shape("permission template list"):
            ids = list(dict.fromkeys(int(t["id"]) for kind in kinds for t in kind))
        return list(await asyncio.gather(*(self._template(template_id) for template_id in ids)))

    async def _template(self, template_id: int) -> PermissionTemplate:
        data = await self._api.get_json(
            f"/rest/v1.0/companies/{self.company_id}/permission_templates/{template_id}"
        )
        with _shape("permission template"):
            levels = data.get("user_access_levels") or {}
            return PermissionTemplate(
                id=int(data["id"]),
                name=str(data.get("name") or ""),
                type=str(data.get("type") or ""),
                levels={str(tool): _level(level) for tool, level in levels.items()},
            )

    async def is_project_user(self, project_id: int, user_id: int) -> bool:
        """Whether the company user is in the project's Directory (its active users)."""
        return await self._project_user(project_id, user_id) is not None

    async def _project_user(self, project_id: int, user_id: int) -> dict[str, Any] | None:
        members = await self._api.get_all(
            f"/rest/v1.0/projects/{project_id}/users", {"filters[id]": user_id}, PER_PAGE
        )
        with _shape("project user"):
            return next((dict(m) for m in members if int(m["id"]) == user_id), None)

    async def _commitments_level(self, user_id: int, project_id: int) -> int:
        member = await self._project_user(project_id, user_id)
        with _shape("project user"):
            template = (member or {}).get("permission_template") or {}
            template_id = template.get("id")
        if template_id is None:
            return 0
        return await self._template_level(int(template_id), self.keys.commitments_tool)

    async def _template_level(self, template_id: int | None, tool: str) -> int:
        if template_id is None:
            return 0
        data = await self._api.get_json(
            f"/rest/v1.0/companies/{self.company_id}/permission_templates/{template_id}"
        )
        with _shape("permission template"):
            return _level((data.get("user_access_levels") or {}).get(tool))


@contextmanager
def _shape(what: str) -> Iterator[None]:
    """Turn a Procore answer we cannot read into `ProcoreBadResponse` (nothing was learned)."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation) as exc:
        reason = f"Procore answered a {what} in an unexpected shape: {exc!r}"
        raise ProcoreBadResponse(reason) from exc


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _level(value: Any) -> int:
    """`user_access_levels` values are plain integers; tolerate `{"id": 4}` and digit strings."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        return value
    return int(value) if str(value).isdecimal() else 0


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _since(moment: datetime) -> str:
    """`filters[updated_at]`: "since...now" in UTC, the range format Procore documents
    (`YYYY-MM-DDTHH:MM:SSZ...YYYY-MM-DDTHH:MM:SSZ`); whole seconds, `since` rounded down."""
    start = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    end = datetime.now(UTC) + timedelta(seconds=1)
    return f"{start:%Y-%m-%dT%H:%M:%SZ}...{end:%Y-%m-%dT%H:%M:%SZ}"


def _cco(item: dict[str, Any], project_id: int) -> Cco:
    contract_id = item.get("contract_id")
    lines = item.get("line_items") or []
    return Cco(
        id=int(item["id"]),
        project_id=project_id,
        contract_id=None if contract_id is None else int(contract_id),
        number=str(item.get("number") or ""),
        title=str(item.get("title") or ""),
        status=str(item.get("status") or ""),
        grand_total=Decimal(str(item.get("grand_total") or "0")),
        origin_id=_text(item.get("origin_id")),
        updated_at=_when(item.get("updated_at")),
        line_item_origin_ids=tuple(str(x["origin_id"]) for x in lines if x.get("origin_id")),
        line_item_ids=tuple(int(x["id"]) for x in lines),
        package_type=_text(item.get("type")),
        currency=_currency(item.get("currency_configuration")),
        deleted_at=_when(item.get("deleted_at")),
    )


def _currency(configuration: Any) -> str | None:
    """`currency_configuration.currency_iso_code`, upper-cased; None when absent or blank."""
    if not isinstance(configuration, dict):
        return None
    code = _text(configuration.get("currency_iso_code"))
    return code.strip().upper() if code and code.strip() else None


def _user(item: dict[str, Any]) -> ProcoreUser:
    template = item.get("company_permission_template") or {}
    template_id = template.get("id", item.get("company_permission_template_id"))
    return ProcoreUser(
        id=int(item["id"]),
        name=str(item.get("name") or ""),
        email=str(item["email_address"]).strip(),
        is_active=bool(item.get("is_active", True)),
        can_push_to_accounting=bool(item.get("erp_integrated_accountant")),
        company_permission_template_id=None if template_id is None else int(template_id),
    )
