"""Xero: are the CCO's lines still on the commitment's purchase order?

Procore exports a Commitment to Xero as a Purchase Order and appends each CCO's lines to that
same PO; there is no separate Xero record for the CCO. The check reads the PO,
`GET {ERP_BASE_URL}/api.xro/2.0/PurchaseOrders/{PurchaseOrderID}`, and looks for the CCO's lines.

Auth is a Xero custom connection: OAuth 2.0 client credentials (`ERP_CLIENT_ID`,
`ERP_CLIENT_SECRET`) at the identity service's token URL, then `Authorization: Bearer`,
`xero-tenant-id: <ERP_TENANT>` and `Accept: application/json` (Xero answers XML otherwise).

Settings: `ERP_BASE_URL` is the API root, `https://api.xero.com`. For that host the token URL is
Xero's identity service, `https://identity.xero.com/connect/token`; for any other root (a
stand-in or a proxy) it is `{ERP_BASE_URL}/connect/token`.

Session rule: a custom connection's access token lasts 30 minutes and there is no refresh token;
a new one is requested with the client credentials when it expires (Xero's developer docs,
"Custom connections": "access tokens ... expire after 30 minutes"). So one token serves every
check until TOKEN_RENEWAL_MARGIN before it expires, or until Xero answers 401; there is no
session to end. `open_check` starts that token request (when the cached one will not do) while
Procore's package is read.

Xero's limits (5 calls at once, 60 a minute per organisation) are kept client-side by one
`XeroLimiter` per adapter; a 429 becomes `ErpUnreachable` saying when to try again.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit
from uuid import UUID

import httpx

from erp.base import (
    ErpAdapter,
    ErpBadResponse,
    ErpInfo,
    ErpLookup,
    ErpMisconfigured,
    ErpRecord,
    ErpUnreachable,
    HttpAnswer,
    HttpHints,
    OpenedCheck,
    RecordState,
    absent_record,
    mapped_transport,
    raise_for_status,
)
from erp.settings import ErpSettings
from erp.xero_limits import LimitsSeen, LimitWait, RateLimited, XeroLimiter, when

INFO = ErpInfo(
    key="xero",
    name="Xero",
    record_noun="purchase order lines",
    fix_template=(
        "Remove this CCO's lines from purchase order {reference} in Xero (or delete the PO)"
    ),
    gone_states=frozenset({RecordState.DELETED}),
    needs_commitment=True,
    settings_hint=(
        "ERP_TENANT (the organisation's tenant id) and the custom connection's ERP_CLIENT_ID"
    ),
)

# --- Not publicly documented: how Procore's CCO maps onto a Xero purchase order -----------------
# Procore says a CCO is appended to the original PO (detailed data mapping for Xero); it does not
# publish the origin ids it keeps, nor how its Unlink is verified for Xero. Assumed here:
# - the commitment's origin_id is the PO's PurchaseOrderID (a GUID);
# - each CCO line item's origin_id is the Xero LineItemID of the PO line that the CCO added;
# - the CCO is gone when the PO is deleted (Status DELETED) or none of those LineItemIDs is on
#   the PO any more; while any is, it is still in Xero. A PO Xero does not find counts as gone
#   only when the organisation knows the project: an option of a tracking category whose
#   TrackingOptionID is the project's origin_id (`GET /TrackingCategories`);
# - a CCO without line origin ids cannot be told apart from the base commitment: its PO is then
#   reported present unless deleted (never unlink on a guess).
# Xero answers an unknown id with 404 and the plain text below (seen in Xero's SDK issues, not in
# the OpenAPI); only that text counts as "not found", any other 404 means a wrong ERP_BASE_URL.
NOT_FOUND_TEXT = "the resource you're looking for cannot be found"
DELETED_STATUS = "DELETED"
# -------------------------------------------------------------------------------------------------

XERO_API_HOST = "api.xero.com"
XERO_TOKEN_URL = "https://identity.xero.com/connect/token"
TOKEN_PATH = "/connect/token"
API_PATH = "/api.xro/2.0"
#: a cached token is renewed this many seconds before it expires (Xero's last 30 minutes)
TOKEN_RENEWAL_MARGIN = 60.0
DEFAULT_TOKEN_SECONDS = 1800.0


def build(settings: ErpSettings, http: httpx.AsyncClient) -> ErpAdapter:
    return XeroAdapter(settings, http)


def token_url(base_url: str) -> str:
    root = base_url.rstrip("/")
    if urlsplit(root).hostname == XERO_API_HOST:
        return XERO_TOKEN_URL
    return root + TOKEN_PATH


def purchase_order_url(base_url: str, purchase_order_id: str) -> str:
    return f"{base_url.rstrip('/')}{API_PATH}/PurchaseOrders/{quote(purchase_order_id, safe='')}"


def _check_tenant_id(tenant: str) -> None:
    """Xero names an organisation by its tenant id, a GUID (the `/connections` endpoint's)."""
    try:
        UUID(tenant)
    except ValueError:
        raise ErpMisconfigured(
            INFO.name, "ERP_TENANT must be the organisation's tenant id, a GUID"
        ) from None


class XeroAdapter:
    info = INFO

    def __init__(
        self, settings: ErpSettings, http: httpx.AsyncClient, limiter: XeroLimiter | None = None
    ) -> None:
        required = {
            "ERP_BASE_URL": settings.base_url,
            "ERP_CLIENT_ID": settings.client_id,
            "ERP_CLIENT_SECRET": settings.client_secret,
            "ERP_TENANT": settings.tenant,
        }
        missing = [name for name, value in required.items() if not value]
        if missing:
            raise ErpMisconfigured(INFO.name, f"{', '.join(missing)} not set")
        assert settings.base_url and settings.tenant
        _check_tenant_id(settings.tenant)
        self._base_url = settings.base_url
        self._tenant = settings.tenant
        self._http = http
        self._timeout = settings.timeout
        self._tokens = _ClientCredentials(self, settings)
        self.limiter = limiter or XeroLimiter()

    async def check(self, lookup: ErpLookup) -> ErpRecord:
        purchase_order_id = lookup.commitment_origin_id
        if not purchase_order_id:
            return ErpRecord(
                RecordState.NOT_SYNCED_BY_THIS_ERP,
                lookup.origin_id,
                "its commitment is not synced as a Xero purchase order",
            )
        response = await self._read(purchase_order_url(self._base_url, purchase_order_id))
        order = read_purchase_order(response, purchase_order_id)
        if order is None:
            return await absent_record(
                INFO.name,
                lookup,
                self,
                purchase_order_id,
                "purchase order not found",
                commitment_known=False,
            )
        record = order.record_for(lookup.line_item_origin_ids)
        if record is not None:
            return record
        return await absent_record(
            INFO.name,
            lookup,
            self,
            order.number or order.purchase_order_id,
            "the CCO's lines are not on the PO",
            commitment_known=True,
        )

    def open_check(self) -> OpenedCheck:
        """`OpensEarly`: the token (only when the cached one will not do) is asked for now."""
        return _EarlyToken(self, asyncio.create_task(self._tokens.current()))

    async def knows_commitment(self, origin_id: str) -> bool:
        """Read in `check` itself (the PO is what it asks for)."""
        return False

    async def knows_project(self, origin_id: str) -> bool:
        response = await self._read(f"{self._base_url.rstrip('/')}{API_PATH}/TrackingCategories")
        return origin_id.casefold() in tracking_option_ids(response)

    async def aclose(self) -> None:
        self._tokens.forget()

    async def _read(self, url: str) -> httpx.Response:
        token, fresh = await self._tokens.current()
        response = await self._api_get(url, token)
        if response.status_code == 401 and not fresh:
            self._tokens.discard(token)
            token, _ = await self._tokens.current()
            response = await self._api_get(url, token)
        return response

    async def _api_get(self, url: str, token: str) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {token}",
            "xero-tenant-id": self._tenant,
            "Accept": "application/json",
        }
        try:
            async with self.limiter.slot():
                response = await self.send("GET", url, headers=headers)
        except LimitWait as wait:
            raise ErpUnreachable(
                INFO.name,
                f"keeping to Xero's call limits; try again {when(wait.seconds)}",
                wait.seconds,
            ) from None
        self.limiter.observe(LimitsSeen.from_headers(response.headers))
        if response.status_code == 429:
            limited = RateLimited.from_headers(response.headers)
            if limited.retry_after is not None:
                self.limiter.retry_later(limited.retry_after)
            raise ErpUnreachable(INFO.name, limited.sentence(), limited.retry_after)
        return response

    async def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """The one place where httpx errors become ErpErrors."""
        with mapped_transport(INFO.name, self._timeout):
            return await self._http.request(method, url, timeout=self._timeout, **kwargs)


