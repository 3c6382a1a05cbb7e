"""Alembic migrations (issue 15, item 5): the head of the revisions is exactly the models (so a
table added without a revision fails here), a database of release 82fc6ba is upgraded without
losing a row, and replicas upgrading at once do not fail — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from storage import migrations
from storage.db import make_engine
from tests.conftest import database_params, database_url
from tests.storage.release_82fc6ba import (
    empty_engine,
    fill_every_table,
    read_every_table,
    release_82fc6ba,
)

pytestmark = pytest.mark.parametrize("kind", database_params())


def _differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


async def differences(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return await conn.run_sync(_differences)


async def test_the_migrations_head_is_the_models(kind: str, tmp_path: Path) -> None:
    """If this fails after a model changed: write a revision (docs/deploy.md, "Changing the
    schema"); the listed differences are what it must do."""
    engine = await empty_engine(kind, tmp_path)
    try:
        assert await migrations.revision(engine) is None
        await migrations.upgrade(engine)
        assert await migrations.revision(engine) == migrations.head()
        assert await differences(engine) == []
    finally:
        await engine.dispose()


async def test_a_database_of_release_82fc6ba_keeps_every_row(kind: str, tmp_path: Path) -> None:
    db = await release_82fc6ba(kind, tmp_path)
    try:
        async with db.engine.begin() as conn:
            before = await conn.run_sync(fill_every_table)
        assert len(before) == 12 and all(len(rows) == 2 for rows in before.values())
        assert await migrations.revision(db.engine) is None

        await migrations.upgrade(db.engine)

        async with db.engine.connect() as conn:
            after = await conn.run_sync(_reread, before)
        assert after == before
        assert await migrations.revision(db.engine) == migrations.head()
        assert await differences(db.engine) == []
    finally:
        await db.dispose()


def _reread(conn: Connection, before: dict[str, Any]) -> dict[str, Any]:
    """The same tables' rows now, in the columns they had (a revision may add columns)."""
    tables = sa.MetaData()
    tables.reflect(conn, only=list(before))
    now = read_every_table(conn, tables)
    return {
        name: [{column: row[column] for column in before[name][0]} for row in rows]
        for name, rows in now.items()
    }


async def test_replicas_upgrading_at_once_do_not_fail(kind: str, tmp_path: Path) -> None:
    db = await release_82fc6ba(kind, tmp_path)
    others = [make_engine(database_url(kind, tmp_path)) for _ in range(2)]
    try:
        await asyncio.gather(*(migrations.upgrade(e) for e in (db.engine, *others)))
        assert await migrations.revision(db.engine) == migrations.head()
        assert await differences(db.engine) == []
    finally:
        await db.dispose()
        for engine in others:
            await engine.dispose()
