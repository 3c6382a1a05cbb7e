"""The low-latency loop of Procore's deliveries: apply the recorded events (the index and its
changes), write the alerts that are due, post them.

`POST /procore/webhooks` records an event and kicks the loop, so a change reaches Slack within
a second; while there is work it also looks every `BUSY_POLL` (an alert is due a moment after
its change, see `storage.package_changes`), else every SWEEP_INTERVAL_SECONDS (events another
replica recorded, retries after a failure). Everything it works on is in the database and
claimed, so replicas share it and a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

import structlog

from flows.outbox import deliver_pending
from flows.procore_events import apply_pending, forget_old_events

if TYPE_CHECKING:
    from flows.services import Services

log = structlog.get_logger("cco.watcher")

#: how often the loop looks while work is pending
BUSY_POLL = 0.1
#: how long after the last kick or the last work done the work counts as pending (an alert is
#: due at most a second after its change)
BUSY_WINDOW = 2.0


class Watcher:
    """One per process; `kick()` wakes it (a delivery was recorded)."""

    def __init__(
        self,
        svc: Services,
        *,
        idle_seconds: float,
        paused: Callable[[], bool] = lambda: False,
    ) -> None:
        self._svc = svc
        self._idle = idle_seconds
        self._paused = paused
        self._kicked = asyncio.Event()
        self._changed = asyncio.Event()
        self._written = asyncio.Event()
        self._busy_until = 0.0
        self._last_tidy = 0.0

    def kick(self) -> None:
        """Work was recorded: look now, and keep looking often for a while."""
        self._busy_until = time.monotonic() + BUSY_WINDOW
        self._kicked.set()

    async def apply_pass(self) -> bool:
        if self._paused():
            return False
        applied = await apply_pending(self._svc)
        if applied:
            self._busy_until = time.monotonic() + BUSY_WINDOW
            self._changed.set()
        return bool(applied)

    async def deliver_pass(self) -> bool:
        if self._paused():
            return False
        delivered = await deliver_pending(self._svc)
        if delivered:
            self._busy_until = time.monotonic() + BUSY_WINDOW
        return bool(delivered)

    async def run(self) -> None:
        """Three loops, so that no stage waits for another's work: events applied, alerts
        written, messages posted."""
        await asyncio.gather(
            self._loop(self.apply_pass, self._kicked, tidy=True),
            self._loop(self._write_pass, self._changed, tidy=False),
            self._loop(self.deliver_pass, self._written, tidy=False),
        )

    async def _write_pass(self) -> bool:
        from flows.alerts import alert_pass

        if self._paused():
            return False
        written = await alert_pass(self._svc)
        if written:
            self._busy_until = time.monotonic() + BUSY_WINDOW
            self._written.set()
        return bool(written)

    async def _loop(
        self, work: Callable[[], Awaitable[bool]], wake: asyncio.Event, *, tidy: bool
    ) -> None:
        while True:
            wake.clear()
            try:
                await work()
                if tidy:
                    await self._tidy()
            except Exception:
                log.exception("watcher.failed")
            busy = time.monotonic() < self._busy_until
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), BUSY_POLL if busy else self._idle)

    async def _tidy(self) -> None:
        """Now and then, drop events old enough that Procore no longer repeats them."""
        if time.monotonic() - self._last_tidy > 3600:
            self._last_tidy = time.monotonic()
            await forget_old_events(self._svc)


@contextlib.asynccontextmanager
async def watching(watcher: Watcher | None) -> AsyncIterator[None]:
    """Run the watcher's loop while the context is open (nothing when None)."""
    if watcher is None:
        yield
        return
    task = asyncio.create_task(watcher.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
