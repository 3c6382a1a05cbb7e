"""Procore's word, not ours (issue 10, points 5-7), end to end through Slack-signed HTTP.

The unlink clears the sync link of the CCO *and its line items* in one External Data Sync call,
believes it only when Procore shows the CCO unsynced afterwards, reads the commitment where
Procore documents its `origin_id`, and lists only commitment CCOs of ERP-integrated projects.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.erps.kit import StandInDemo
from tests.e2e.rig import (
    SYNC_WRITE,
    TOWER_A,
    TOWER_CHANNEL,
    Rig,
    attachment_color,
    start_rig,
    stop_rig,
    text_of,
)

STILL_SYNCED = (
    "Procore accepted the request but still shows it as synced. Nothing else was changed."
)


def _package_id(rig: Rig, number: str) -> int:
    return rig.stack.index.packages[(TOWER_A, number)]


async def test_the_sync_write_clears_the_cco_and_every_line_item_in_one_call(rig: Rig) -> None:
    world = rig.stack.procore.world
    package_id = _package_id(rig, "002")
    lines = [
        world.add_line_item(package_id, "Board upgrade", "4000.00", origin_id="L-002-1"),
        world.add_line_item(package_id, "Labour", "200.00", origin_id="L-002-2"),
    ]
    await rig.link()
    card = await rig.card()
    await rig.click_unlink(card, "002")
    reply = await rig.reply(card)
    await rig.settle()

    assert attachment_color(reply) == "good", text_of(reply)
    [write] = rig.stack.procore.recorder.matching("PATCH", SYNC_WRITE)
    assert write.json() == {
        "updates": [
            {"item_type": "change_order", "item_id": package_id, "origin_id": None},
            {"item_type": "line_item", "item_id": lines[0].id, "origin_id": None},
            {"item_type": "line_item", "item_id": lines[1].id, "origin_id": None},
        ]
    }
    assert world.packages[package_id].origin_id is None
    assert [line.origin_id for line in world.packages[package_id].line_items] == [None, None]


async def test_a_sync_call_procore_silently_ignores_is_never_reported_green(rig: Rig) -> None:
    world = rig.stack.procore.world
    world.sync_ignored = True  # Procore answers 200 with no errors, and changes nothing
    await rig.link()
    card = await rig.card()
    await rig.click_unlink(card, "002")
    reply = await rig.reply(card)
    await rig.settle()

    shown = text_of(reply)
    assert attachment_color(reply) == "danger", shown
    assert STILL_SYNCED in shown
    assert "Procore" in shown and "ref `R-" in shown
    assert "Successfully unlinked" not in shown and "unlinked" not in shown.lower()
    assert "Unlinked by" not in rig.row_text(card, "002")
    assert rig.procore_writes() == 1
    assert world.packages[_package_id(rig, "002")].origin_id is not None


async def test_a_project_not_erp_integrated_says_so_and_offers_no_button(rig: Rig) -> None:
    rig.stack.procore.world.projects[TOWER_A].is_erp_integrated = False
    await rig.link()
    before = len(rig.stack.slack.channel_messages(TOWER_CHANNEL))
    delivery = await rig.command("unlink")
    assert delivery.status == 200
    await rig.until(lambda: len(rig.stack.slack.channel_messages(TOWER_CHANNEL)) > before)
    posted = rig.stack.slack.channel_messages(TOWER_CHANNEL)[-1]

    shown = text_of(posted)
    assert "turn on ERP integration for *Tower A* in Procore" in shown
    assert "nothing to unlink" in shown
    assert "CCO #00" not in shown
    assert not [b for b in posted.blocks if b.get("type") == "actions"]
    assert rig.cards() == []


async def test_a_click_after_the_project_lost_its_erp_integration_says_so(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    rig.stack.procore.world.projects[TOWER_A].is_erp_integrated = False
    await rig.click_unlink(card, "002")
    reply = await rig.reply(card)
    await rig.settle()

    shown = text_of(reply)
    assert "turn on ERP integration for *Tower A* in Procore" in shown
    assert "Successfully unlinked" not in shown
    assert rig.procore_writes() == 0
    assert not [b for b in reply.blocks if b.get("type") == "actions"]


async def test_prime_contract_change_orders_are_not_listed(rig: Rig) -> None:
    world = rig.stack.procore.world
    prime = world.add_prime_contract(TOWER_A, "PC-1", "Tower A prime contract")
    world.add_package(TOWER_A, prime.id, "PCCO-007", "Owner change, lobby", origin_id="PCO7")
    await rig.link()
    card = await rig.card()

    shown = text_of(card)
    assert "PCCO-007" not in shown and "Owner change" not in shown
    assert "5 synced with *Acumatica*" in shown
    for number in ("001", "002", "003", "005", "006"):
        assert f"CCO #{number}" in shown


@pytest.fixture
async def bridge_rig(tmp_path: Path) -> AsyncIterator[Rig]:
    started = await start_rig("sqlite", tmp_path, erp="http_bridge")
    try:
        yield started
    finally:
        await stop_rig(started)


async def test_the_erp_is_asked_with_the_commitment_origin_id_procore_documents(
    bridge_rig: Rig,
) -> None:
    rig = bridge_rig
    package = rig.stack.procore.world.packages[_package_id(rig, "003")]
    commitment = rig.stack.procore.world.commitments[package.contract_id]
    await rig.link()
    card = await rig.card()
    where = rf"^/rest/v1\.0/purchase_order_contracts/{commitment.id}$"
    before_click = len(rig.stack.procore.recorder.matching("GET", where))
    await rig.click_unlink(card, "003")
    await rig.reply(card)
    await rig.settle()

    erp = rig.stack.erp
    assert isinstance(erp, StandInDemo)
    [asked] = erp.recorder.matching("POST", r"cco-record-state$")
    assert commitment.type == "PurchaseOrderContract" and commitment.origin_id
    assert asked.json()["commitment_origin_id"] == commitment.origin_id
    assert asked.json()["commitment_number"] == commitment.number
    # read where Procore documents a purchase order's origin_id: for the card (live, or the
    # index's fill, which may both run), then once more by the click, to check
    assert before_click >= 1
    assert len(rig.stack.procore.recorder.matching("GET", where)) == before_click + 1
