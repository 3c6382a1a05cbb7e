"""Shared fixtures: a database on SQLite (always) and PostgreSQL (when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from storage.db import Database, create_schema, make_engine

#: the server and database named by TEST_DATABASE_URL
GIVEN_POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def _private_database(url: str) -> str:
    """Each pytest run gets its own database on the given server (`<name>_run<pid>`), made at the
    start of the session and dropped at its end, so that two runs at once (two developers, or a
    benchmark beside the tests) never drop each other's tables."""
    if not url.startswith("postgresql"):
        return url
    given = make_url(url)
    return given.set(database=f"{given.database}_run{os.getpid()}").render_as_string(
        hide_password=False
    )


#: the PostgreSQL the tests use (empty when not configured)
POSTGRES_URL = _private_database(GIVEN_POSTGRES_URL)


def _admin_dsn(url: str) -> tuple[str, str]:
    """A plain asyncpg DSN to the given database, and the private database's name."""
    given = make_url(GIVEN_POSTGRES_URL).set(drivername="postgresql")
    return given.render_as_string(hide_password=False), str(make_url(url).database)


async def _create_or_drop(create: bool) -> None:
    dsn, name = _admin_dsn(POSTGRES_URL)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def pytest_sessionstart(session: pytest.Session) -> None:
    if POSTGRES_URL.startswith("postgresql"):
        asyncio.run(_create_or_drop(create=True))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if POSTGRES_URL.startswith("postgresql"):
        asyncio.run(_create_or_drop(create=False))


def database_params() -> list[object]:
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgres",
            id="postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    not POSTGRES_URL.startswith("postgresql"),
                    reason="PostgreSQL not configured (set TEST_DATABASE_URL)",
                ),
            ],
        ),
    ]


def database_url(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'cco-bot.db'}"
    return POSTGRES_URL


async def fresh_database(url: str) -> Database:
    """A database with an empty, current schema (PostgreSQL tables are dropped and recreated)."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.drop_all)
            # the revision a previous test left (e.g. a "newer release" stamp) goes too
            await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await create_schema(engine)
    return Database(engine)


@pytest.fixture(params=database_params())
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    database = await fresh_database(database_url(request.param, tmp_path))
    try:
        yield database
    finally:
        await database.dispose()
