"""Schema migrations (Alembic). Revision 0001 is the schema of release 82fc6ba (see `baseline`);
each later revision is one change of the models. `upgrade` runs them under a lock, so replicas
may start together: on PostgreSQL a transaction-scoped advisory lock, on SQLite the write lock
every transaction takes (`BEGIN IMMEDIATE`, storage.db). A database an older release made (its
tables, no `alembic_version`) is brought up by 0001, which is idempotent, then upgraded.

Writing a revision: docs/deploy.md, "Changing the schema".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = structlog.get_logger("cco.schema")

#: the Alembic script directory (env.py, versions/), shipped as package data
SCRIPTS = Path(__file__).resolve().parent
#: held while the schema changes, by `upgrade` and by storage.db.create_schema alike
SCHEMA_LOCK_ID = 0x0CC0_0001


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration without an alembic.ini: our scripts, and the connection to run
    them on (env.py uses it; without one, env.py connects to $DATABASE_URL)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = connection
    return config


@cache
def head() -> str:
    """The newest revision of the scripts shipped with this release."""
    found = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert found is not None
    return found


@cache
def known() -> frozenset[str]:
    """Every revision of this release's scripts (one the database has and this set lacks was
    written by a newer release)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return frozenset(script.revision for script in scripts.walk_revisions())


async def upgrade(engine: AsyncEngine, target: str = "head") -> None:
    """Bring the database's schema to `target` (idempotent; safe when replicas run it at once:
    the second waits for the first, then finds nothing to do)."""
    async with engine.begin() as conn:
        await _lock(conn)
        await conn.run_sync(_upgrade, target)


def _upgrade(conn: Connection, target: str) -> None:
    current = MigrationContext.configure(conn).get_current_revision()
    if current is not None and current not in known():
        # a newer release migrated this database (a rolling upgrade, or this release started
        # again after it): its revisions only add, so this one runs on it unchanged
        log.warning("schema.newer_than_release", revision=current, head=head())
        return
    command.upgrade(alembic_config(conn), target)


def record_head(conn: Connection) -> None:
    """Record the head revision without running scripts, in the caller's transaction: for a
    schema `create_all` just made from the models (which the migration tests prove equal to
    the head)."""
    command.stamp(alembic_config(conn), "head")


async def revision(engine: AsyncEngine) -> str | None:
    """The database's revision (None: never migrated); raises when the database is unreachable."""
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def _lock(conn: AsyncConnection) -> None:
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": SCHEMA_LOCK_ID})
