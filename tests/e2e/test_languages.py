"""Issue 13's Done-when, end to end through signed Slack HTTP: each person is answered in their
Slack locale (`users.info` with `include_locale=true`), a channel's `/cco language` wins for what
the whole channel reads, and the thread reply keeps the language decided at the click."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from i18n import messages as m
from i18n import words_for
from sandbox import demo
from sandbox.slack.world import SlackMessage
from storage import links
from storage.models import Card, UnlinkAttempt, utcnow
from storage.states import AttemptState
from tests.conftest import database_params
from tests.e2e.rig import (
    TOWER_A,
    TOWER_CHANNEL,
    Rig,
    attachment_color,
    start_rig,
    stop_rig,
    text_of,
)

#: (Slack locale, the green headline's words, the red's "still in", the red's "click again")
LANGUAGES = [
    ("fr-CA", "Dissociation réussie", "toujours dans Acumatica", "cliquez de nouveau sur"),
    ("es-419", "Desvincular exitoso", "aún está en Acumatica", "vuelva a hacer clic en"),
    ("de-DE", "Verknüpfung erfolgreich aufgehoben", "noch in Acumatica", "erneut auf"),
]


def speaks(rig: Rig, user: str, locale: str) -> None:
    """The person's Slack language, as they set it in Slack's preferences."""
    rig.stack.slack.users[user].locale = locale


def may_unlink(rig: Rig, key: str) -> None:
    """Give a demo person the one permission they lack (Can Push to Accounting)."""
    rig.stack.procore.world.set_can_push(rig.stack.index.users[key], True)


async def unlink(rig: Rig, card: SlackMessage, number: str, user: str) -> SlackMessage:
    before = len(rig.replies(card))
    await rig.click_unlink(card, number, user=user)
    reply = await rig.reply(card, before + 1)
    await rig.settle()
    return reply


async def channel_speaks(rig: Rig, locale: str) -> None:
    """Wait until the channel's language is stored (its answer goes to the asker alone)."""
    for _ in range(200):
        async with rig.runtime.db.session() as s:
            link = await links.get_channel_link(
                session=s, team_id=rig.stack.slack.team_id, channel_id=TOWER_CHANNEL
            )
        if link is not None and link.locale == locale:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the channel's language never became {locale}")


def fix_in(locale: str, rig: Rig, number: str) -> str:
    """The Acumatica fix for the CCO's ERP record, as the locale's catalog says it."""
    reference = rig.stack.index.erp_keys[(TOWER_A, number)].reference
    return words_for(locale).gettext(m.ERP_FIXES[0], reference=reference)


async def test_a_french_reader_reads_french_and_an_english_one_english(rig: Rig) -> None:
    speaks(rig, "U0ANA", "fr-CA")
    may_unlink(rig, "ben")  # Ben (en-US) may unlink too
    await rig.link()
    card = await rig.card()  # asked by Ana: the card is in her language
    assert "ODCE synchronisés avec l'ERP" in text_of(card)

    green = await unlink(rig, card, "002", "U0ANA")
    shown = text_of(green)
    assert attachment_color(green) == "good"
    assert "Dissociation réussie" in shown and "ODCE #002" in shown
    assert "Successfully unlinked" not in shown

    red = await unlink(rig, card, "001", "U0ANA")
    shown = text_of(red)
    assert attachment_color(red) == "danger"
    assert "toujours dans Acumatica" in shown
    assert fix_in("fr-CA", rig, "001") in shown  # « Contre-passez l'ordre de changement … »
    assert "Contre-passez l'ordre de changement" in shown
    assert "cliquez de nouveau sur *Dissocier*" in shown
    assert "still in" not in shown

    english = await unlink(rig, card, "003", "U0BEN")  # same channel, an English reader
    shown = text_of(english)
    assert attachment_color(english) == "good"
    assert "Successfully unlinked CCO #003 from Acumatica" in shown
    assert "Dissociation" not in shown
    # the card keeps the language it was posted in, refreshed after every click
    assert "Dissocié par <@U0ANA>" in rig.row_text(card, "002")
    assert "Dissocié par <@U0BEN>" in rig.row_text(card, "003")


