"""Acks first: the work a command does after its ack yields to the acks still arriving.

A `/cco unlink` card costs ~11–13 ms of CPU (the index read, the card's rows and their states,
rendering, `chat.postMessage`, storing the card); an ack costs ~0.7 ms. In a burst of commands
the cards owed cannot keep up on one CPU whatever they cost, and each card's steps run in the
same event loop turns as the acks, so every ack waits longer (docs/performance.md, "Ack path").
So while acks keep arriving (one within PRESSURE seconds), a command's post-ack work starts at
most every GAP seconds; once they stop, up to AT_ONCE run at once. Nothing is skipped: every
acked command is worked on, in order of arrival, only later during a burst.
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType

#: commands worked on at once after their ack
AT_ONCE = 4
#: seconds since the last ack during which acks count as still arriving
PRESSURE = 0.05
#: while they arrive, seconds between the starts of two commands' post-ack work
GAP = 0.1


class PostAckPacer:
    """`async with pacer:` around a command's post-ack work; `acked()` after each ack."""

    def __init__(
        self, at_once: int = AT_ONCE, *, gap: float = GAP, pressure: float = PRESSURE
    ) -> None:
        self._slots = asyncio.Semaphore(at_once)
        self._gap = gap
        self._pressure = pressure
        self._last_ack = float("-inf")
        self._next_start = 0.0

    def acked(self) -> None:
        self._last_ack = time.monotonic()

    async def __aenter__(self) -> None:
        await self._slots.acquire()
        try:
            await self._my_turn()
        except BaseException:
            self._slots.release()
            raise

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._slots.release()

    async def _my_turn(self) -> None:
        while True:
            now = time.monotonic()
            if now - self._last_ack > self._pressure or now >= self._next_start:
                self._next_start = now + self._gap
                return
            await asyncio.sleep(self._next_start - now)
