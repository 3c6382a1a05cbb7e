"""`/cco language` through signed Slack requests: who may set a channel's language, where it is
stored, and that it survives a re-link (issue 13)."""

from __future__ import annotations

import re

from sqlmodel import select

from storage import links
from storage.models import AuditEvent
from tests.e2e.rig import TOWER_A, TOWER_CHANNEL, Rig, text_of


async def _ephemeral(rig: Rig, user: str, words: str) -> str:
    await rig.until(lambda: any(words in text_of(m) for m in rig.stack.slack.ephemerals_for(user)))
    return next(text_of(m) for m in rig.stack.slack.ephemerals_for(user) if words in text_of(m))


async def _in_channel(rig: Rig, words: str) -> str:
    def posted() -> list[str]:
        return [text_of(m) for m in rig.stack.slack.channel_messages(TOWER_CHANNEL)]

    await rig.until(lambda: any(words in text for text in posted()))
    return next(text for text in posted() if words in text)


async def _locale(rig: Rig) -> str | None:
    async with rig.runtime.db.session() as s:
        link = await links.get_channel_link(
            session=s, team_id="T0NORTHWD", channel_id=TOWER_CHANNEL
        )
    assert link is not None
    return link.locale


async def test_language_needs_a_linked_channel(rig: Rig) -> None:
    delivery = await rig.command("langue fr-CA")
    assert delivery.status == 200
    await _ephemeral(rig, "U0ANA", "Link this channel to a Procore project first")


async def test_someone_in_the_project_sets_and_clears_the_channels_language(rig: Rig) -> None:
    await rig.link()
    await rig.command("langue fr-CA")
    said = await _in_channel(rig, "français (Canada)")  # announced to everyone, in French
    assert "Les messages que tout le canal voit" in said and "<@U0ANA>" in said
    assert await _locale(rig) == "fr-CA"

    await rig.command("idioma")
    # answered in Ana's own Slack language (en-US), naming the channel's
    shown = await _ephemeral(rig, "U0ANA", "sees are in français (Canada)")
    assert "Deutsch (Deutschland) (`de-DE`)" in shown

    await rig.command("language default")
    await _in_channel(rig, "no longer has a language of its own")  # in DEFAULT_LOCALE
    assert await _locale(rig) is None
    async with rig.runtime.db.session() as s:
        events = (await s.exec(select(AuditEvent))).all()
    changes = [e.detail for e in events if e.event == "channel_language_set"]
    assert [(c["from"], c["to"]) for c in changes] == [(None, "fr-CA"), ("fr-CA", None)]


async def test_someone_outside_the_project_cannot_set_it(rig: Rig) -> None:
    await rig.link()
    rig.stack.procore.world.remove_membership(TOWER_A, rig.stack.index.users["ben"])
    await rig.command("sprache de-DE", user="U0BEN")
    refused = await _ephemeral(rig, "U0BEN", "Only someone allowed to link this channel")
    assert "ref `R-" in refused
    assert await _locale(rig) is None
    # the refusal's reference is findable, like every other refusal's
    reference = re.search(r"ref `(R-[0-9A-Z]{8})`", refused)
    assert reference is not None
    await rig.command(f"history {reference.group(1)}")
    trail = await _ephemeral(rig, "U0ANA", f"Trail of `{reference.group(1)}`")
    assert "<@U0BEN> used `/cco sprache de-DE`; the app refused: Only someone allowed" in trail


async def test_an_unknown_language_gets_the_choices(rig: Rig) -> None:
    delivery = await rig.command("language klingon")
    assert "is not a language the app speaks" in delivery.body
    assert "fr-CA" in delivery.body
