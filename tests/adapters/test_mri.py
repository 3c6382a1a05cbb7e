"""The MRI adapter against the MRI sandbox: the call it makes and how it reads answers."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from erp.base import ErpAdapter, ErpBadResponse, ErpLookup, ErpMisconfigured, RecordState
from erp.mri import INFO
from erp.registry import build_adapter
from sandbox.faults import FaultRule, RecordedRequest
from sandbox.runner import RunningServer
from tests.adapters.harness_mri import ROOT, USER, MriHarness


@dataclass
class Rig:
    harness: MriHarness
    server: RunningServer
    http: httpx.AsyncClient

    def adapter(self, **overrides: object) -> ErpAdapter:
        return build_adapter(self.harness.settings(self.server, **overrides), self.http)

    def calls(self) -> list[RecordedRequest]:
        return self.harness.recorder.matching("GET", self.harness.read_route())

    def answer_with(self, status: int, body: Any) -> None:
        rule = FaultRule(path=self.harness.read_route(), status=status, body=json.dumps(body))
        self.harness.faults.add(rule)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    harness = MriHarness()
    server = await harness.start()
    async with httpx.AsyncClient() as http:
        yield Rig(harness, server, http)
    await server.stop()


async def test_calls_api_asp_with_mri_basic_auth_and_the_keys(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    await rig.adapter().check(lookup)

    [call] = rig.calls()
    assert call.path == f"{ROOT}/api.asp"
    assert call.query == {
        "$api": "MRI_S-PMJC_ContractChangeOrders",
        "$format": "json",
        "CONTRACTID": lookup.commitment_origin_id,
        "CHANGEORDERID": lookup.origin_id,
    }
    scheme, _, encoded = call.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode() == (
        f"C1234/ACMELIVE/PROCOREAPI/PK-7F3A-0042:{USER.password}"
    )
    assert call.headers["Accept"] == "application/json"


async def test_present_change_order_reads_with_its_contract_and_status(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT, status="Pending")
    record = await rig.adapter().check(lookup)

    assert record.status_text == "Pending"
    assert INFO.fix(record) == (
        f"Delete contract change order {lookup.origin_id} "
        f"(contract {lookup.commitment_origin_id}) in MRI"
    )


async def test_without_a_commitment_only_the_change_order_filter_is_sent(rig: Rig) -> None:
    seeded = rig.harness.seed(RecordState.PRESENT)
    record = await rig.adapter().check(
        ErpLookup(seeded.origin_id, seeded.cco_number, seeded.cco_title)
    )
    assert record.state is RecordState.PRESENT
    assert "CONTRACTID" not in rig.calls()[0].query


async def test_rows_without_the_asked_change_order_are_not_read_as_deleted(rig: Rig) -> None:
    rig.answer_with(200, {"value": [{"ChangeOrderID": "OTHER", "ContractID": "CT1"}]})
    with pytest.raises(ErpBadResponse):
        await rig.adapter().check(ErpLookup("CCO9", "009", "Nine"))


async def test_an_empty_page_with_more_pages_is_not_read_as_deleted(rig: Rig) -> None:
    rig.answer_with(200, {"value": [], "nextLink": "https://mri.example/api.asp?$skip=300"})
    with pytest.raises(ErpBadResponse):
        await rig.adapter().check(ErpLookup("CCO9", "009", "Nine"))


async def test_odata_errors_are_bad_responses_with_mris_words(rig: Rig) -> None:
    error = {"odata.error": {"code": "BadRequest", "message": {"value": "API was not found."}}}
    rig.answer_with(400, error)
    with pytest.raises(ErpBadResponse, match="API was not found"):
        await rig.adapter().check(ErpLookup("CCO9", "009", "Nine"))


async def test_a_wrong_api_root_is_a_configuration_error(rig: Rig) -> None:
    adapter = rig.adapter(base_url=f"{rig.server.url}/")
    with pytest.raises(ErpMisconfigured, match="HTTP 404"):
        await adapter.check(ErpLookup("CCO9", "009", "Nine"))


@pytest.mark.parametrize(
    "variable", ["client_id", "tenant", "username", "password", "client_secret", "base_url"]
)
async def test_missing_settings_stop_the_build(rig: Rig, variable: str) -> None:
    with pytest.raises(ErpMisconfigured, match=f"ERP_{variable.upper()}"):
        rig.adapter(**{variable: None})
