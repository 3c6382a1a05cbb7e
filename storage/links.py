"""Channel links (a Slack channel ↔ a Procore project) and the user links `/cco status`
writes. Callers own the transaction and pass its `session`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
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


async def project_links(
    *, session: AsyncSession, project_id: int, company_id: int | None = None
) -> Sequence[ChannelLink]:
    """Every channel linked to the project (those its alerts go to), oldest link first; with
    `company_id`, only that company's (tenant's) links."""
    query = select(ChannelLink).where(ChannelLink.project_id == project_id)
    if company_id is not None:
        query = query.where(ChannelLink.company_id == company_id)
    query = query.order_by(col(ChannelLink.id).asc())
    return (await session.exec(query)).all()


class ChannelLinkedMeanwhile(Exception):
    """Another transaction linked the channel after this one read it unlinked: the insert met
    uq_channel_link (two first `/cco link`s of one channel at once, on PostgreSQL)."""


async def save_channel_link(*, session: AsyncSession, link: ChannelLink) -> ChannelLink:
    """Insert the link, or point the channel's existing link at `link`'s project; raises
    `ChannelLinkedMeanwhile` when the channel got a link since it was read (the transaction
    can then only be rolled back)."""
    existing = await get_channel_link(
        session=session, team_id=link.team_id, channel_id=link.channel_id
    )
    if existing is None:
        session.add(link)
        try:
            await session.flush()  # the unique index decides, on any replica
        except IntegrityError:
            raise ChannelLinkedMeanwhile(link.channel_id) from None
        return link
    existing.company_id = link.company_id
    existing.project_id = link.project_id
    existing.project_name = link.project_name
    existing.linked_by = link.linked_by
    existing.linked_at = utcnow()
    session.add(existing)
    return existing