@dataclass(frozen=True)
class _EarlyToken:
    """A check whose token was asked for before its lookup was known."""

    adapter: XeroAdapter
    token: asyncio.Task[tuple[str, bool]]

    async def check(self, lookup: ErpLookup) -> ErpRecord:
        await asyncio.shield(self.token)  # a refused token raises here, as `check` would
        return await self.adapter.check(lookup)

    def close(self) -> None:
        # Its error, if any, was raised by `check` or is of no use now: never left unretrieved.
        self.token.add_done_callback(lambda t: t.cancelled() or t.exception())


class _ClientCredentials:
    """A custom connection's access token, reused until shortly before it expires."""

    def __init__(self, adapter: XeroAdapter, settings: ErpSettings) -> None:
        assert settings.base_url and settings.client_id and settings.client_secret
        self._adapter = adapter
        self._url = token_url(settings.base_url)
        self._auth = httpx.BasicAuth(settings.client_id, settings.client_secret)
        self._token: tuple[str, float] | None = None
        self._lock = asyncio.Lock()

    async def current(self) -> tuple[str, bool]:
        """The token to use, and whether it was just issued."""
        async with self._lock:
            if self._token is not None and self._token[1] > time.monotonic():
                return self._token[0], False
            value, lifetime = await self._request()
            self._token = (value, time.monotonic() + max(lifetime - TOKEN_RENEWAL_MARGIN, 0.0))
            return value, True

    async def _request(self) -> tuple[str, float]:
        response = await self._adapter.send(
            "POST",
            self._url,
            data={"grant_type": "client_credentials"},
            auth=self._auth,
            headers={"Accept": "application/json"},
        )
        raise_for_status(INFO.name, response, TOKEN_HINTS)
        body = _json_or_none(response)
        access = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(access, str) or not access:
            raise ErpBadResponse(INFO.name, "the token response has no access_token")
        lifetime = body.get("expires_in") if isinstance(body, dict) else None
        seconds = float(lifetime) if isinstance(lifetime, int | float) else DEFAULT_TOKEN_SECONDS
        return access, seconds

    def discard(self, token: str) -> None:
        if self._token is not None and self._token[0] == token:
            self._token = None

    def forget(self) -> None:
        self._token = None


