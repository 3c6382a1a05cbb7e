"""The schema and the database helpers on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio

from storage.db import Database, count_rows, create_schema
from storage.models import UnlinkAttempt


async def test_schema_creation_is_idempotent_and_safe_concurrently(db: Database) -> None:
    await asyncio.gather(*(create_schema(db.engine) for _ in range(4)))
    async with db.session() as s:
        assert await count_rows(session=s, model=UnlinkAttempt) == 0
