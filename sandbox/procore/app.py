"""A stateful stand-in for Procore's login host and REST API, speaking Procore's wire format.

One aiohttp server plays both `login.procore.com` (`/oauth/...`, see `sandbox.procore.oauth`) and
`api.procore.com` (`/rest/...`); a user's token (authorization-code grant) makes the REST routes
answer as that user. State lives in a `ProcoreWorld` (see `sandbox.procore.world`); the playground
and the tests change it in process, through the world object.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from sandbox.faults import Faults, Recorder, instrument
from sandbox.procore.assumptions import (
    ACTIVE_USERS_ONLY,
    DEFAULT_NAMESPACE,
    DEFAULT_PER_PAGE,
    DELIVERY_STATUS_OUTCOMES,
    ISO_RANGE_ENDS_INCLUSIVE,
    MAX_PER_PAGE,
    MSG_MISSING_COMPANY,
    MSG_NEEDS_USER,
    MSG_NO_CONTRACT,
    MSG_NOT_CONNECTED,
    MSG_NOT_IN_COMPANY,
    MSG_RATE_LIMITED,
    MSG_TOKEN_INVALID,
    RESOURCE_ITEM_NAME_FIELD,
    SERVICE_ACCOUNT_IS_ME,
    SYNC_ITEM_TYPES,
    SYNC_MAX_UPDATES,
    SYNC_PATH,
    TEMPLATE_LIST_TYPES,
    WEBHOOK_NAMESPACE,
    WEBHOOK_RESOURCES,
)
from sandbox.procore.oauth import add_oauth_routes
from sandbox.procore.webhooks import DeliverySender
from sandbox.procore.wire import (
    commitment_json,
    company_json,
    company_me_json,
    company_user_json,
    delivery_json,
    hook_json,
    manifest_json,
    package_json,
    project_json,
    project_user_json,
    template_json,
    template_list_json,
    trigger_json,
    typed_commitment_json,
)
from sandbox.procore.world import (
    COMMITMENT_TYPES,
    PRIME_CONTRACT,
    Commitment,
    ProcoreWorld,
    RateState,
    WebhookHook,
    WebhookTrigger,
)
from sandbox.runner import RunningServer, serve

WORLD_KEY = web.AppKey("procore_world", ProcoreWorld)
RECORDER_KEY = web.AppKey("procore_recorder", Recorder)
FAULTS_KEY = web.AppKey("procore_faults", Faults)
COMPANY_KEY = web.RequestKey("procore_company_id", int)
CLIENT_KEY = web.RequestKey("procore_client_id", str)
#: set only for a user's token (authorization-code grant)
USER_KEY = web.RequestKey("procore_user_id", int)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Refusal(Exception):
    """Raised by a handler to answer with Procore's `{"errors": message}` body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _errors(status: int, message: str) -> web.Response:
    return web.json_response({"errors": message}, status=status)


def _rate_headers(rate: RateState) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(rate.limit),
        "X-Rate-Limit-Remaining": str(rate.remaining),
        "X-Rate-Limit-Reset": str(rate.reset),
    }


