"""The app's Procore Hooks through the real app and the Procore stand-in: `/cco link` makes the
project's hook (after its answer), a move removes the hook of a project no channel is left on,
`ensure_hook` is idempotent even twice at once, and `reconcile_all` removes a stray hook and
recreates a deleted one. Without PUBLIC_URL: no hook, and the link's answer says alerts are off."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flows.hooks import ensure_hook
from flows.watching import reconcile_all
from procore.hooks import EVENTS, RESOURCE
from sandbox.procore.world import WebhookHook
from tests.conftest import database_params
from tests.e2e.rig import TOWER_A, TOWER_CHANNEL, Rig, start_rig, stop_rig, text_of

HARBOR_B = 202
NAMESPACE = "cco-bot"


@pytest.fixture(params=database_params())
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    started = await start_rig(request.param, tmp_path)
    try:
        yield started
    finally:
        await stop_rig(started)


def _hooks(rig: Rig, project_id: int) -> list[WebhookHook]:
    world = rig.stack.procore.world
    return [h for h in world.hooks.values() if h.project_id == project_id]


def _events(rig: Rig, hook: WebhookHook) -> list[tuple[str, str]]:
    world = rig.stack.procore.world
    return sorted(
        (t.resource_name, t.event_type) for t in world.triggers.values() if t.hook_id == hook.id
    )


def _watched(rig: Rig, project_id: int) -> bool:
    """One hook in the app's namespace, to its URL with its secret, with the three triggers."""
    config = rig.runtime.services.webhooks
    assert config is not None
    hooks = _hooks(rig, project_id)
    return (
        len(hooks) == 1
        and hooks[0].namespace == NAMESPACE
        and hooks[0].destination_url == config.url
        and hooks[0].destination_headers == {"Authorization": config.authorization}
        and _events(rig, hooks[0]) == [(RESOURCE, e) for e in sorted(EVENTS)]
    )


async def test_link_creates_the_project_hook_and_a_move_removes_the_one_left(rig: Rig) -> None:
    config = rig.runtime.services.webhooks
    assert config is not None and config.url == f"{rig.server.url}/procore/webhooks"
    await rig.link()
    await rig.until(lambda: _watched(rig, TOWER_A), limit=5.0)
    announced = text_of(rig.stack.slack.channel_messages(TOWER_CHANNEL)[-1])
    assert "Alerts are off" not in announced

    await rig.command(f"link {HARBOR_B}", user="U0BEN")  # the channel moves: Tower A is left
    await rig.until(lambda: _watched(rig, HARBOR_B) and not _hooks(rig, TOWER_A), limit=5.0)


async def test_ensure_hook_twice_at_once_makes_one_hook_and_three_triggers(rig: Rig) -> None:
    svc = rig.runtime.services
    first, second = await asyncio.gather(ensure_hook(svc, HARBOR_B), ensure_hook(svc, HARBOR_B))
    assert first is not None and second is not None and first.id == second.id
    assert _watched(rig, HARBOR_B)
    writes = rig.stack.procore.recorder.count("POST", r"/webhooks/")
    await ensure_hook(svc, HARBOR_B)
    assert rig.stack.procore.recorder.count("POST", r"/webhooks/") == writes  # nothing new
    assert rig.stack.procore.recorder.count("DELETE", r"/webhooks/") == 0
    assert _watched(rig, HARBOR_B)


async def test_reconcile_removes_a_stray_hook_and_recreates_a_deleted_one(rig: Rig) -> None:
    svc = rig.runtime.services
    world = rig.stack.procore.world
    # Harbor B's channel is linked, then moved to Tower A: Harbor B was once linked
    await rig.command(f"link {HARBOR_B}", user="U0BEN", channel="C0HARBORB")
    await rig.until(lambda: _watched(rig, HARBOR_B), limit=5.0)
    await rig.command(f"link {TOWER_A}", user="U0BEN", channel="C0HARBORB")
    await rig.until(lambda: _watched(rig, TOWER_A) and not _hooks(rig, HARBOR_B), limit=5.0)
    await rig.settle()
    # Tower A's hook is deleted in Procore; an old hook of ours is left on Harbor B
    world.delete_hook(_hooks(rig, TOWER_A)[0].id)
    stray = world.add_hook(
        WebhookHook(0, NAMESPACE, "v2", "https://old.example/procore/webhooks", {}, HARBOR_B)
    )
    theirs = world.add_hook(WebhookHook(0, "someone-else", "v2", "https://x.example", {}, HARBOR_B))

    done = await reconcile_all(svc)

    assert _watched(rig, TOWER_A)
    assert stray.id not in world.hooks and theirs.id in world.hooks
    assert done.removed_hooks == 1 and done.failed == 0


async def test_without_public_url_no_hook_and_the_link_says_alerts_are_off(
    tmp_path: Path,
) -> None:
    rig = await start_rig("sqlite", tmp_path, public_url=None)
    try:
        assert rig.runtime.services.webhooks is None
        await rig.link()
        await rig.settle()
        announced = text_of(rig.stack.slack.channel_messages(TOWER_CHANNEL)[-1])
        assert "Alerts are off" in announced and "no public web address" in announced
        assert "PUBLIC_URL" not in announced
        assert rig.stack.procore.world.hooks == {}
        assert (await reconcile_all(rig.runtime.services)).watched == 0
    finally:
        await stop_rig(rig)
