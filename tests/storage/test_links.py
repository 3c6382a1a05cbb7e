"""Channel link storage on SQLite and PostgreSQL alike."""

from __future__ import annotations

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
