"""A card's rows after a change made in Procore itself (issue 14): a CCO unlinked or deleted
there says so, without buttons, once Procore's delivery reaches the index; synced again, it has
its Unlink button back; a click on a deleted one answers in blue what the row says."""

from __future__ import annotations

from sandbox.slack.world import SlackMessage
from tests.e2e.rig import TOWER_A, Rig, text_of
from tests.e2e.test_card_state import card_text, index_shows, package
from tests.e2e.test_languages import channel_speaks


async def row_says(rig: Rig, card: SlackMessage, number: str, words: str) -> str:
    await rig.until(lambda: words in rig.row_text(card, number))
    return rig.row_text(card, number)


async def test_rows_say_what_was_done_in_procore_and_resync_brings_the_button_back(
    rig: Rig,
) -> None:
    await rig.link()
    card = await rig.card()
    await rig.watched()  # Procore's changes below come through the Hook
    world = rig.stack.procore.world
    unlinked, deleted = package(rig, "002"), package(rig, "003")
    origin = unlinked.origin_id
    world.unsync_package(TOWER_A, unlinked.id)
    world.delete_package(TOWER_A, deleted.id)
    assert "⚠️ Unlinked in Procore" in await row_says(rig, card, "002", "Unlinked in Procore")
    assert "🗑️ Deleted in Procore" in await row_says(rig, card, "003", "Deleted in Procore")
    assert not rig.row_has_button(card, "002") and not rig.row_has_button(card, "003")
    assert rig.row_has_button(card, "001")
    assert "3 synced with *Acumatica*" in card_text(rig, card)
    world.sync_package(TOWER_A, unlinked.id, origin)
    await index_shows(rig, unlinked.id)
    await rig.until(lambda: rig.row_has_button(card, "002"))
    assert "in Procore" not in rig.row_text(card, "002")


async def test_a_click_on_a_cco_deleted_in_procore_agrees_with_its_row_in_french(
    rig: Rig,
) -> None:
    await rig.link()
    await rig.command("language fr-FR")
    await channel_speaks(rig, "fr-FR")
    card = await rig.card()
    gone = package(rig, "003")
    gone.deleted_at = "2026-03-02T09:30:00Z"  # deleted in Procore, its delivery not here yet
    await rig.click_unlink(card, "003")
    answer = text_of(await rig.reply(card, len(rig.replies(card)) + 1))
    await rig.settle()
    assert "ℹ️ *N'est plus dans Procore*" in answer
    assert "rien à dissocier" in answer and "Rien n'a été modifié" in answer
    assert "❌" not in answer and "Non dissocié" not in answer
    row = rig.row_text(card, "003")
    assert "N'est plus dans Procore" in row and not rig.row_has_button(card, "003")


async def test_an_alert_in_a_french_cards_thread_is_french_like_its_rows(rig: Rig) -> None:
    await rig.link()
    card = await rig.card(user="U0CAMILLE")  # Camille's Slack is French; the channel has none
    await rig.watched()
    gone = package(rig, "003")
    rig.stack.procore.world.delete_package(TOWER_A, gone.id)
    await row_says(rig, card, "003", "Supprimé dans Procore")
    alert = text_of(await rig.reply(card, 1))
    assert "ODCE #003" in alert and "a été supprimé" in alert and "was deleted" not in alert
