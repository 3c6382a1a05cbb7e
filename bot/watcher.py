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

from bot.stopping import STOP_GRACE, finish_or_cancel
from flows.outbox import deliver_pending
from flows.procore_events import apply_pending, forget_old_events

if TYPE_CHECKING:
    from flows.services import Services
    from flows.tenants import Tenants

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
        self._stopping = False

    def request_stop(self) -> None:
        """Finish the pass under way and stop: a pass cancelled in the middle of its database
        work leaves SQLAlchemy closing that connection in the background, past shutdown."""
        self._stopping = True
        for wake in (self._kicked, self._changed, self._written):
            wake.set()

    def kick(self, svc: Services | None = None) -> None:
        """Work was recorded (for `svc`'s tenant: this watcher's one): look now, and keep
        looking often for a while."""
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
        loops = [
            asyncio.create_task(self._loop(self.apply_pass, self._kicked, tidy=True)),
            asyncio.create_task(self._loop(self._write_pass, self._changed, tidy=False)),
            asyncio.create_task(self._loop(self.deliver_pass, self._written, tidy=False)),
        ]
        try:
            await asyncio.gather(*loops)
        finally:
            # Stopped (or one loop died): wait until every loop has finished its cancellation,
            # database rollbacks included, before the caller disposes of the engine. A bare
            # gather returns at the first error and left the others running past shutdown.
            for loop in loops:
                loop.cancel()
            await asyncio.gather(*loops, return_exceptions=True)

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
        while not self._stopping:
            wake.clear()
            try:
                await work()
                if tidy:
                    await self._tidy()
            except Exception:
                log.exception("watcher.failed")
            busy = time.monotonic() < self._busy_until
            if self._stopping:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), BUSY_POLL if busy else self._idle)

    async def _tidy(self) -> None:
        """Now and then, drop events old enough that Procore no longer repeats them."""
        if time.monotonic() - self._last_tidy > 3600:
            self._last_tidy = time.monotonic()
            await forget_old_events(self._svc)


class TenantWatchers:
    """Many workspaces: one `Watcher` per set-up tenant, each with the tenant's services, so
    each applies, alerts and posts only its own company's work. Tenants set up or removed
    meanwhile are followed every `idle_seconds`; a kick wakes the delivery's tenant only."""

    def __init__(
        self,
        tenants: Tenants,
        *,
        idle_seconds: float,
        paused: Callable[[], bool] = lambda: False,
    ) -> None:
        self._tenants = tenants
        self._idle = idle_seconds
        self._paused = paused
        self._running: dict[str, tuple[Watcher, asyncio.Task[None], Services]] = {}
        self._stopping = asyncio.Event()
        #: watchers asked to stop, until they have
        self._leaving: set[asyncio.Task[None]] = set()

    def request_stop(self) -> None:
        """Let every tenant's watcher finish its pass under way, then stop."""
        self._stopping.set()
        for watcher, _, _ in self._running.values():
            watcher.request_stop()

    def kick(self, svc: Services | None = None) -> None:
        """A delivery was recorded for `svc`'s tenant: wake its watcher (started now when the
        tenant was set up since the last look)."""
        if svc is None or svc.policy.tenant is None:
            return
        running = self._running.get(svc.policy.tenant)
        if running is None or running[2] is not svc:
            self._start(svc)
        self._running[svc.policy.tenant][0].kick()

    def _start(self, svc: Services) -> None:
        key = svc.policy.tenant or ""
        self._stop(key)
        watcher = Watcher(svc, idle_seconds=self._idle, paused=self._paused)
        self._running[key] = (watcher, asyncio.create_task(watcher.run()), svc)

    def _stop(self, key: str) -> None:
        """The tenant's watcher ends after its pass under way (removed, or its services
        rebuilt); shutdown waits for it too."""
        gone = self._running.pop(key, None)
        if gone is not None:
            gone[0].request_stop()
            self._leaving.add(gone[1])
            gone[1].add_done_callback(self._leaving.discard)

    async def follow(self) -> None:
        """Start a watcher for each tenant without one (or whose services were rebuilt after
        its set-up changed); stop those of removed tenants."""
        current = {svc.policy.tenant or "": svc for svc in await self._tenants.every()}
        for key in [k for k in self._running if k not in current]:
            self._stop(key)
        for key, svc in current.items():
            running = self._running.get(key)
            if running is None or running[2] is not svc:
                self._start(svc)

    async def run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    await self.follow()
                except Exception:
                    log.exception("watcher.tenants_failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._idle)
        finally:
            for key in list(self._running):
                self._stop(key)
            tasks = list(self._leaving)
            if tasks and self._stopping.is_set():  # asked to stop: let the passes finish
                await asyncio.wait(tasks, timeout=STOP_GRACE)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def watcher_for(
    svc: Services,
    tenants: Tenants | None,
    *,
    idle_seconds: float,
    paused: Callable[[], bool] = lambda: False,
) -> Watcher | TenantWatchers:
    """Single-company mode: the one watcher of the process's services (as before). Many
    workspaces: one per tenant."""
    if tenants is None or not tenants.many:
        return Watcher(svc, idle_seconds=idle_seconds, paused=paused)
    return TenantWatchers(tenants, idle_seconds=idle_seconds, paused=paused)


@contextlib.asynccontextmanager
async def watching(watcher: Watcher | TenantWatchers | None) -> AsyncIterator[None]:
    """Run the watcher's loop while the context is open (nothing when None)."""
    if watcher is None:
        yield
        return
    task = asyncio.create_task(watcher.run())
    try:
        yield
    finally:
        # stop between passes; cancel only a pass that outlives the grace
        watcher.request_stop()
        await finish_or_cancel(task)
