"""Channel link storage on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from storage import links
from storage.db import Database, count_rows
from storage.models import ChannelLink


async def test_channel_link_is_replaced_not_duplicated(db: Database) -> None:
    for project_id, name in ((1, "Tower A"), (2, "Harbor B")):
        async with db.transaction() as s:
            await links.save_channel_link(
                session=s,
                link=ChannelLink(
                    team_id="T1",
                    channel_id="C1",
                    company_id=10,
                    project_id=project_id,
                    project_name=name,
                    linked_by="U1",
                ),
            )
    async with db.session() as s:
        link = await links.get_channel_link(session=s, team_id="T1", channel_id="C1")
        count = await count_rows(session=s, model=ChannelLink)
    assert link is not None and (link.project_id, link.project_name) == (2, "Harbor B")
    assert count == 1


async def test_a_link_inserted_meanwhile_is_reported_not_a_crash(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two first `/cco link`s of one channel at once: both read it unlinked, the second insert
    meets uq_channel_link. Here the read is made to miss the row the first one committed."""

    def link(project_id: int) -> ChannelLink:
        return ChannelLink(
            team_id="T1",
            channel_id="C1",
            company_id=10,
            project_id=project_id,
            project_name=f"P{project_id}",
            linked_by="U1",
        )

    async with db.transaction() as s:
        await links.save_channel_link(session=s, link=link(1))

    async def read_before_it(**_: object) -> None:
        return None

    monkeypatch.setattr(links, "get_channel_link", read_before_it)
    with pytest.raises(links.ChannelLinkedMeanwhile):
        async with db.transaction() as s:
            await links.save_channel_link(session=s, link=link(2))
    monkeypatch.undo()
    async with db.session() as s:
        kept = await links.get_channel_link(session=s, team_id="T1", channel_id="C1")
        count = await count_rows(session=s, model=ChannelLink)
    assert kept is not None and kept.project_id == 1 and count == 1
