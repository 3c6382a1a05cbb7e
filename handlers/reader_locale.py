"""Each person's Slack locale (`users.info` with `include_locale=true`), remembered for a short
while so that a burst of clicks and commands costs one lookup per person.

The window (`LOCALE_TTL_SECONDS`, 10 minutes) is how long a person who changes their Slack
language may still be answered in the previous one. The cache is per process; the directory
fills it from the `users.info` answer it reads anyway (`remember_from`), so knowing the locale
adds no Slack call to an unlink.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

LOCALE_TTL_SECONDS = 600.0
#: people remembered at most (the oldest are forgotten first)
MAX_PEOPLE = 10_000


class ReaderLocales:
    def __init__(
        self,
        ttl: float = LOCALE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        limit: int = MAX_PEOPLE,
    ) -> None:
        self._ttl, self._clock, self._limit = ttl, clock, limit
        self._seen: dict[tuple[str, str], tuple[float, str | None]] = {}

    def known(self, team_id: str, user_id: str) -> bool:
        """Whether the person's locale was read within the window (None counts: Slack had
        none for them)."""
        found = self._seen.get((team_id, user_id))
        return found is not None and self._clock() - found[0] < self._ttl

    def get(self, team_id: str, user_id: str) -> str | None:
        """The person's Slack locale read within the window; None when unknown or expired."""
        return self._seen[(team_id, user_id)][1] if self.known(team_id, user_id) else None

    def remember(self, team_id: str, user_id: str, locale: str | None) -> None:
        key = (team_id, user_id)
        self._seen.pop(key, None)
        self._seen[key] = (self._clock(), locale or None)
        while len(self._seen) > self._limit:
            del self._seen[next(iter(self._seen))]

    def forget(self, team_id: str, user_id: str) -> None:
        """Read the person's locale again next time (the sandbox's language switch)."""
        self._seen.pop((team_id, user_id), None)

    def remember_from(self, team_id: str, user: Mapping[str, Any]) -> None:
        """Keep the locale of a `users.info` user object (asked with `include_locale=true`)."""
        user_id, locale = user.get("id"), user.get("locale")
        if isinstance(user_id, str) and user_id:
            self.remember(team_id, user_id, locale if isinstance(locale, str) else None)
