"""An append-only change feed of what Slack users would see change, with long-poll waiting."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FeedEvent:
    seq: int
    kind: str
    data: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, **self.data}


class ChangeFeed:
    """Events are numbered from 1; `wait(after=n)` returns those newer than `n`."""

    def __init__(self) -> None:
        self.events: list[FeedEvent] = []
        self._waiters: set[asyncio.Future[None]] = set()

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    def publish(self, kind: str, data: dict[str, Any]) -> FeedEvent:
        event = FeedEvent(seq=self.last_seq + 1, kind=kind, data=data)
        self.events.append(event)
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()
        return event

    def since(self, after: int) -> list[FeedEvent]:
        return [e for e in self.events if e.seq > after]

    async def wait(self, after: int, within: float) -> list[FeedEvent]:
        """Events newer than `after`; waits up to `within` seconds for one to arrive."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not (fresh := self.since(after)):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(asyncio.shield(waiter), remaining)
            except TimeoutError:
                return []
            finally:
                self._waiters.discard(waiter)
        return fresh
