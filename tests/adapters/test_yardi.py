"""The Yardi Voyager adapter against its sandbox: the SOAP it sends, how it reads answers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape

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
from erp.registry import build_adapter
from erp.yardi import INFO
from sandbox.faults import FaultRule, RecordedRequest
from sandbox.runner import RunningServer
from tests.adapters.harness_yardi_voyager import LOGIN, SITE, YardiHarness

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
ITF = "http://tempuri.org/YSI.Interfaces.WebServices/ItfJobCost"
OPERATION = "GetChangeOrders_Login"


@dataclass
class Rig:
    harness: YardiHarness
    server: RunningServer
    http: httpx.AsyncClient

    def adapter(self, **overrides: object) -> ErpAdapter:
        return build_adapter(self.harness.settings(self.server, **overrides), self.http)

    def calls(self) -> list[RecordedRequest]:
        return self.harness.recorder.matching("POST", self.harness.read_route())


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    harness = YardiHarness()
    server = await harness.start()
    async with httpx.AsyncClient() as http:
        yield Rig(harness, server, http)
    await server.stop()


def call_fields(call: RecordedRequest) -> list[tuple[str, str]]:
    body = ET.fromstring(call.body).find(f"{{{SOAP}}}Body")
    operation = next(iter(body), None) if body is not None else None
    assert operation is not None
    return [(child.tag.rpartition("}")[2], child.text or "") for child in operation]


def soap_answer(result_inner: str) -> str:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body>'
        f'<{OPERATION}Response xmlns="{ITF}"><{OPERATION}Result>{result_inner}'
        f"</{OPERATION}Result></{OPERATION}Response></soap:Body></soap:Envelope>"
    )


async def test_sends_the_interface_login_and_the_change_order_keys(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    await rig.adapter().check(lookup)

    [call] = rig.calls()
    assert call.path == f"{SITE}/webservices/itfjobcost.asmx"
    assert call.headers["SOAPAction"] == f'"{ITF}/{OPERATION}"'
    assert call.headers["Content-Type"].startswith("text/xml")
    assert call_fields(call) == [
        ("UserName", LOGIN.user_name),
        ("Password", LOGIN.password),
        ("ServerName", LOGIN.server_name),
        ("Database", LOGIN.database),
        ("Platform", "SQL Server"),
        ("InterfaceEntity", LOGIN.interface_entity),
        ("InterfaceLicense", LOGIN.interface_license),
        ("ContractCode", lookup.commitment_origin_id),
        ("ChangeOrderCode", lookup.origin_id),
    ]


async def test_platform_comes_from_the_third_part_of_erp_tenant(rig: Rig) -> None:
    tenant = f"{LOGIN.server_name}/{LOGIN.database}/Oracle"
    with pytest.raises(ErpMisconfigured):  # the sandbox knows this login on SQL Server only
        await rig.adapter(tenant=tenant).check(ErpLookup("CO1", "001", "One"))
    rig.harness.state.add_login(replace(LOGIN, platform="Oracle"))
    rig.harness.state.jobs["TOWERA"] = "Tower A"
    lookup = ErpLookup("CO1", "001", "One", project_origin_id="TOWERA")
    record = await rig.adapter(tenant=tenant).check(lookup)

    assert record.state is RecordState.DELETED
    assert ("Platform", "Oracle") in call_fields(rig.calls()[-1])
    assert ("JobCode", "TOWERA") in call_fields(rig.calls()[-1])


async def test_without_a_commitment_only_the_change_order_code_is_sent(rig: Rig) -> None:
    seeded = rig.harness.seed(RecordState.PRESENT)
    lookup = ErpLookup(seeded.origin_id, seeded.cco_number, seeded.cco_title)
    record = await rig.adapter().check(lookup)

    assert record.state is RecordState.PRESENT
    names = [name for name, _ in call_fields(rig.calls()[0])]
    assert "ContractCode" not in names
    assert names[-1] == "ChangeOrderCode"


async def test_present_change_order_reads_with_its_contract_and_status(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT, status="Pending Approval")
    record = await rig.adapter().check(lookup)

    assert record.status_text == "Pending Approval"
    assert INFO.fix(record) == (
        f"Delete change order {lookup.origin_id} (contract {lookup.commitment_origin_id}) "
        "in Yardi Voyager"
    )


async def test_result_sent_as_escaped_text_is_read_too(rig: Rig) -> None:
    document = (
        "<ChangeOrders><ChangeOrder><Code>CO9</Code><ContractCode>C9</ContractCode>"
        "<Status>Approved</Status></ChangeOrder></ChangeOrders>"
    )
    rig.harness.faults.add(
        FaultRule(path=rig.harness.read_route(), status=200, body=soap_answer(escape(document)))
    )
    record = await rig.adapter().check(ErpLookup("CO9", "009", "Nine"))
    assert (record.state, record.reference) == (RecordState.PRESENT, "CO9 (contract C9)")


async def test_an_empty_change_order_list_alone_is_not_deleted(rig: Rig) -> None:
    rig.harness.faults.add(
        FaultRule(path=rig.harness.read_route(), status=200, body=soap_answer("<ChangeOrders/>"))
    )
    with pytest.raises(ErpParentUnknown):
        await rig.adapter().check(ErpLookup("CO9", "009", "Nine"))
    assert len(rig.calls()) == 1


async def test_an_absent_change_order_of_a_known_contract_is_deleted(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.DELETED)
    assert (await rig.adapter().check(lookup)).state is RecordState.DELETED
    contracts = rig.calls()[-1]
    assert contracts.headers["SOAPAction"] == f'"{ITF}/GetContracts_Login"'
    assert ("ContractCode", lookup.commitment_origin_id) in call_fields(contracts)


async def test_an_answer_without_the_asked_change_order_is_not_read_as_deleted(rig: Rig) -> None:
    other = "<ChangeOrders><ChangeOrder><Code>CO1</Code></ChangeOrder></ChangeOrders>"
    rig.harness.faults.add(
        FaultRule(path=rig.harness.read_route(), status=200, body=soap_answer(other))
    )
    with pytest.raises(ErpBadResponse):
        await rig.adapter().check(ErpLookup("CO9", "009", "Nine"))


async def test_other_voyager_errors_are_bad_responses(rig: Rig) -> None:
    error = '<Messages><Message messageType="Error">Object reference not set</Message></Messages>'
    rig.harness.faults.add(
        FaultRule(path=rig.harness.read_route(), status=200, body=soap_answer(error))
    )
    with pytest.raises(ErpBadResponse, match="Object reference not set"):
        await rig.adapter().check(ErpLookup("CO9", "009", "Nine"))


async def test_unknown_soap_action_on_this_voyager_is_a_configuration_error(rig: Rig) -> None:
    fault = (
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><soap:Fault>'
        "<faultcode>soap:Client</faultcode><faultstring>Server did not recognize the value of"
        " HTTP Header SOAPAction</faultstring></soap:Fault></soap:Body></soap:Envelope>"
    )
    rig.harness.faults.add(FaultRule(path=rig.harness.read_route(), status=500, body=fault))
    with pytest.raises(ErpMisconfigured, match="SOAPAction"):
        await rig.adapter().check(ErpLookup("CO9", "009", "Nine"))


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"tenant": "just-a-database"}, "ERP_TENANT"),
        ({"client_id": None}, "ERP_CLIENT_ID"),
        ({"client_secret": None}, "ERP_CLIENT_SECRET"),
        ({"base_url": None}, "ERP_BASE_URL"),
    ],
)
async def test_missing_or_malformed_settings_stop_the_build(
    rig: Rig, overrides: dict[str, object], variable: str
) -> None:
    with pytest.raises(ErpMisconfigured, match=variable):
        rig.adapter(**overrides)
