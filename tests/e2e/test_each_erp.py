"""Every ERP end to end: a green and a red unlink through Slack-signed HTTP, with that ERP's
stand-in answering the app's real adapter. Records are made by the contract suite's harnesses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path

import pytest

from erp.base import ErpLookup, RecordState
from erp.registry import info_for
from erp.settings import ErpSettings
from sandbox import demo
from sandbox.procore import start_procore
from sandbox.procore_world import ProcoreWorld
from sandbox.runner import RunningServer
from sandbox.slack_api import serve_slack
from sandbox.slack_workspace import SlackWorkspace
from sandbox.stack import Stack
from tests.adapters.erp_harness import HARNESS_SYSTEMS, ErpHarness, load_harness
from tests.e2e.rig import TOWER_A, Rig, attachment_color, start_rig, start_rig_on, stop_rig, text_of

PRESENT_CCO, GONE_CCO = "001", "002"


class HarnessErp:
    """The contract suite's harness, seen as the stack's ERP stand-in."""

    def __init__(self, harness: ErpHarness, server: RunningServer) -> None:
        self.system = harness.system
        self.harness = harness
        self.server = server
        self.recorder = harness.recorder
        self.faults = harness.faults

    def env(self, server: RunningServer) -> dict[str, str]:
        settings: ErpSettings = self.harness.settings(server)
        env = {f"ERP_{k.upper()}": str(v) for k, v in asdict(settings).items() if v is not None}
        env["ERP_SYSTEM"] = env.pop("ERP_SYSTEM")
        return env


async def erp_stack(system: str) -> tuple[Stack, dict[str, ErpLookup], RecordState]:
    harness = load_harness(system)
    assert harness is not None
    server = await harness.start()
    gone_state = harness.gone_states[-1]
    lookups = {
        PRESENT_CCO: harness.seed(RecordState.PRESENT),
        GONE_CCO: harness.seed(gone_state),
    }
    world = ProcoreWorld()
    index = demo.seed_people(world)
    for number, lookup in lookups.items():
        commitment = world.add_commitment(
            TOWER_A,
            lookup.commitment_number or f"SC-{number}",
            f"Subcontract {number}",
            vendor_name="Acme Drywall",
            origin_id=lookup.commitment_origin_id,
        )
        package = world.add_package(
            TOWER_A,
            commitment.id,
            number,
            f"Change {number}",
            grand_total="1200.00",
            origin_id=lookup.origin_id,
        )
        for line_origin in lookup.line_item_origin_ids:
            world.add_line_item(package.id, "line", "600.00", origin_id=line_origin)
        index.packages[(TOWER_A, number)] = package.id
    workspace = SlackWorkspace(team_id=demo.TEAM_ID, team_name=demo.COMPANY_NAME)
    demo.seed_slack(workspace)
    slack_server = await serve_slack(workspace)
    procore = await start_procore(world)
    erp = HarnessErp(harness, server)
    stack = Stack(workspace, slack_server, procore, erp, server, index)  # type: ignore[arg-type]
    return stack, lookups, gone_state


@pytest.fixture(params=HARNESS_SYSTEMS)
async def erp_rig(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Rig, dict[str, ErpLookup], RecordState]]:
    if load_harness(request.param) is None:
        pytest.skip(f"no stand-in for {request.param}")
    stack, lookups, gone_state = await erp_stack(request.param)
    rig = await start_rig_on(stack, "sqlite", tmp_path)
    try:
        yield rig, lookups, gone_state
    finally:
        await stop_rig(rig)


async def test_green_and_red_unlink_through_slack(
    erp_rig: tuple[Rig, dict[str, ErpLookup], RecordState],
) -> None:
    rig, lookups, gone_state = erp_rig
    info = info_for(rig.stack.erp.system)
    await rig.link()
    card = await rig.card()
    assert f"2 synced with *{info.name}*" in text_of(card)

    await rig.click_unlink(card, GONE_CCO)
    green = await rig.reply(card)
    await rig.settle()
    assert attachment_color(green) == "good", text_of(green)
    assert f"Successfully unlinked CCO #{GONE_CCO}" in text_of(green)
    assert f"from {info.name}" in text_of(green)
    assert rig.procore_writes() == 1
    note = info.note_for(gone_state)
    if note:
        assert note.split(";")[0] in text_of(green)

    await rig.click_unlink(card, PRESENT_CCO)
    red = await rig.reply(card, 2)
    await rig.settle()
    shown = text_of(red)
    assert attachment_color(red) == "danger", shown
    assert f"CCO #{PRESENT_CCO} is still in {info.name}" in shown
    assert info.fix_template.split("{reference}")[0].strip() in shown
    assert rig.procore_writes() == 1  # nothing more was written
    packages, ids = rig.stack.procore.world.packages, rig.stack.index.packages
    assert packages[ids[(TOWER_A, GONE_CCO)]].origin_id is None
    assert packages[ids[(TOWER_A, PRESENT_CCO)]].origin_id == lookups[PRESENT_CCO].origin_id


@pytest.mark.parametrize("system", ["quickbooks_online", "netsuite"])
async def test_erps_that_sync_no_ccos_say_so_and_offer_no_button(
    system: str, tmp_path: Path
) -> None:
    rig = await start_rig("sqlite", tmp_path, erp_system=system)
    try:
        info = info_for(system)
        await rig.link()
        await rig.command("unlink")
        expected = f"CCOs aren't synced with {info.name}, so there is nothing to unlink."
        await rig.until(
            lambda: any(expected in text_of(m) for m in rig.stack.slack.ephemerals_for("U0ANA"))
        )
        assert rig.cards() == []
        assert rig.stack.erp.recorder.requests == []
    finally:
        await stop_rig(rig)
