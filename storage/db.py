"""The async engine and schema creation.

Schema creation is idempotent and safe when several replicas start at once: on PostgreSQL it runs
under a transaction-scoped advisory lock; SQLite serialises writers itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Column, Connection, Text, event, func, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import accounts as _accounts  # noqa: F401  (registers its tables)
from storage import models as _models  # noqa: F401  (registers the tables)
from storage import webhook_events as _webhook_events  # noqa: F401  (registers its table)
from storage import slack_installs as _slack_installs  # noqa: F401  (registers its tables)
from storage import package_changes as _package_changes  # noqa: F401  (registers its table)
from storage import alert_settings as _alert_settings  # noqa: F401  (registers its table)
from storage import tenants as _tenants  # noqa: F401  (registers its table)
from storage import packages as _packages  # noqa: F401  (registers its tables)

_SCHEMA_LOCK_ID = 0x0CC0_0001


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, begin transactions (see `_begin_immediate`).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            # A deferred transaction that reads and then writes can fail at once with "database
            # is locked" when another connection wrote meanwhile; taking the write lock up front
            # makes it wait (busy_timeout) instead. SQLite has one writer at a time anyway.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _SCHEMA_LOCK_ID})
        await conn.run_sync(SQLModel.metadata.create_all)
        await conn.run_sync(_upgrade_columns)
        await conn.run_sync(_create_missing_indexes)


def _upgrade_columns(conn: Connection) -> None:
    """Bring tables an older release created up to the models (`create_all` makes missing
    tables only): add missing nullable columns, and on PostgreSQL turn VARCHAR(n) columns the
    models now declare TEXT into TEXT (SQLite never enforces a VARCHAR length). Idempotent."""
    inspector = inspect(conn)
    for table in SQLModel.metadata.sorted_tables:
        found = {c["name"]: c["type"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in found:
                _add_column(conn, table.name, column)
            elif (
                conn.dialect.name == "postgresql"
                and isinstance(column.type, Text)
                and not isinstance(found[column.name], Text)
            ):
                table_name, column_name = _q(conn, table.name), _q(conn, column.name)
                conn.execute(text(f"ALTER TABLE {table_name} ALTER COLUMN {column_name} TYPE TEXT"))


def _create_missing_indexes(conn: Connection) -> None:
    """`create_all` makes a table's indexes only with the table: add those an older release's
    tables lack (e.g. one Procore account per Slack user). A unique index the stored rows break
    stops start-up; nothing is deleted to make it fit."""
    inspector = inspect(conn)
    for table in SQLModel.metadata.sorted_tables:
        present = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in present:
                index.create(conn)


def _add_column(conn: Connection, table: str, column: Column[Any]) -> None:
    if not column.nullable:
        raise RuntimeError(f"{table}.{column.name} is NOT NULL: add it with a default first")
    kind = column.type.compile(dialect=conn.dialect)
    if_absent = "IF NOT EXISTS " if conn.dialect.name == "postgresql" else ""
    conn.execute(
        text(f"ALTER TABLE {_q(conn, table)} ADD COLUMN {if_absent}{_q(conn, column.name)} {kind}")
    )


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


class StorageError(Exception):
    """The database could not answer (unreachable, or without the app's schema yet)."""


async def ping(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


async def count_rows(*, session: AsyncSession, model: type[Any]) -> int:
    """How many rows `model`'s table holds."""
    result = await session.exec(select(func.count()).select_from(model))
    return int(result.one())


#: set while the current task (and tasks it starts) holds the SQLite turn, so nesting never waits
_HOLDS_TURN: ContextVar[bool] = ContextVar("holds_sqlite_turn", default=False)


class Database:
    """The engine and a session factory; flows own the transaction (`db.transaction()`).

    On SQLite every transaction takes the write lock (`BEGIN IMMEDIATE`), so only one runs at a
    time anyway; sessions of this process take turns on an asyncio lock instead of queueing
    inside SQLite, whose busy handler sleeps in steps of up to 100 ms and, under load, held
    connections until the pool's checkout timed out (see docs/performance.md).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        self._turn = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self._take_turn(), self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._take_turn(), self._sessions() as session:
            yield session

    @asynccontextmanager
    async def _take_turn(self) -> AsyncIterator[None]:
        if self._turn is None or _HOLDS_TURN.get():
            yield
            return
        async with self._turn:
            holding = _HOLDS_TURN.set(True)
            try:
                yield
            finally:
                _HOLDS_TURN.reset(holding)

    async def dispose(self) -> None:
        await self.engine.dispose()