def _int(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise Refusal(400, f"{name} must be an integer") from None


def _required_int(request: web.Request, name: str) -> int:
    value = _int(request.query.get(name), name)
    if value is None:
        raise Refusal(400, f"{name} is missing")
    return value


def _path_int(request: web.Request, name: str) -> int:
    return int(request.match_info[name])


def paged(request: web.Request, items: list[dict[str, Any]]) -> web.Response:
    """Answer one page of `items` with Procore's `Total`, `Per-Page` and `Link` headers."""
    page = max(1, _int(request.query.get("page"), "page") or 1)
    per_page = _int(request.query.get("per_page"), "per_page") or DEFAULT_PER_PAGE
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    last = max(1, math.ceil(len(items) / per_page))
    links = [("first", 1)]
    if page > 1:
        links.append(("prev", min(page - 1, last)))
    if page < last:
        links.append(("next", page + 1))
    links.append(("last", last))
    link = ", ".join(
        f'<{request.url.update_query(page=str(n), per_page=str(per_page))}>; rel="{rel}"'
        for rel, n in links
    )
    start = (page - 1) * per_page
    headers = {"Total": str(len(items)), "Per-Page": str(per_page), "Link": link}
    return web.json_response(items[start : start + per_page], headers=headers)


@dataclass
class ProcoreApi:
    """The REST routes, over one `ProcoreWorld`."""

    world: ProcoreWorld
    _entity_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- the REST gate: token, company header, rate limit ----------------------------------------

    @web.middleware
    async def gate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/rest/"):
            return await handler(request)
        authorization = request.headers.get("Authorization", "")
        scheme, _, access_token = authorization.partition(" ")
        token = self.world.live_token(access_token) if scheme.lower() == "bearer" else None
        if token is None:
            rate = self.world.take_request("anonymous")
            body = {"error": "invalid_token", "error_description": MSG_TOKEN_INVALID}
            challenge = f'Bearer error="invalid_token", error_description="{MSG_TOKEN_INVALID}"'
            headers = {"WWW-Authenticate": challenge}
            return web.json_response(body, status=401, headers=headers | _rate_headers(rate))
        rate = self.world.take_request(token.client_id)
        if not rate.allowed:
            return web.json_response(
                {"error": MSG_RATE_LIMITED}, status=429, headers=_rate_headers(rate)
            )
        if token.user_id is not None:
            request[USER_KEY] = token.user_id
        response = await self._guarded(request, handler, token.client_id)
        response.headers.update(_rate_headers(rate))
        return response

    async def _guarded(
        self, request: web.Request, handler: Handler, client_id: str
    ) -> web.StreamResponse:
        raw = request.headers.get("Procore-Company-Id")
        if not raw:
            return _errors(400, MSG_MISSING_COMPANY)
        if not raw.strip().isdigit():
            return _errors(400, "Procore-Company-Id must be an integer")
        company_id = int(raw)
        if not self.world.client_may_access(client_id, company_id):
            return _errors(403, MSG_NOT_CONNECTED)
        if USER_KEY in request:
            user = self.world.users.get(request[USER_KEY])
            if user is None or user.company_id != company_id:
                return _errors(403, MSG_NOT_IN_COMPANY)
        request[COMPANY_KEY] = company_id
        request[CLIENT_KEY] = client_id
        try:
            return await handler(request)
        except Refusal as refusal:
            return _errors(refusal.status, refusal.message)
        except web.HTTPException as exc:
            return _errors(exc.status, exc.reason)

    def _company_in_path(self, request: web.Request) -> int:
        company_id = _path_int(request, "company_id")
        if not self.world.client_may_access(request[CLIENT_KEY], company_id):
            raise Refusal(403, MSG_NOT_CONNECTED)
        return company_id

    def _project(self, request: web.Request, project_id: int) -> int:
        project = self.world.projects.get(project_id)
        if project is None or project.company_id != request[COMPANY_KEY]:
            raise Refusal(404, "Project not found")
        return project.id

    # -- REST routes -------------------------------------------------------------------------------

    async def show_project(self, request: web.Request) -> web.Response:
        _required_int(request, "company_id")
        project_id = self._project(request, _path_int(request, "id"))
        return web.json_response(project_json(self.world, self.world.projects[project_id]))

    async def company_users(self, request: web.Request) -> web.Response:
        company_id = self._company_in_path(request)
        search = request.query.get("filters[search]", "").strip().casefold()
        users = [
            u
            for u in self.world.users.values()
            if u.company_id == company_id
            and (u.is_active or not ACTIVE_USERS_ONLY)
            and (search in u.name.casefold() or search in u.email_address.casefold())
        ]
        return paged(request, [company_user_json(self.world, u) for u in users])

    async def project_users(self, request: web.Request) -> web.Response:
        project_id = self._project(request, _path_int(request, "project_id"))
        wanted = _int(request.query.get("filters[id]"), "filters[id]")
        members = [
            u
            for u in self.world.project_members(project_id)
            if (wanted is None or u.id == wanted) and (u.is_active or not ACTIVE_USERS_ONLY)
        ]
        return paged(request, [project_user_json(self.world, project_id, u) for u in members])

    async def show_template(self, request: web.Request) -> web.Response:
        company_id = self._company_in_path(request)
        template = self.world.templates.get(_path_int(request, "id"))
        if template is None or template.company_id != company_id:
            raise Refusal(404, "Permission template not found")
        return web.json_response(template_json(template))

    def _user(self, request: web.Request) -> int:
        if USER_KEY not in request:
            raise Refusal(403, MSG_NEEDS_USER)
        return request[USER_KEY]

    async def permissions(self, request: web.Request) -> web.Response:
        """The token's user's permission manifest: `project_id` XOR `company_id`."""
        user_id = self._user(request)
        project_id = _int(request.query.get("project_id"), "project_id")
        company_id = _int(request.query.get("company_id"), "company_id")
        if (project_id is None) == (company_id is None):
            raise Refusal(400, "Either project_id or company_id is required")
        if project_id is not None:
            project_id = self._project(request, project_id)
        elif company_id != request[COMPANY_KEY]:
            raise Refusal(403, MSG_NOT_IN_COMPANY)
        levels = self.world.manifest(user_id, project_id)
        names = self.world.manifest_names
        return web.json_response(manifest_json(levels, names, project_id=project_id))

    async def company_me(self, request: web.Request) -> web.Response:
        """The token's user; for an app token, the app's service account (an assumption)."""
        company_id = self._company_in_path(request)
        if USER_KEY in request:
            user = self.world.users[request[USER_KEY]]
        else:
            account = self.world.service_account(request[CLIENT_KEY])
            if account is None or not SERVICE_ACCOUNT_IS_ME:
                raise Refusal(403, MSG_NEEDS_USER)
            user = account
        if user.company_id != company_id:
            raise Refusal(403, MSG_NOT_IN_COMPANY)
        return web.json_response(company_me_json(self.world, user))

    async def companies(self, request: web.Request) -> web.Response:
        """`GET /rest/v1.0/companies`: the companies visible to the token (for an app token, those
        where the app is installed; for a user's token, the user's company)."""
        client_id = request[CLIENT_KEY]
        mine = self.world.users[request[USER_KEY]].company_id if USER_KEY in request else None
        visible = [
            company
            for company in self.world.companies.values()
            if self.world.client_may_access(client_id, company.id)
            and (mine is None or company.id == mine)
        ]
        return paged(request, [company_json(c, my_company=c.id == mine) for c in visible])

    async def list_templates(self, request: web.Request) -> web.Response:
        """`GET /companies/{id}/permission_templates`: names and ids of one `filters[type]`."""
        company_id = self._company_in_path(request)
        wanted = request.query.get("filters[type]") or "project_tools"
        kinds = TEMPLATE_LIST_TYPES.get(wanted)
        if kinds is None:
            raise Refusal(400, f"filters[type] must be one of: {', '.join(TEMPLATE_LIST_TYPES)}")
        templates = [
            t
            for t in self.world.templates.values()
            if t.company_id == company_id and t.type in kinds
        ]
        return web.json_response([template_list_json(t) for t in templates])

    async def list_packages(self, request: web.Request) -> web.Response:
        project_id = self._project(request, _required_int(request, "project_id"))
        contract_id = _int(request.query.get("contract_id"), "contract_id")
        if contract_id is not None:
            self._contract(project_id, contract_id, (*COMMITMENT_TYPES, PRIME_CONTRACT))
        ids = {
            _int(v, k) for k, v in request.query.items() if k in ("filters[id]", "filters[id][]")
        }
        deleted = request.query.get("filters[include_deleted]")
        updated = _iso_range(request.query.get("filters[updated_at]"), "filters[updated_at]")
        packages = [
            p
            for p in self.world.packages.values()
            if p.project_id == project_id
            and (contract_id is None or p.contract_id == contract_id)
            and (not ids or p.id in ids)
            and _deleted_filter(p.deleted_at is not None, deleted)
            and _updated_within(p.updated_at, updated)
        ]
        return paged(request, [package_json(p, full=False) for p in packages])

    async def show_package(self, request: web.Request) -> web.Response:
        project_id = self._project(request, _required_int(request, "project_id"))
        package = self.world.packages.get(_path_int(request, "id"))
        if package is None or package.project_id != project_id or package.deleted_at:
            raise Refusal(
                404, "Specified Contract does not exists or User does not have access to it"
            )
        package_type = self.world.package_type(package)
        return web.json_response(package_json(package, full=True, type=package_type))

    async def show_commitment(self, request: web.Request) -> web.Response:
        """`GET /commitments/{id}`: either commitment type, per its public schema."""
        project_id = self._project(request, _required_int(request, "project_id"))
        commitment = self._contract(project_id, _path_int(request, "id"), COMMITMENT_TYPES)
        return web.json_response(commitment_json(self.world, commitment))

    async def show_work_order(self, request: web.Request) -> web.Response:
        return self._typed_contract(request, "WorkOrderContract")

    async def show_purchase_order(self, request: web.Request) -> web.Response:
        return self._typed_contract(request, "PurchaseOrderContract")

    def _typed_contract(self, request: web.Request, kind: str) -> web.Response:
        """`GET /work_order_contracts/{id}` or `/purchase_order_contracts/{id}`: a contract of
        that type only, with its `origin_id` (where Procore documents it)."""
        project_id = self._project(request, _required_int(request, "project_id"))
        commitment = self._contract(project_id, _path_int(request, "id"), (kind,))
        return web.json_response(typed_commitment_json(self.world, commitment))

    def _contract(self, project_id: int, contract_id: int, types: tuple[str, ...]) -> Commitment:
        commitment = self.world.commitments.get(contract_id)
        if commitment is None or commitment.project_id != project_id:
            raise Refusal(404, MSG_NO_CONTRACT)
        if commitment.type not in types:
            raise Refusal(404, MSG_NO_CONTRACT)
        return commitment

    async def external_data_sync(self, request: web.Request) -> web.Response:
        company_id = self._company_in_path(request)
        try:
            body = await request.json()
        except ValueError:
            raise Refusal(400, "The request body is not valid JSON") from None
        # the guide's examples show both a bare array and {"updates": [...]}
        updates = body.get("updates") if isinstance(body, dict) else body
        if not isinstance(updates, list):
            raise Refusal(400, "updates must be an array")
        if len(updates) > SYNC_MAX_UPDATES:
            raise Refusal(400, f"at most {SYNC_MAX_UPDATES} updates per request")
        entities: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for update in updates:
            problem = self._sync_problem(company_id, update)
            if problem is not None:
                field_name, message = problem
                echo = update if isinstance(update, dict) else {"update": update}
                errors.append(echo | {"errors": {field_name: [message]}})
                continue
            shown = self.world.apply_external_data(
                company_id,
                update["item_type"],
                update["item_id"],
                update["origin_id"],
                **self._acting(request),
            )
            entities.append(
                {
                    "id": next(self._entity_ids),
                    "company_id": company_id,
                    "item_type": update["item_type"],
                    "item_id": update["item_id"],
                    "origin_id": shown,
                    "origin_data": None,
                }
            )
        return web.json_response({"entities": entities, "errors": errors})

    def _acting(self, request: web.Request) -> dict[str, Any]:
        """Who a write is done by, as its webhook events say: the token's user, else the app's
        service account; and the app (its client id)."""
        client_id = request[CLIENT_KEY]
        account = self.world.service_account(client_id)
        user_id = request.get(USER_KEY, account.id if account else None)
        return {"by_user_id": user_id, "application_id": client_id}

    def _sync_problem(self, company_id: int, update: Any) -> tuple[str, str] | None:
        if not isinstance(update, dict):
            return "base", "each update must be an object"
        item_type = update.get("item_type")
        if item_type not in SYNC_ITEM_TYPES:
            return "item_type", f"is not supported: {item_type!r}"
        item_id = update.get("item_id")
        if not isinstance(item_id, int) or isinstance(item_id, bool):
            return "item_id", "must be an integer"
        if "origin_id" not in update or not isinstance(update["origin_id"], str | None):
            return "origin_id", "must be a string or null"
        if item_type == "line_item":
            found = self.world.line_item(item_id)
            package = found[0] if found else None
        else:
            package = self.world.packages.get(item_id)
        project = self.world.projects.get(package.project_id) if package else None
        if package is None or project is None or project.company_id != company_id:
            return "item_id", f"{item_type} {item_id} not found"
        if package.deleted_at:
            return "item_id", f"{item_type} {item_id} has been deleted"
        return None


@dataclass(frozen=True)
class _Scope:
    """A webhooks call's `project_id` or `company_id` (one or the other)."""

    project_id: int | None
    company_id: int | None

    def owns(self, project_id: int | None, company_id: int | None) -> bool:
        if self.project_id is not None:
            return project_id == self.project_id
        return project_id is None and company_id == self.company_id


class WebhooksApi:
    """Hooks, Triggers and Deliveries (`/rest/v1.0/webhooks/...`), over the same world."""

    def __init__(self, api: ProcoreApi) -> None:
        self.api = api
        self.world = api.world

    def _scope(self, request: web.Request, values: Any) -> _Scope:
        get = values.get if isinstance(values, dict) else request.query.get
        project_id = _int(_text_of(get("project_id")), "project_id")
        company_id = _int(_text_of(get("company_id")), "company_id")
        if (project_id is None) == (company_id is None):
            raise Refusal(400, "Either project_id or company_id is required")
        if project_id is not None:
            return _Scope(self.api._project(request, project_id), None)
        if company_id != request[COMPANY_KEY]:
            raise Refusal(403, MSG_NOT_CONNECTED)
        return _Scope(None, company_id)

    def _hook(self, request: web.Request, scope: _Scope) -> WebhookHook:
        hook = self.world.hooks.get(_path_int(request, "hook_id"))
        if hook is None or not scope.owns(hook.project_id, hook.company_id):
            raise Refusal(404, "Hook not found")
        return hook

    async def list_resources(self, request: web.Request) -> web.Response:
        """`GET /rest/v1.0/webhooks/resources?project_id=`: what a trigger may name (the item's
        shape: assumptions.RESOURCE_ITEM_NAME_FIELD)."""
        self._scope(request, None)
        return web.json_response([_resource_json(name) for name in sorted(WEBHOOK_RESOURCES)])

    async def list_hooks(self, request: web.Request) -> web.Response:
        scope = self._scope(request, None)
        namespace = request.query.get("namespace") or DEFAULT_NAMESPACE
        hooks = [
            h
            for h in self.world.hooks.values()
            if scope.owns(h.project_id, h.company_id) and h.namespace == namespace
        ]
        return paged(request, [hook_json(h) for h in hooks])

    async def create_hook(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        scope = self._scope(request, body)
        fields = body.get("hook")
        if not isinstance(fields, dict):
            raise Refusal(400, "hook is missing")
        hook = self.world.add_hook(_new_hook(fields, scope, request.get(USER_KEY)))
        return web.json_response(hook_json(hook), status=201)

    async def delete_hook(self, request: web.Request) -> web.Response:
        hook = self._hook(request, self._scope(request, None))
        self.world.delete_hook(hook.id)
        return web.Response(status=204)

    async def list_triggers(self, request: web.Request) -> web.Response:
        hook = self._hook(request, self._scope(request, None))
        triggers = [t for t in self.world.triggers.values() if t.hook_id == hook.id]
        return paged(request, [trigger_json(t) for t in triggers])

    async def create_trigger(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        scope = self._scope(request, body)
        hook = self._hook(request, scope)
        trigger = self.world.add_trigger(_new_trigger(body, hook, scope, request.get(USER_KEY)))
        return web.json_response(trigger_json(trigger), status=201)

    async def delete_trigger(self, request: web.Request) -> web.Response:
        hook = self._hook(request, self._scope(request, None))
        trigger = self.world.triggers.get(_path_int(request, "id"))
        if trigger is None or trigger.hook_id != hook.id:
            raise Refusal(404, "Trigger not found")
        del self.world.triggers[trigger.id]
        return web.Response(status=204)

    async def list_deliveries(self, request: web.Request) -> web.Response:
        hook = self._hook(request, self._scope(request, None))
        status = request.query.get("filter[status]") or request.query.get("filters[status]")
        outcomes = DELIVERY_STATUS_OUTCOMES.get(status or "any")
        if outcomes is None:
            raise Refusal(
                400, f"filter[status] must be one of: {', '.join(DELIVERY_STATUS_OUTCOMES)}"
            )
        found = [d for d in self.world.deliveries if d.hook_id == hook.id and d.outcome in outcomes]
        return paged(request, [delivery_json(d) for d in found])


def _text_of(value: Any) -> str | None:
    return None if value is None else str(value)


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise Refusal(400, "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise Refusal(400, "The request body must be an object")
    return body


def _new_hook(fields: dict[str, Any], scope: _Scope, user_id: int | None) -> WebhookHook:
    namespace = fields.get("namespace") or DEFAULT_NAMESPACE
    if not isinstance(namespace, str) or not re.fullmatch(WEBHOOK_NAMESPACE, namespace):
        raise Refusal(422, "namespace may only contain lowercase letters, digits and dashes")
    url = fields.get("destination_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise Refusal(422, "destination_url must be an http(s) URL")
    headers = fields.get("destination_headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise Refusal(422, "destination_headers must be an object of strings")
    api_version = str(fields.get("api_version") or "v2")
    return WebhookHook(
        0, namespace, api_version, url, dict(headers), scope.project_id, scope.company_id, user_id
    )


def _new_trigger(
    body: dict[str, Any], hook: WebhookHook, scope: _Scope, user_id: int | None
) -> WebhookTrigger:
    fields = body.get("trigger")
    if not isinstance(fields, dict):
        raise Refusal(400, "trigger is missing")
    if not body.get("api_version"):
        raise Refusal(400, "api_version is missing")
    resource = fields.get("resource_name")
    if resource not in WEBHOOK_RESOURCES:
        raise Refusal(422, f"resource_name is not a webhooks resource: {resource!r}")
    event_type = str(fields.get("event_type") or "").lower()
    if event_type not in ("create", "update", "delete"):
        raise Refusal(422, "event_type must be create, update or delete")
    return WebhookTrigger(
        0, hook.id, str(resource), event_type, scope.project_id, scope.company_id, user_id
    )


def _resource_json(name: str) -> dict[str, Any]:
    tool = "Change Orders" if name == "Change Order Packages" else "Commitments"
    return {
        RESOURCE_ITEM_NAME_FIELD: name,
        "api_version": "v2",
        "product_category": "Financial Management",
        "tools": [tool],
        "except": [],
        "create": True,
        "update": True,
        "delete": True,
    }


def _add_webhook_routes(app: web.Application, hooks: WebhooksApi) -> None:
    app.router.add_get("/rest/v1.0/webhooks/resources", hooks.list_resources)
    base = "/rest/v1.0/webhooks/hooks"
    app.router.add_get(base, hooks.list_hooks)
    app.router.add_post(base, hooks.create_hook)
    app.router.add_delete(base + "/{hook_id:\\d+}", hooks.delete_hook)
    app.router.add_get(base + "/{hook_id:\\d+}/triggers", hooks.list_triggers)
    app.router.add_post(base + "/{hook_id:\\d+}/triggers", hooks.create_trigger)
    app.router.add_delete(base + "/{hook_id:\\d+}/triggers/{id:\\d+}", hooks.delete_trigger)
    app.router.add_get(base + "/{hook_id:\\d+}/deliveries", hooks.list_deliveries)


def _iso_range(value: str | None, name: str) -> tuple[datetime, datetime] | None:
    """A documented ISO 8601 range filter, `start...end`: dates (`YYYY-MM-DD...YYYY-MM-DD`) or
    date-times with a UTC offset (`YYYY-MM-DDTHH:MM:SSZ...`); a date's range ends with its day
    (assumptions.ISO_RANGE_ENDS_INCLUSIVE)."""
    if value is None:
        return None
    start, _, end = value.partition("...")
    try:
        first, last = _moment(start, 0), _moment(end, 1)
    except ValueError:
        raise Refusal(400, f"{name} must be an ISO 8601 range start...end") from None
    return first, last


def _moment(text: str, end_of_day: int) -> datetime:
    text = text.strip()
    if len(text) == 10:  # a date: its first (or, ending a range, its last) moment
        day = datetime.fromisoformat(text).replace(tzinfo=UTC)
        return day + timedelta(days=end_of_day) - timedelta(microseconds=end_of_day)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a date-time needs its UTC offset")
    return moment


def _updated_within(updated_at: str, wanted: tuple[datetime, datetime] | None) -> bool:
    if wanted is None:
        return True
    moment = datetime.fromisoformat(updated_at)
    return ISO_RANGE_ENDS_INCLUSIVE and wanted[0] <= moment <= wanted[1]


def _deleted_filter(is_deleted: bool, include_deleted: str | None) -> bool:
    if include_deleted == "only":
        return is_deleted
    return include_deleted == "with" or not is_deleted


def _add_rest_routes(app: web.Application, api: ProcoreApi) -> None:
    add_oauth_routes(app, api.world)
    app.router.add_get("/rest/v1.0/projects/{id:\\d+}", api.show_project)
    app.router.add_get("/rest/v1.3/companies/{company_id:\\d+}/users", api.company_users)
    app.router.add_get("/rest/v1.0/projects/{project_id:\\d+}/users", api.project_users)
    app.router.add_get(
        "/rest/v1.0/companies/{company_id:\\d+}/permission_templates/{id:\\d+}", api.show_template
    )
    app.router.add_get("/rest/v1.0/change_order_packages", api.list_packages)
    app.router.add_get("/rest/v1.0/change_order_packages/{id:\\d+}", api.show_package)
    app.router.add_get("/rest/v1.0/commitments/{id:\\d+}", api.show_commitment)
    app.router.add_get("/rest/v1.0/work_order_contracts/{id:\\d+}", api.show_work_order)
    app.router.add_get("/rest/v1.0/purchase_order_contracts/{id:\\d+}", api.show_purchase_order)
    app.router.add_patch(SYNC_PATH, api.external_data_sync)
    app.router.add_get("/rest/v1.0/settings/permissions", api.permissions)
    app.router.add_get("/rest/{v:v1\\.[1-3]}/companies/{company_id:\\d+}/me", api.company_me)
    app.router.add_get("/rest/v1.0/companies", api.companies)
    app.router.add_get(
        "/rest/v1.0/companies/{company_id:\\d+}/permission_templates", api.list_templates
    )


def build_app(world: ProcoreWorld) -> tuple[web.Application, Recorder, Faults]:
    """The stand-in app, instrumented; also reachable as `app[RECORDER_KEY]`/`app[FAULTS_KEY]`."""
    recorder, faults = Recorder(), Faults()
    app = web.Application()
    app[WORLD_KEY] = world
    app[RECORDER_KEY] = recorder
    app[FAULTS_KEY] = faults
    instrument(app, recorder, faults)
    api = ProcoreApi(world)
    app.middlewares.append(api.gate)
    _add_rest_routes(app, api)
    _add_webhook_routes(app, WebhooksApi(api))
    sender = DeliverySender(world)

    async def sending(_app: web.Application) -> AsyncIterator[None]:
        await sender.start()
        yield
        await sender.stop()

    app.cleanup_ctx.append(sending)
    return app, recorder, faults


def create_app(world: ProcoreWorld) -> web.Application:
    return build_app(world)[0]


@dataclass
class ProcoreSandbox:
    """A running stand-in: its world, what it received, its fault table and its base URL."""

    world: ProcoreWorld
    recorder: Recorder
    faults: Faults
    server: RunningServer

    @property
    def url(self) -> str:
        return self.server.url

    async def stop(self) -> None:
        await self.server.stop()


async def start_procore(world: ProcoreWorld | None = None) -> ProcoreSandbox:
    """Serve a stand-in on 127.0.0.1:0 (login host and API host are the same server)."""
    world = world if world is not None else ProcoreWorld()
    app, recorder, faults = build_app(world)
    return ProcoreSandbox(world, recorder, faults, await serve(app))
