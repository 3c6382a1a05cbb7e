"""The periodic reconciliation of Procore hooks and the CCO index (`flows.watching`), for each
tenant with its own services: once at start-up, in the background (start-up never waits for
Procore), then every RECONCILE_MINUTES.
Without PUBLIC_URL there are no hooks: the log says once that alerts are off, and why."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog

from bot.runtime import Runtime
from bot.stopping import finish_or_cancel
from flows.watching import reconcile_all

log = structlog.get_logger("cco.reconciling")


@contextlib.asynccontextmanager
async def reconciling(runtime: Runtime) -> AsyncIterator[None]:
    if runtime.services.webhooks is None:
        log.warning("alerts are off: PUBLIC_URL is not set")
        yield
        return

    stop = asyncio.Event()

    async def loop() -> None:
        while not stop.is_set():
            await reconcile_tenants(runtime)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), runtime.settings.reconcile_minutes * 60)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        stop.set()  # a reconciliation under way finishes (or is cancelled after the grace)
        await finish_or_cancel(task)


async def reconcile_tenants(runtime: Runtime) -> None:
    """Reconcile each tenant with its own services (its company's links, hooks and index); one
    tenant's failure does not stop the others'. Single-company mode: the one company."""
    try:
        every = [runtime.services] if runtime.tenants is None else await runtime.tenants.every()
    except Exception:
        log.exception("reconcile.failed")
        return
    for services in every:
        try:
            await reconcile_all(services)
        except Exception:
            log.exception("reconcile.failed", tenant=services.policy.tenant)
