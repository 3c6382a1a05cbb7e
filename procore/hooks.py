"""Procore's Webhooks API (v1.0) in the product's words: the app's project-level Hooks and their
Triggers. Procore documents the calls in `plan_your_app/webhooks_api.md` and
`webhooks/webhooks_api.md` (procore/documentation) and the endpoint details
`RestV10WebhooksHooksPost` / `RestV10WebhooksHooksHookIdTriggersPost`; every hook is
project-scoped (`project_id`) and created under the app's own `namespace`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from procore.errors import ProcoreBadResponse, ProcoreNotFound
from procore.http import ProcoreHttp
from procore.models import Hook, Trigger

HOOKS_PATH = "/rest/v1.0/webhooks/hooks"
HOOK_PATH = HOOKS_PATH + "/{hook_id}"
TRIGGERS_PATH = HOOK_PATH + "/triggers"
TRIGGER_PATH = TRIGGERS_PATH + "/{trigger_id}"
RESOURCES_PATH = "/rest/v1.0/webhooks/resources"
#: the delivery payload format asked for: Procore's "v2.0 (legacy)" event object
API_VERSION = "v2"
#: the resource whose events the app watches, and the events it needs
RESOURCE = "Change Order Packages"
EVENTS = ("create", "update", "delete")
#: page size of the hook and trigger lists (a project has a handful of each)
PER_PAGE = 100

# --- Not publicly documented: what the Webhooks API answers ---------------------------------------
# The endpoint details give the Create answers' fields only. Assumed: List Hooks / List Triggers
# answer a (paged) JSON array of the same objects; List Hooks narrows to one app's hooks with a
# `namespace` query parameter (the guide's "List Webhook Hooks call with namespace=... and
# company_id=..."); a hook's `destination_headers.Authorization` is shown masked "to only show
# the last 5 characters" (so the app compares only those); a trigger's `event_type` may come back
# upper-case (the schema's enum is CREATE|UPDATE|DELETE; the request's is create|update|delete);
# Delete answers are not read; a Delete of something already gone answers 404.
AUTHORIZATION_SHOWN = 5
# -------------------------------------------------------------------------------------------------


class ProcoreHooks:
    """The app's Hooks and Triggers, project by project (one `ProcoreHttp` with the client)."""

    def __init__(self, api: ProcoreHttp) -> None:
        self._api = api

    async def list_hooks(self, project_id: int, namespace: str) -> list[Hook]:
        """The project's hooks in `namespace` (others' hooks are never seen nor touched)."""
        params = {"project_id": project_id, "namespace": namespace}
        items = await self._api.get_all(HOOKS_PATH, params, PER_PAGE)
        with _shape("webhooks hook"):
            hooks = [_hook(item) for item in items]
        return [h for h in hooks if h.namespace == namespace]

    async def create_hook(
        self, project_id: int, namespace: str, destination_url: str, authorization: str
    ) -> Hook:
        body = {
            "project_id": project_id,
            "hook": {
                "api_version": API_VERSION,
                "namespace": namespace,
                "destination_url": destination_url,
                "destination_headers": {"Authorization": authorization},
            },
        }
        data = await self._api.post_json(HOOKS_PATH, body)
        with _shape("webhooks hook"):
            return _hook(_object(data))

    async def delete_hook(self, project_id: int, hook_id: int) -> bool:
        """Delete the hook (its triggers go with it); False when it was already gone."""
        return await self._delete(HOOK_PATH.format(hook_id=hook_id), project_id)

    async def list_triggers(self, project_id: int, hook_id: int) -> list[Trigger]:
        path = TRIGGERS_PATH.format(hook_id=hook_id)
        items = await self._api.get_all(path, {"project_id": project_id}, PER_PAGE)
        with _shape("webhooks trigger"):
            return [_trigger(item, hook_id) for item in items]

    async def create_trigger(
        self, project_id: int, hook_id: int, resource_name: str, event_type: str
    ) -> Trigger:
        body = {
            "project_id": project_id,
            "api_version": API_VERSION,
            "trigger": {"resource_name": resource_name, "event_type": event_type},
        }
        data = await self._api.post_json(TRIGGERS_PATH.format(hook_id=hook_id), body)
        with _shape("webhooks trigger"):
            return _trigger(_object(data), hook_id)

    async def resource_events(self, project_id: int, resource_name: str) -> set[str] | None:
        """The event types the project's webhook resource `resource_name` sends (from its item
        in `GET /webhooks/resources`: create/update/delete less its `except`); None when the
        list does not have it. Assumed: the item names its resource in `name` (or `tools`)."""
        data = await self._api.get_json(RESOURCES_PATH, {"project_id": project_id})
        items = data if isinstance(data, list) else []
        for item in items:
            if not isinstance(item, dict):
                continue
            tools: list[Any] = item["tools"] if isinstance(item.get("tools"), list) else []
            if item.get("name") == resource_name or resource_name in tools:
                left_out: list[Any] = item["except"] if isinstance(item.get("except"), list) else []
                return {e for e in EVENTS if item.get(e, True) and e not in left_out}
        return None

    async def delete_trigger(self, project_id: int, hook_id: int, trigger_id: int) -> bool:
        """Delete one trigger; False when it was already gone."""
        path = TRIGGER_PATH.format(hook_id=hook_id, trigger_id=trigger_id)
        return await self._delete(path, project_id)

    async def _delete(self, path: str, project_id: int) -> bool:
        try:
            await self._api.delete_json(path, {"project_id": project_id})
        except ProcoreNotFound:
            return False
        return True


def authorization_matches(hook: Hook, authorization: str) -> bool:
    """Whether the hook's (masked) Authorization header can be the one given."""
    return hook.authorization_tail == authorization[-AUTHORIZATION_SHOWN:]


@contextmanager
def _shape(what: str) -> Iterator[None]:
    """An answer we cannot read is `ProcoreBadResponse`, as in `procore.client`."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProcoreBadResponse(f"Procore answered a {what} in an unexpected shape") from exc


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ProcoreBadResponse("Procore answered a webhooks call with something not an object")
    return data


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _hook(item: dict[str, Any]) -> Hook:
    headers = item.get("destination_headers") or {}
    authorization = headers.get("Authorization") if isinstance(headers, dict) else None
    return Hook(
        id=int(item["id"]),
        namespace=str(item.get("namespace") or ""),
        destination_url=str(item.get("destination_url") or ""),
        api_version=str(item.get("api_version") or ""),
        project_id=_optional_int(item.get("owned_by_project_id", item.get("project_id"))),
        company_id=_optional_int(item.get("owned_by_company_id", item.get("company_id"))),
        authorization_tail=str(authorization)[-AUTHORIZATION_SHOWN:] if authorization else None,
        status=str(item["status"]).lower() if item.get("status") else None,
    )


def _trigger(item: dict[str, Any], hook_id: int) -> Trigger:
    return Trigger(
        id=int(item["id"]),
        hook_id=int(item.get("webhook_hook_id") or hook_id),
        resource_name=str(item.get("resource_name") or ""),
        event_type=str(item.get("event_type") or "").lower(),
    )
