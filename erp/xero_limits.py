"""Xero's per-organisation API limits, kept on our side of the wire.

Xero allows each connected organisation (tenant) 5 calls in progress at once, 60 calls a minute
and 5,000 a day, plus 10,000 a minute per app across tenants; over a limit the answer is HTTP 429
with `Retry-After` (seconds) and `X-Rate-Limit-Problem` naming the limit. Every answer reports
what is left in `X-MinLimit-Remaining`, `X-DayLimit-Remaining` and `X-AppMinLimit-Remaining`
(https://developer.xero.com/faq/limits).

`XeroLimiter` keeps one adapter (one tenant) inside those limits: a semaphore for the calls in
flight and a rolling window of call start times. It also stops early when Xero says a minute's
allowance is used up (other processes may share the tenant) or asks to retry later.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

MINUTE_REMAINING = "X-MinLimit-Remaining"
DAY_REMAINING = "X-DayLimit-Remaining"
APP_MINUTE_REMAINING = "X-AppMinLimit-Remaining"
RETRY_AFTER = "Retry-After"
LIMIT_PROBLEM = "X-Rate-Limit-Problem"

#: X-Rate-Limit-Problem values -> the limit's name in a sentence
PROBLEMS = {
    "concurrent": "limit of 5 calls at once",
    "minute": "limit of 60 calls a minute",
    "day": "daily limit of 5,000 calls",
    "appminute": "app-wide per-minute limit",
}


class LimitWait(Exception):
    """Keeping to the limits would mean waiting longer than allowed: `seconds` until room."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"wait {seconds:.0f} s")
        self.seconds = seconds


@dataclass(frozen=True)
class LimitsSeen:
    """The remaining-call headers of one answer (None where a header was absent)."""

    minute: int | None
    day: int | None
    app_minute: int | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> LimitsSeen:
        return cls(
            _count(headers.get(MINUTE_REMAINING)),
            _count(headers.get(DAY_REMAINING)),
            _count(headers.get(APP_MINUTE_REMAINING)),
        )

    @property
    def minute_used_up(self) -> bool:
        return self.minute == 0 or self.app_minute == 0


@dataclass(frozen=True)
class RateLimited:
    """A 429: which limit (`X-Rate-Limit-Problem`) and how long Xero asks us to wait."""

    problem: str
    retry_after: float | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimited:
        wait = _count(headers.get(RETRY_AFTER))
        problem = headers.get(LIMIT_PROBLEM, "").strip().casefold()
        return cls(problem, None if wait is None else float(wait))

    def sentence(self) -> str:
        limit = PROBLEMS.get(self.problem, "rate limit")
        later = "shortly" if self.retry_after is None else when(self.retry_after)
        return f"Xero's {limit} for this organisation was reached; try again {later}"


def when(seconds: float) -> str:
    if seconds < 1:
        return "now"
    if seconds < 120:
        return f"in {seconds:.0f} s"
    if seconds < 7200:
        return f"in {seconds / 60:.0f} min"
    return f"in {seconds / 3600:.0f} h"


def _count(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdecimal() else None


class XeroLimiter:
    """At most `concurrent` calls in flight and `per_minute` call starts in any `window` seconds.

    A call start is counted from just before it is sent; `slack` seconds are added to the window
    so Xero, which counts on arrival, never sees more than `per_minute` in its own window. A wait
    longer than `max_wait` raises `LimitWait` instead of sleeping.
    """

    def __init__(
        self,
        *,
        concurrent: int = 5,
        per_minute: int = 60,
        window: float = 60.0,
        slack: float = 1.0,
        max_wait: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._in_flight = asyncio.Semaphore(concurrent)
        self._per_minute = per_minute
        self._window = window + slack
        self._max_wait = max_wait
        self._clock = clock
        self._starts: deque[float] = deque()
        self._not_before = 0.0
        self.last_seen: LimitsSeen | None = None

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._in_flight:
            await self._wait_for_room()
            yield

    def observe(self, seen: LimitsSeen) -> None:
        """Take in an answer's remaining-call headers."""
        self.last_seen = seen
        if seen.minute_used_up:
            oldest = self._starts[0] if self._starts else self._clock()
            self._hold_until(oldest + self._window)

    def retry_later(self, seconds: float) -> None:
        """Xero answered 429: send nothing before `seconds` from now."""
        self._hold_until(self._clock() + seconds)

    def _hold_until(self, moment: float) -> None:
        self._not_before = max(self._not_before, moment)

    async def _wait_for_room(self) -> None:
        while True:
            now = self._clock()
            while self._starts and self._starts[0] <= now - self._window:
                self._starts.popleft()
            wait = self._not_before - now
            if len(self._starts) >= self._per_minute:
                wait = max(wait, self._starts[0] + self._window - now)
            if wait <= 0:
                self._starts.append(now)
                return
            if wait > self._max_wait:
                raise LimitWait(wait)
            await asyncio.sleep(wait)
