"""One behavioural contract, run against every ERP adapter with its sandbox over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import httpx
import pytest

from erp.base import (
    ErpAdapter,
    ErpBadResponse,
    ErpMisconfigured,
    ErpParentUnknown,
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
    server_url: str = ""


@pytest.fixture(params=HARNESS_SYSTEMS)
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    harness = load_harness(request.param)
    if harness is None:
        pytest.skip(f"no sandbox harness for {request.param} yet")
    server = await harness.start()
    async with httpx.AsyncClient() as http:
        adapter = build_adapter(harness.settings(server, timeout=1.0), http)
        try:
            yield Rig(harness, adapter, server.url)
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


# --- the evidence rule: absent counts as gone only when the ERP knows the CCO's parent ---------
def _needs_evidence_rule(rig: Rig) -> None:
    if not rig.harness.evidence_rule:
        pytest.skip(f"{rig.harness.system} keeps its own explicit rule")


async def test_absent_with_its_commitment_known_is_deleted(rig: Rig) -> None:
    _needs_evidence_rule(rig)
    lookup = rig.harness.seed(RecordState.DELETED)
    record = await rig.adapter.check(replace(lookup, project_origin_id=None))
    assert record.state is RecordState.DELETED


async def test_absent_with_only_its_project_known_is_deleted(rig: Rig) -> None:
    _needs_evidence_rule(rig)
    lookup = rig.harness.seed(RecordState.DELETED)
    assert lookup.project_origin_id is not None
    unknown_commitment = replace(lookup, commitment_origin_id="NO-SUCH-COMMITMENT")
    record = await rig.adapter.check(unknown_commitment)
    assert record.state is RecordState.DELETED


async def test_absent_with_unknown_parents_is_never_deleted(rig: Rig) -> None:
    _needs_evidence_rule(rig)
    lookup = rig.harness.seed(RecordState.DELETED)
    unknown = replace(lookup, commitment_origin_id="NO-SUCH-SC", project_origin_id="NO-SUCH-JOB")
    with pytest.raises(ErpParentUnknown) as caught:
        await rig.adapter.check(unknown)
    assert caught.value.system == rig.adapter.info.name
    assert caught.value.commitment == f"{lookup.commitment_number} (NO-SUCH-SC)"
    assert caught.value.project == "Tower A (NO-SUCH-JOB)"


async def test_an_empty_company_knows_no_parent_so_nothing_counts_as_gone(rig: Rig) -> None:
    _needs_evidence_rule(rig)
    deleted = rig.harness.seed(RecordState.DELETED)
    present = rig.harness.seed(RecordState.PRESENT)
    rig.harness.empty_company()
    for lookup in (deleted, present):
        with pytest.raises(ErpParentUnknown) as caught:
            await rig.adapter.check(lookup)
        assert caught.value.commitment == (
            f"{lookup.commitment_number} ({lookup.commitment_origin_id})"
        )


async def test_the_empty_company_switch_turns_off_again(rig: Rig) -> None:
    _needs_evidence_rule(rig)
    lookup = rig.harness.seed(RecordState.DELETED)
    rig.harness.empty_company()
    with pytest.raises(ErpParentUnknown):
        await rig.adapter.check(lookup)
    rig.harness.empty_company(False)
    assert (await rig.adapter.check(lookup)).state is RecordState.DELETED


async def test_without_parent_keys_absence_is_never_deleted(rig: Rig) -> None:
    _needs_evidence_rule(rig)
    lookup = rig.harness.seed(RecordState.DELETED)
    bare = replace(lookup, commitment_origin_id=None, project_origin_id=None)
    try:
        record = await rig.adapter.check(bare)
    except ErpParentUnknown:
        return
    assert not rig.adapter.info.allows_unlink(record.state), record


async def test_present_is_present_whatever_the_parents(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    unknown = replace(lookup, project_origin_id="NO-SUCH-JOB")
    assert (await rig.adapter.check(unknown)).state is RecordState.PRESENT


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
