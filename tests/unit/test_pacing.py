"""Acks first (handlers.pacing): while acks arrive, post-ack work starts at most every `gap`;
without them, up to `at_once` at once; every turn is eventually taken."""

from __future__ import annotations

import asyncio
import itertools
import time

from handlers.pacing import PostAckPacer


async def _starts(pacer: PostAckPacer, turns: int, *, acking: bool) -> list[float]:
    started: list[float] = []
    stop = asyncio.Event()

    async def acks() -> None:
        while not stop.is_set():
            pacer.acked()
            await asyncio.sleep(0.005)

    async def work() -> None:
        async with pacer:
            started.append(time.monotonic())
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(acks()) if acking else None
    await asyncio.gather(*(work() for _ in range(turns)))
    stop.set()
    if ticker is not None:
        await ticker
    return started


async def test_while_acks_arrive_turns_start_a_gap_apart() -> None:
    starts = await _starts(PostAckPacer(4, gap=0.03), 4, acking=True)
    assert len(starts) == 4  # nothing is skipped
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.025


async def test_without_acks_turns_start_at_once_up_to_the_slots() -> None:
    starts = await _starts(PostAckPacer(4, gap=0.5), 4, acking=False)
    assert len(starts) == 4
    assert max(starts) - min(starts) < 0.1


async def test_a_cancelled_wait_gives_its_slot_back() -> None:
    pacer = PostAckPacer(1, gap=10.0)
    async with pacer:
        pass
    pacer.acked()
    waiting = asyncio.create_task(pacer.__aenter__())
    await asyncio.sleep(0.01)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    pacer._last_ack = float("-inf")  # acks stopped
    await asyncio.wait_for(pacer.__aenter__(), 0.5)  # the slot is free again
