"""Workday's SOAP wire format for the sandbox: reading requests, writing responses and faults.

Envelope shapes follow Workday Web Services as described in specs/workday/FACTS.md: namespace
`urn:com.workday/bsvc` (prefix `wd` in Workday's answers), faults as SOAP 1.1 `SOAP-ENV:Fault`
with `faultcode` `SOAP-ENV:Client.authenticationError` ("invalid username or password") or
`SOAP-ENV:Client.validationError` with `detail/wd:Validation_Fault/wd:Validation_Error`.

Not publicly documented (mirrors the assumption block in the app's Workday adapter): the
contract's amendments are listed as `Supplier_Contract_Data/Supplier_Contract_Amendment_Data`
when `Response_Group/Include_Amendment_Data` is true, each with a
`Supplier_Contract_Amendment_Reference` and a `Document_Status_Reference`. `Get_Projects`
(same service, in the public WSDL) is served by `Project_Reference` only, answering
`Response_Data/Project` with its `Project_Reference` and `Project_Data/Project_ID`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field

from sandbox.erps.workday.errors import RequestInvalid
from sandbox.erps.workday.world import Amendment, SupplierContract

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
BSVC = "urn:com.workday/bsvc"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
OPERATION = "Get_Supplier_Contracts"
AMENDMENT_GROUP = "Include_Amendment_Data"
_NS = {"env": SOAP_ENV, "wd": BSVC, "wsse": WSSE}
PROJECTS_OPERATION = "Get_Projects"


def operation_name(operation: ET.Element | None) -> str:
    """`Get_Supplier_Contracts` for a `wd:Get_Supplier_Contracts_Request` element, else ""."""
    if operation is None or not operation.tag.startswith(f"{{{BSVC}}}"):
        return ""
    return operation.tag.removeprefix(f"{{{BSVC}}}").removesuffix("_Request")


def read_project_references(operation: ET.Element) -> list[tuple[str, str]]:
    return [
        _reference_id(reference, position)
        for position, reference in enumerate(
            operation.iterfind("wd:Request_References/wd:Project_Reference", _NS), 1
        )
    ]


def projects_response(projects: list[tuple[str, str, str]], version: str) -> bytes:
    """`(wid, project_id, name)` of each project found, as a Get_Projects_Response."""
    envelope = ET.Element("env:Envelope", {"xmlns:env": SOAP_ENV})
    body = _child(envelope, "env:Body")
    answer = _child(
        body, f"wd:{PROJECTS_OPERATION}_Response", **{"xmlns:wd": BSVC, "wd:version": version}
    )
    data = _child(answer, "wd:Response_Data")
    for wid, project_id, name in projects:
        project = _child(data, "wd:Project")
        _reference(project, "Project_Reference", [("WID", wid), ("Project_ID", project_id)], name)
        _child(_child(project, "wd:Project_Data"), "wd:Project_ID", project_id)
    return _wire(envelope)


@dataclass
class SoapCall:
    username: str
    password: str
    password_type: str | None
    operation: ET.Element | None


@dataclass
class ContractsRequest:
    version: str | None
    #: (ID type, value) for each `Supplier_Contract_Reference`; empty = all contracts
    references: list[tuple[str, str]] = field(default_factory=list)
    include_reference: bool = True
    include_amendments: bool = True
    group_sent: bool = False


# --- reading ----------------------------------------------------------------------------------


def parse_envelope(raw: bytes) -> SoapCall:
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise RequestInvalid(f"Invalid request: {exc}") from None
    body = root.find("env:Body", _NS)
    if root.tag != f"{{{SOAP_ENV}}}Envelope" or body is None:
        raise RequestInvalid("Invalid request: not a SOAP 1.1 envelope")
    token = root.find("env:Header/wsse:Security/wsse:UsernameToken", _NS)
    password = token.find("wsse:Password", _NS) if token is not None else None
    return SoapCall(
        username=(token.findtext("wsse:Username", "", _NS) if token is not None else "").strip(),
        password=(password.text or "") if password is not None else "",
        password_type=password.get("Type") if password is not None else None,
        operation=next(iter(body), None),
    )


def read_contracts_request(operation: ET.Element | None) -> ContractsRequest:
    if operation is None or operation.tag != f"{{{BSVC}}}{OPERATION}_Request":
        found = operation.tag if operation is not None else "nothing"
        raise RequestInvalid(f"Unsupported operation: expected {OPERATION}_Request, got {found}")
    request = ContractsRequest(version=operation.get(f"{{{BSVC}}}version"))
    for position, reference in enumerate(
        operation.iterfind("wd:Request_References/wd:Supplier_Contract_Reference", _NS), 1
    ):
        request.references.append(_reference_id(reference, position))
    group = operation.find("wd:Response_Group", _NS)
    if group is not None:
        request.group_sent = True
        request.include_reference = _flag(group, "Include_Reference")
        request.include_amendments = _flag(group, AMENDMENT_GROUP)
    return request


def _reference_id(reference: ET.Element, position: int) -> tuple[str, str]:
    element = reference.find("wd:ID", _NS)
    id_type = element.get(f"{{{BSVC}}}type") if element is not None else None
    if element is None or not id_type:
        raise RequestInvalid("Supplier_Contract_Reference needs an ID with a type", "/")
    return id_type, (element.text or "").strip()


def _flag(group: ET.Element, name: str) -> bool:
    return group.findtext(f"wd:{name}", "", _NS).strip().lower() in ("true", "1")


# --- writing ----------------------------------------------------------------------------------


def _child(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def _wire(root: ET.Element) -> bytes:
    wire: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return wire


def _reference(
    parent: ET.Element, tag: str, ids: Iterable[tuple[str, str]], descriptor: str | None = None
) -> None:
    attrs = {"wd:Descriptor": descriptor} if descriptor else {}
    reference = _child(parent, f"wd:{tag}", **attrs)
    for id_type, value in ids:
        _child(reference, "wd:ID", value, **{"wd:type": id_type})


def contracts_response(
    request: ContractsRequest, contracts: list[SupplierContract], version: str
) -> bytes:
    envelope = ET.Element("env:Envelope", {"xmlns:env": SOAP_ENV})
    body = _child(envelope, "env:Body")
    answer = _child(
        body,
        f"wd:{OPERATION}_Response",
        **{"xmlns:wd": BSVC, "wd:version": request.version or version},
    )
    _echo(answer, request)
    results = _child(answer, "wd:Response_Results")
    for name, value in (("Total_Results", len(contracts)), ("Total_Pages", 1)):
        _child(results, f"wd:{name}", str(value))
    _child(results, "wd:Page_Results", str(len(contracts)))
    _child(results, "wd:Page", "1")
    data = _child(answer, "wd:Response_Data")
    for contract in contracts:
        _contract(data, contract, request)
    return _wire(envelope)


def _echo(answer: ET.Element, request: ContractsRequest) -> None:
    if request.references:
        references = _child(answer, "wd:Request_References")
        for id_type, value in request.references:
            _reference(references, "Supplier_Contract_Reference", [(id_type, value)])
    response_filter = _child(answer, "wd:Response_Filter")
    _child(response_filter, "wd:Page", "1")
    _child(response_filter, "wd:Count", "100")
    if request.group_sent:
        group = _child(answer, "wd:Response_Group")
        _child(group, "wd:Include_Reference", _bool(request.include_reference))
        _child(group, f"wd:{AMENDMENT_GROUP}", _bool(request.include_amendments))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _contract(parent: ET.Element, contract: SupplierContract, request: ContractsRequest) -> None:
    element = _child(parent, "wd:Supplier_Contract")
    if request.include_reference:
        ids = [("WID", contract.wid), ("Supplier_Contract_ID", contract.contract_id)]
        _reference(element, "Supplier_Contract_Reference", ids, contract.name or None)
    data = _child(element, "wd:Supplier_Contract_Data")
    _child(data, "wd:Supplier_Contract_ID", contract.contract_id)
    if contract.supplier:
        _reference(data, "Supplier_Reference", [("Supplier_ID", contract.supplier)])
    if contract.name:
        _child(data, "wd:Contract_Name", contract.name)
    if request.include_amendments:
        for amendment in contract.amendments.values():
            _amendment(data, amendment)


def _amendment(parent: ET.Element, amendment: Amendment) -> None:
    element = _child(parent, "wd:Supplier_Contract_Amendment_Data")
    ids = [("WID", amendment.wid), ("Supplier_Contract_Amendment_ID", amendment.amendment_id)]
    _reference(element, "Supplier_Contract_Amendment_Reference", ids, amendment.description or None)
    status_id = amendment.status.replace(" ", "_")
    _reference(
        element, "Document_Status_Reference", [("Document_Status_ID", status_id)], amendment.status
    )


def _fault(code: str, text: str) -> tuple[ET.Element, ET.Element]:
    envelope = ET.Element("SOAP-ENV:Envelope", {"xmlns:SOAP-ENV": SOAP_ENV})
    body = _child(envelope, "SOAP-ENV:Body")
    fault = _child(body, "SOAP-ENV:Fault", **{"xmlns:wd": BSVC})
    _child(fault, "faultcode", code)
    _child(fault, "faultstring", text)
    return envelope, fault


def auth_fault() -> bytes:
    envelope, _ = _fault("SOAP-ENV:Client.authenticationError", "invalid username or password")
    return _wire(envelope)


def validation_fault(message: str, xpath: str) -> bytes:
    envelope, fault = _fault(
        "SOAP-ENV:Client.validationError", f"Validation error occurred. {message}"
    )
    error = _child(_child(_child(fault, "detail"), "wd:Validation_Fault"), "wd:Validation_Error")
    _child(error, "wd:Message", message)
    _child(error, "wd:Detail_Message", message)
    _child(error, "wd:Xpath", xpath)
    return _wire(envelope)
