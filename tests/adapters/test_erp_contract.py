"""One behavioural contract, run against every ERP adapter with its sandbox over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from erp.base import (
    ErpAdapter,
    ErpBadResponse,
    ErpMisconfigured,
    ErpUnreachable,
    RecordState,
)
from erp.registry import build_adapter, info_for
from sandbox.faults import FaultRule
from tests.adapters.erp_harness import HARNESS_SYSTEMS, ErpHarness, load_harness


@dataclass
class Rig:
    harness: ErpHarness
    adapter: ErpAdapter


@pytest.fixture(params=HARNESS_SYSTEMS)
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    harness = load_harness(request.param)
    if harness is None:
        pytest.skip(f"no sandbox harness for {request.param} yet")
    server = await harness.start()
    async with httpx.AsyncClient() as http:
        adapter = build_adapter(harness.settings(server, timeout=1.0), http)
        try:
            yield Rig(harness, adapter)
        finally:
            await adapter.aclose()
            await server.stop()


async def test_present_record_is_still_in_erp(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    record = await rig.adapter.check(lookup)
    assert record.state is RecordState.PRESENT
    assert not rig.adapter.info.allows_unlink(record.state)
    assert record.reference


async def test_each_gone_state_allows_unlink(rig: Rig) -> None:
    assert rig.harness.gone_states, "a harness must seed at least one gone state"
    for state in rig.harness.gone_states:
        lookup = rig.harness.seed(state)
        record = await rig.adapter.check(lookup)
        assert record.state is state, (state, record)
        assert rig.adapter.info.allows_unlink(record.state), state
    assert info_for(rig.harness.system) == rig.adapter.info


async def test_refused_credentials_are_a_configuration_error(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    rig.harness.break_credentials()
    with pytest.raises(ErpMisconfigured) as caught:
        await rig.adapter.check(lookup)
    assert caught.value.system == rig.adapter.info.name


@pytest.mark.parametrize("status", [429, 500, 502, 503])
async def test_rate_limit_and_server_errors_are_unreachable(rig: Rig, status: int) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    rig.harness.faults.add(
        FaultRule(path=rig.harness.read_route(), status=status, headers={"Retry-After": "0"})
    )
    with pytest.raises(ErpUnreachable):
        await rig.adapter.check(lookup)


async def test_timeout_is_unreachable(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    rig.harness.faults.add(FaultRule(path=rig.harness.read_route(), delay=3.0))
    with pytest.raises(ErpUnreachable):
        await rig.adapter.check(lookup)


async def test_connection_reset_is_unreachable(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    rig.harness.faults.add(FaultRule(path=rig.harness.read_route(), status=0))
    with pytest.raises(ErpUnreachable):
        await rig.adapter.check(lookup)


async def test_malformed_response_is_a_clear_error(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    rig.harness.faults.add(
        FaultRule(path=rig.harness.read_route(), status=200, body="<<not what the API sends")
    )
    with pytest.raises(ErpBadResponse) as caught:
        await rig.adapter.check(lookup)
    assert caught.value.system == rig.adapter.info.name
