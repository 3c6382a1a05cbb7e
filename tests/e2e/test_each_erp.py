"""Every ERP end to end: Slack-signed HTTP to the real app, that ERP's stand-in on loopback.

The demo world's Tower A has CCO #001 present in the ERP, #002 "reversed" (each ERP puts it in
its own other gone state, `demo_state`) and #003 deleted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from erp.base import ErpInfo, ErpRecord, RecordState
from erp.registry import info_for
from sandbox.erps.demos import ERP_DEMOS
from tests.e2e.rig import TOWER_A, Rig, attachment_color, start_rig, stop_rig, text_of
from tests.e2e.test_spec_conformance import check_procore_requests

NOT_SYNCED = ("quickbooks_online", "netsuite")
SYNCED = tuple(system for system in ERP_DEMOS if system not in NOT_SYNCED)


@pytest.fixture(params=SYNCED)
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    started = await start_rig("sqlite", tmp_path, erp=request.param)
    try:
        yield started
    finally:
        await stop_rig(started)


def system_of(rig: Rig) -> str:
    return rig.stack.erp.system


def named(info: ErpInfo) -> str:
    """The ERP as replies name it: the integration bridge has no name of its own."""
    return "your ERP" if info.key == "http_bridge" else info.name


async def click_and_reply(rig: Rig, number: str) -> str:
    """Link, post the card, click Unlink on CCO `number`: the one reply's color and text.
    Every Procore call made on the way is checked against Procore's public API data."""
    await rig.link()
    card = await rig.card()
    await rig.click_unlink(card, number)
    reply = await rig.reply(card)
    await rig.settle()
    assert len(rig.replies(card)) == 1
    called = check_procore_requests(rig.stack.procore.recorder.requests)
    if called and info_for(system_of(rig)).syncs_ccos:
        assert "RestV10WorkOrderContractsIdGet" in called  # CCO #001-#002 are on SC-001
    return f"{attachment_color(reply)}\n{text_of(reply)}"


async def test_a_deleted_record_unlinks_green_naming_the_erp(rig: Rig) -> None:
    info = info_for(system_of(rig))
    shown = await click_and_reply(rig, "003")
    assert shown.startswith("good\n"), shown
    assert "Successfully unlinked CCO #003" in shown and f"from {named(info)}" in shown
    assert f": {RecordState.DELETED.value}" in shown
    assert rig.procore_writes() == 1
    package = rig.stack.procore.world.packages[rig.stack.index.packages[(TOWER_A, "003")]]
    assert package.origin_id is None


async def test_the_other_gone_state_unlinks_green_with_its_note(rig: Rig) -> None:
    system = system_of(rig)
    info, state = info_for(system), RecordState(rig.stack.erp.demo_state("reversed"))
    shown = await click_and_reply(rig, "002")
    assert shown.startswith("good\n"), shown
    assert f"from {named(info)}" in shown and f": {state.value}" in shown
    note = info.note_for(state)
    assert (note is not None) == (system == "myob_advanced")
    if note is not None:
        assert note in shown and "reversed instead" in shown
    assert rig.procore_writes() == 1


async def test_a_present_record_is_red_with_the_erps_fix_and_no_write(rig: Rig) -> None:
    info = info_for(system_of(rig))
    keys = rig.stack.index.erp_keys[(TOWER_A, "001")]
    shown = await click_and_reply(rig, "001")
    assert shown.startswith("danger\n"), shown
    assert f"CCO #001 is still in {named(info)}" in shown
    assert info.fix(ErpRecord(RecordState.PRESENT, keys.reference)) in shown
    assert rig.procore_writes() == 0
    package = rig.stack.procore.world.packages[rig.stack.index.packages[(TOWER_A, "001")]]
    assert package.origin_id == keys.origin_id


@pytest.mark.parametrize("system", NOT_SYNCED)
async def test_an_erp_without_cco_sync_says_so_and_posts_no_card(
    system: str, tmp_path: Path
) -> None:
    rig = await start_rig("sqlite", tmp_path, erp=system)
    try:
        await rig.link()
        before = len(rig.stack.slack.channel_messages("C0TOWERA"))
        delivery = await rig.command("unlink")
        assert delivery.status == 200
        expected = (
            f"CCOs aren't synced with {info_for(system).name}, so there is nothing to unlink."
        )
        await rig.until(
            lambda: (
                any(expected in text_of(m) for m in rig.stack.slack.ephemerals_for("U0ANA"))
                or expected in delivery.body
            )
        )
        await rig.settle()
        assert rig.cards() == []
        assert len(rig.stack.slack.channel_messages("C0TOWERA")) == before
        assert rig.stack.erp.recorder.requests == []
        assert rig.procore_writes() == 0
    finally:
        await stop_rig(rig)
