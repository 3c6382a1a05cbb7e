"""A stateful stand-in for Acumatica's contract-based REST API (also serves MYOB Advanced).

Routes, under the instance path (default `/AcumaticaERP`, "" for a site at the web root):
- `POST /entity/auth/login` — JSON or form `{"name", "password", "company" | "tenant"}` →
  204 with a `.ASPXAUTH` session cookie; wrong credentials → 401, licence's session limit → 429
  (both with an `HttpError` body). `POST /entity/auth/logout` → 204, ends the session.
- `POST /identity/connect/token` — OAuth 2.0 password grant (form; client credentials in the form
  or HTTP Basic, scope must include `api`) → token JSON; OAuth errors as `{"error": ...}` (400).
- `GET /entity/Default/{version}/ChangeOrder` with `$filter`, `$select`, `$expand`, `$top`, `$skip`
  (`$custom` ignored) → JSON array; `GET|DELETE .../ChangeOrder/{ids}` (RefNbr or session GUID);
  `POST .../ChangeOrder/ReverseChangeOrder` with `{"entity": {...}}` → 204 + `Location`.
  Unknown endpoint/version → 404; no session or token → 401; a query the endpoint cannot process
  → 500 (the only error statuses the document lists for GET) — all with `HttpError` bodies.
- `GET /entity/Default/{version}/{Subcontract|PurchaseOrder|Project}` with `$filter`, `$select`,
  `$top`, `$skip` → JSON array, and `GET .../{entity}/{key}`: the parents of a CCO (entities of
  the published Default/24.200.001 contract; only a few of their fields are served).

Assumptions, where Acumatica's documents are silent (the one list for this vendor):
- a missing record by key is a 404 "No entity satisfies the condition.";
- the reverse action's `Location` names the new reversing change order;
- Procore keeps a commitment's Acumatica subcontract / purchase order number and a project's
  ProjectID as their `origin_id`s (what the demo world seeds);
- "empty company" (a wrong ERP_TENANT whose company holds no data) answers every list with `[]`
  and every key with 404, exactly as a company without records would.

Tests and the playground change the world in process (`sandbox.erps.acumatica.world`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.erps.acumatica.wire import (
    QueryError,
    parse_parent_query,
    parse_query,
    render,
    render_parent,
    select_parents,
    select_rows,
)
from sandbox.erps.acumatica.world import (
    PARENT_FIELDS,
    AcumaticaWorld,
    ChangeOrder,
    ChangeOrderError,
    LoginLimitReached,
    LoginRefused,
    demo_world,
)
from sandbox.faults import Faults, Recorder, instrument

ENDPOINT_NAME = "Default"
VERSIONS = ("22.200.001", "23.200.001", "24.200.001")
SESSION_COOKIE = ".ASPXAUTH"
WORLD = web.AppKey("acumatica_world", AcumaticaWorld)
INSTANCE = web.AppKey("acumatica_instance", str)


@dataclass
class AcumaticaSandbox:
    world: AcumaticaWorld
    recorder: Recorder
    faults: Faults
    app: web.Application


def make_sandbox(
    world: AcumaticaWorld | None = None, *, instance_path: str = "/AcumaticaERP"
) -> AcumaticaSandbox:
    """A ready app (serve it with `sandbox.runner.serve`); the ERP's base URL is the server URL
    plus `instance_path`. Without `world`, the playground's `demo_world()`."""
    world = demo_world() if world is None else world
    recorder, faults = Recorder(), Faults()
    app = web.Application()
    app[WORLD] = world
    app[INSTANCE] = instance_path.rstrip("/")
    instrument(app, recorder, faults)
    _add_vendor_routes(app, app[INSTANCE])
    return AcumaticaSandbox(world, recorder, faults, app)


