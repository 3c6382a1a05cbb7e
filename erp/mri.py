"""MRI Platform X: is the CCO's contract change order still in MRI?

Procore exports a Commitment as an MRI Contract (or Purchase Order) and each CCO as a Contract
Change Order. MRI's integration surface is "MRI API services": `GET .../api.asp?$api=<API name>`
with the API's filter parameters, `$format=json`, and HTTP Basic authentication. The answer is
an OData-style JSON object whose `value` lists the matching rows. Every detail MRI does not
publish is in the marked block below.

Settings — MRI's API credentials mapped onto the ERP_* variables:

- `ERP_BASE_URL`: the API services root, the URL before `api.asp`, e.g.
  `https://mrix5api.saas.mrisoftware.com/mriapiservices` or `https://host/MRIWeb/MriApiServices`.
- `ERP_CLIENT_ID`: the MRI client ID.
- `ERP_TENANT`: the MRI database name.
- `ERP_USERNAME`, `ERP_PASSWORD`: the web services user ID and its password.
- `ERP_CLIENT_SECRET`: the partner (developer) key MRI issued to the integration.

The Basic-auth user name is MRI's `clientid/database/user/partnerkey`; the password is the web
services user's password.

Session rule: none to keep: the Basic credentials go with every request, so there is no login
to reuse or end.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from erp.base import (
    ErpAdapter,
    ErpBadResponse,
    ErpInfo,
    ErpLookup,
    ErpMisconfigured,
    ErpRecord,
    HttpAnswer,
    HttpHints,
    RecordState,
    absent_record,
    mapped_transport,
    raise_for_status,
)
from erp.settings import ErpSettings

INFO = ErpInfo(
    key="mri",
    name="MRI",
    record_noun="contract change order",
    fix_template="Delete contract change order {reference} in MRI",
    gone_states=frozenset({RecordState.DELETED}),
    needs_commitment=True,
    settings_hint=(
        "ERP_BASE_URL (the API services root), ERP_TENANT (the MRI database) and ERP_CLIENT_ID"
    ),
)

# --- Not publicly documented: MRI's job-cost contract change order API ----------------------
# MRI's API catalogue is partner-gated. What public material shows (third-party MRI clients and
# integration guides, e.g. MicaTechnology/mri_hook, Engrain's and Cyclr's MRI notes):
# - calls are `GET {root}/api.asp?$api=MRI_S-<module>_<Name>&$format=json&<FILTER>=<value>`;
# - Basic auth with user `clientid/database/webuser/partnerkey` and the web user's password;
# - JSON answers are `{"odata.metadata": ..., "value": [rows], "nextLink"?: ...}`.
# Assumed here, and nowhere else (to be confirmed with MRI for the tenant's version):
# - the API name and its filter parameters for job-cost contract change orders;
# - origin_id is the change order's `ChangeOrderID`; the commitment's origin_id the `ContractID`;
# - a deleted change order is absent from `value` (MRI documents no soft-delete status); absence
#   counts as deleted only when the contract (API `CONTRACTS_API`, filter CONTRACTID) or the
#   project's job (API `JOBS_API`, filter JOBID; the project's origin_id is its JobID) is found;
# - errors come as OData v3 JSON, `{"odata.error": {"code", "message": {"value"}}}`.
API_PATH = "api.asp"
API_NAME = "MRI_S-PMJC_ContractChangeOrders"
CONTRACT_PARAM = "CONTRACTID"
CHANGE_ORDER_PARAM = "CHANGEORDERID"
ROWS = "value"
ROW_CHANGE_ORDER = "ChangeOrderID"
ROW_CONTRACT = "ContractID"
ROW_STATUS = "Status"
CONTRACTS_API = "MRI_S-PMJC_Contracts"
JOBS_API = "MRI_S-PMJC_Jobs"
JOB_PARAM = "JOBID"
ROW_JOB = "JobID"
NEXT_PAGE = "nextLink"
ERROR_KEY = "odata.error"
# ---------------------------------------------------------------------------------------------


def build(settings: ErpSettings, http: httpx.AsyncClient) -> ErpAdapter:
    return MriAdapter(settings, http)


def basic_authorization(settings: ErpSettings) -> str:
    """`Basic base64(clientid/database/user/partnerkey:password)` from the ERP_* settings."""
    required = (
        ("ERP_CLIENT_ID", settings.client_id),
        ("ERP_TENANT", settings.tenant),
        ("ERP_USERNAME", settings.username),
        ("ERP_CLIENT_SECRET", settings.client_secret),
        ("ERP_PASSWORD", settings.password),
    )
    missing = [name for name, value in required if not value]
    if missing:
        raise ErpMisconfigured(INFO.name, f"{', '.join(missing)} not set")
    for name, value in required[:4]:
        if "/" in (value or ""):
            raise ErpMisconfigured(
                INFO.name, f"{name} must not contain '/' (it separates the parts of the user name)"
            )
    user = "/".join(value or "" for _, value in required[:4])
    token = base64.b64encode(f"{user}:{settings.password}".encode()).decode("ascii")
    return f"Basic {token}"


def api_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/{API_PATH}"


def query_for(lookup: ErpLookup) -> dict[str, str]:
    query = {"$api": API_NAME, "$format": "json"}
    if lookup.commitment_origin_id:
        query[CONTRACT_PARAM] = lookup.commitment_origin_id
    query[CHANGE_ORDER_PARAM] = lookup.origin_id
    return query


class MriAdapter:
    info = INFO

    def __init__(self, settings: ErpSettings, http: httpx.AsyncClient) -> None:
        if not settings.base_url:
            raise ErpMisconfigured(INFO.name, "ERP_BASE_URL not set")
        self._authorization = basic_authorization(settings)
        self._url = api_url(settings.base_url)
        self._http = http
        self._timeout = settings.timeout

    async def check(self, lookup: ErpLookup) -> ErpRecord:
        response = await self._get(query_for(lookup))
        record = find_change_order(read_rows(response), lookup.origin_id)
        if record is not None:
            return record
        return await absent_record(
            INFO.name, lookup, self, lookup.origin_id, "contract change order not found"
        )

    async def knows_commitment(self, origin_id: str) -> bool:
        return await self._finds(CONTRACTS_API, CONTRACT_PARAM, ROW_CONTRACT, origin_id)

    async def knows_project(self, origin_id: str) -> bool:
        return await self._finds(JOBS_API, JOB_PARAM, ROW_JOB, origin_id)

    async def _finds(self, api: str, param: str, field: str, value: str) -> bool:
        rows, _ = read_rows(await self._get({"$api": api, "$format": "json", param: value}))
        return any(str(row.get(field, "")).strip() == value for row in rows)

    async def aclose(self) -> None:
        """The HTTP client belongs to the caller; there is no session to end."""

    async def _get(self, query: dict[str, str]) -> httpx.Response:
        with mapped_transport(INFO.name, self._timeout):
            return await self._http.get(
                self._url,
                params=query,
                headers={"Authorization": self._authorization, "Accept": "application/json"},
                timeout=self._timeout,
            )


def read_rows(response: httpx.Response) -> tuple[list[dict[str, Any]], bool]:
    """The answer's rows, and whether MRI says more pages follow."""
    raise_for_status(INFO.name, response, HINTS)
    data = _json(response)
    rows = data.get(ROWS) if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ErpBadResponse(INFO.name, f"the answer has no {ROWS!r} list of rows")
    return rows, bool(data.get(NEXT_PAGE))


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        raise ErpBadResponse(INFO.name, "the answer is not JSON") from None


