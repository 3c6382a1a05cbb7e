"""Procore's request budget shared by every replica of a company, kept in the database.

One row per company holds the latest `X-Rate-Limit-*` figures any replica saw; each request takes
one from `remaining` with an atomic UPDATE, and waits for `reset_at` when none are left.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import case, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from procore.budget import BudgetExhausted, RateWindow
from storage.db import Database
from storage.models import ProcoreBudget


class SharedBudget:
    def __init__(self, db: Database, company_id: int) -> None:
        self._db = db
        self._company = company_id

    async def acquire(self, max_wait: float) -> None:
        while True:
            wait = await self._take()
            if wait is None:
                return
            if wait > max_wait:
                raise BudgetExhausted(wait)
            await asyncio.sleep(wait)

    async def _take(self) -> float | None:
        """None when the request may go; otherwise the seconds until the budget resets."""
        now = time.time()
        take = (
            update(ProcoreBudget)
            .where(
                col(ProcoreBudget.company_id) == self._company,
                col(ProcoreBudget.remaining) > 0,
                col(ProcoreBudget.reset_at) > now,
            )
            .values(remaining=col(ProcoreBudget.remaining) - 1)
        )
        async with self._db.transaction() as s:
            taken: Any = await s.exec(take)
            if taken.rowcount:
                return None
            query = select(ProcoreBudget).where(ProcoreBudget.company_id == self._company)
            row = (await s.exec(query)).first()
        if row is None or row.reset_at <= now:
            return None
        return max(0.0, row.reset_at - now)

    async def observe(self, window: RateWindow) -> None:
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