async def test_the_locale_comes_from_users_info_with_include_locale(rig: Rig) -> None:
    speaks(rig, "U0ANA", "fr-CA")
    await rig.link()
    card = await rig.card()
    before = len(rig.stack.slack.recorder.matching("GET", r"users\.info$"))
    await unlink(rig, card, "002", "U0ANA")
    asked = rig.stack.slack.recorder.matching("GET", r"users\.info$")
    assert asked and all(r.query.get("include_locale") in ("1", "true") for r in asked)
    assert len(asked) - before <= 1  # a click asks Slack once: locale and email in one answer
    async with rig.runtime.db.session() as s:
        attempts = (await s.exec(select(UnlinkAttempt))).all()
        cards = (await s.exec(select(Card))).all()
    assert [a.locale for a in attempts] == ["fr-CA"]  # decided at the claim, stored
    assert [c.locale for c in cards] == ["fr-CA"]


@pytest.mark.parametrize(("locale", "green_words", "still_in", "again"), LANGUAGES[1:])
async def test_spanish_and_german_readers_read_their_own_green_and_red(
    rig: Rig, locale: str, green_words: str, still_in: str, again: str
) -> None:
    speaks(rig, "U0ANA", locale)
    may_unlink(rig, "ben")
    await rig.link()
    card = await rig.card()

    green = await unlink(rig, card, "002", "U0ANA")
    assert attachment_color(green) == "good" and green_words in text_of(green)

    red = text_of(await unlink(rig, card, "001", "U0ANA"))
    assert still_in in red and fix_in(locale, rig, "001") in red and again in red
    assert "still in" not in red and "Successfully" not in red

    english = text_of(await unlink(rig, card, "003", "U0BEN"))
    assert "Successfully unlinked CCO #003" in english and green_words not in english


async def test_a_channels_language_wins_even_for_an_english_clicker(rig: Rig) -> None:
    may_unlink(rig, "ben")
    await rig.link()
    await rig.command("language fr-CA")  # Ana may link the channel, so she may set this
    await channel_speaks(rig, "fr-CA")
    card = await rig.card(user="U0BEN")  # Ben reads English, the channel French
    assert "ODCE synchronisés avec l'ERP" in text_of(card)

    green = text_of(await unlink(rig, card, "003", "U0BEN"))
    assert "Dissociation réussie" in green and "Successfully" not in green
    red = text_of(await unlink(rig, card, "001", "U0BEN"))
    assert "toujours dans Acumatica" in red and fix_in("fr-CA", rig, "001") in red


@pytest.fixture(params=database_params())
async def sweeping(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    """A rig whose sweeper finishes abandoned attempts within a fraction of a second."""
    started = await start_rig(request.param, tmp_path, sweep_interval_seconds=0.2)
    try:
        yield started
    finally:
        await stop_rig(started)


async def test_a_recovered_attempt_answers_in_the_language_decided_at_its_click(
    sweeping: Rig,
) -> None:
    rig = sweeping
    await rig.link()
    card = await rig.card()  # Ana reads English: the card is English
    async with rig.runtime.db.transaction() as s:  # a French click, then its process died
        s.add(
            UnlinkAttempt(
                reference="R-CRASHEDFR",
                team_id=rig.stack.slack.team_id,
                channel_id=TOWER_CHANNEL,
                card_ts=card.ts,
                company_id=demo.COMPANY_ID,
                project_id=TOWER_A,
                cco_id=rig.stack.index.packages[(TOWER_A, "002")],
                cco_number="002",
                slack_user_id="U0ANA",
                state=AttemptState.CLAIMED,
                lease_until=utcnow() - timedelta(minutes=1),
                lease_token="dead-process",
                locale="fr-CA",
            )
        )
    shown = text_of(await rig.reply(card))
    assert "R-CRASHEDFR" in shown and "interrompue" in shown
    assert "Cliquez de nouveau sur *Dissocier*" in shown and "Click" not in shown
