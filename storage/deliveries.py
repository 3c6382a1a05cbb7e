"""Keys of Slack deliveries already handled (see `handlers.dedupe`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.models import SeenDelivery, utcnow

#: the longest key stored
MAX_KEY = 255


async def remember(*, db: Database, key: str) -> bool:
    """Record the delivery `key` in a transaction of its own; False when it was recorded
    before (the primary key decides, on any replica)."""
    try:
        async with db.transaction() as s:
            s.add(SeenDelivery(key=key[:MAX_KEY]))
    except IntegrityError:
        return False
    return True


async def forget_seen_deliveries(*, session: AsyncSession, keep: timedelta) -> None:
    """Drop the keys older than `keep`."""
    await session.exec(delete(SeenDelivery).where(col(SeenDelivery.at) < utcnow() - keep))
