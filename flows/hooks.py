"""The app's Procore Hooks: one per linked project, under the app's namespace, pointing at
`{PUBLIC_URL}/procore/webhooks` with the app's secret, with Triggers for create, update and
delete of Change Order Packages. `ensure_hook` makes what exists in Procore match that (it is
idempotent, and two calls at once, in one process or on two replicas, take turns);
`remove_hooks` takes them away. Hooks of other namespaces are never listed nor touched.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import structlog

from flows.services import Services, WebhookConfig
from procore.hooks import API_VERSION, EVENTS, RESOURCE, authorization_matches
from procore.models import Hook, Trigger
from storage import packages

log = structlog.get_logger("cco.hooks")

_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


#: a replica making the project's hooks holds them this long at most (another may then take
#: over), and waits this long for another replica's hold before giving up
HOOKS_HOLD = timedelta(seconds=60)
_CLAIM_POLL = 0.1
#: a hook's `status` when Procore stopped delivering to it
DISABLED = "disabled"


class HooksBusy(Exception):
    """Another replica held the project's hooks for longer than HOOKS_HOLD."""


def _project_lock(project_id: int) -> asyncio.Lock:
    """One lock per project in this process (per event loop: tests run several)."""
    locks = _locks.setdefault(asyncio.get_running_loop(), {})
    return locks.setdefault(project_id, asyncio.Lock())


@asynccontextmanager
async def _project_hooks(svc: Services, project_id: int) -> AsyncIterator[None]:
    """The project's hooks to this process alone (its lock) and to this replica alone (a
    lease in the database, `indexed_project.hooks_claimed_until`)."""
    async with _project_lock(project_id):
        deadline = time.monotonic() + HOOKS_HOLD.total_seconds()
        while True:
            async with svc.db.transaction() as s:
                if await packages.claim_hooks(session=s, project_id=project_id, hold=HOOKS_HOLD):
                    break
            if time.monotonic() > deadline:
                raise HooksBusy(f"project {project_id}")
            await asyncio.sleep(_CLAIM_POLL)
        try:
            yield
        finally:
            async with svc.db.transaction() as s:
                await packages.release_hooks(session=s, project_id=project_id)


def is_current(hook: Hook, config: WebhookConfig) -> bool:
    """The hook delivers v2 events to this app's URL with this app's secret, and Procore does
    not show it disabled (v2 hooks have a `status`: a disabled one is made again)."""
    return (
        hook.status != DISABLED
        and hook.destination_url == config.url
        and hook.api_version.startswith(API_VERSION)
        and authorization_matches(hook, config.authorization)
    )


async def ensure_hook(svc: Services, project_id: int) -> Hook | None:
    """Make the project's hook and its three triggers exist; None when webhooks are off.

    A hook of the namespace pointing elsewhere (another URL or secret) is replaced; extra hooks
    and duplicate or foreign triggers on ours are deleted."""
    config = svc.webhooks
    if config is None:
        return None
    hooks_api = svc.procore.hooks
    async with _project_hooks(svc, project_id):
        hooks = await hooks_api.list_hooks(project_id, config.namespace)
        keep = next((h for h in hooks if is_current(h, config)), None)
        for stale in (h for h in hooks if h is not keep):
            await hooks_api.delete_hook(project_id, stale.id)
            log.info("hooks.replaced", project_id=project_id, hook_id=stale.id)
        if keep is None:
            keep = await hooks_api.create_hook(
                project_id, config.namespace, config.url, config.authorization
            )
            log.info("hooks.created", project_id=project_id, hook_id=keep.id)
        await _ensure_triggers(svc, project_id, keep.id)
        return keep


async def _ensure_triggers(svc: Services, project_id: int, hook_id: int) -> None:
    hooks_api = svc.procore.hooks
    triggers = await hooks_api.list_triggers(project_id, hook_id)
    wanted = {(RESOURCE, event) for event in EVENTS}
    seen: set[tuple[str, str]] = set()
    extra: list[Trigger] = []
    for trigger in triggers:
        key = (trigger.resource_name, trigger.event_type)
        if key in seen or key not in wanted:
            extra.append(trigger)
        else:
            seen.add(key)
    for trigger in extra:
        await hooks_api.delete_trigger(project_id, hook_id, trigger.id)
    for resource, event in sorted(wanted - seen):
        await hooks_api.create_trigger(project_id, hook_id, resource, event)
    if extra or wanted - seen:
        log.info("hooks.triggers", project_id=project_id, hook_id=hook_id, added=len(wanted - seen))


async def remove_hooks(svc: Services, project_id: int) -> int:
    """Delete every hook of the app's namespace on the project; how many there were."""
    config = svc.webhooks
    if config is None:
        return 0
    async with _project_lock(project_id):
        hooks = await svc.procore.hooks.list_hooks(project_id, config.namespace)
        for hook in hooks:
            await svc.procore.hooks.delete_hook(project_id, hook.id)
    if hooks:
        log.info("hooks.removed", project_id=project_id, hooks=len(hooks))
    return len(hooks)
