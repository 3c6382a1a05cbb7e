"""The HTTP bridge adapter keeps to docs/http-bridge.md, checked against the sandbox bridge."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from erp.base import (
    ErpAdapter,
    ErpBadResponse,
    ErpLookup,
    ErpMisconfigured,
    ErpUnreachable,
    RecordState,
)
from erp.http_bridge import INFO
from erp.registry import build_adapter
from sandbox.faults import FaultRule, RecordedRequest
from sandbox.runner import RunningServer
from tests.adapters.harness_http_bridge import PREFIX, TOKEN, HttpBridgeHarness

DOC = Path(__file__).resolve().parents[2] / "docs" / "http-bridge.md"
ROUTE = r"/cco-record-state$"


def doc_json_examples() -> list[Any]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", DOC.read_text(), re.S)]


def doc_request_example() -> dict[str, Any]:
    return next(e for e in doc_json_examples() if isinstance(e, dict) and "origin_id" in e)


def doc_response_examples() -> list[dict[str, Any]]:
    return [e for e in doc_json_examples() if isinstance(e, dict) and "state" in e]


@dataclass
class Rig:
    harness: HttpBridgeHarness
    server: RunningServer
    http: httpx.AsyncClient

    def adapter(self, **overrides: object) -> ErpAdapter:
        return build_adapter(self.harness.settings(self.server, **overrides), self.http)

    def calls(self) -> list[RecordedRequest]:
        return self.harness.recorder.matching("POST", ROUTE)

    def answer_with(self, status: int, body: Any) -> None:
        text = body if isinstance(body, str) else json.dumps(body)
        self.harness.faults.add(FaultRule(path=ROUTE, status=status, body=text))


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    harness = HttpBridgeHarness()
    server = await harness.start()
    async with httpx.AsyncClient() as http:
        yield Rig(harness, server, http)
    await server.stop()


async def test_request_is_the_documented_post(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    await rig.adapter().check(lookup)

    [call] = rig.calls()
    assert call.path == f"{PREFIX}/cco-record-state"
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.headers["Content-Type"] == "application/json"
    assert call.headers["Accept"] == "application/json"
    body = call.json()
    assert list(body) == list(doc_request_example())
    assert body == {
        "origin_id": lookup.origin_id,
        "cco_number": lookup.cco_number,
        "cco_title": lookup.cco_title,
        "commitment_origin_id": lookup.commitment_origin_id,
        "commitment_number": lookup.commitment_number,
        "line_item_origin_ids": list(lookup.line_item_origin_ids),
    }


async def test_unknown_values_are_sent_as_null_and_empty_list(rig: Rig) -> None:
    await rig.adapter().check(ErpLookup(origin_id="CO-9", cco_number="009", cco_title="Nine"))

    body = rig.calls()[0].json()
    assert body["commitment_origin_id"] is None
    assert body["commitment_number"] is None
    assert body["line_item_origin_ids"] == []
    assert set(body) == set(doc_request_example())


async def test_documented_curl_uses_the_adapters_path() -> None:
    curl = next(line for line in DOC.read_text().splitlines() if line.startswith("curl"))
    assert "/cco-record-state" in curl
    assert "-X POST" in curl


async def test_documented_response_examples_read_as_documented(rig: Rig) -> None:
    examples = doc_response_examples()
    assert {e["state"] for e in examples} >= {"present", "reversed", "deleted"}
    lookup = ErpLookup(origin_id="CO-000123", cco_number="004", cco_title="Drywall changes")
    for example in examples:
        rig.harness.faults.clear()
        rig.answer_with(200, example)
        record = await rig.adapter().check(lookup)
        assert record.state is RecordState(example["state"])
        assert record.reference == example["reference"]
        assert record.status_text == example["status_text"]


async def test_present_record_names_the_fix_from_the_bridges_reference(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    record = await rig.adapter().check(lookup)

    assert record.reference == f"change order {lookup.origin_id}"
    assert INFO.fix(record) == (
        f"Delete, reverse, void or cancel change order {lookup.origin_id} in the ERP"
    )
    assert INFO.name == "the ERP (via your integration bridge)"


async def test_missing_reference_falls_back_to_the_origin_id(rig: Rig) -> None:
    rig.answer_with(200, {"state": "voided"})
    record = await rig.adapter().check(ErpLookup("CO-7", "007", "Seven"))
    assert (record.state, record.reference, record.status_text) == (
        RecordState.VOIDED,
        "CO-7",
        None,
    )


async def test_404_is_a_configuration_error_never_deleted(rig: Rig) -> None:
    rig.answer_with(404, {"error": "Not Found"})
    with pytest.raises(ErpMisconfigured, match="ERP_BASE_URL"):
        await rig.adapter().check(rig.harness.seed(RecordState.PRESENT))


async def test_wrong_path_on_the_bridge_host_is_a_configuration_error(rig: Rig) -> None:
    adapter = rig.adapter(base_url=f"{rig.server.url}/not-the-bridge")
    with pytest.raises(ErpMisconfigured):
        await adapter.check(rig.harness.seed(RecordState.DELETED))


@pytest.mark.parametrize(
    "body",
    [
        {"state": "archived", "reference": "CO-1"},
        {"reference": "CO-1"},
        {"state": "present", "reference": 42},
        {"state": "present", "status_text": ["Approved"]},
        ["present"],
    ],
)
async def test_answers_outside_the_contract_are_bad_responses(rig: Rig, body: Any) -> None:
    rig.answer_with(200, body)
    with pytest.raises(ErpBadResponse):
        await rig.adapter().check(ErpLookup("CO-1", "001", "One"))


@pytest.mark.parametrize("status", [201, 204, 302, 400, 409, 422])
async def test_other_statuses_are_bad_responses(rig: Rig, status: int) -> None:
    rig.answer_with(status, {"state": "deleted"})
    with pytest.raises(ErpBadResponse):
        await rig.adapter().check(ErpLookup("CO-1", "001", "One"))


async def test_request_timeout_status_is_unreachable(rig: Rig) -> None:
    rig.answer_with(408, {})
    with pytest.raises(ErpUnreachable):
        await rig.adapter().check(ErpLookup("CO-1", "001", "One"))


async def test_forbidden_is_a_configuration_error(rig: Rig) -> None:
    rig.answer_with(403, {"error": "forbidden"})
    with pytest.raises(ErpMisconfigured):
        await rig.adapter().check(ErpLookup("CO-1", "001", "One"))


@pytest.mark.parametrize("missing", ["base_url", "client_secret"])
async def test_missing_settings_stop_the_build(rig: Rig, missing: str) -> None:
    variable = f"ERP_{missing.upper()}"
    with pytest.raises(ErpMisconfigured, match=variable):
        rig.adapter(**{missing: None})
    assert rig.calls() == []
