"""A stateful Xero stand-in: custom-connection tokens and the Accounting API's purchase orders.

- `POST /connect/token` (the identity service; Xero's real host is identity.xero.com):
  `grant_type=client_credentials`, client id/secret by HTTP Basic (or in the form). Answers
  `{"access_token", "expires_in": 1800, "token_type": "Bearer", "scope"}`; a wrong client is 400
  `{"error": "invalid_client"}`, another grant 400 `{"error": "unsupported_grant_type"}`.
- `GET /Connections` (bearer token): the connection's tenant (`tenantId`, `tenantName`, …).
- `GET /api.xro/2.0/PurchaseOrders/{PurchaseOrderID}` (or by PurchaseOrderNumber): needs
  `Authorization: Bearer` (unknown token: 401, expired: 401 "TokenExpired") and the token's
  tenant in `xero-tenant-id` (missing or other: 403), each as Xero's problem JSON
  `{"Type", "Title", "Status", "Detail", "Instance", "Extensions"}`. Answers
  `{"Id", "Status": "OK", "ProviderName", "DateTimeUTC", "PurchaseOrders": [po]}` with
  `Accept: application/json`, XML otherwise (Xero's default); an unknown PO is 404 with Xero's
  plain-text sentence.
- `GET /api.xro/2.0/TrackingCategories`: the organisation's tracking categories with their
  `Options` (here one category, "Project", holding the projects).
- Limits as Xero enforces them per tenant: 5 calls in flight, 60 a minute, 5,000 a day, and
  10,000 a minute per app (all settable in `XeroState.limits`). Over a limit: 429 with
  `Retry-After` and `X-Rate-Limit-Problem` (concurrent / minute / day / appminute). API answers
  carry `X-DayLimit-Remaining`, `X-MinLimit-Remaining` and `X-AppMinLimit-Remaining`. Calls
  count as in flight from arrival (before any injected latency) to answer.

Tests and the playground change the state in process (`sandbox.erps.xero.world`); Xero's
formats live in `sandbox.erps.xero.wire`.

Assumptions beyond Xero's public API (the one list for this vendor): a Procore project is an
option of a "Project" tracking category and its origin_id is that option's TrackingOptionID; the
CCO keys in the Xero adapter's marked block; and "empty company" — an organisation holding
nothing — where every PO is 404 and the tracking category has no options.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from sandbox.erps.xero.wire import (
    API_ROOT,
    client_credentials,
    connection,
    envelope,
    identity_error,
    iso_now,
    negotiated,
    not_found,
    problem,
    rate_limited,
    token_body,
    tracking_category,
)
from sandbox.erps.xero.world import XeroState
from sandbox.faults import Faults, Handler, Recorder, instrument

STATE = web.AppKey("xero_state", XeroState)
OVER_CONCURRENCY = web.RequestKey("xero_over_concurrency", bool)


def make_app(
    state: XeroState | None = None,
    recorder: Recorder | None = None,
    faults: Faults | None = None,
) -> web.Application:
    app = web.Application()
    app[STATE] = state if state is not None else XeroState()
    app.middlewares.append(_in_flight)
    instrument(app, recorder if recorder is not None else Recorder(), faults or Faults())
    app.router.add_post("/connect/token", issue_token)
    app.router.add_get("/Connections", list_connections)
    app.router.add_get(API_ROOT + "/PurchaseOrders/{key}", get_purchase_order)
    app.router.add_get(API_ROOT + "/TrackingCategories", get_tracking_categories)
    return app


@web.middleware
async def _in_flight(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost: a call is in flight from arrival until answered; over 5, it is marked."""
    if not request.path.startswith(API_ROOT + "/"):
        return await handler(request)
    usage = request.app[STATE].usage
    tenant = request.headers.get("xero-tenant-id", "")
    if not usage.enter(tenant):
        request[OVER_CONCURRENCY] = True
        return await handler(request)
    try:
        return await handler(request)
    finally:
        usage.leave(tenant)


# --- identity ----------------------------------------------------------------------------------


async def issue_token(request: web.Request) -> web.Response:
    form = {key: str(value) for key, value in (await request.post()).items()}
    if form.get("grant_type") != "client_credentials":
        return identity_error("unsupported_grant_type")
    client = client_credentials(request.headers.get("Authorization", ""), form)
    token = request.app[STATE].issue_token(*client)
    if token is None:
        return identity_error("invalid_client")
    return web.json_response(token_body(token))


async def list_connections(request: web.Request) -> web.Response:
    """`GET /Connections` (xero-identity.yaml): the tenant a custom connection's token reaches."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    state = request.app[STATE]
    tenant, expired = state.tenant_of(token.strip())
    if scheme.lower() != "bearer" or tenant is None or expired:
        return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
    connected = iso_now()
    return web.json_response(
        [
            connection(c.client_id, c.tenant_id, c.tenant_name, connected)
            for c in state.connections
            if c.tenant_id == tenant
        ]
    )


# --- the Accounting API ----------------------------------------------------------------------


def _authenticate(request: web.Request) -> str | web.Response:
    """The caller's tenant id, or the 401/403 Xero would answer."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    tenant, expired = request.app[STATE].tenant_of(token.strip())
    if scheme.lower() != "bearer" or tenant is None:
        return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
    if expired:
        return problem(401, "Unauthorized", "TokenExpired")
    if request.headers.get("xero-tenant-id", "").casefold() != tenant.casefold():
        return problem(403, "Forbidden", "AuthenticationUnsuccessful")
    return tenant


def _rate_limited(request: web.Request, tenant: str) -> web.Response | None:
    usage = request.app[STATE].usage
    if request.get(OVER_CONCURRENCY):
        problem_name, wait = "concurrent", 1
    else:
        over = usage.over_limit(tenant)
        if over is None:
            return None
        problem_name, wait = over
    usage.refuse(tenant, problem_name)
    return rate_limited(problem_name, wait)


async def get_purchase_order(request: web.Request) -> web.Response:
    return _api_call(request, _answer)


async def get_tracking_categories(request: web.Request) -> web.Response:
    return _api_call(request, _tracking_categories)


def _api_call(
    request: web.Request, answer: Callable[[web.Request, str], web.Response]
) -> web.Response:
    """Authenticate, keep the limits, answer, and report what is left of them."""
    state = request.app[STATE]
    tenant = _authenticate(request)
    if isinstance(tenant, web.Response):
        return tenant
    response = _rate_limited(request, tenant) or answer(request, tenant)
    if response.status != 429:
        state.usage.count(tenant)
    response.headers.update(state.usage.remaining(tenant))
    return response


def _answer(request: web.Request, tenant: str) -> web.Response:
    order = request.app[STATE].find(tenant, request.match_info["key"])
    if order is None:
        return not_found()
    body = envelope("PurchaseOrders", [order.to_json()])
    return negotiated(request.headers.get("Accept", ""), body)


def _tracking_categories(request: web.Request, tenant: str) -> web.Response:
    options = request.app[STATE].tracking_options(tenant)
    categories = [tracking_category(tenant, options)] if options else []
    return web.json_response(envelope("TrackingCategories", categories))
