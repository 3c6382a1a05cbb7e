"""Attempt storage (the one active attempt per CCO, its audit) on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import attempts, audit
from storage.db import Database, count_rows
from storage.models import AuditEvent, UnlinkAttempt
from storage.states import AttemptState
from tests.storage.rows import new_attempt


async def test_only_one_active_attempt_per_cco_under_concurrency(db: Database) -> None:
    results = await asyncio.gather(
        *(
            attempts.claim_attempt(db=db, attempt=new_attempt(f"R-{i:08d}", user=f"U{i}"))
            for i in range(20)
        ),
        return_exceptions=True,
    )
    claimed = [r for r in results if isinstance(r, UnlinkAttempt)]
    busy = [r for r in results if isinstance(r, attempts.AttemptBusy)]
    assert len(claimed) == 1
    assert len(busy) == 19
    assert all(b.active is not None and b.active.reference == claimed[0].reference for b in busy)


async def test_a_finished_attempt_frees_the_cco_and_other_ccos_are_independent(
    db: Database,
) -> None:
    first = await attempts.claim_attempt(db=db, attempt=new_attempt("R-AAAAAAAA"))
    await attempts.claim_attempt(db=db, attempt=new_attempt("R-BBBBBBBB", cco_id=8))
    with pytest.raises(attempts.AttemptBusy):
        await attempts.claim_attempt(db=db, attempt=new_attempt("R-CCCCCCCC"))
    attempts.finish(first, AttemptState.REFUSED, "still_in_erp", None)
    async with db.transaction() as s:
        s.add(first)
    again = await attempts.claim_attempt(db=db, attempt=new_attempt("R-DDDDDDDD"))
    async with db.session() as s:
        latest = await attempts.latest_attempts(session=s, company_id=10, cco_ids=[7, 8])
    assert latest[7].reference == again.reference
    assert latest[8].reference == "R-BBBBBBBB"


async def test_claims_are_audited_and_history_is_newest_first(db: Database) -> None:
    attempt = await attempts.claim_attempt(db=db, attempt=new_attempt("R-EEEEEEEE"))
    attempts.finish(attempt, AttemptState.UNLINKED, "unlinked", None)
    async with db.transaction() as s:
        s.add(attempt)
        s.add(audit.audit_for(attempt, "finished", "unlinked", {"erp_reference": "CO1"}))
    await attempts.claim_attempt(db=db, attempt=new_attempt("R-FFFFFFFF"))
    async with db.session() as s:
        events = await audit.audit_events(session=s, reference="R-EEEEEEEE")
        history = await attempts.project_attempts(session=s, company_id=10, project_id=20)
        total = await count_rows(session=s, model=AuditEvent)
    assert [e.event for e in events] == ["claimed", "finished"]
    assert events[1].detail == {"erp_reference": "CO1"}
    assert [a.reference for a in history] == ["R-FFFFFFFF", "R-EEEEEEEE"]
    assert total == 3


class _WinnerFinishesFirst(Database):
    """Holds the race of issue 16 open on purpose: the winner's attempt finishes in the instant
    between the loser's insert failing on the unique index and the loser reading back who holds
    the CCO (the read-back is the first plain session the loser opens)."""

    def __init__(self, db: Database, winner: UnlinkAttempt) -> None:
        super().__init__(db.engine)
        self.winner: UnlinkAttempt | None = winner

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        winner, self.winner = self.winner, None
        if winner is not None:
            attempts.finish(winner, AttemptState.UNLINKED, "unlinked", None)
            async with self.transaction() as s:
                assert await attempts.finish_if_active(session=s, attempt=winner)
        async with super().session() as s:
            yield s


async def test_a_claim_that_loses_to_an_attempt_finishing_meanwhile_names_that_attempt(
    db: Database,
) -> None:
    winner = await attempts.claim_attempt(db=db, attempt=new_attempt("R-WINNER01", user="U0ANA"))
    racing = _WinnerFinishesFirst(db, winner)
    with pytest.raises(attempts.AttemptBusy) as lost:
        await attempts.claim_attempt(
            db=racing, attempt=new_attempt("R-LOSER001", user="U0BEN"), once_per_card=True
        )
    assert racing.winner is None, "the race was not held open: the loser never read back"
    holder = lost.value.active
    assert holder is not None, "the loser could not say who held the CCO"
    assert (holder.reference, holder.slack_user_id, holder.state) == (
        "R-WINNER01",
        "U0ANA",
        "unlinked",
    )
    assert holder.finished_at is not None
    async with db.session() as s:
        assert await attempts.get_attempt(session=s, reference="R-LOSER001") is None
