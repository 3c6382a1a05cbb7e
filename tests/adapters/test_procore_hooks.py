"""Procore's Webhooks API: `ProcoreClient.hooks` against the stand-in over loopback (hooks and
triggers, their wire shapes), and the stand-in's deliveries (headers, retry, the two faults)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web

from procore.client import ProcoreClient
from procore.hooks import EVENTS, RESOURCE, authorization_matches
from sandbox.procore.app import ProcoreSandbox
from sandbox.procore.world import ProcoreWorld, WebhookHook, WebhookTrigger
from sandbox.runner import RunningServer, serve
from tests.adapters.conftest import (
    PROCORE_CLIENT_ID,
    PROCORE_CLIENT_SECRET,
    PROCORE_COMPANY_ID,
)

NAMESPACE = "cco-bot"
SECRET = "Bearer 0123456789abcdef"
URL = "https://bot.example/procore/webhooks"


@pytest.fixture
async def client(procore_server: ProcoreSandbox) -> AsyncIterator[ProcoreClient]:
    async with httpx.AsyncClient(timeout=5.0) as http:
        yield ProcoreClient(
            api_url=procore_server.url,
            login_url=procore_server.url,
            client_id=PROCORE_CLIENT_ID,
            client_secret=PROCORE_CLIENT_SECRET,
            company_id=PROCORE_COMPANY_ID,
            http=http,
        )


@pytest.fixture
def project_id(procore_world: ProcoreWorld) -> int:
    return procore_world.add_project(PROCORE_COMPANY_ID, "Tower").id


async def test_create_list_delete_hook_in_its_namespace(
    client: ProcoreClient, procore_server: ProcoreSandbox, project_id: int
) -> None:
    hook = await client.hooks.create_hook(project_id, NAMESPACE, URL, SECRET)
    sent = procore_server.recorder.matching("POST", "/rest/v1.0/webhooks/hooks$")[-1]
    assert sent.json() == {
        "project_id": project_id,
        "hook": {
            "api_version": "v2",
            "namespace": NAMESPACE,
            "destination_url": URL,
            "destination_headers": {"Authorization": SECRET},
        },
    }
    assert (hook.namespace, hook.destination_url, hook.project_id) == (NAMESPACE, URL, project_id)
    assert authorization_matches(hook, SECRET) and not authorization_matches(hook, SECRET + "x")
    other = await client.hooks.create_hook(project_id, "someone-else", URL, SECRET)
    assert [h.id for h in await client.hooks.list_hooks(project_id, NAMESPACE)] == [hook.id]
    listed = procore_server.recorder.matching("GET", "/rest/v1.0/webhooks/hooks$")[-1]
    assert listed.query["namespace"] == NAMESPACE
    assert await client.hooks.delete_hook(project_id, hook.id) is True
    assert await client.hooks.delete_hook(project_id, hook.id) is False  # already gone
    assert await client.hooks.list_hooks(project_id, NAMESPACE) == []
    assert [h.id for h in await client.hooks.list_hooks(project_id, "someone-else")] == [other.id]


async def test_hook_answer_masks_the_secret(
    procore_server: ProcoreSandbox, client: ProcoreClient, project_id: int
) -> None:
    hook = await client.hooks.create_hook(project_id, NAMESPACE, URL, SECRET)
    async with httpx.AsyncClient() as http:
        token = await _token(http, procore_server.url)
        answer = await http.get(
            procore_server.url + "/rest/v1.0/webhooks/hooks",
            params={"project_id": project_id, "namespace": NAMESPACE},
            headers={
                "Authorization": f"Bearer {token}",
                "Procore-Company-Id": str(PROCORE_COMPANY_ID),
            },
        )
    [shown] = answer.json()
    assert shown["id"] == hook.id and shown["owned_by_project_id"] == project_id
    assert SECRET not in answer.text and shown["destination_headers"]["Authorization"].endswith(
        SECRET[-5:]
    )


async def test_triggers_create_list_delete(
    client: ProcoreClient, procore_server: ProcoreSandbox, project_id: int
) -> None:
    hook = await client.hooks.create_hook(project_id, NAMESPACE, URL, SECRET)
    made = [await client.hooks.create_trigger(project_id, hook.id, RESOURCE, e) for e in EVENTS]
    path = f"/rest/v1.0/webhooks/hooks/{hook.id}/triggers"
    sent = procore_server.recorder.matching("POST", path)[-1]
    assert sent.json() == {
        "project_id": project_id,
        "api_version": "v2",
        "trigger": {"resource_name": RESOURCE, "event_type": "delete"},
    }
    listed = await client.hooks.list_triggers(project_id, hook.id)
    assert sorted((t.resource_name, t.event_type) for t in listed) == sorted(
        (RESOURCE, e) for e in EVENTS
    )
    assert await client.hooks.delete_trigger(project_id, hook.id, made[0].id) is True
    assert await client.hooks.delete_trigger(project_id, hook.id, made[0].id) is False
    assert {t.event_type for t in await client.hooks.list_triggers(project_id, hook.id)} == {
        "update",
        "delete",
    }


async def test_hooks_of_another_project_are_not_listed(
    client: ProcoreClient, procore_world: ProcoreWorld, project_id: int
) -> None:
    other = procore_world.add_project(PROCORE_COMPANY_ID, "Annex").id
    await client.hooks.create_hook(other, NAMESPACE, URL, SECRET)
    assert await client.hooks.list_hooks(project_id, NAMESPACE) == []


async def _token(http: httpx.AsyncClient, url: str) -> str:
    answer = await http.post(
        url + "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": PROCORE_CLIENT_ID,
            "client_secret": PROCORE_CLIENT_SECRET,
        },
    )
    return str(answer.json()["access_token"])


# -- deliveries ----------------------------------------------------------------------------------


@dataclass
class Receiver:
    """An endpoint that records what it is sent and answers `statuses` in turn (then 200)."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.json()))
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="no" if status >= 300 else "")


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, RunningServer]]:
    endpoint = Receiver()
    app = web.Application()
    app.router.add_post("/hook", endpoint.handle)
    server = await serve(app)
    try:
        yield endpoint, server
    finally:
        await server.stop()


