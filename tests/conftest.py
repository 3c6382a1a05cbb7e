"""Shared fixtures: a database on SQLite (always) and PostgreSQL (when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from storage.db import Database, create_schema, make_engine

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


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
    await create_schema(engine)
    return Database(engine)


@pytest.fixture(params=database_params())
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    database = await fresh_database(database_url(request.param, tmp_path))
    try:
        yield database
    finally:
        await database.dispose()
