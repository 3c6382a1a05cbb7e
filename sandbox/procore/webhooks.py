"""The stand-in's webhook sender: POSTs each `WebhookEvent` the world announces to its hook's
`destination_url` with the hook's `destination_headers`, as Procore's webhooks guide describes
(2xx within 5 s or the delivery failed; exponential backoff from 1 s up to 1 h; discarded after
12 h), every figure taken from `ProcoreWorld.webhook_settings` so tests can compress them.
Two faults from the same settings: `duplicate_deliveries` (each event sent twice) and
`reorder_deliveries` (events held for a moment, then sent newest first).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Coroutine
from typing import Any

import aiohttp

from sandbox.procore.wire import event_json
from sandbox.procore.world import ProcoreWorld, WebhookDelivery, WebhookEvent, WebhookHook

#: how much of a destination's answer a delivery record keeps
BODY_KEPT = 1000


class DeliverySender:
    """Sends one world's webhook events while its stand-in runs (`start` .. `stop`)."""

    def __init__(self, world: ProcoreWorld) -> None:
        self.world = world
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots: dict[int, asyncio.Semaphore] = {}
        self._held: list[WebhookEvent] = []
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._ids = itertools.count(1)

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self.world.delivery_sinks.append(self)

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.world.delivery_sinks.remove(self)
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()

    # -- the world's DeliverySink ----------------------------------------------------------------

    def enqueue(self, event: WebhookEvent) -> None:
        settings = self.world.webhook_settings
        for _ in range(2 if settings.duplicate_deliveries else 1):
            if settings.reorder_deliveries:
                self._hold(event)
            else:
                self._spawn(self._deliver(event))

    async def idle(self) -> None:
        while self._busy:
            await self._idle.wait()

    # -- sending -----------------------------------------------------------------------------------

    def _hold(self, event: WebhookEvent) -> None:
        self._held.append(event)
        if len(self._held) == 1:
            self._spawn(self._send_held())

    async def _send_held(self) -> None:
        """After the hold, the batch goes out newest first, one after another."""
        await asyncio.sleep(self.world.webhook_settings.reorder_hold_seconds)
        batch, self._held = self._held, []
        for event in reversed(batch):
            await self._deliver(event)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self._busy += 1
        self._idle.clear()
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._busy -= 1
        if not self._busy:
            self._idle.set()

    async def _deliver(self, event: WebhookEvent) -> None:
        """Attempts until a 2xx or the discard time; a hook's slots stay taken while its
        deliveries wait to retry (Procore pauses a failing hook's deliveries)."""
        settings = self.world.webhook_settings
        slot = self._slots.setdefault(event.hook_id, asyncio.Semaphore(settings.concurrency))
        first = time.monotonic()
        async with slot:
            for attempt in itertools.count():
                hook = self.world.hooks.get(event.hook_id)
                if hook is None:
                    return  # the hook was deleted: nowhere to send
                wait = min(settings.retry_base_seconds * 2**attempt, settings.retry_max_seconds)
                give_up = time.monotonic() + wait - first > settings.discard_after_seconds
                if await self._attempt(hook, event, give_up):
                    return
                if give_up:
                    return
                await asyncio.sleep(wait)

    async def _attempt(self, hook: WebhookHook, event: WebhookEvent, last: bool) -> bool:
        """One POST, recorded as a delivery; True on a 2xx answer."""
        assert self._session is not None
        delivery = WebhookDelivery(next(self._ids), hook.id, event, self.world.clock())
        self.world.deliveries.append(delivery)
        timeout = aiohttp.ClientTimeout(total=self.world.webhook_settings.timeout_seconds)
        headers = dict(hook.destination_headers) | {"Content-Type": "application/json"}
        try:
            async with self._session.post(
                hook.destination_url, json=event_json(event), headers=headers, timeout=timeout
            ) as response:
                delivery.response_status = response.status
                delivery.response_headers = dict(response.headers)
                delivery.response_body = (await response.text())[:BODY_KEPT]
        except (aiohttp.ClientError, TimeoutError) as exc:
            delivery.response_error = f"{type(exc).__name__}: {exc}"[:BODY_KEPT]
        delivery.completed_at = self.world.clock()
        ok = delivery.response_status is not None and 200 <= delivery.response_status < 300
        delivery.outcome = "ok" if ok else ("discarded" if last else "retried")
        return ok
