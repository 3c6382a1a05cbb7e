"""Procore's request budget shared by every replica of a company, kept in the database.

One row per company holds the latest `X-Rate-Limit-*` figures any replica saw. A replica takes
requests from `remaining` in one transaction (several at once while plenty are left, then one at a
time), sends only what it took, and waits for `reset_at` when none are left: the replicas together
never send more than the row allowed. Procore's figures are written when they say something new
(a new window, few requests left) and otherwise at most every OBSERVE_EVERY seconds.

Before issue 14 every Procore call cost two transactions here (take + observe): 12 of the 17 of a
card read live on PostgreSQL (docs/performance.md, "Ack path").
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import case, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from procore.budget import BudgetExhausted, RateWindow
from storage.db import Database
from storage.models import ProcoreBudget

#: requests one replica takes in one transaction while at least BATCH_FLOOR are left
BATCH = 10
#: below this many left, one request at a time (the last ones are shared fairly)
BATCH_FLOOR = 200
#: seconds between writes of Procore's figures while they say nothing new
OBSERVE_EVERY = 1.0
#: figures are always written once fewer than this share of the limit is left
LOW_SHARE = 0.1


class SharedBudget:
    def __init__(self, db: Database, company_id: int) -> None:
        self._db = db
        self._company = company_id
        self._lock = asyncio.Lock()
        #: requests taken from the shared row and not sent yet, valid until `_held_until`
        self._held = 0
        self._held_until = 0.0
        #: the last figures written (reset_at) and when
        self._written: tuple[float, float] | None = None

    async def acquire(self, max_wait: float) -> None:
        while True:
            async with self._lock:
                if self._held > 0 and self._held_until > time.time():
                    self._held -= 1
                    return
                wait = await self._take()
            if wait is None:
                return
            if wait > max_wait:
                raise BudgetExhausted(wait)
            await asyncio.sleep(wait)

    async def _take(self) -> float | None:
        """None when the request may go (keeping any more taken with it); otherwise the seconds
        until the budget resets."""
        now = time.time()
        query = select(ProcoreBudget).where(ProcoreBudget.company_id == self._company)
        async with self._db.transaction() as s:
            row = (await s.exec(query.with_for_update())).first()
            if row is None or row.reset_at <= now:
                return None  # no figures yet, or a new window: Procore's answer will tell
            if row.remaining <= 0:
                return max(0.0, row.reset_at - now)
            taken = BATCH if row.remaining >= BATCH_FLOOR else 1
            take = (
                update(ProcoreBudget)
                .where(col(ProcoreBudget.company_id) == self._company)
                .values(remaining=col(ProcoreBudget.remaining) - taken)
            )
            await s.exec(take)
        self._held, self._held_until = taken - 1, row.reset_at
        return None

    def _worth_writing(self, window: RateWindow) -> bool:
        now = time.monotonic()
        written = self._written
        if (
            written is None
            or window.reset_at > written[0]
            or window.remaining < window.limit * LOW_SHARE
            or now - written[1] >= OBSERVE_EVERY
        ):
            self._written = (max(window.reset_at, written[0] if written else 0.0), now)
            return True
        return False

    async def observe(self, window: RateWindow) -> None:
        if not self._worth_writing(window):
            return
        postgres = self._db.engine.dialect.name == "postgresql"
        insert = postgresql.insert if postgres else sqlite.insert
        least = func.least if postgres else func.min
        stmt = insert(ProcoreBudget).values(
            company_id=self._company,
            limit=window.limit,
            remaining=window.remaining,
            reset_at=window.reset_at,
        )
        new = stmt.excluded
        newer = new.reset_at > col(ProcoreBudget.reset_at)
        same = new.reset_at == col(ProcoreBudget.reset_at)
        stmt = stmt.on_conflict_do_update(
            index_elements=["company_id"],
            set_={
                "limit": new.limit,
                "remaining": case(
                    (newer, new.remaining),
                    (same, least(col(ProcoreBudget.remaining), new.remaining)),
                    else_=col(ProcoreBudget.remaining),
                ),
                "reset_at": case((newer, new.reset_at), else_=col(ProcoreBudget.reset_at)),
            },
        )
        async with self._db.transaction() as s:
            await s.exec(stmt)
