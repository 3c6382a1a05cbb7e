"""The CMiC adapter against the CMiC sandbox: the call it makes and how it reads answers."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from erp.base import (
    ErpAdapter,
    ErpBadResponse,
    ErpLookup,
    ErpMisconfigured,
    ErpParentUnknown,
    RecordState,
)
from erp.cmic import INFO, INFO_VOID_ALLOWED
from erp.registry import build_adapter
from sandbox.erps.cmic.world import VOIDED
from sandbox.faults import FaultRule, RecordedRequest
from sandbox.runner import RunningServer
from tests.adapters.harness_cmic import (
    COMPANY,
    ENVIRONMENT,
    PASSWORD,
    USERNAME,
    VENDOR,
    CmicHarness,
    origin_id_of,
)


@dataclass
class Rig:
    harness: CmicHarness
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
    harness = CmicHarness()
    server = await harness.start()
    async with httpx.AsyncClient() as http:
        yield Rig(harness, server, http)
    await server.stop()


def _lookup(origin_id: str) -> ErpLookup:
    return ErpLookup(origin_id=origin_id, cco_number="001", cco_title="Drywall changes")


async def test_reads_scmast_with_basic_auth_and_an_adf_key_filter(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    await rig.adapter().check(lookup)

    [call] = rig.calls()
    assert call.path == f"{ENVIRONMENT}/pm-rest-api/rest/1/scmast"
    assert call.query["q"] == (
        f"ScmstCompCode = '{COMPANY}' and ScmstVenCode = '{VENDOR}' "
        "and ScmstContCode = 'SC-24-001' and ScmstChgCode = '001'"
    )
    assert set(call.query["fields"].split(",")) >= {"ScmstChgCode", "ScmstStatusCode"}
    assert (call.query["limit"], call.query["offset"]) == ("25", "0")
    scheme, _, encoded = call.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode() == f"{USERNAME}:{PASSWORD}"
    assert call.headers["Accept"] == "application/json"


async def test_present_change_order_names_subcontract_change_code_and_job(rig: Rig) -> None:
    record = await rig.adapter().check(rig.harness.seed(RecordState.PRESENT))

    assert record.state is RecordState.PRESENT
    assert INFO.fix(record) == (
        "Delete subcontract change order 001 on subcontract SC-24-001 (job TOWERA) in CMiC"
    )


async def test_voided_is_not_gone_unless_the_company_allows_it(rig: Rig) -> None:
    adapter = rig.adapter()
    record = await adapter.check(rig.harness.seed(RecordState.VOIDED))

    assert record.state is RecordState.VOIDED
    assert adapter.info is INFO
    assert not adapter.info.allows_unlink(record.state)
    assert adapter.info.fix(record).startswith("Delete subcontract change order")


async def test_voided_counts_as_gone_when_allowed(rig: Rig) -> None:
    adapter = rig.adapter(allow_voided=True)
    voided = await adapter.check(rig.harness.seed(RecordState.VOIDED))
    present = await adapter.check(rig.harness.seed(RecordState.PRESENT))

    assert adapter.info is INFO_VOID_ALLOWED
    assert adapter.info.allows_unlink(voided.state)
    assert not adapter.info.allows_unlink(present.state)
    assert "void" in adapter.info.fix(present)
    assert adapter.info.note_for(RecordState.VOIDED)


async def test_deleted_under_either_setting(rig: Rig) -> None:
    for allow_voided in (False, True):
        adapter = rig.adapter(allow_voided=allow_voided)
        record = await adapter.check(rig.harness.seed(RecordState.DELETED))
        assert record.state is RecordState.DELETED
        assert adapter.info.allows_unlink(record.state)


async def test_a_row_id_origin_id_is_looked_up_by_scmstvuuid(rig: Rig) -> None:
    row = rig.harness.add_row()
    adapter = rig.adapter()

    assert (await adapter.check(_lookup(row.vuuid))).state is RecordState.PRESENT
    rig.harness.state.delete(row.vuuid)
    lookup = replace(_lookup(row.vuuid), commitment_origin_id=row.contract)
    assert (await adapter.check(lookup)).state is RecordState.DELETED
    assert rig.calls()[0].query["q"] == f"ScmstVUuid = '{row.vuuid}'"


async def test_absent_counts_as_deleted_only_with_its_subcontract_or_job_in_cmic(rig: Rig) -> None:
    row = rig.harness.add_row()
    rig.harness.state.delete(row.vuuid)
    absent = replace(
        _lookup(origin_id_of(row)),
        commitment_origin_id=f"{COMPANY}|{VENDOR}|NO-SUCH-SC",
        commitment_number="SC-404",
        project_origin_id=row.job,
        project_name="Tower A",
    )
    adapter = rig.adapter()

    assert (await adapter.check(absent)).state is RecordState.DELETED
    q = [call.query["q"] for call in rig.calls()[1:]]
    assert q == [
        f"ScmstCompCode = '{COMPANY}' and ScmstVenCode = '{VENDOR}' and "
        "ScmstContCode = 'NO-SUCH-SC' and ScmstChgCode = '000'",
        f"ScmstJobCode = '{row.job}'",
    ]
    with pytest.raises(ErpParentUnknown) as caught:
        await adapter.check(replace(absent, project_origin_id="NO-JOB"))
    assert caught.value.commitment == f"SC-404 ({COMPANY}|{VENDOR}|NO-SUCH-SC)"


async def test_quotes_in_key_values_are_doubled_and_still_match(rig: Rig) -> None:
    row = rig.harness.state.add_change_order(COMPANY, VENDOR, "O'NEIL-7", job="24-100")
    record = await rig.adapter().check(_lookup(origin_id_of(row)))

    assert record.state is RecordState.PRESENT
    assert "ScmstContCode = 'O''NEIL-7'" in rig.calls()[0].query["q"]


async def test_an_origin_id_that_is_no_cmic_key_is_not_looked_up(rig: Rig) -> None:
    record = await rig.adapter().check(_lookup("ACME|SC-1"))

    assert record.state is RecordState.NOT_SYNCED_BY_THIS_ERP
    assert rig.calls() == []


async def test_the_base_contract_row_is_not_mistaken_for_the_change_order(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.DELETED)
    assert any(row.change_code == "000" for row in rig.harness.state.rows)
    assert (await rig.adapter().check(lookup)).state is RecordState.DELETED


async def test_rows_that_are_not_the_asked_change_order_are_not_read_as_deleted(rig: Rig) -> None:
    rig.answer_with(200, {"items": [{"ScmstVUuid": "OTHER", "ScmstChgCode": "009"}]})
    with pytest.raises(ErpBadResponse):
        await rig.adapter().check(_lookup("ACME|V1|SC-1|001"))


async def test_follows_has_more_but_not_forever(rig: Rig) -> None:
    rig.answer_with(200, {"items": [], "hasMore": True})
    with pytest.raises(ErpBadResponse):
        await rig.adapter().check(_lookup("ACME|V1|SC-1|001"))
    assert [call.query["offset"] for call in rig.calls()] == ["0", "25", "50", "75"]


async def test_adf_errors_are_bad_responses_with_cmics_words(rig: Rig) -> None:
    error = {"title": "Bad Request", "o:errorDetails": [{"detail": "Attribute X not found"}]}
    rig.answer_with(400, error)
    with pytest.raises(ErpBadResponse, match="Attribute X not found"):
        await rig.adapter().check(_lookup("ACME|V1|SC-1|001"))


async def test_a_base_url_without_the_environment_is_a_configuration_error(rig: Rig) -> None:
    with pytest.raises(ErpMisconfigured, match="ERP_BASE_URL"):
        await rig.adapter(base_url=rig.server.url).check(_lookup("ACME|V1|SC-1|001"))


@pytest.mark.parametrize("variable", ["base_url", "username", "password"])
async def test_missing_settings_stop_the_build(rig: Rig, variable: str) -> None:
    with pytest.raises(ErpMisconfigured, match=f"ERP_{variable.upper()}"):
        rig.adapter(**{variable: None})


# --- the sandbox on its own, over HTTP ------------------------------------------------------------


async def test_sandbox_state_adds_voids_and_deletes_change_orders(rig: Rig) -> None:
    state = rig.harness.state
    row = state.add_change_order(COMPANY, VENDOR, "SC-9", job="J9")
    assert row.attributes()["ScmstChgCode"] == "001"
    adapter = rig.adapter()
    lookup = replace(_lookup(f"{COMPANY}|{VENDOR}|SC-9|001"), commitment_origin_id="SC-9")

    assert state.void(row.vuuid)
    assert (await adapter.check(lookup)).state is RecordState.VOIDED
    assert [r["status"] for r in state.as_dict()["rows"] if r["contract"] == "SC-9"] == [
        "P",
        VOIDED,
    ]

    assert state.delete(row.vuuid)
    assert (await adapter.check(lookup)).state is RecordState.DELETED


async def test_sandbox_speaks_adf_paging_and_refuses_big_limits(rig: Rig) -> None:
    for _ in range(3):
        rig.harness.add_row()
    url = f"{rig.server.url}{ENVIRONMENT}/pm-rest-api/rest/1/scmast"
    auth = (USERNAME, PASSWORD)

    page = (await rig.http.get(url, params={"limit": "2", "offset": "1"}, auth=auth)).json()
    assert (page["count"], page["hasMore"], page["offset"]) == (2, True, 1)
    assert page["items"][0]["links"][0]["rel"] == "self"

    too_many = await rig.http.get(url, params={"limit": "1001"}, auth=auth)
    assert too_many.status_code == 400
    assert too_many.headers["Content-Type"].startswith("application/vnd.oracle.adf.error+json")
    unknown = await rig.http.get(url, params={"q": "Nope = 'x'"}, auth=auth)
    assert "Nope" in unknown.json()["o:errorDetails"][0]["detail"]
    refused = await rig.http.get(url, auth=(USERNAME, "wrong"))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Basic")
