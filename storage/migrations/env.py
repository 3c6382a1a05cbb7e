"""Alembic's environment: run on the connection `storage.migrations.upgrade` hands over, or,
from the `alembic` command line (alembic.ini at the repository root), on $DATABASE_URL with the
app's async engine. Compares against every table of the models (SQLModel.metadata)."""

from __future__ import annotations

import asyncio
import os
from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

import storage.db

TARGET = SQLModel.metadata


def frozen_types(kind: str, obj: Any, _context: Any) -> str | Literal[False]:
    """Write our column types (UtcDateTime, StoredState, CardRowsJson, SQLModel's AutoString)
    into a revision as the plain SQLAlchemy type they store, so a revision never imports the
    app's code and keeps its meaning when the models change."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=TARGET,
        compare_type=True,
        render_item=frozen_types,
        # SQLite alters tables by copying them (`op.batch_alter_table`)
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_on_url(url: str) -> None:
    engine = storage.db.make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(run_on)
    finally:
        await engine.dispose()


def main() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        run_on(given)
        return
    url = os.environ.get("DATABASE_URL") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set DATABASE_URL (e.g. sqlite+aiosqlite:///./migrate.db)")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=TARGET, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(run_on_url(url))


main()
