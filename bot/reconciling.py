"""The periodic reconciliation of Procore hooks and the CCO index (`flows.watching`): once at
start-up, in the background (start-up never waits for Procore), then every RECONCILE_MINUTES.
Without PUBLIC_URL there are no hooks: the log says once that alerts are off, and why."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog

from bot.runtime import Runtime
from flows.watching import reconcile_all

log = structlog.get_logger("cco.reconciling")


@contextlib.asynccontextmanager
async def reconciling(runtime: Runtime) -> AsyncIterator[None]:
    if runtime.services.webhooks is None:
        log.warning("alerts are off: PUBLIC_URL is not set")
        yield
        return

    async def loop() -> None:
        while True:
            try:
                await reconcile_all(runtime.services)
            except Exception:
                log.exception("reconcile.failed")
            await asyncio.sleep(runtime.settings.reconcile_minutes * 60)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
