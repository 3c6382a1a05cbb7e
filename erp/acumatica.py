"""Acumatica Cloud ERP and MYOB Advanced: is a synced CCO's change order still in the ERP?

Both systems run Acumatica's contract-based REST API ("Default" endpoint, ChangeOrder entity of
screen PM308000). A Procore CCO becomes a change order whose `RefNbr` is the CCO's `origin_id`.
The record is gone when it is absent or its `ReverseStatus` says it was reversed, whatever its
`Status` (a reversed change order keeps its workflow status, e.g. Open).

The lookup is `GET {site}/entity/{endpoint}/ChangeOrder?$filter=RefNbr eq '<origin_id>'` rather
than the key path `GET .../ChangeOrder/<RefNbr>`: the list operation is documented to answer 200
with an array, so an empty array is an unambiguous "absent"; the key operation documents only
200/401/500, a missing record comes back as an error whose status varies by version, which would
blur "absent" with "server trouble"; and a key containing `/` would be split into several keys.

Absent is not yet gone: a wrong company or key format also answers an empty array. It counts as
deleted only when the same session finds the CCO's commitment (a `Subcontract` by
`SubcontractNbr`, else a `PurchaseOrder` by `OrderNbr`) or its project (`Project` by `ProjectID`),
with the same list operation (`erp.base.absent_record`).

Auth: with ERP_CLIENT_ID/ERP_CLIENT_SECRET, an OAuth 2.0 password-grant token (cached until shortly
before it expires); otherwise a cookie session per check (`/entity/auth/login`), always followed by
`/entity/auth/logout`, because every open session holds one of the licence's API sessions. Each
check keeps its own cookies, never the shared client's, so concurrent checks never share a session.
`open_check` (the unlink flow's way in) starts the login or token request while Procore's package
is read and signs out after the answer, in the background (the session rules: `_CookieLogin`,
`_PasswordGrant`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from erp.base import (
    ErpAdapter,
    ErpBadResponse,
    ErpError,
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

# --- Not publicly documented: assumptions to confirm against a live tenant ----------------------
# The CCO's origin_id is the Acumatica change order ID, i.e. PMChangeOrder.RefNbr (the DAC's key,
# e.g. "CO000101"). Based on Procore's "accept a CCO for export to Acumatica" page (the approver
# enters the Change Order ID) and the DAC; Procore does not document origin_id's format.
CHANGE_ORDER_KEY = "RefNbr"
# ChangeOrder.ReverseStatus is a plain StringValue in every published contract (no enum). These
# are the display texts of PMChangeOrder.ReverseStatus codes N/X/R in an Acumatica source mirror;
# compared case-insensitively. Only REVERSED decides anything.
REVERSED = "Reversed"
NOT_REVERSED = "None"
# $filter string literals are quoted OData-style (a quote inside is doubled); Acumatica's help
# shows only plain literals.
# A refused cookie login is taken to be a 401 (the login status codes are not published); reports
# on older versions show a 500 whose HttpError text holds "Invalid credentials". A licence's API
# login limit shows as "API Login Limit" in the body (Acumatica's own C# client turns that into a
# 429). Both texts are matched case-insensitively.
INVALID_LOGIN_TEXT = "invalid credentials"
LOGIN_LIMIT_TEXT = "api login limit"
# The commitment's origin_id is the Acumatica subcontract number (Subcontract.SubcontractNbr) or
# purchase order number (PurchaseOrder.OrderNbr), and the project's origin_id its ProjectID (the
# project's CD, e.g. "TOWERA"): Procore's data mapping says commitments become Acumatica
# subcontracts / purchase orders and projects are imported from Acumatica; the keys it keeps are
# not published.
PARENT_ENTITIES = (("Subcontract", "SubcontractNbr"), ("PurchaseOrder", "OrderNbr"))
PROJECT_ENTITY = ("Project", "ProjectID")
# -------------------------------------------------------------------------------------------------

LOGIN_PATH = "/entity/auth/login"
LOGOUT_PATH = "/entity/auth/logout"
TOKEN_PATH = "/identity/connect/token"
OAUTH_SCOPE = "api"
#: the fields the check reads, requested with $select
SELECTED_FIELDS = ("RefNbr", "Status", "ReverseStatus", "ProjectID")
#: OAuth 2.0 token-endpoint `error` codes (RFC 6749 §5.2) -> the settings to check
OAUTH_HINTS = {
    "invalid_client": "ERP_CLIENT_ID and ERP_CLIENT_SECRET (Connected Applications, SM303010)",
    "invalid_grant": "ERP_USERNAME and ERP_PASSWORD",
    "unauthorized_client": "that the connected application allows the Resource Owner Password flow",
    "invalid_scope": "that the connected application may use the 'api' scope",
    "": "ERP_CLIENT_ID, ERP_CLIENT_SECRET, ERP_USERNAME and ERP_PASSWORD",
}
#: a cached token is renewed this many seconds before Acumatica says it expires
TOKEN_RENEWAL_MARGIN = 60.0

_log = logging.getLogger(__name__)

SETTINGS_HINT = (
    "ERP_BASE_URL (the site and instance), ERP_TENANT (the company the API user signs in to) "
    "and ERP_ENDPOINT"
)

INFOS: dict[str, ErpInfo] = {
    "acumatica": ErpInfo(
        key="acumatica",
        name="Acumatica",
        record_noun="change order",
        fix_template=(
            "Reverse change order {reference} in Acumatica (Change Orders, PM308000 → Reverse)"
        ),
        gone_states=frozenset({RecordState.DELETED, RecordState.REVERSED}),
        settings_hint=SETTINGS_HINT,
    ),
    "myob_advanced": ErpInfo(
        key="myob_advanced",
        name="MYOB Advanced",
        record_noun="change order",
        fix_template="Delete change order {reference} in MYOB Advanced",
        gone_states=frozenset({RecordState.DELETED, RecordState.REVERSED}),
        state_notes=(
            (
                RecordState.REVERSED,
                "Procore's MYOB guidance says to delete the change order; "
                "it was reversed instead, which was accepted.",
            ),
        ),
        settings_hint=SETTINGS_HINT,
    ),
}


def build(settings: ErpSettings, http: httpx.AsyncClient) -> ErpAdapter:
    info = INFOS.get(settings.system)
    if info is None:
        raise ErpMisconfigured(
            "Acumatica", f"ERP_SYSTEM={settings.system!r} is not Acumatica-based"
        )
    return AcumaticaAdapter(info, settings, http)


class AcumaticaAdapter:
    def __init__(self, info: ErpInfo, settings: ErpSettings, http: httpx.AsyncClient) -> None:
        self.info = info
        site = _site_root(info.name, settings.base_url)
        if not settings.username or not settings.password:
            raise ErpMisconfigured(info.name, "ERP_USERNAME and ERP_PASSWORD must be set")
        self._entity_root = f"{site}/entity/{_endpoint(info.name, settings.endpoint)}"
        self._auth: _CookieLogin | _PasswordGrant
        if settings.client_id or settings.client_secret:
            self._auth = _PasswordGrant(_Wire(info.name, http, settings.timeout), site, settings)
        else:
            self._auth = _CookieLogin(_Wire(info.name, http, settings.timeout), site, settings)

    async def check(self, lookup: ErpLookup) -> ErpRecord:
        async with self._auth.session() as get:
            return await self.check_with(get, lookup)

    def open_check(self) -> OpenedCheck:
        """`OpensEarly`: the login (or the token) starts now, alongside Procore's reads."""
        return _OpenedCheck(self, self._auth.open())

    async def check_with(self, get: _Get, lookup: ErpLookup) -> ErpRecord:
        """The check's reads, in one session (`get` carries its cookies or bearer token)."""
        params = {
            "$filter": f"{CHANGE_ORDER_KEY} eq {_quoted(lookup.origin_id)}",
            "$select": ",".join(SELECTED_FIELDS),
        }
        response = await get(f"{self._entity_root}/ChangeOrder", params)
        orders = _change_orders(self.info.name, response)
        if orders:
            return _record(self.info.name, lookup.origin_id, orders)
        parents = _Parents(self.info.name, self._entity_root, get)
        return await absent_record(
            self.info.name, lookup, parents, lookup.origin_id, "no such change order"
        )

    async def knows_commitment(self, origin_id: str) -> bool:
        """`ParentRecords` on its own session (the doctor proves the key mapping with it)."""
        async with self._auth.session() as get:
            return await _Parents(self.info.name, self._entity_root, get).knows_commitment(
                origin_id
            )

    async def knows_project(self, origin_id: str) -> bool:
        async with self._auth.session() as get:
            return await _Parents(self.info.name, self._entity_root, get).knows_project(origin_id)

    async def aclose(self) -> None:
        await self._auth.finish()


