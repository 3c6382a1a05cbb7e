"""A database an older release created (before 82fc6ba, without migrations) is brought up to the
models by the migrations: the lease's fencing token column is added, and on PostgreSQL the
Procore numbers, titles and names that were VARCHAR(n) become TEXT, so a long CCO number is
stored whole (issue 10, points 8 and 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from storage.db import Database, upgrade_schema
from storage.models import ChannelLink, UnlinkAttempt
from tests.conftest import database_params
from tests.storage.release_82fc6ba import release_82fc6ba

#: what the previous release created for the columns that changed
_OLD_VARCHARS = {
    "unlink_attempt": {"cco_number": 64},
    "audit_event": {"cco_number": 64},
    "channel_link": {"project_name": 255},
    "card": {"project_name": 255, "query": 255},
    "unlink_request": {"project_name": 255, "cco_number": 64, "cco_title": 255},
}
LONG_NUMBER = "CCO-" + "7" * 70  # 74 characters, as one real Procore company numbers them
LONG_NAME = "Tower A — " + "east wing, " * 30


async def _as_previous_release(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE unlink_attempt DROP COLUMN lease_token"))
        if db.engine.dialect.name != "postgresql":
            return  # SQLite never enforced a VARCHAR length
        for table, columns in _OLD_VARCHARS.items():
            for column, length in columns.items():
                await conn.execute(
                    text(f'ALTER TABLE {table} ALTER COLUMN "{column}" TYPE VARCHAR({length})')
                )


async def _columns(db: Database, table: str) -> dict[str, str]:
    async with db.engine.connect() as conn:
        found = await conn.run_sync(lambda c: inspect(c).get_columns(table))
    return {c["name"]: str(c["type"]) for c in found}


@pytest.mark.parametrize("kind", database_params())
async def test_start_up_upgrades_an_older_schema_and_long_values_fit(
    kind: str, tmp_path: Path
) -> None:
    db = await release_82fc6ba(kind, tmp_path)
    try:
        await _upgrade_an_older_schema(db)
    finally:
        await db.dispose()


async def _upgrade_an_older_schema(db: Database) -> None:
    await _as_previous_release(db)
    assert "lease_token" not in await _columns(db, "unlink_attempt")

    await upgrade_schema(db.engine)
    await upgrade_schema(db.engine)  # a second replica starting: nothing left to do, no error

    columns = await _columns(db, "unlink_attempt")
    assert "lease_token" in columns
    if db.engine.dialect.name == "postgresql":
        for table, changed in _OLD_VARCHARS.items():
            found = await _columns(db, table)
            assert all(found[name] == "TEXT" for name in changed), (table, found)
    attempt = UnlinkAttempt(
        reference="R-LONG0001",
        team_id="T1",
        channel_id="C1",
        card_ts="1.0",
        company_id=1,
        project_id=2,
        cco_id=3,
        cco_number=LONG_NUMBER,
        slack_user_id="U1",
        lease_token="t" * 32,
    )
    link = ChannelLink(
        team_id="T1",
        channel_id="C1",
        company_id=1,
        project_id=2,
        project_name=LONG_NAME,
        linked_by="U1",
    )
    async with db.transaction() as s:
        s.add(attempt)
        s.add(link)
    async with db.session() as s:
        stored = (await s.exec(select(UnlinkAttempt))).one()
        linked = (await s.exec(select(ChannelLink))).one()
    assert stored.cco_number == LONG_NUMBER and stored.lease_token == "t" * 32
    assert linked.project_name == LONG_NAME
