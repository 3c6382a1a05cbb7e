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

from sqlalchemy import event, func, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import accounts as _accounts  # noqa: F401  (registers its tables)
from storage import alert_bursts as _alert_bursts  # noqa: F401  (registers its table)
from storage import alert_settings as _alert_settings  # noqa: F401  (registers its table)
from storage import migrations
from storage import models as _models  # noqa: F401  (registers the tables)
from storage import package_changes as _package_changes  # noqa: F401  (registers its table)
from storage import packages as _packages  # noqa: F401  (registers its tables)
from storage import slack_installs as _slack_installs  # noqa: F401  (registers its tables)
from storage import tenants as _tenants  # noqa: F401  (registers its table)
from storage import webhook_events as _webhook_events  # noqa: F401  (registers its table)

_SCHEMA_LOCK_ID = migrations.SCHEMA_LOCK_ID


#: a transaction's session, as the flows name it in their helpers' signatures (they never use
#: the ORM themselves: storage's functions take it as `session=`)
Session = AsyncSession


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
    """The fast path for an empty database (tests, benchmarks): `create_all` from the models,
    then the head revision recorded, under the schema lock. Never used on a database that holds
    an older schema: `cco-bot db upgrade` and start-up run the migrations (storage.migrations),
    and tests/storage/test_migrations.py proves the models equal the migrations' head."""
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _SCHEMA_LOCK_ID})
        await conn.run_sync(SQLModel.metadata.create_all)
        await conn.run_sync(migrations.record_head)


async def upgrade_schema(engine: AsyncEngine, target: str = "head") -> None:
    """Create or migrate the schema to this release's head (Alembic, under the schema lock)."""
    await migrations.upgrade(engine, target)


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