_Get = Callable[[str, dict[str, str]], Awaitable[httpx.Response]]


class _Early(Protocol):
    """A sign-in started before the lookup is known (`_CookieLogin.open`, `_PasswordGrant.open`)."""

    async def ready(self) -> _Get: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class _OpenedCheck:
    """`erp.base.OpenedCheck` for Acumatica: the reads wait for the sign-in started earlier."""

    adapter: AcumaticaAdapter
    early: _Early

    async def check(self, lookup: ErpLookup) -> ErpRecord:
        return await self.adapter.check_with(await self.early.ready(), lookup)

    def close(self) -> None:
        self.early.close()


@dataclass(frozen=True)
class _Parents:
    """The commitment and project lookups, in the check's own session."""

    system: str
    entity_root: str
    get: _Get

    async def knows_commitment(self, origin_id: str) -> bool:
        for entity, key in PARENT_ENTITIES:
            if await self._found(entity, key, origin_id):
                return True
        return False

    async def knows_project(self, origin_id: str) -> bool:
        return await self._found(*PROJECT_ENTITY, origin_id)

    async def _found(self, entity: str, key: str, value: str) -> bool:
        params = {"$filter": f"{key} eq {_quoted(value)}", "$select": key}
        body = _json(self.system, await self.get(f"{self.entity_root}/{entity}", params), entity)
        if not isinstance(body, list):
            raise ErpBadResponse(self.system, f"the {entity} list is not a JSON array")
        wanted = value.casefold()
        return any(
            isinstance(row, dict)
            and isinstance(row.get(key), dict)
            and str(row[key].get("value") or "").casefold() == wanted
            for row in body
        )