def _add_vendor_routes(app: web.Application, root: str) -> None:
    entity = root + "/entity/{endpoint}/{version}/ChangeOrder"
    app.router.add_post(root + "/entity/auth/login", login)
    app.router.add_post(root + "/entity/auth/logout", logout)
    app.router.add_post(root + "/identity/connect/token", token)
    app.router.add_get(entity, list_change_orders)
    app.router.add_get(entity + "/{key}", get_change_order)
    app.router.add_delete(entity + "/{key}", delete_change_order)
    app.router.add_post(entity + "/{key}", invoke_action)
    for parent in PARENT_FIELDS:
        app.router.add_get(f"{root}/entity/{{endpoint}}/{{version}}/{parent}", list_parents)
        app.router.add_get(f"{root}/entity/{{endpoint}}/{{version}}/{parent}/{{key}}", get_parent)


# --- wire helpers --------------------------------------------------------------------------
def http_error(status: int, message: str, exception: str | None = None) -> web.Response:
    body: dict[str, Any] = {"message": message}
    if exception is not None:
        body |= {
            "exceptionMessage": exception,
            "exceptionType": "PX.Api.ContractBased.OperationException",
            "stackTrace": None,
        }
    return web.json_response(body, status=status)


def _world(request: web.Request) -> AcumaticaWorld:
    return request.app[WORLD]


