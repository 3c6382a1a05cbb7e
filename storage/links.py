"""Channel links (a Slack channel ↔ a Procore project) and the user links `/cco status`
writes. Callers own the transaction and pass its `session`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import StorageError
from storage.models import ChannelLink, utcnow


async def get_channel_link(
    *, session: AsyncSession, team_id: str, channel_id: str
) -> ChannelLink | None:
    query = select(ChannelLink).where(
        ChannelLink.team_id == team_id, ChannelLink.channel_id == channel_id
    )
    return (await session.exec(query)).first()


async def channel_links(*, session: AsyncSession, company_id: int) -> Sequence[ChannelLink]:
    """The company's channel links, the latest linked first; `StorageError` when the database
    cannot answer (unreachable, or no schema yet)."""
    query = (
        select(ChannelLink)
        .where(ChannelLink.company_id == company_id)
        .order_by(col(ChannelLink.linked_at).desc())
    )
    try:
        return (await session.exec(query)).all()
    except SQLAlchemyError as exc:
        raise StorageError(str(exc)) from exc


async def save_channel_link(*, session: AsyncSession, link: ChannelLink) -> ChannelLink:
    """Insert the link, or point the channel's existing link at `link`'s project."""
    existing = await get_channel_link(
        session=session, team_id=link.team_id, channel_id=link.channel_id
    )
    if existing is None:
        session.add(link)
        return link
    existing.company_id = link.company_id
    existing.project_id = link.project_id
    existing.project_name = link.project_name
    existing.linked_by = link.linked_by
    existing.linked_at = utcnow()
    session.add(existing)
    return existing
