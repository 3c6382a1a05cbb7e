"""Each ERP demo acts as a user in its ERP: every state it offers is what the app's adapter then
reads over loopback, and "present" puts the record back as it was exported."""

from __future__ import annotations

import httpx
import pytest

from erp.base import RecordState
from erp.registry import build_adapter, info_for
from sandbox.erps.demos import ERP_DEMOS
from tests.adapters.erp_harness import lookup_for, settings_from

WITH_RECORDS = [system for system in ERP_DEMOS if ERP_DEMOS[system]().states()]


@pytest.mark.parametrize("system", WITH_RECORDS)
async def test_each_state_is_what_the_adapter_reads_and_present_restores(system: str) -> None:
    demo = ERP_DEMOS[system]()
    server = await demo.start()
    commitment = demo.commitment_origin("SC-7")
    keys = demo.add_record("007", "present", commitment)
    lookup = lookup_for(keys, 7, commitment)
    try:
        async with httpx.AsyncClient() as http:
            adapter = build_adapter(settings_from(demo.env(server)), http)
            for state in demo.states():
                demo.set_state(keys, state)
                assert (await adapter.check(lookup)).state is RecordState(state), state
                demo.set_state(keys, "present")
                assert (await adapter.check(lookup)).state is RecordState.PRESENT, state
            await adapter.aclose()
    finally:
        await server.stop()


@pytest.mark.parametrize("system", WITH_RECORDS)
def test_the_demo_worlds_words_stand_for_a_state_the_erp_has(system: str) -> None:
    demo = ERP_DEMOS[system]()
    gone = info_for(system).gone_states
    for word in ("present", "reversed", "deleted"):
        state = demo.demo_state(word)
        assert state in demo.states()
        assert (RecordState(state) in gone) == (word != "present"), (word, state)
    with pytest.raises(ValueError):
        demo.set_state(demo.add_record("1", "present", demo.commitment_origin("SC-1")), "archived")


@pytest.mark.parametrize("system", ["quickbooks_online", "netsuite"])
async def test_an_erp_without_cco_sync_needs_only_its_name(system: str) -> None:
    demo = ERP_DEMOS[system]()
    server = await demo.start()
    try:
        assert demo.env(server) == {"ERP_SYSTEM": system}
        assert demo.states() == ()
    finally:
        await server.stop()