# --- the wire: one place where httpx errors and HTTP statuses become ErpErrors -------------------
@dataclass
class _Wire:
    system: str
    http: httpx.AsyncClient
    timeout: float

    async def send(
        self, conversation: httpx.Cookies, method: str, url: str, **kwargs: Any
    ) -> httpx.Response:
        """Send with `conversation`'s cookies only (the shared client's jar is never sent)."""
        request = self.http.build_request(method, url, timeout=self.timeout, **kwargs)
        request.headers.pop("Cookie", None)
        request.headers["Accept"] = "application/json"
        conversation.set_cookie_header(request)
        with mapped_transport(self.system, self.timeout):
            response = await self.http.send(request)
        conversation.extract_cookies(response)
        return response

    def raise_for_status(
        self, response: httpx.Response, refused_hint: str, refused: tuple[int, ...] = ()
    ) -> None:
        """The status ladder of `erp.base`; `refused` are statuses that, on this call, also mean
        "credentials refused" (besides 401/403), and `refused_hint` names what to check."""
        hints = replace(HINTS, statuses=dict.fromkeys(refused, HttpAnswer.REFUSED))
        raise_for_status(self.system, response, hints, hint=refused_hint)


class _CookieLogin:
    """A fresh session per check: login, the read, and always logout.

    Session rule: every signed-in session holds one of the licence's API sessions until it is
    signed out (Acumatica's help, "Signing In to the Service" / "Signing Out from the Service",
    and ARCHITECTURE §4a "always log out"), so a session lives for one check only: never kept
    between checks nor shared by concurrent ones. What may move is *when*: `open` signs in
    before the lookup is known (while Procore's package is read) and `close` signs out after the
    answer, in the background; `finish` (the adapter's `aclose`) waits for those sign-outs.
    """

    def __init__(self, wire: _Wire, site: str, settings: ErpSettings) -> None:
        self._wire = wire
        self._site = site
        self._credentials: dict[str, str] = {
            "name": settings.username or "",
            "password": settings.password or "",
        }
        if settings.tenant:
            self._credentials["company"] = settings.tenant
        self._logouts: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[_Get]:
        """One login for all the reads of a check, always followed by a logout."""
        cookies = httpx.Cookies()
        await self._login(cookies)
        try:
            yield self._getter(cookies)
        finally:
            await self._logout(cookies)

    def open(self) -> _EarlyCookie:
        cookies = httpx.Cookies()
        return _EarlyCookie(self, cookies, asyncio.create_task(self._login(cookies)))

    def _getter(self, cookies: httpx.Cookies) -> _Get:
        async def get(url: str, params: dict[str, str]) -> httpx.Response:
            response = await self._wire.send(cookies, "GET", url, params=params)
            self._wire.raise_for_status(response, "the API user's access rights")
            return response

        return get

    def log_out_after(self, login: asyncio.Task[None], cookies: httpx.Cookies) -> None:
        """Sign out once `login` has signed in (nothing when it failed), in the background."""
        task = asyncio.create_task(self._logout_after(login, cookies))
        self._logouts.add(task)
        task.add_done_callback(self._logouts.discard)

    async def _logout_after(self, login: asyncio.Task[None], cookies: httpx.Cookies) -> None:
        try:
            await login
        except Exception:
            return  # no session was opened; the check (if it ran) raised this error itself
        await self._logout(cookies)

    async def _login(self, cookies: httpx.Cookies) -> None:
        url = self._site + LOGIN_PATH
        response = await self._wire.send(cookies, "POST", url, json=self._credentials)
        text = response.text.casefold()
        if response.status_code >= 300 and LOGIN_LIMIT_TEXT in text:
            raise ErpUnreachable(
                self._wire.system, "the licence's limit of API logins is reached; try again later"
            )
        refused = (500,) if INVALID_LOGIN_TEXT in text else ()
        self._wire.raise_for_status(response, "ERP_USERNAME, ERP_PASSWORD and ERP_TENANT", refused)

    async def _logout(self, cookies: httpx.Cookies) -> None:
        try:
            response = await self._wire.send(cookies, "POST", self._site + LOGOUT_PATH)
            self._wire.raise_for_status(response, "the API user")
        except ErpError as error:
            _log.warning("acumatica_logout_failed", extra={"reason": error.reason})

    async def finish(self) -> None:
        """Wait for the sign-outs still under way (shutdown)."""
        if self._logouts:
            await asyncio.gather(*self._logouts, return_exceptions=True)


