"""The open burst of alerts of a project in a channel (`flows.alerts`): the top-level alert
message last written there for it, and every change that message tells, so that changes arriving
soon after update that one message (a summary that grows) instead of posting another. Callers own
the transaction and pass its `session`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint, delete
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import UtcDateTime


class AlertBurst(SQLModel, table=True):
    """One channel's open burst for one project."""

    __tablename__ = "alert_burst"
    __table_args__ = (UniqueConstraint("channel_id", "project_id", name="uq_alert_burst"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: str = Field(max_length=32)
    project_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    #: the outbox message that posts the burst's message (its updates name it)
    outbox_id: int
    #: the changes the message tells: [package_id, number, title, kind] each
    changes: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: when the message was last written or updated (the pass's clock)
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


async def open_burst(
    *, session: AsyncSession, channel_id: str, project_id: int, since: datetime
) -> AlertBurst | None:
    """The channel's burst for the project, when its message was written or updated after
    `since` (locked on PostgreSQL until the transaction ends)."""
    query = select(AlertBurst).where(
        AlertBurst.channel_id == channel_id,
        AlertBurst.project_id == project_id,
        col(AlertBurst.updated_at) > since,
    )
    return (await session.exec(query.with_for_update())).first()


async def start_burst(*, session: AsyncSession, burst: AlertBurst) -> None:
    """`burst` is the channel's open burst for its project from now on (it replaces any)."""
    await session.exec(
        delete(AlertBurst).where(
            col(AlertBurst.channel_id) == burst.channel_id,
            col(AlertBurst.project_id) == burst.project_id,
        )
    )
    session.add(burst)


def grow_burst(*, session: AsyncSession, burst: AlertBurst) -> None:
    """Store the burst's new changes and time."""
    session.add(burst)


async def forget_bursts_before(*, session: AsyncSession, before: datetime) -> None:
    """Drop bursts no longer open (nothing refers to them afterwards)."""
    await session.exec(delete(AlertBurst).where(col(AlertBurst.updated_at) < before))
