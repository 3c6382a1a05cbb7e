"""Posted `/cco unlink` cards. Callers own the transaction and pass its `session`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Card


async def get_card(*, session: AsyncSession, channel_id: str, message_ts: str) -> Card | None:
    query = select(Card).where(Card.channel_id == channel_id, Card.message_ts == message_ts)
    return (await session.exec(query)).first()


async def cards_posted_at(*, session: AsyncSession, stamps: Iterable[str]) -> Sequence[Card]:
    query = select(Card).where(col(Card.message_ts).in_(list(stamps)))
    return (await session.exec(query)).all()


def add_card(*, session: AsyncSession, card: Card) -> None:
    """Record a card just posted."""
    session.add(card)


def save_card(*, session: AsyncSession, card: Card) -> None:
    """Write back a card read in this session (its page turned)."""
    session.add(card)
