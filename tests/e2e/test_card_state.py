"""What a card shows is the CCO's current sync state, in words, and its filter finds CCOs by
number, title, commitment or vendor (issue 11, points 1, 6, 7, 8), through signed Slack HTTP."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from sandbox.faults import FaultRule
from sandbox.slack.world import SlackMessage
from storage import packages
from tests.e2e.rig import TOWER_A, Rig, text_of


def package(rig: Rig, number: str) -> Any:
    return rig.stack.procore.world.packages[rig.stack.index.packages[(TOWER_A, number)]]


async def index_shows(rig: Rig, package_id: int, synced: bool = True) -> None:
    """Wait until the app's index of the project shows the package so."""
    for _ in range(250):
        async with rig.runtime.db.session() as s:
            row = await packages.get_package(session=s, project_id=TOWER_A, package_id=package_id)
        if row is not None and row.synced == synced:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the index never showed package {package_id} synced={synced}")


async def unlink_and_wait(rig: Rig, card: SlackMessage, number: str, user: str = "U0ANA") -> str:
    before = len(rig.replies(card))
    await rig.click_unlink(card, number, user=user)
    reply = await rig.reply(card, before + 1)
    await rig.settle()
    return text_of(reply)


def card_text(rig: Rig, card: SlackMessage) -> str:
    current = rig.stack.slack.message(card.channel, card.ts)
    assert current is not None
    return text_of(current)


async def test_a_resynced_cco_keeps_its_buttons_when_a_new_card_is_redrawn(rig: Rig) -> None:
    await rig.link()
    first = await rig.card()
    await rig.watched()  # the re-sync below comes through the Hook
    origin = package(rig, "003").origin_id
    assert "Successfully unlinked CCO #003" in await unlink_and_wait(rig, first, "003")
    synced = package(rig, "003")
    rig.stack.procore.world.sync_package(TOWER_A, synced.id, origin)
    await index_shows(rig, synced.id)  # Procore's delivery reached the card's index
    second = await rig.card()
    assert "CCO #003" in text_of(second)
    await unlink_and_wait(rig, second, "001")  # any other row: the card is redrawn
    assert "❌ Last try by <@U0ANA>" in rig.row_text(second, "001")  # the card was redrawn
    assert rig.row_has_button(second, "003")
    assert "Unlinked by" not in rig.row_text(second, "003")
    assert "Unlinked by <@U0ANA>" in rig.row_text(first, "003")  # the old card stays true


async def test_the_synced_count_drops_as_rows_are_unlinked(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    assert "5 synced with *Acumatica*" in text_of(card)
    for number in ("002", "003", "006"):
        await unlink_and_wait(rig, card, number)
    shown = card_text(rig, card)
    assert "2 synced with *Acumatica*" in shown
    assert "3 unlinked since this list was made" in shown
    assert "5 synced" not in shown


async def test_a_row_found_already_unlinked_loses_its_buttons(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    package(rig, "002").origin_id = None  # unlinked in Procore, outside Slack
    answer = await unlink_and_wait(rig, card, "002")
    assert "already" in answer.lower()
    row = rig.row_text(card, "002")
    assert not rig.row_has_button(card, "002")
    assert "Already unlinked" in row and "not synced" not in row and "❌" not in row
    assert "4 synced with *Acumatica*" in card_text(rig, card)


async def test_row_states_are_words_not_internal_names(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    await unlink_and_wait(rig, card, "001")  # still in Acumatica
    await unlink_and_wait(rig, card, "005", user="U0CHLOE")  # lacks a permission
    await unlink_and_wait(rig, card, "006", user="U0EVE")  # no email in Slack
    rows = " ".join(rig.row_text(card, n) for n in ("001", "005", "006"))
    rows = re.sub(r"<[^>]*>", "", rows)  # mentions and date tokens are Slack's, not ours
    assert "still in Acumatica" in rows
    assert "missing Procore permissions" in rows
    assert "not found as a Procore user" in rows
    for internal in ("still in erp", "permission denied", "unknown user", "_"):
        assert internal not in rows, internal


async def test_a_procore_outage_on_the_listing_is_said_in_words(rig: Rig) -> None:
    """The project's index could not be filled, so the card reads Procore: which is down."""
    rig.stack.procore.faults.add(FaultRule(path=r"/change_order_packages$", status=500))
    await rig.link()
    await rig.command("unlink")
    await rig.until(
        lambda: any("ref `R-" in text_of(m) for m in rig.stack.slack.ephemerals_for("U0ANA"))
    )
    shown = text_of(rig.stack.slack.ephemerals_for("U0ANA")[-1])
    assert "Procore did not answer in time" in shown and "nothing was changed" in shown
    assert not re.search(r"Procore[A-Z]\w+", shown)  # no exception class names


async def test_filter_matches_commitment_vendor_and_several_numbers(rig: Rig) -> None:
    await rig.link()
    for query in ("drywall", "acme", "SC-001"):  # the commitment's title, vendor, number
        shown = text_of(await rig.card(query))
        for number in ("001", "002", "006"):  # every CCO on SC-001 Drywall & framing
            assert f"CCO #{number}" in shown, (query, number)
        assert "CCO #003" not in shown and "CCO #005" not in shown, query
    both = text_of(await rig.card("001 003"))
    assert "CCO #001" in both and "CCO #003" in both
    assert "CCO #002" not in both and "CCO #005" not in both
    volt = text_of(await rig.card("volt conduit"))  # every word: vendor and title
    assert "CCO #005" in volt and "CCO #001" not in volt


async def test_a_new_card_shows_each_row_as_it_stands_when_posted(rig: Rig) -> None:
    await rig.link()
    first = await rig.card()
    await unlink_and_wait(rig, first, "001")  # refused: still in Acumatica
    second = await rig.card()
    row = rig.row_text(second, "001")
    assert "❌ Last try by <@U0ANA>" in row and "still in Acumatica" in row
    assert rig.row_has_button(second, "001")  # a refusal leaves the row clickable
    assert "Last try" not in rig.row_text(second, "002")
