"""Writes sqlite.sql and postgresql.sql: the DDL that release 82fc6ba's `create_schema` ran on an
empty database (its `create_all`; its column and index upgrades had nothing to do there).

Run against that release's code, not today's:

    mkdir -p /tmp/r82 && git archive 82fc6ba storage | tar -x -C /tmp/r82
    PYTHONPATH=/tmp/r82 python tests/storage/schema_82fc6ba/generate.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_mock_engine
from sqlmodel import SQLModel

import storage.db

HERE = Path(__file__).parent


def ddl(url: str) -> str:
    statements: list[str] = []

    def executor(sql: Any, *_: Any, **__: Any) -> None:
        statements.append(str(sql.compile(dialect=engine.dialect)).strip() + ";")

    engine = create_mock_engine(url, executor)
    SQLModel.metadata.create_all(engine, checkfirst=False)
    return "\n\n".join(statements) + "\n"


if __name__ == "__main__":
    if Path(storage.db.__file__).resolve().is_relative_to(HERE.parents[2]):
        raise SystemExit("run with PYTHONPATH pointing at an export of 82fc6ba (see above)")
    for name, url in (("sqlite", "sqlite://"), ("postgresql", "postgresql://")):
        (HERE / f"{name}.sql").write_text(ddl(url))
