"""What happened to a linked project's change order packages (synced, unsynced, deleted), as
recorded by the index, until the project's channels are told (`flows.alerts`).

A project's pending changes are due together, when the newest is at least `QUIET` old (the burst
is over) or the oldest at least `WAIT_AT_MOST` old (a steady stream still gets told): one pass
then claims them all (`claimed_until`, so replicas share the work), writes the alerts and marks
them alerted in one transaction. Rows stay after they are alerted: a daily digest lists what
changed since its last message. Callers own the transaction and pass its `session`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Text, delete, func, or_, update
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChannelLink, _state, _ts, utcnow
from storage.states import ChangeKind

#: a project's pending changes are due once the newest is this old (the burst has ended) ...
QUIET = timedelta(seconds=0.3)
#: ... or once the oldest is this old (changes keep coming)
WAIT_AT_MOST = timedelta(seconds=1)


class PackageChange(SQLModel, table=True):
    __tablename__ = "package_change"
    __table_args__ = (
        Index("ix_package_change_pending", "alerted_at", "project_id"),
        Index("ix_package_change_claim", "claim_token"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    package_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    number: str = Field(default="", sa_column=Column(Text, nullable=False))
    title: str = Field(default="", sa_column=Column(Text, nullable=False))
    kind: ChangeKind = _state(ChangeKind, ChangeKind.SYNCED)
    #: Procore's updated_at of the package (or when it was found deleted)
    changed_at: datetime = _ts(nullable=False, default=utcnow)
    recorded_at: datetime = _ts(nullable=False, default=utcnow)
    #: the Procore user whose action it was, when the delivery said
    by_user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    alerted_at: datetime | None = _ts(nullable=True)
    #: a replica writing the alerts holds the change until then
    claimed_until: datetime | None = _ts(nullable=True)
    #: which claim holds it (so a pass reads back exactly what it claimed)
    claim_token: str | None = Field(default=None, max_length=32)


def add_change(*, session: AsyncSession, change: PackageChange) -> None:
    session.add(change)


def _pending(now: datetime) -> Any:
    return (
        col(PackageChange.alerted_at).is_(None),
        or_(col(PackageChange.claimed_until).is_(None), col(PackageChange.claimed_until) < now),
    )


async def due_projects(
    *, session: AsyncSession, now: datetime | None = None, company_id: int | None = None
) -> list[int]:
    """The projects whose pending (unclaimed, not alerted) changes are due at `now`; with
    `company_id`, only projects a channel of that company (tenant) is linked to."""
    now = now or utcnow()
    query = (
        select(PackageChange.project_id)
        .where(*_pending(now), *_of_company(company_id))
        .group_by(col(PackageChange.project_id))
        .having(
            or_(
                func.max(PackageChange.recorded_at) <= now - QUIET,
                func.min(PackageChange.recorded_at) <= now - WAIT_AT_MOST,
            )
        )
    )
    return [int(p) for p in (await session.exec(query)).all()]


def _of_company(company_id: int | None) -> list[Any]:
    if company_id is None:
        return []
    linked = select(ChannelLink.project_id).where(ChannelLink.company_id == company_id)
    return [col(PackageChange.project_id).in_(linked)]


async def claim_project(
    *, session: AsyncSession, project_id: int, until: datetime, now: datetime | None = None
) -> Sequence[PackageChange]:
    """Hold the project's pending changes until `until`; the ones this claim got, oldest first
    (none when another replica holds them)."""
    now = now or utcnow()
    token = secrets.token_hex(8)
    stmt = (
        update(PackageChange)
        .where(col(PackageChange.project_id) == project_id, *_pending(now))
        .values(claimed_until=until, claim_token=token)
    )
    await session.exec(stmt)
    query = (
        select(PackageChange)
        .where(col(PackageChange.claim_token) == token)
        .order_by(col(PackageChange.id).asc())
    )
    return (await session.exec(query.execution_options(populate_existing=True))).all()


async def mark_alerted(
    *, session: AsyncSession, changes: Sequence[PackageChange], at: datetime | None = None
) -> None:
    """The channels were told (or had nothing owed) about these changes."""
    ids = [c.id for c in changes if c.id is not None]
    if not ids:
        return
    stmt = (
        update(PackageChange)
        .where(col(PackageChange.id).in_(ids))
        .values(alerted_at=at or utcnow(), claimed_until=None)
    )
    await session.exec(stmt)


async def changes_between(
    *, session: AsyncSession, project_id: int, since: datetime, until: datetime
) -> Sequence[PackageChange]:
    """The project's changes recorded in (since, until], oldest first (a digest's list)."""
    query = (
        select(PackageChange)
        .where(
            col(PackageChange.project_id) == project_id,
            col(PackageChange.recorded_at) > since,
            col(PackageChange.recorded_at) <= until,
        )
        .order_by(col(PackageChange.id).asc())
    )
    return (await session.exec(query)).all()


async def forget_before(*, session: AsyncSession, project_id: int, before: datetime) -> None:
    """Drop the project's alerted changes recorded before `before` (no digest lists them)."""
    stmt = delete(PackageChange).where(
        col(PackageChange.project_id) == project_id,
        col(PackageChange.alerted_at).is_not(None),
        col(PackageChange.recorded_at) < before,
    )
    await session.exec(stmt)
