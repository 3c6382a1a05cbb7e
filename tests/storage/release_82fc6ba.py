"""A database exactly as release 82fc6ba's `create_schema` made it (the DDL in schema_82fc6ba/,
generated from that commit's code by schema_82fc6ba/generate.py), and rows in every table."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import Database, make_engine
from tests.conftest import database_url

DDL = Path(__file__).parent / "schema_82fc6ba"
AT = datetime(2026, 3, 4, 15, 7, 9, 123456, tzinfo=UTC)
#: a value of every kind a column of that release holds (long and non-ASCII where text)
LONG_TEXT = "CCO-" + "7" * 70 + " — Tower A, l’est"


async def empty_engine(kind: str, tmp_path: Path) -> AsyncEngine:
    """An engine on a database without any table (PostgreSQL: the private test database's
    public schema is dropped and made again)."""
    engine = make_engine(database_url(kind, tmp_path))
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    return engine


async def release_82fc6ba(kind: str, tmp_path: Path) -> Database:
    """82fc6ba's schema on an empty database: its tables, no `alembic_version`."""
    engine = await empty_engine(kind, tmp_path)
    dialect = engine.dialect.name
    statements = (DDL / f"{dialect}.sql").read_text().split(";\n")
    async with engine.begin() as conn:
        for statement in statements:
            if statement.strip():
                await conn.execute(text(statement))
    return Database(engine)


def _value(column: sa.Column[Any], n: int) -> Any:
    kind = column.type
    if isinstance(kind, sa.JSON):
        return {"rows": [{"id": n, "number": LONG_TEXT}], "ü": None}
    if isinstance(kind, sa.DateTime):
        return AT
    if isinstance(kind, sa.Float):
        return n + 0.25
    if isinstance(kind, sa.Boolean):
        return True
    if isinstance(kind, sa.Integer):
        return n
    if isinstance(kind, sa.Text) or not getattr(kind, "length", None):
        return LONG_TEXT
    return f"{column.name[:4]}{n}"[: kind.length]  # type: ignore[attr-defined]


def fill_every_table(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    """Two rows in every table (a value in every column, NULL nowhere); returns them as read."""
    tables = sa.MetaData()
    tables.reflect(conn)
    for table in tables.sorted_tables:
        rows = [{c.name: _value(c, n) for c in table.columns} for n in (7, 8)]
        conn.execute(table.insert(), rows)
    return read_every_table(conn, tables)


def read_every_table(conn: Connection, tables: sa.MetaData) -> dict[str, list[dict[str, Any]]]:
    """Every row of `tables`' tables, the columns those tables have, in primary-key order."""
    return {
        name: [
            dict(row._mapping)
            for row in conn.execute(sa.select(*table.columns).order_by(*table.primary_key.columns))
        ]
        for name, table in tables.tables.items()
    }