def _watch(world: ProcoreWorld, project_id: int, url: str) -> WebhookHook:
    headers = {"Authorization": SECRET}
    hook = world.add_hook(WebhookHook(0, NAMESPACE, "v2", url, headers, project_id))
    for event in EVENTS:
        world.add_trigger(WebhookTrigger(0, hook.id, RESOURCE, event, project_id))
    world.webhook_settings.retry_base_seconds = 0.01
    return hook


def _package(world: ProcoreWorld, project_id: int, number: str) -> int:
    contract = world.add_commitment(project_id, "SC-1", "Steel")
    return world.add_package(project_id, contract.id, number, "Windows").id


async def test_events_are_delivered_with_the_hook_headers_and_retried_after_500(
    procore_server: ProcoreSandbox,
    procore_world: ProcoreWorld,
    project_id: int,
    receiver: tuple[Receiver, RunningServer],
) -> None:
    endpoint, server = receiver
    hook = _watch(procore_world, project_id, server.url + "/hook")
    endpoint.statuses = [500]
    package_id = _package(procore_world, project_id, "004")
    await procore_world.deliveries_idle()
    assert len(endpoint.received) == 2  # the 500, then the retry
    headers, body = endpoint.received[-1]
    assert headers["Authorization"] == SECRET
    assert body["resource_name"] == RESOURCE and body["resource_id"] == package_id
    assert body["event_type"] == "create" and body["project_id"] == project_id
    assert body["company_id"] == PROCORE_COMPANY_ID and len(body["ulid"]) == 26
    assert set(body["metadata"]) == {
        "source_user_id",
        "source_project_id",
        "source_operation_id",
        "source_company_id",
        "source_application_id",
    }
    assert endpoint.received[0][1] == body  # the same event, again
    outcomes = [d.outcome for d in procore_world.deliveries if d.hook_id == hook.id]
    assert outcomes == ["retried", "ok"]
    failing = await _deliveries(procore_server, project_id, hook.id, "failing")
    assert [d["response_status"] for d in failing] == [500]
    assert [d["event"]["ulid"] for d in failing] == [body["ulid"]]


async def test_sync_unsync_delete_are_update_update_delete(
    procore_server: ProcoreSandbox,
    procore_world: ProcoreWorld,
    project_id: int,
    receiver: tuple[Receiver, RunningServer],
) -> None:
    endpoint, server = receiver
    _watch(procore_world, project_id, server.url + "/hook")
    package_id = _package(procore_world, project_id, "004")
    procore_world.sync_package(project_id, package_id, by_user_id=42)
    procore_world.unsync_package(project_id, package_id)
    procore_world.delete_package(project_id, package_id)
    await procore_world.deliveries_idle()
    in_order = sorted((b for _, b in endpoint.received), key=lambda b: int(b["id"]))
    assert [b["event_type"] for b in in_order] == ["create", "update", "update", "delete"]
    assert any(b["user_id"] == 42 for _, b in endpoint.received)


async def test_duplicate_and_reorder_faults(
    procore_server: ProcoreSandbox,
    procore_world: ProcoreWorld,
    project_id: int,
    receiver: tuple[Receiver, RunningServer],
) -> None:
    endpoint, server = receiver
    _watch(procore_world, project_id, server.url + "/hook")
    procore_world.webhook_settings.duplicate_deliveries = True
    _package(procore_world, project_id, "001")
    await procore_world.deliveries_idle()
    assert len(endpoint.received) == 2 and endpoint.received[0][1] == endpoint.received[1][1]
    endpoint.received.clear()
    settings = procore_world.webhook_settings
    settings.duplicate_deliveries, settings.reorder_deliveries = False, True
    settings.reorder_hold_seconds = 0.05
    ids = [_package(procore_world, project_id, f"00{n}") for n in (2, 3, 4)]
    await procore_world.deliveries_idle()
    assert [b["resource_id"] for _, b in endpoint.received] == ids[::-1]


async def test_no_hook_no_delivery_and_unwatched_events_are_not_sent(
    procore_server: ProcoreSandbox,
    procore_world: ProcoreWorld,
    project_id: int,
    receiver: tuple[Receiver, RunningServer],
) -> None:
    endpoint, server = receiver
    hook = _watch(procore_world, project_id, server.url + "/hook")
    for trigger in [t for t in procore_world.triggers.values() if t.event_type == "create"]:
        del procore_world.triggers[trigger.id]
    package_id = _package(procore_world, project_id, "001")
    procore_world.delete_hook(hook.id)
    procore_world.sync_package(project_id, package_id)
    await procore_world.deliveries_idle()
    assert endpoint.received == [] and procore_world.webhook_events == []


async def _deliveries(
    sandbox: ProcoreSandbox, project_id: int, hook_id: int, status: str
) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as http:
        token = await _token(http, sandbox.url)
        answer = await http.get(
            f"{sandbox.url}/rest/v1.0/webhooks/hooks/{hook_id}/deliveries",
            params={"project_id": project_id, "filter[status]": status},
            headers={
                "Authorization": f"Bearer {token}",
                "Procore-Company-Id": str(PROCORE_COMPANY_ID),
            },
        )
    assert answer.status_code == 200
    return list(answer.json())