def _bearer(request: web.Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def _form_or_json(request: web.Request) -> dict[str, str]:
    if request.content_type == "application/x-www-form-urlencoded":
        return {k: str(v) for k, v in (await request.post()).items()}
    try:
        data = await request.json()
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _links_root(request: web.Request) -> str:
    info = request.match_info
    return f"{request.app[INSTANCE]}/entity/{info['endpoint']}/{info['version']}"


def _guard(request: web.Request) -> web.Response | None:
    """404 for an endpoint the site does not publish, 401 without a session or token."""
    info = request.match_info
    if info["endpoint"].casefold() != ENDPOINT_NAME.casefold() or info["version"] not in VERSIONS:
        return http_error(
            404, f"No HTTP resource was found that matches the request URI '{request.url}'."
        )
    if not _world(request).is_signed_in(request.cookies.get(SESSION_COOKIE), _bearer(request)):
        return http_error(401, "You are not logged in.")
    return None


# --- auth ----------------------------------------------------------------------------------
async def login(request: web.Request) -> web.Response:
    data = await _form_or_json(request)
    if not data.get("name") or "password" not in data:
        return http_error(400, "The data specified in the request is invalid.", "name is required")
    company = data.get("company") or data.get("tenant")
    try:
        session = _world(request).login(data["name"], data["password"], company)
    except LoginRefused:
        return http_error(401, "Invalid credentials. Please try again.")
    except LoginLimitReached:
        return http_error(429, "API Login Limit", "The number of API sessions is at its limit.")
    response = web.Response(status=204)
    response.set_cookie(SESSION_COOKIE, session, path="/", httponly=True)
    response.set_cookie("ASP.NET_SessionId", session[:24], path="/", httponly=True)
    if company:
        response.set_cookie("CompanyID", company, path="/")
    return response


async def logout(request: web.Request) -> web.Response:
    world = _world(request)
    world.logout(request.cookies.get(SESSION_COOKIE))
    bearer = _bearer(request)
    if bearer is not None:
        world.tokens.pop(bearer, None)
    response = web.Response(status=204)
    for name in (SESSION_COOKIE, "ASP.NET_SessionId", "CompanyID"):
        response.del_cookie(name, path="/")
    return response


def _basic_client(request: web.Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value).decode().partition(":")
    except ValueError:
        return None
    return client_id, secret


async def token(request: web.Request) -> web.Response:
    form = {k: str(v) for k, v in (await request.post()).items()}
    client = _basic_client(request) or (form.get("client_id", ""), form.get("client_secret", ""))
    if form.get("grant_type") != "password":
        return web.json_response({"error": "unsupported_grant_type"}, status=400)
    if "api" not in form.get("scope", "").split():
        return web.json_response({"error": "invalid_scope"}, status=400)
    world = _world(request)
    try:
        access = world.issue_token(*client, form.get("username", ""), form.get("password", ""))
    except LoginRefused as refused:
        return web.json_response({"error": str(refused)}, status=400)
    return web.json_response(
        {
            "access_token": access,
            "expires_in": world.token_lifetime,
            "token_type": "Bearer",
            "scope": form["scope"],
        }
    )


# --- ChangeOrder ---------------------------------------------------------------------------
async def list_change_orders(request: web.Request) -> web.Response:
    refused = _guard(request)
    if refused is not None:
        return refused
    try:
        query = parse_query(request.query)
    except QueryError as error:
        return http_error(500, "An error has occurred.", str(error))
    rows = select_rows(_world(request).visible_change_orders(), query)
    root = _links_root(request)
    return web.json_response([render(co, query, n, root) for n, co in enumerate(rows, start=1)])


def _guarded_order(request: web.Request) -> ChangeOrder | web.Response:
    """The change order the path names, else the answer: the guard's refusal, or 404."""
    refused = _guard(request)
    if refused is not None:
        return refused
    order = _by_key(request)
    if order is None:
        return http_error(404, "No entity satisfies the condition.")
    return order


def _by_key(request: web.Request) -> ChangeOrder | None:
    world, key = _world(request), request.match_info["key"]
    if world.empty_company:
        return None
    return world.by_id(key) or world.find(key)


# --- Subcontract, PurchaseOrder, Project -----------------------------------------------------
def _parent_entity(request: web.Request) -> str:
    return request.path.rstrip("/").split("/entity/", 1)[1].split("/")[2]


async def list_parents(request: web.Request) -> web.Response:
    refused = _guard(request)
    if refused is not None:
        return refused
    entity = _parent_entity(request)
    try:
        query = parse_parent_query(request.query, entity)
    except QueryError as error:
        return http_error(500, "An error has occurred.", str(error))
    rows = select_parents(_world(request).visible_parents(entity), query)
    return web.json_response([render_parent(r, query, n) for n, r in enumerate(rows, start=1)])


async def get_parent(request: web.Request) -> web.Response:
    refused = _guard(request)
    if refused is not None:
        return refused
    entity, key = _parent_entity(request), request.match_info["key"].casefold()
    found = [r for r in _world(request).visible_parents(entity) if key in (r.key.casefold(), r.id)]
    if not found:
        return http_error(404, "No entity satisfies the condition.")
    try:
        query = parse_parent_query(
            {k: v for k, v in request.query.items() if k != "$filter"}, entity
        )
    except QueryError as error:
        return http_error(500, "An error has occurred.", str(error))
    return web.json_response(render_parent(found[0], query, 1))


async def get_change_order(request: web.Request) -> web.Response:
    order = _guarded_order(request)
    if isinstance(order, web.Response):
        return order
    try:
        query = parse_query({k: v for k, v in request.query.items() if k != "$filter"})
    except QueryError as error:
        return http_error(500, "An error has occurred.", str(error))
    return web.json_response(render(order, query, 1, _links_root(request)))


async def delete_change_order(request: web.Request) -> web.Response:
    order = _guarded_order(request)
    if isinstance(order, web.Response):
        return order
    _world(request).delete(order.ref_nbr)
    return web.Response(status=204)


async def invoke_action(request: web.Request) -> web.Response:
    refused = _guard(request)
    if refused is not None:
        return refused
    action = request.match_info["key"]
    if action != "ReverseChangeOrder":
        return http_error(400, f"The sandbox does not model the {action} action.")
    order = _action_target(_world(request), await _json(request))
    if order is None:
        return http_error(400, "No entity satisfies the condition.")
    try:
        reversing = _world(request).reverse(order.ref_nbr)
    except ChangeOrderError as error:
        return http_error(400, "The data specified in the request is invalid.", str(error))
    location = f"{_links_root(request)}/ChangeOrder/{reversing.id}"
    return web.Response(status=204, headers={"Location": location})


async def _json(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None


def _action_target(world: AcumaticaWorld, body: Any) -> ChangeOrder | None:
    entity = body.get("entity") if isinstance(body, dict) else None
    if not isinstance(entity, dict):
        return None
    if isinstance(entity.get("id"), str):
        return world.by_id(entity["id"])
    ref = entity.get("RefNbr")
    value = ref.get("value") if isinstance(ref, dict) else None
    return world.find(value) if isinstance(value, str) else None