def _error_text(response: httpx.Response) -> str:
    """`: <message>` from an OData error body, or "" when there is none."""
    try:
        error = json.loads(response.content).get(ERROR_KEY) or {}
        message = error.get("message") or {}
        text = message.get("value") if isinstance(message, dict) else message
    except (ValueError, AttributeError):
        return ""
    return f": {text}" if isinstance(text, str) and text else ""


#: MRI's own words for the status ladder of `erp.base` (refusals and the rest use its defaults)
HINTS = HttpHints(
    words={HttpAnswer.NOT_FOUND: "no MRI API services at {url} (HTTP 404): check ERP_BASE_URL"},
    detail=_error_text,
)


def find_change_order(
    answer: tuple[list[dict[str, Any]], bool], origin_id: str
) -> ErpRecord | None:
    """The change order's record; None when MRI answers with no rows (absent)."""
    rows, more = answer
    for row in rows:
        if str(row.get(ROW_CHANGE_ORDER, "")).strip() == origin_id:
            status = row.get(ROW_STATUS)
            contract = str(row.get(ROW_CONTRACT) or "").strip()
            reference = f"{origin_id} (contract {contract})" if contract else origin_id
            return ErpRecord(RecordState.PRESENT, reference, str(status) if status else None)
    if rows or more:
        raise ErpBadResponse(INFO.name, f"the answer does not hold change order {origin_id}")
    return None
