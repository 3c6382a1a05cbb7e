"""Procore webhook deliveries, recorded once and applied later (`flows.procore_events`).

Procore delivers at least once, retries, and may repeat or reorder deliveries: each event is
stored once under its key (Procore's `ulid` when the payload has one, else its `id`), in one
INSERT … ON CONFLICT DO NOTHING, so two replicas receiving the same delivery at once store it
once. A replica claims pending events (`claimed_until`) before applying them, so replicas share
the work and a replica that died mid-way leaves its claims to expire for another. Callers own
the transaction and pass its `session`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Column, Index, and_, delete, func, not_, or_, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChannelLink, UtcDateTime, utcnow

#: the longest event key stored (a ULID is 26 characters, an id a few digits)
MAX_KEY = 64
#: the longest error kept of a failed try
MAX_ERROR = 500


def _ts(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UtcDateTime(), **kwargs))


class WebhookEvent(SQLModel, table=True):
    """One Procore event (the v2 payload's fields this app uses; the body is never trusted for
    state: the resource is read again when the event is applied)."""

    __tablename__ = "webhook_event"
    __table_args__ = (
        Index(
            "ix_webhook_event_pending",
            "id",
            sqlite_where=text("applied_at IS NULL"),
            postgresql_where=text("applied_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: Procore's `ulid` when present, else its `id` (deliveries of one event share it)
    event_key: str = Field(max_length=MAX_KEY, unique=True)
    #: the Procore company (tenant) the delivery was recorded for; None: recorded before
    #: tenants (only single-company mode's claims, which take every row, apply those)
    company_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    project_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    resource_name: str = Field(max_length=64)
    resource_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    event_type: str = Field(max_length=16)
    #: the Procore user whose action it was, when the payload says
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    #: when the event happened (the payload's `timestamp`), when it says so
    occurred_at: datetime | None = _ts(nullable=True)
    received_at: datetime = _ts(nullable=False, default=utcnow)
    applied_at: datetime | None = _ts(nullable=True)
    #: a replica applying the event holds it until then; after a failed try, when to retry
    claimed_until: datetime | None = _ts(nullable=True)
    tries: int = 0
    last_error: str | None = Field(default=None, max_length=MAX_ERROR)


async def record_event(*, session: AsyncSession, event: WebhookEvent) -> bool:
    """Store the event unless its key is stored already (a repeated delivery, on any replica);
    True when it is new."""
    postgres = session.get_bind().dialect.name == "postgresql"
    values = event.model_dump(exclude={"id"})
    values["event_key"] = values["event_key"][:MAX_KEY]
    insert = (postgresql.insert if postgres else sqlite.insert)(WebhookEvent).values(**values)
    result: Any = await session.exec(insert.on_conflict_do_nothing(index_elements=["event_key"]))
    return bool(result.rowcount)


def _due(now: datetime, max_tries: int, company_id: int | None = None) -> list[Any]:
    due = [
        col(WebhookEvent.applied_at).is_(None),
        col(WebhookEvent.tries) < max_tries,
        or_(col(WebhookEvent.claimed_until).is_(None), col(WebhookEvent.claimed_until) < now),
    ]
    if company_id is not None:
        due.append(col(WebhookEvent.company_id) == company_id)
    return due


async def claim_pending(
    *,
    session: AsyncSession,
    until: datetime,
    limit: int,
    max_tries: int,
    company_id: int | None = None,
) -> Sequence[WebhookEvent]:
    """Hold up to `limit` pending events (oldest first) until `until`, counting a try; an event
    another replica holds is skipped. With `company_id`, only that company's (a tenant's);
    None: every company's (single-company mode). Returns the events this call claimed."""
    now = utcnow()
    # PostgreSQL: the rows are locked until the transaction ends, and rows another claim is
    # locking right now are skipped, not waited for (SQLite runs one writer at a time and has
    # no row locks: the clause is left out there).
    due = (
        select(WebhookEvent.id)
        .where(*_due(now, max_tries, company_id))
        .order_by(col(WebhookEvent.id))
    )
    ids = list((await session.exec(due.limit(limit).with_for_update(skip_locked=True))).all())
    if not ids:
        return []
    stmt = (
        update(WebhookEvent)
        .where(col(WebhookEvent.id).in_(ids), *_due(now, max_tries))
        .values(claimed_until=until, tries=col(WebhookEvent.tries) + 1)
        .returning(col(WebhookEvent.id))
    )
    claimed = [row[0] for row in (await session.exec(stmt)).all()]
    if not claimed:
        return []
    query = select(WebhookEvent).where(col(WebhookEvent.id).in_(claimed))
    rows = await session.exec(query.order_by(col(WebhookEvent.id).asc()))
    return rows.all()


async def mark_applied(*, session: AsyncSession, ids: Iterable[int]) -> None:
    """The events are applied: never claimed again."""
    stmt = (
        update(WebhookEvent)
        .where(col(WebhookEvent.id).in_(list(ids)))
        .values(applied_at=utcnow(), claimed_until=None, last_error=None)
    )
    await session.exec(stmt)


async def mark_failed(
    *, session: AsyncSession, ids: Iterable[int], retry_at: datetime, error: str
) -> None:
    """A try failed: the events wait until `retry_at` (another claim then retries them)."""
    stmt = (
        update(WebhookEvent)
        .where(col(WebhookEvent.id).in_(list(ids)), col(WebhookEvent.applied_at).is_(None))
        .values(claimed_until=retry_at, last_error=error[:MAX_ERROR])
    )
    await session.exec(stmt)


def _given_up(now: datetime, max_tries: int) -> Any:
    """Not applied after `max_tries` tries, and neither held nor waiting for a retry: never
    claimed again (the periodic reconciliation catches what it missed)."""
    return and_(
        col(WebhookEvent.applied_at).is_(None),
        col(WebhookEvent.tries) >= max_tries,
        or_(col(WebhookEvent.claimed_until).is_(None), col(WebhookEvent.claimed_until) < now),
    )


async def pending_count(*, session: AsyncSession, max_tries: int) -> int:
    """How many events are not applied yet (held or waiting for a try); not those given up on
    after `max_tries` tries."""
    query = select(func.count()).where(
        col(WebhookEvent.applied_at).is_(None), not_(_given_up(utcnow(), max_tries))
    )
    return int((await session.exec(query)).one())


async def linked_projects(
    *, session: AsyncSession, company_id: int, project_ids: Iterable[int]
) -> set[int]:
    """Which of the company's `project_ids` some channel is linked to."""
    wanted = list(set(project_ids))
    if not wanted:
        return set()
    query = select(ChannelLink.project_id).where(
        ChannelLink.company_id == company_id, col(ChannelLink.project_id).in_(wanted)
    )
    return set((await session.exec(query)).all())


async def forget_applied_events(*, session: AsyncSession, keep: timedelta, max_tries: int) -> int:
    """Drop events applied longer than `keep` ago, and those given up on (`max_tries` tries)
    whose last try is that old (Procore stops retrying after 12 hours, so a key kept longer
    than that still catches every repeat). Returns how many were dropped."""
    old = utcnow() - keep
    applied = and_(col(WebhookEvent.applied_at).is_not(None), col(WebhookEvent.applied_at) < old)
    result: Any = await session.exec(
        delete(WebhookEvent).where(or_(applied, _given_up(old, max_tries)))
    )
    return int(result.rowcount or 0)
