"""Who may link a channel to a Procore project (`/cco link`), through signed Slack requests."""

from __future__ import annotations

import re

from sqlmodel import select

from storage import links
from storage.models import AuditEvent, ChannelLink
from tests.e2e.rig import TOWER_A, TOWER_CHANNEL, Rig, text_of

HARBOR_B = 202
HARBOR_CHANNEL = "C0HARBORB"


async def _ephemeral(rig: Rig, user: str, words: str) -> str:
    await rig.until(lambda: any(words in text_of(m) for m in rig.stack.slack.ephemerals_for(user)))
    return next(text_of(m) for m in rig.stack.slack.ephemerals_for(user) if words in text_of(m))


async def _link_of(rig: Rig, channel: str) -> ChannelLink | None:
    async with rig.runtime.db.session() as s:
        return await links.get_channel_link(session=s, team_id="T0NORTHWD", channel_id=channel)


async def _audit(rig: Rig) -> list[AuditEvent]:
    async with rig.runtime.db.session() as s:
        return list((await s.exec(select(AuditEvent))).all())


async def test_link_by_someone_outside_the_project_changes_nothing_and_shows_nothing(
    rig: Rig,
) -> None:
    world, ben = rig.stack.procore.world, rig.stack.index.users["ben"]
    world.remove_membership(HARBOR_B, ben)  # Ben stays a company user, on Tower A only

    await rig.command(f"link {HARBOR_B}", user="U0BEN", channel=HARBOR_CHANNEL)
    refused = await _ephemeral(rig, "U0BEN", "aren't in its Directory")
    await rig.command(f"link {HARBOR_B}", user="U0DAN", channel=HARBOR_CHANNEL)
    stranger = await _ephemeral(rig, "U0DAN", "can't link this channel")

    assert "❌" in refused and "ref `R-" in refused
    assert "Harbor B" not in refused  # the outsider is not even shown the project's name
    assert "no Procore user" in stranger and "dan@drywall-sub.example" in stranger
    assert rig.stack.slack.channel_messages(HARBOR_CHANNEL) == []
    assert await _link_of(rig, HARBOR_CHANNEL) is None
    # no link row: only the two refusals, so their references are found by `/cco history`
    assert [(e.event, e.project_id) for e in await _audit(rig)] == [("command_refused", 0)] * 2
    await rig.command("unlink", user="U0BEN", channel=HARBOR_CHANNEL)
    await _ephemeral(rig, "U0BEN", "isn't linked")
    assert rig.cards(HARBOR_CHANNEL) == []


async def test_relink_by_someone_not_on_the_current_project_is_refused(rig: Rig) -> None:
    await rig.link()  # Ana links #tower-a to Tower A
    world, ben = rig.stack.procore.world, rig.stack.index.users["ben"]
    world.remove_membership(TOWER_A, ben)  # Ben is on Harbor B only
    before = len(rig.stack.slack.channel_messages(TOWER_CHANNEL))

    await rig.command(f"link {HARBOR_B}", user="U0BEN")
    refused = await _ephemeral(rig, "U0BEN", "can't re-link")

    assert "linked to *Tower A* (101)" in refused and "<@U0ANA>" in refused
    assert "ref `R-" in refused
    assert len(rig.stack.slack.channel_messages(TOWER_CHANNEL)) == before
    link = await _link_of(rig, TOWER_CHANNEL)
    assert link is not None and link.project_id == TOWER_A and link.linked_by == "U0ANA"
    assert [e.event for e in await _audit(rig)] == ["channel_linked", "command_refused"]


async def test_relink_announces_old_and_new_in_the_channel_and_is_audited(rig: Rig) -> None:
    await rig.link()
    before = len(rig.stack.slack.channel_messages(TOWER_CHANNEL))

    await rig.command(f"link {HARBOR_B}", user="U0BEN")  # Ben is on both projects
    await rig.until(lambda: len(rig.stack.slack.channel_messages(TOWER_CHANNEL)) > before)

    announced = text_of(rig.stack.slack.channel_messages(TOWER_CHANNEL)[-1])
    assert (
        "<@U0BEN> moved this channel's link from *Tower A* (101) to the Procore project "
        "*Harbor B* (202)"
    ) in announced
    link = await _link_of(rig, TOWER_CHANNEL)
    assert link is not None and link.project_id == HARBOR_B and link.linked_by == "U0BEN"
    moves = [(e.event, e.project_id, e.slack_user_id) for e in await _audit(rig)]
    assert moves[-2:] == [
        ("channel_linked", HARBOR_B, "U0BEN"),
        ("channel_link_moved", TOWER_A, "U0BEN"),
    ]
    moved = (await _audit(rig))[-1].detail
    assert (moved["from_project_id"], moved["to_project_id"]) == (TOWER_A, HARBOR_B)


async def test_someone_outside_the_linked_project_is_shown_no_card_and_no_history(
    rig: Rig,
) -> None:
    await rig.link()
    rig.stack.procore.world.remove_membership(TOWER_A, rig.stack.index.users["ben"])

    await rig.command("unlink", user="U0BEN")
    refused = await _ephemeral(rig, "U0BEN", "shows you none of its CCOs")
    await rig.command("history", user="U0DAN")
    stranger = await _ephemeral(rig, "U0DAN", "shows you none of its CCOs")

    assert "aren't in the Directory of *Tower A* (101)" in refused and "ref `R-" in refused
    assert "no Procore user" in stranger
    assert rig.cards() == []
    shown = (
        refused + stranger + "".join(text_of(m) for m in rig.stack.slack.ephemerals_for("U0BEN"))
    )
    assert "Acme Drywall" not in shown and "#001" not in shown
    await rig.card()  # Ana, in the Directory, still gets the card


async def test_a_channel_whose_project_procore_no_longer_shows_can_be_relinked(rig: Rig) -> None:
    await rig.link()
    del rig.stack.procore.world.projects[TOWER_A]  # deleted, or out of Permitted Projects
    before = len(rig.stack.slack.channel_messages(TOWER_CHANNEL))

    await rig.command(f"link {HARBOR_B}", user="U0BEN")
    await rig.until(lambda: len(rig.stack.slack.channel_messages(TOWER_CHANNEL)) > before)

    announced = text_of(rig.stack.slack.channel_messages(TOWER_CHANNEL)[-1])
    assert (
        "moved this channel's link from *Tower A* (101) to the Procore project *Harbor B* (202)"
        in announced
    )
    link = await _link_of(rig, TOWER_CHANNEL)
    assert link is not None and link.project_id == HARBOR_B


async def test_link_to_a_project_procore_does_not_show_has_a_findable_reference(rig: Rig) -> None:
    await rig.command("link 999", user="U0ANA", channel=HARBOR_CHANNEL)
    refused = await _ephemeral(rig, "U0ANA", "project 999 in its Permitted Projects")

    assert "❌" in refused and "company 4264" not in refused  # no raw company id
    reference = re.search(r"ref `(R-[A-Z0-9]+)`", refused)
    assert reference is not None, refused
    await rig.command(f"history {reference.group(1)}", user="U0ANA", channel=HARBOR_CHANNEL)
    trail = await _ephemeral(rig, "U0ANA", f"Trail of `{reference.group(1)}`")
    assert "/cco link 999" in trail
    assert await _link_of(rig, HARBOR_CHANNEL) is None
