"""Slack messages owed to users (the outbox): written in the transaction of the outcome they
announce, claimed by one replica at a time, settled after each try. Callers own the transaction
and pass its `session`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import OutboxMessage, UnlinkAttempt, utcnow
from storage.states import OutboxKind

#: messages one read returns
BATCH = 100


def thread_reply(attempt: UnlinkAttempt, payload: dict[str, Any]) -> OutboxMessage:
    """The attempt's answer, owed in its card's thread (or through its click's response_url)."""
    return OutboxMessage(
        reference=attempt.reference,
        kind=OutboxKind.THREAD_REPLY,
        channel_id=attempt.channel_id,
        thread_ts=attempt.card_ts,
        response_url=attempt.response_url,
        payload=payload,
        company_id=attempt.company_id,
    )


def alert(
    reference: str,
    channel_id: str,
    thread_ts: str | None,
    payload: dict[str, Any],
    company_id: int | None = None,
) -> OutboxMessage:
    """An alert about CCO changes, owed to a linked channel (or a card's thread in it), for
    the company (tenant) whose project changed."""
    return OutboxMessage(
        reference=reference,
        kind=OutboxKind.ALERT,
        channel_id=channel_id,
        thread_ts=thread_ts,
        payload=payload,
        company_id=company_id,
    )


def add_message(*, session: AsyncSession, message: OutboxMessage) -> None:
    session.add(message)


#: the payload key of an alert that updates an earlier one (the messenger takes it out and
#: calls chat.update on the message that outbox message posted)
UPDATE_OF = "cco_update_of"


def alert_update(
    reference: str,
    channel_id: str,
    payload: dict[str, Any],
    update_of: int,
    company_id: int | None = None,
) -> OutboxMessage:
    """An alert that rewrites the channel's alert posted by outbox message `update_of` (a
    summary that grows while a burst goes on)."""
    return alert(reference, channel_id, None, {**payload, UPDATE_OF: update_of}, company_id)


async def add_messages_now(*, session: AsyncSession, messages: Sequence[OutboxMessage]) -> None:
    """Add the messages and write them at once, so each has its id."""
    session.add_all(list(messages))
    await session.flush()


async def owed_count(*, session: AsyncSession) -> int:
    """How many messages are owed and not yet delivered (the outbox's depth)."""
    result = await session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(col(OutboxMessage.delivered_at).is_(None))
    )
    return int(result.one())


async def undelivered_of(*, session: AsyncSession, reference: str) -> Sequence[OutboxMessage]:
    """The messages of one attempt still owed, oldest first."""
    return await _undelivered(session, OutboxMessage.reference == reference)


async def undelivered(
    *, session: AsyncSession, max_tries: int, company_id: int | None = None
) -> Sequence[OutboxMessage]:
    """Every message still owed that was tried fewer than `max_tries` times, oldest first;
    with `company_id`, only that tenant's."""
    tried = col(OutboxMessage.tries) < max_tries
    if company_id is None:
        return await _undelivered(session, tried)
    return await _undelivered(session, tried, col(OutboxMessage.company_id) == company_id)


async def _undelivered(session: AsyncSession, *conditions: Any) -> Sequence[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(*conditions, col(OutboxMessage.delivered_at).is_(None))
        .order_by(col(OutboxMessage.id).asc())
        .limit(BATCH)
    )
    return (await session.exec(query)).all()


async def claim(*, session: AsyncSession, message: OutboxMessage, until: datetime) -> bool:
    """Hold an undelivered message until `until` (counting a try) unless another replica holds
    it; False when it is delivered or held."""
    now = utcnow()
    stmt = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message.id,
            col(OutboxMessage.delivered_at).is_(None),
            or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now),
        )
        .values(claimed_until=until, tries=col(OutboxMessage.tries) + 1)
    )
    result: Any = await session.exec(stmt)
    return bool(result.rowcount)


async def claimed(*, session: AsyncSession, message: OutboxMessage) -> OutboxMessage | None:
    """The message as it stands after a claim (its `tries` counts that claim): a delivery acts on
    this, not on the batch it was read in, which may have been read long before (another try
    since, or a test that changed the row)."""
    query = select(OutboxMessage).where(col(OutboxMessage.id) == message.id)
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def settle(
    *,
    session: AsyncSession,
    message: OutboxMessage,
    delivered: bool,
    retry_at: datetime | None,
    error: str | None,
) -> None:
    """Record a try: delivered now, or held until `retry_at` with its error."""
    values: dict[str, Any] = {"claimed_until": retry_at, "last_error": error}
    if delivered:
        values["delivered_at"] = utcnow()
    stmt = update(OutboxMessage).where(col(OutboxMessage.id) == message.id).values(**values)
    await session.exec(stmt)