# --- reading the answer ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PurchaseOrder:
    purchase_order_id: str
    number: str
    status: str
    line_item_ids: frozenset[str]

    def record_for(self, cco_line_ids: tuple[str, ...]) -> ErpRecord | None:
        """The CCO's state on this PO; None when none of its lines is on the PO (absent)."""
        reference = self.number or self.purchase_order_id
        if self.status.upper() == DELETED_STATUS:
            return ErpRecord(RecordState.DELETED, reference, "purchase order deleted")
        if not cco_line_ids:
            return ErpRecord(
                RecordState.PRESENT,
                reference,
                f"{self.status}; Procore holds no line ids to tell this CCO's lines apart",
            )
        wanted = {line_id.casefold() for line_id in cco_line_ids}
        on_po = wanted & self.line_item_ids
        if not on_po:
            return None
        return ErpRecord(
            RecordState.PRESENT,
            reference,
            f"{self.status}; {len(on_po)} of the CCO's {len(wanted)} lines still on the PO",
        )


def read_purchase_order(response: httpx.Response, purchase_order_id: str) -> PurchaseOrder | None:
    """The PO in a GetPurchaseOrder answer, or None when Xero does not know it."""
    if response.status_code == 404 and NOT_FOUND_TEXT in response.text.casefold():
        return None
    raise_for_status(INFO.name, response, API_HINTS)
    body = _json_or_none(response)
    orders = body.get("PurchaseOrders") if isinstance(body, dict) else None
    if not isinstance(orders, list):
        raise ErpBadResponse(INFO.name, "the answer has no PurchaseOrders list")
    wanted = purchase_order_id.casefold()
    for entry in orders:
        order = _purchase_order(entry)
        if wanted in (order.purchase_order_id.casefold(), order.number.casefold()):
            return order
    raise ErpBadResponse(INFO.name, f"the answer does not hold purchase order {purchase_order_id}")


