"""An attempt's lease: renewed while its process works on it, so a live attempt is never taken
over, and an abandoned one (its process died) is recovered once the lease runs out.

The lease is fenced: each holder has its own token (`UnlinkAttempt.lease_token`), and renewing
needs it. A holder that stalled past its lease (its heartbeat failed) finds the token changed by
the replica that took over, and stops: it cannot renew, mark the Procore write or finish."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from types import TracebackType

from storage import attempts
from storage.db import Database


async def renew_lease(db: Database, attempt_id: int, token: str, duration: timedelta) -> bool:
    """Extend the lease of an unfinished attempt held with `token`; False when the attempt is
    finished already or another process took the lease over."""
    async with db.transaction() as s:
        return await attempts.renew_lease(
            session=s, attempt_id=attempt_id, token=token, duration=duration
        )


class Lease:
    """`async with Lease(...)`: a heartbeat renews the lease every third of its duration."""

    def __init__(self, db: Database, attempt_id: int, token: str, duration: timedelta) -> None:
        self._db = db
        self._id = attempt_id
        self._token = token
        self._duration = duration
        self._task: asyncio.Task[None] | None = None
        self.lost = False

    async def __aenter__(self) -> Lease:
        self._task = asyncio.create_task(self._beat())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def hold(self) -> bool:
        """Renew now; False when another process has finished the attempt or taken it over."""
        if not self.lost and not await renew_lease(self._db, self._id, self._token, self._duration):
            self.lost = True
        return not self.lost

    async def _beat(self) -> None:
        interval = max(self._duration.total_seconds() / 3, 0.05)
        while not self.lost:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):
                await self.hold()
