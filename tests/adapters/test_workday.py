"""The Workday adapter against the Workday sandbox, over loopback."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import httpx
import pytest

from erp.base import (
    ErpBadResponse,
    ErpLookup,
    ErpMisconfigured,
    ErpParentUnknown,
    ErpUnreachable,
    RecordState,
)
from erp.registry import build_adapter
from erp.settings import ErpSettings
from erp.workday import INFO, WorkdayAdapter
from sandbox.erps.workday.app import make_sandbox
from sandbox.erps.workday.world import DEMO_TENANT
from sandbox.faults import FaultRule, RecordedRequest
from sandbox.runner import RunningServer, serve
from tests.adapters.harness_workday import API_VERSION, ISU, PASSWORD, TENANT, WorkdayHarness

NS = {
    "env": "http://schemas.xmlsoap.org/soap/envelope/",
    "wd": "urn:com.workday/bsvc",
    "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
}
PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)
SOAP_PATH = f"/ccx/service/{TENANT}/Resource_Management/{API_VERSION}"


@dataclass
class Rig:
    harness: WorkdayHarness
    server: RunningServer
    http: httpx.AsyncClient

    def adapter(self, **overrides: object) -> WorkdayAdapter:
        adapter = build_adapter(self.harness.settings(self.server, **overrides), self.http)
        assert isinstance(adapter, WorkdayAdapter)
        return adapter

    def soap_calls(self) -> list[RecordedRequest]:
        return self.harness.recorder.matching("POST", self.harness.read_route())


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    harness = WorkdayHarness()
    server = await harness.start()
    async with httpx.AsyncClient(timeout=5.0) as http:
        yield Rig(harness, server, http)
    await server.stop()


def _envelope(call: RecordedRequest) -> ET.Element:
    return ET.fromstring(call.body)


# --- the request ------------------------------------------------------------------------


async def test_request_is_a_soap_envelope_with_token_version_and_reference(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    await rig.adapter().check(lookup)

    [call] = rig.soap_calls()
    assert call.path == SOAP_PATH
    assert call.headers["Content-Type"].startswith("text/xml")
    root = _envelope(call)
    assert root.tag == f"{{{NS['env']}}}Envelope"
    token = root.find("env:Header/wsse:Security/wsse:UsernameToken", NS)
    assert token is not None
    assert token.findtext("wsse:Username", namespaces=NS) == f"{ISU}@{TENANT}"
    password = token.find("wsse:Password", NS)
    assert password is not None
    assert password.text == PASSWORD
    assert password.get("Type") == PASSWORD_TEXT
    request = root.find("env:Body/wd:Get_Supplier_Contracts_Request", NS)
    assert request is not None
    assert request.get(f"{{{NS['wd']}}}version") == API_VERSION
    ids = request.findall("wd:Request_References/wd:Supplier_Contract_Reference/wd:ID", NS)
    assert [(i.get(f"{{{NS['wd']}}}type"), i.text) for i in ids] == [
        ("Supplier_Contract_ID", lookup.commitment_origin_id)
    ]
    assert request.findtext("wd:Response_Group/wd:Include_Amendment_Data", namespaces=NS) == "true"


async def test_username_already_qualified_with_the_tenant_is_sent_once(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    record = await rig.adapter(username=f"{ISU}@{TENANT}").check(lookup)
    assert record.state is RecordState.PRESENT
    token = _envelope(rig.soap_calls()[0]).find("env:Header/wsse:Security/wsse:UsernameToken", NS)
    assert token is not None
    assert token.findtext("wsse:Username", namespaces=NS) == f"{ISU}@{TENANT}"


async def test_xml_special_characters_are_escaped(rig: Rig) -> None:
    contract_id, amendment_id = "SC-<&>\"'-1", "SCA-<&>]]>-1"
    rig.harness.state.add_contract(TENANT, contract_id)
    rig.harness.state.add_amendment(TENANT, contract_id, amendment_id, status="Canceled")
    lookup = ErpLookup(amendment_id, "001", "Drywall", commitment_origin_id=contract_id)

    record = await rig.adapter().check(lookup)

    assert record.state is RecordState.CANCELED
    assert record.reference == amendment_id
    [call] = rig.soap_calls()
    assert b"<&>" not in call.body
    reference_id = _envelope(call).find(".//wd:Supplier_Contract_Reference/wd:ID", NS)
    assert reference_id is not None and reference_id.text == contract_id
    password = _envelope(call).find(".//wsse:Password", NS)
    assert password is not None and password.text == PASSWORD


async def test_a_wid_shaped_commitment_key_is_sent_as_a_wid(rig: Rig) -> None:
    contract = rig.harness.state.add_contract(TENANT, "SC-WID")
    rig.harness.state.add_amendment(TENANT, "SC-WID", "SCA-WID")
    lookup = ErpLookup("SCA-WID", "002", "Steel", commitment_origin_id=contract.wid)

    record = await rig.adapter().check(lookup)

    assert record.state is RecordState.PRESENT
    root = _envelope(rig.soap_calls()[0])
    reference_id = root.find(".//wd:Supplier_Contract_Reference/wd:ID", NS)
    assert reference_id is not None
    assert reference_id.get(f"{{{NS['wd']}}}type") == "WID"


# --- what Workday holds -----------------------------------------------------------------


async def test_approved_amendment_is_still_in_workday_with_the_fix(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    record = await rig.adapter().check(lookup)
    assert (record.state, record.reference, record.status_text) == (
        RecordState.PRESENT,
        lookup.origin_id,
        "Approved",
    )
    assert INFO.fix(record) == (
        f"Cancel or delete Supplier Contract Amendment {lookup.origin_id} in Workday"
    )


async def test_in_progress_amendment_is_present(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT, status="In Progress")
    record = await rig.adapter().check(lookup)
    assert record.state is RecordState.PRESENT
    assert record.status_text == "In Progress"


async def test_amendment_canceled_in_the_tenant_allows_unlink(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    assert lookup.commitment_origin_id is not None
    assert rig.harness.state.cancel_amendment(TENANT, lookup.commitment_origin_id, lookup.origin_id)

    record = await rig.adapter().check(lookup)

    assert record.state is RecordState.CANCELED
    assert record.status_text == "Canceled"
    assert INFO.allows_unlink(record.state)


async def test_missing_amendment_on_an_existing_contract_is_deleted(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    assert lookup.commitment_origin_id is not None
    assert rig.harness.state.delete_amendment(TENANT, lookup.commitment_origin_id, lookup.origin_id)

    record = await rig.adapter().check(lookup)

    assert record.state is RecordState.DELETED
    assert record.reference == lookup.origin_id
    state = rig.harness.state.as_dict()
    [contract] = state[TENANT]["contracts"]
    assert contract["contract_id"] == lookup.commitment_origin_id
    assert contract["amendments"] == []


async def test_a_missing_contract_is_deleted_only_when_the_tenant_knows_the_project(
    rig: Rig,
) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    assert lookup.commitment_origin_id is not None
    rig.harness.state.delete_contract(TENANT, lookup.commitment_origin_id)
    lookup = replace(lookup, project_origin_id="HARBORB", project_name="Harbor B")

    with pytest.raises(ErpParentUnknown) as caught:
        await rig.adapter().check(lookup)
    assert caught.value.project == "Harbor B (HARBORB)"
    rig.harness.state.add_project(TENANT, "HARBORB", "Harbor B")
    record = await rig.adapter().check(lookup)

    assert record.state is RecordState.DELETED
    assert INFO.allows_unlink(record.state)
    projects = ET.fromstring(rig.soap_calls()[-1].body).find("env:Body/wd:Get_Projects_Request", NS)
    assert projects is not None
    assert projects.findtext("wd:Request_References/wd:Project_Reference/wd:ID", None, NS) == (
        "HARBORB"
    )


async def test_commitment_without_workday_key_asks_nothing(rig: Rig) -> None:
    lookup = ErpLookup("SCA-1", "003", "Paint", commitment_origin_id=None)
    record = await rig.adapter().check(lookup)
    assert record.state is RecordState.NOT_SYNCED_BY_THIS_ERP
    assert not INFO.allows_unlink(record.state)
    assert rig.soap_calls() == []


# --- the sandbox speaks Workday's faults -------------------------------------------------


async def test_sandbox_answers_an_unknown_contract_with_a_validation_fault(rig: Rig) -> None:
    lookup = ErpLookup("SCA-9", "009", "Gone", commitment_origin_id="SC-NOPE")
    with pytest.raises(ErpParentUnknown):
        await rig.adapter().check(lookup)

    response = await rig.http.post(rig.server.url + SOAP_PATH, content=rig.soap_calls()[0].body)

    assert response.status_code == 500
    fault = ET.fromstring(response.content).find("env:Body/env:Fault", NS)
    assert fault is not None
    assert fault.findtext("faultcode") == "SOAP-ENV:Client.validationError"
    message = fault.findtext("detail/wd:Validation_Fault/wd:Validation_Error/wd:Message", None, NS)
    assert message == (
        "Invalid ID value.  'SC-NOPE' is not a valid ID value for type = 'Supplier_Contract_ID'"
    )


async def test_wrong_password_is_a_soap_auth_fault_and_a_configuration_error(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    with pytest.raises(ErpMisconfigured) as caught:
        await rig.adapter(password="wrong").check(lookup)
    assert caught.value.system == "Workday"
    assert "invalid username or password" in caught.value.reason

    response = await rig.http.post(rig.server.url + SOAP_PATH, content=rig.soap_calls()[0].body)
    fault = ET.fromstring(response.content).find("env:Body/env:Fault", NS)
    assert response.status_code == 500 and fault is not None
    assert fault.findtext("faultcode") == "SOAP-ENV:Client.authenticationError"


async def test_a_plain_text_auth_refusal_is_a_configuration_error(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    rig.harness.faults.add(
        FaultRule(path=rig.harness.read_route(), status=500, body="Invalid username or password")
    )
    with pytest.raises(ErpMisconfigured):
        await rig.adapter().check(lookup)


async def test_a_server_side_soap_fault_is_unreachable(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    body = (
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{NS["env"]}"><SOAP-ENV:Body><SOAP-ENV:Fault>'
        "<faultcode>SOAP-ENV:Server.processingError</faultcode>"
        "<faultstring>An internal error occurred</faultstring>"
        "</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )
    rig.harness.faults.add(FaultRule(path=rig.harness.read_route(), status=500, body=body))
    with pytest.raises(ErpUnreachable):
        await rig.adapter().check(lookup)


async def test_an_answer_without_the_amendment_list_is_never_read_as_deleted(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    body = (
        f'<env:Envelope xmlns:env="{NS["env"]}"><env:Body>'
        f'<wd:Get_Supplier_Contracts_Response xmlns:wd="{NS["wd"]}" wd:version="v29.0">'
        "<wd:Response_Data><wd:Supplier_Contract><wd:Supplier_Contract_Data>"
        f"<wd:Supplier_Contract_ID>{lookup.commitment_origin_id}</wd:Supplier_Contract_ID>"
        "</wd:Supplier_Contract_Data></wd:Supplier_Contract></wd:Response_Data>"
        "</wd:Get_Supplier_Contracts_Response></env:Body></env:Envelope>"
    )
    rig.harness.faults.add(FaultRule(path=rig.harness.read_route(), status=200, body=body))
    with pytest.raises(ErpBadResponse):
        await rig.adapter().check(lookup)


async def test_missing_settings_are_named(rig: Rig) -> None:
    with pytest.raises(ErpMisconfigured) as caught:
        rig.adapter(tenant=None, password="")
    assert "ERP_TENANT" in caught.value.reason and "ERP_PASSWORD" in caught.value.reason


async def test_playground_tenant_answers_with_its_demo_amendments() -> None:
    sandbox = make_sandbox()
    server = await serve(sandbox.app)
    settings = ErpSettings(
        system="workday",
        base_url=server.url,
        username="ISU_Procore",
        password="sandbox-password",
        tenant=DEMO_TENANT,
    )
    try:
        async with httpx.AsyncClient() as http:
            adapter = build_adapter(settings, http)
            states = [
                (await adapter.check(ErpLookup(cco, "1", "t", commitment_origin_id=sc))).state
                for cco, sc in (("SCA-000101", "SC-000012"), ("SCA-000103", "SC-000012"))
            ]
    finally:
        await server.stop()
    assert states == [RecordState.PRESENT, RecordState.CANCELED]