def tracking_option_ids(response: httpx.Response) -> set[str]:
    """The TrackingOptionIDs (casefolded) of every option of every tracking category."""
    raise_for_status(INFO.name, response, API_HINTS)
    body = _json_or_none(response)
    categories = body.get("TrackingCategories") if isinstance(body, dict) else None
    if not isinstance(categories, list):
        raise ErpBadResponse(INFO.name, "the answer has no TrackingCategories list")
    return {
        str(option.get("TrackingOptionID") or "").casefold()
        for category in categories
        if isinstance(category, dict) and isinstance(category.get("Options"), list)
        for option in category["Options"]
        if isinstance(option, dict)
    }


def _purchase_order(entry: object) -> PurchaseOrder:
    if not isinstance(entry, dict):
        raise ErpBadResponse(INFO.name, "a PurchaseOrders entry is not an object")
    lines = entry.get("LineItems") or []
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise ErpBadResponse(INFO.name, "LineItems is not a list of objects")
    status = entry.get("Status")
    if not isinstance(status, str):
        raise ErpBadResponse(INFO.name, "a purchase order has no Status")
    return PurchaseOrder(
        purchase_order_id=str(entry.get("PurchaseOrderID") or ""),
        number=str(entry.get("PurchaseOrderNumber") or ""),
        status=status,
        line_item_ids=frozenset(
            str(line["LineItemID"]).casefold() for line in lines if line.get("LineItemID")
        ),
    )


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        if response.status_code == 200:
            raise ErpBadResponse(INFO.name, "the answer is not JSON") from None
        return None


def _problem(response: httpx.Response) -> str:
    """Xero's words for an error, " (<Detail/Message/error>)" of its JSON body, else ""."""
    body = _json_or_none(response)
    if not isinstance(body, dict):
        return ""
    for key in ("Detail", "Message", "detail", "error"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return f" ({value[:200]})"
    return ""


#: Xero's own words for the status ladder of `erp.base`: the identity service's token call
#: (a refused client answers 400 `invalid_client`) and the Accounting API's reads
TOKEN_HINTS = HttpHints(
    words={
        HttpAnswer.REFUSED: (
            "the token request was refused: HTTP {status}{detail}; check ERP_CLIENT_ID and "
            "ERP_CLIENT_SECRET of the Xero custom connection"
        ),
        HttpAnswer.NOT_FOUND: "no Xero identity service at {url} (check ERP_BASE_URL)",
    },
    detail=_problem,
    statuses={400: HttpAnswer.REFUSED},
)
API_HINTS = HttpHints(
    words={
        HttpAnswer.REFUSED: (
            "HTTP {status}{detail}: check ERP_TENANT (the organisation's tenant id) and that the "
            "connection has the accounting.transactions and accounting.settings scopes"
        ),
        HttpAnswer.NOT_FOUND: "no Xero API at {url} (check ERP_BASE_URL)",
    },
    detail=_problem,
)
