"""Installation storage: the workspace's latest word from Slack, one row per workspace."""

from __future__ import annotations

import asyncio

from storage import installations
from storage.db import Database
from storage.states import InstallationState


async def test_two_events_at_once_mark_a_new_workspace_without_a_conflict(db: Database) -> None:
    """Slack sends `app_uninstalled` and `tokens_revoked` together. The second transaction
    starts while the first has marked the workspace, the table not yet holding it, and neither
    fails (before, both read no row and both inserted one: a key conflict on PostgreSQL)."""
    first_marked, release = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with db.transaction() as s:
            await installations.mark_installation(
                session=s, team_id="T1", state=InstallationState.UNINSTALLED
            )
            first_marked.set()
            await release.wait()

    async def second() -> None:
        await first_marked.wait()
        async with db.transaction() as s:
            await installations.mark_installation(
                session=s, team_id="T1", state=InstallationState.TOKENS_REVOKED
            )

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await first_marked.wait()
    await asyncio.sleep(0.3)  # the second is under way: waiting for its turn or for the row
    release.set()
    await asyncio.gather(*tasks)
    async with db.session() as s:
        latest = await installations.latest_installation(session=s)
    assert latest is not None and latest.team_id == "T1"
    assert latest.state == InstallationState.TOKENS_REVOKED
