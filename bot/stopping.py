"""Stopping background work at shutdown without cutting a database transaction in half."""

from __future__ import annotations

import asyncio
import contextlib

#: on shutdown, how long the pass under way may take to finish before it is cancelled
STOP_GRACE = 5.0


async def finish_or_cancel(task: asyncio.Task[None], grace: float = STOP_GRACE) -> None:
    """Wait for `task`, already asked to stop, to end by itself; cancel it only when it outlives
    `grace`. A task cancelled in the middle of its database work leaves SQLAlchemy closing that
    connection in the background, past the engine's disposal (a shutdown that never ends)."""
    done, _ = await asyncio.wait({task}, timeout=grace)
    if not done:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
