"""The background work every process runs, over HTTP (`cco-bot serve`) and Socket Mode
(`cco-bot socket`) alike: finish attempts a dead process left, deliver owed replies, expire
requests. While the workspace has removed the app nothing can be said in Slack, so the work
waits until Slack speaks to the app again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog

from bot.reconciling import reconciling
from bot.runtime import Runtime
from bot.watcher import watching
from flows.installation import is_gone
from flows.recovery import sweep

log = structlog.get_logger("cco.background")


async def background_pass(runtime: Runtime) -> None:
    """One pass: follow the installation state (another replica may have seen the removal),
    then sweep."""
    # many workspaces: each removal deletes its own installation, the others go on
    gone = not runtime.settings.many_workspaces() and await is_gone(runtime.db)
    runtime.slack.installation_gone = gone
    if not gone:
        await sweep_tenants(runtime)


async def sweep_tenants(runtime: Runtime) -> None:
    """Sweep for each tenant with its own services (each sees only its own rows); one
    tenant's failure does not stop the others'. Single-company mode: the one sweep."""
    if runtime.tenants is None:
        await sweep(runtime.services)
        return
    for services in await runtime.tenants.every():
        try:
            await sweep(services)
        except Exception:
            log.exception("sweep.tenant_failed", tenant=services.policy.tenant)


@contextlib.asynccontextmanager
async def background_work(runtime: Runtime) -> AsyncIterator[None]:
    """Run passes every `SWEEP_INTERVAL_SECONDS` while the context is open, and the watcher
    of Procore's deliveries (bot/watcher.py) beside them."""

    async def loop() -> None:
        while True:
            try:
                await background_pass(runtime)
            except Exception:
                log.exception("sweep.failed")
            await asyncio.sleep(runtime.settings.sweep_interval_seconds)

    task = asyncio.create_task(loop())
    try:
        async with watching(runtime.watcher), reconciling(runtime):
            yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
