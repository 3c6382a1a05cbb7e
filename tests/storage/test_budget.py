"""The Procore request budget shared by replicas through the database (storage.budget): taken
in batches while plenty are left, never more than the row allows across replicas, and Procore's
figures written when they say something new."""

from __future__ import annotations

import asyncio
import time

import pytest

from procore.budget import BudgetExhausted, RateWindow
from storage.budget import BATCH, BATCH_FLOOR, SharedBudget
from storage.db import Database
from storage.models import ProcoreBudget

COMPANY = 4_242


async def _remaining(db: Database) -> int:
    async with db.session() as s:
        row = await s.get(ProcoreBudget, COMPANY)
    assert row is not None
    return row.remaining


async def test_replicas_together_never_send_more_than_the_budget_allows(db: Database) -> None:
    replicas = [SharedBudget(db, COMPANY), SharedBudget(db, COMPANY)]
    reset = time.time() + 60
    await replicas[0].observe(RateWindow(3600, BATCH_FLOOR + 15, reset))

    async def send(budget: SharedBudget) -> bool:
        try:
            await budget.acquire(max_wait=0.0)
        except BudgetExhausted:
            return False
        return True

    sent = [await send(replicas[n % 2]) for n in range(BATCH_FLOOR + 40)]

    assert sum(sent) <= BATCH_FLOOR + 15  # what Procore said was left, whoever sent them
    assert sum(sent) >= BATCH_FLOOR + 15 - 2 * (BATCH - 1)  # at most a batch held per replica
    assert await _remaining(db) == 0
    with pytest.raises(BudgetExhausted) as caught:
        await replicas[1].acquire(max_wait=0.0)
    assert 0 < caught.value.wait <= 60


async def test_plenty_left_is_taken_a_batch_per_transaction(db: Database) -> None:
    budget = SharedBudget(db, COMPANY)
    await budget.observe(RateWindow(3600, 3000, time.time() + 60))
    for _ in range(BATCH):
        await budget.acquire(max_wait=0.0)
    assert await _remaining(db) == 3000 - BATCH  # one transaction took them all
    await budget.acquire(max_wait=0.0)
    assert await _remaining(db) == 3000 - 2 * BATCH


async def test_figures_are_written_when_new_and_otherwise_at_most_every_second(
    db: Database,
) -> None:
    budget = SharedBudget(db, COMPANY)
    reset = time.time() + 60
    await budget.observe(RateWindow(3600, 3000, reset))
    await budget.observe(RateWindow(3600, 2990, reset))  # nothing new, just written
    assert await _remaining(db) == 3000
    await budget.observe(RateWindow(3600, 300, reset))  # few left: always written
    assert await _remaining(db) == 300
    await budget.observe(RateWindow(3600, 3599, reset + 3600))  # a new window
    assert await _remaining(db) == 3599


async def test_a_new_window_lets_the_request_go_and_drops_what_was_held(db: Database) -> None:
    budget = SharedBudget(db, COMPANY)
    await budget.observe(RateWindow(3600, 3000, time.time() + 0.2))
    await budget.acquire(max_wait=0.0)  # holds BATCH - 1 more until the reset
    await asyncio.sleep(0.25)
    await budget.acquire(max_wait=0.0)  # past the reset: goes, the held ones are not used
    assert await _remaining(db) == 3000 - BATCH
