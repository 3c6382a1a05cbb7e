"""Staying under Procore's rate limit instead of discovering it.

Every response carries `X-Rate-Limit-Limit/Remaining/Reset`. A `RequestBudget` remembers the
latest figures and makes the next request wait for the reset when none are left. `LocalBudget`
serves one process; `storage.budget.SharedBudget` shares one budget among all replicas of a
company through the database.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RateWindow:
    limit: int
    remaining: int
    reset_at: float


def read_window(headers: Mapping[str, str]) -> RateWindow | None:
    try:
        return RateWindow(
            limit=int(headers["X-Rate-Limit-Limit"]),
            remaining=int(headers["X-Rate-Limit-Remaining"]),
            reset_at=float(headers["X-Rate-Limit-Reset"]),
        )
    except (KeyError, ValueError):
        return None


class BudgetExhausted(Exception):
    def __init__(self, wait: float) -> None:
        super().__init__(f"Procore's rate limit resets in {wait:.0f} s")
        self.wait = wait


class RequestBudget(Protocol):
    async def acquire(self, max_wait: float) -> None:
        """Take one request from the budget, waiting for the reset if none are left; raise
        `BudgetExhausted` when that wait would exceed `max_wait`."""
        ...

    async def observe(self, window: RateWindow) -> None:
        """Record what Procore said about the budget in a response."""
        ...


class LocalBudget:
    def __init__(self) -> None:
        self._window: RateWindow | None = None
        self._lock = asyncio.Lock()

    async def acquire(self, max_wait: float) -> None:
        while True:
            async with self._lock:
                window = self._window
                now = time.time()
                if window is None or window.reset_at <= now or window.remaining > 0:
                    if window is not None and window.reset_at > now:
                        self._window = RateWindow(
                            window.limit, window.remaining - 1, window.reset_at
                        )
                    return
                wait = window.reset_at - now
            if wait > max_wait:
                raise BudgetExhausted(wait)
            await asyncio.sleep(wait)

    async def observe(self, window: RateWindow) -> None:
        async with self._lock:
            current = self._window
            if current is None or window.reset_at > current.reset_at:
                self._window = window
            elif window.reset_at == current.reset_at:
                remaining = min(current.remaining, window.remaining)
                self._window = RateWindow(window.limit, remaining, window.reset_at)