@dataclass(frozen=True)
class _EarlyCookie:
    """A cookie login under way; `ready` waits for it, `close` signs out after it."""

    owner: _CookieLogin
    cookies: httpx.Cookies
    login: asyncio.Task[None]

    async def ready(self) -> _Get:
        await asyncio.shield(self.login)  # a cancelled check leaves the login to `close`
        return self.owner._getter(self.cookies)

    def close(self) -> None:
        self.owner.log_out_after(self.login, self.cookies)


@dataclass(frozen=True)
class _Token:
    value: str
    renew_at: float


class _PasswordGrant:
    """OAuth 2.0 resource-owner password grant; the token is reused until shortly before expiry
    and renewed once when the ERP stops accepting it.

    Session rule: a bearer token opens no licence session (there is nothing to sign out of) and
    is valid for `expires_in` seconds (Acumatica's help, "Authorizing Client Applications to
    Work with Acumatica ERP": the access token's lifetime is set on the connected application,
    SM303010), so one token serves every check until TOKEN_RENEWAL_MARGIN before it expires, or
    until the ERP answers 401.
    """

    def __init__(self, wire: _Wire, site: str, settings: ErpSettings) -> None:
        if not settings.client_id or not settings.client_secret:
            raise ErpMisconfigured(wire.system, "set both ERP_CLIENT_ID and ERP_CLIENT_SECRET")
        self._wire = wire
        self._token_url = site + TOKEN_PATH
        self._form = {
            "grant_type": "password",
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
            "username": settings.username or "",
            "password": settings.password or "",
            "scope": OAUTH_SCOPE,
        }
        self._token: _Token | None = None
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[_Get]:
        """Every read carries the (cached) bearer token; there is no session to end."""
        yield self.get

    async def get(self, url: str, params: dict[str, str]) -> httpx.Response:
        return await self._read(await self._current_token(), url, params)

    def reader(self, first: tuple[str, bool]) -> _Get:
        """Reads that use `first` (the token `open` fetched) once, then the cached token."""
        unused = [first]

        async def get(url: str, params: dict[str, str]) -> httpx.Response:
            current = unused.pop() if unused else await self._current_token()
            return await self._read(current, url, params)

        return get

    async def _read(
        self, current: tuple[str, bool], url: str, params: dict[str, str]
    ) -> httpx.Response:
        token, fresh = current
        response = await self._get_with(token, url, params)
        if response.status_code == 401 and not fresh:
            self._discard(token)
            token, _ = await self._current_token()
            response = await self._get_with(token, url, params)
        self._wire.raise_for_status(response, "the API user's access rights (OAuth token refused)")
        return response

    async def _get_with(self, token: str, url: str, params: dict[str, str]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return await self._wire.send(httpx.Cookies(), "GET", url, params=params, headers=headers)

    async def _current_token(self) -> tuple[str, bool]:
        async with self._lock:
            if self._token is not None and self._token.renew_at > time.monotonic():
                return self._token.value, False
            self._token = await self._request_token()
            return self._token.value, True

    async def _request_token(self) -> _Token:
        response = await self._wire.send(httpx.Cookies(), "POST", self._token_url, data=self._form)
        hint = OAUTH_HINTS.get(_json_field(response, "error"), OAUTH_HINTS[""])
        self._wire.raise_for_status(response, hint, refused=(400,))
        body = _json(self._wire.system, response, "token")
        access = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(access, str) or not access:
            raise ErpBadResponse(self._wire.system, "the token response has no access_token")
        lifetime = _seconds(body.get("expires_in"))
        return _Token(access, time.monotonic() + max(lifetime - TOKEN_RENEWAL_MARGIN, 0.0))

    def _discard(self, token: str) -> None:
        if self._token is not None and self._token.value == token:
            self._token = None

    def open(self) -> _EarlyToken:
        """Fetch the token now (nothing is sent when the cached one is still good)."""
        return _EarlyToken(self, asyncio.create_task(self._current_token()))

    async def finish(self) -> None:
        self._token = None


@dataclass(frozen=True)
class _EarlyToken:
    """A token request (or the cached token) under way; there is no session to end."""

    grant: _PasswordGrant
    token: asyncio.Task[tuple[str, bool]]

    async def ready(self) -> _Get:
        return self.grant.reader(await asyncio.shield(self.token))

    def close(self) -> None:
        # Its error, if any, was raised by `ready` or is of no use now: never left unretrieved.
        self.token.add_done_callback(lambda t: t.cancelled() or t.exception())


# --- reading the answer ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _ChangeOrder:
    ref_nbr: str
    status: str | None
    reverse_status: str | None

    @property
    def reversed(self) -> bool:
        return (self.reverse_status or "").casefold() == REVERSED.casefold()

    @property
    def status_text(self) -> str | None:
        shown = [self.status, None if self.reverse_status == NOT_REVERSED else self.reverse_status]
        return ", ".join(part for part in shown if part) or None


def _record(system: str, origin_id: str, orders: list[_ChangeOrder]) -> ErpRecord:
    wanted = origin_id.casefold()
    order = next((o for o in orders if o.ref_nbr.casefold() == wanted), None)
    if order is None:
        others = ", ".join(o.ref_nbr for o in orders[:3])
        raise ErpBadResponse(system, f"asked for change order {origin_id}, got {others}")
    state = RecordState.REVERSED if order.reversed else RecordState.PRESENT
    return ErpRecord(state, order.ref_nbr, order.status_text)


def _change_orders(system: str, response: httpx.Response) -> list[_ChangeOrder]:
    body = _json(system, response, "ChangeOrder list")
    if not isinstance(body, list):
        raise ErpBadResponse(system, "the ChangeOrder list is not a JSON array")
    return [_change_order(system, entry) for entry in body]


def _change_order(system: str, entry: object) -> _ChangeOrder:
    if not isinstance(entry, dict):
        raise ErpBadResponse(system, "a ChangeOrder entry is not a JSON object")
    ref_nbr = _wrapped(system, entry, "RefNbr", required=True)
    if not ref_nbr:
        raise ErpBadResponse(system, "a ChangeOrder entry has no RefNbr value")
    return _ChangeOrder(
        ref_nbr=ref_nbr,
        status=_wrapped(system, entry, "Status", required=True),
        reverse_status=_wrapped(system, entry, "ReverseStatus", required=False),
    )


def _wrapped(system: str, entry: dict[str, Any], field: str, *, required: bool) -> str | None:
    """A `{"value": ...}` field; Acumatica sends a null value as an empty wrapper `{}`."""
    raw = entry.get(field)
    if raw is None and not required:
        return None
    if not isinstance(raw, dict):
        raise ErpBadResponse(system, f"ChangeOrder.{field} is not a {{'value': ...}} wrapper")
    value = raw.get("value")
    if value is not None and not isinstance(value, str):
        raise ErpBadResponse(system, f"ChangeOrder.{field} holds a {type(value).__name__}")
    return value


def _json(system: str, response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ErpBadResponse(system, f"the {what} response is not JSON") from None


def _json_field(response: httpx.Response, key: str) -> str:
    """A non-empty string field of a JSON object body, else ""."""
    try:
        body = response.json()
    except ValueError:
        return ""
    value = body.get(key) if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


def _error_message(response: httpx.Response) -> str:
    """`message` of an Acumatica HttpError (or an OAuth `error`), else the reason phrase."""
    for key in ("message", "exceptionMessage", "error"):
        if value := _json_field(response, key):
            return value[:300]
    return response.reason_phrase or "no details"


_SAID = "{path} answered {status}: {detail}"
#: Acumatica's own words for the status ladder of `erp.base`; `{hint}` is the call's own
HINTS = HttpHints(
    words={
        HttpAnswer.REFUSED: _SAID + "; check {hint}",
        HttpAnswer.NOT_FOUND: (
            _SAID + "; check ERP_BASE_URL (site root incl. instance path) and ERP_ENDPOINT"
        ),
        HttpAnswer.UNAVAILABLE: _SAID + "{retry}",
        HttpAnswer.UNEXPECTED: _SAID,
    },
    detail=_error_message,
    ok=range(200, 300),
)


def _seconds(value: object) -> float:
    """`expires_in`, which Acumatica's own client models as a string."""
    if isinstance(value, int | float | str):
        try:
            return float(value)
        except ValueError:
            pass
    return TOKEN_RENEWAL_MARGIN * 5


def _quoted(literal: str) -> str:
    return "'" + literal.replace("'", "''") + "'"


def _site_root(system: str, base_url: str | None) -> str:
    if not base_url:
        raise ErpMisconfigured(
            system, "ERP_BASE_URL is not set (the site root, e.g. https://host/AcumaticaERP)"
        )
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ErpMisconfigured(system, "ERP_BASE_URL must be an http(s) URL of the site root")
    if "/entity" in parts.path.casefold():
        raise ErpMisconfigured(system, "ERP_BASE_URL must be the site root, without /entity/...")
    return base_url.rstrip("/")


def _endpoint(system: str, endpoint: str) -> str:
    name, _, version = endpoint.strip("/").partition("/")
    if not name or not version or "/" in version:
        raise ErpMisconfigured(
            system, "ERP_ENDPOINT must be <name>/<version>, e.g. Default/24.200.001"
        )
    return f"{name}/{version}"
