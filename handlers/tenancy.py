"""Many-workspace mode: the middleware that puts the `Deps` of the request's tenant into Bolt's
context, chosen by the ids of Slack's signed request (`context.team_id`, `context.enterprise_id`),
never by a value the request carries. A workspace whose set-up is not finished gets the
process's own `Deps` marked `setting_up`: App Home (with its *Set up* button), the set-up form
and the install events run; every command is answered "an admin needs to finish set-up" with a
link to App Home, and anything else is acknowledged and dropped."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from flows.services import Services
from handlers.blocks.setup import set_up_first
from handlers.context import KEY, Deps
from handlers.failures import Failures
from handlers.home import follow_decisions
from handlers.slack_oauth import TeamSlackClient
from i18n import words_for

#: the action ids and callback id of the set-up form (`handlers/listeners/setup.py`)
SETUP_PREFIX = "tenant_setup"

TenantMiddleware = Callable[..., Awaitable[BoltResponse | None]]


def provide_tenant(base: Deps) -> TenantMiddleware:
    """Choose the `Deps` of the request's tenant (`base.tenants`), one per tenant, made again
    when the tenant's services are rebuilt (its set-up changed)."""
    assert base.tenants is not None
    tenants = base.tenants
    made: dict[str, Deps] = {}

    def deps_of_tenant(svc: Services) -> Deps:
        key = svc.policy.tenant or ""
        deps = made.get(key)
        if deps is None or deps.services is not svc:
            slack = own_client(base, svc)
            follow_decisions(svc, slack, base.viewers)
            deps = replace(base, services=svc, slack=slack, failures=Failures(svc, slack))
            made[key] = deps
        return deps

    async def put_in_context(
        context: AsyncBoltContext, body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        svc = await tenants.for_request(context.team_id, context.enterprise_id)
        if svc is not None:
            context[KEY] = deps_of_tenant(svc)
            await next()
            return None
        context[KEY] = replace(base, setting_up=True)
        if may_run_unset(body):
            await next()
            return None
        return answer_unset(base, body)

    return put_in_context


def own_client(base: Deps, svc: Services) -> AsyncWebClient:
    """The Web API client of the tenant's own installation (its bot token), whatever request
    or background task calls it."""
    found = base.tenants.installation_of(svc) if base.tenants is not None else None
    if found is None or not isinstance(base.slack, TeamSlackClient):
        return base.slack
    return base.slack.bound_to(*found)


def may_run_unset(body: dict[str, Any]) -> bool:
    """What runs before set-up: events (App Home, uninstall) and the set-up form itself."""
    kind = body.get("type")
    if kind == "event_callback":
        return True
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return str(actions[0].get("action_id", "")).startswith(SETUP_PREFIX)
    if kind in ("view_submission", "view_closed"):
        return str((body.get("view") or {}).get("callback_id", "")).startswith(SETUP_PREFIX)
    return False


def answer_unset(base: Deps, body: dict[str, Any]) -> BoltResponse:
    """A command gets "an admin needs to finish set-up" (in the asker's remembered language)
    with a link to App Home; anything else is acknowledged."""
    if "command" not in body:
        return BoltResponse(status=200, body="")
    team_id, user_id = str(body.get("team_id") or ""), str(body.get("user_id") or "")
    t = words_for(base.locales.get(team_id, user_id), base.services.policy.default_locale)
    message = set_up_first(t, team_id, str(body.get("api_app_id") or ""))
    return BoltResponse(
        status=200,
        body=json.dumps({"response_type": "ephemeral", **message}),
        headers={"content-type": "application/json;charset=utf-8"},
    )
