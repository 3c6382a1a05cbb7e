"""Workday: is the CCO's Supplier Contract Amendment still there?

Procore exports a Commitment as a Workday Supplier Contract and each CCO as an amendment of it.
The adapter asks Workday Web Services (SOAP 1.1, document/literal) for the contract with
`Resource_Management/Get_Supplier_Contracts`, authenticating with a WS-Security UsernameToken,
and finds the CCO's amendment among the contract's amendments. An amendment that is not on a
contract Workday returned is gone; when Workday does not know the contract either, absence
counts as gone only if the same tenant knows the project (`Get_Projects` by `Project_ID`,
`erp.base.absent_record`), since a wrong tenant or key format looks just the same.

XML is built and read with the standard library's ElementTree. Workday is a trusted endpoint
reached over TLS; ElementTree (expat) never resolves external entities, and nothing here turns
any protection off.

Session rule: none to keep: the WS-Security UsernameToken goes in every SOAP request's header
(Workday's Web Services security), so there is no login to reuse or end.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from erp.base import (
    ErpAdapter,
    ErpBadResponse,
    ErpInfo,
    ErpLookup,
    ErpMisconfigured,
    ErpRecord,
    ErpUnreachable,
    HttpAnswer,
    HttpHints,
    RecordState,
    absent_record,
    mapped_transport,
    raise_for_status,
)
from erp.settings import ErpSettings

INFO = ErpInfo(
    key="workday",
    name="Workday",
    record_noun="Supplier Contract Amendment",
    fix_template="Cancel or delete Supplier Contract Amendment {reference} in Workday",
    gone_states=frozenset({RecordState.DELETED, RecordState.CANCELED}),
    needs_commitment=True,
    settings_hint="ERP_BASE_URL (the services host), ERP_TENANT and the ISU in ERP_USERNAME",
)

# --- Not publicly documented: how a Procore CCO maps onto Workday ---------------------------
# Procore does not document which Workday keys its connector stores as `origin_id`, and the
# public Resource_Management WSDL (v28-v29 era, see specs/workday/FACTS.md) returns no amendment
# list from Get_Supplier_Contracts. Assumed here, and nowhere else:
# - the Commitment's origin_id is its Supplier Contract's `Supplier_Contract_ID`, or the
#   contract's WID when it is 32 hex digits (Workday's WID form);
# - the CCO's origin_id is the amendment's `Supplier_Contract_Amendment_ID` or its WID (both are
#   Workday reference ID types; the first is seen in Workday-derived ID type lists);
# - newer WWS versions list a contract's amendments as repeated
#   `Supplier_Contract_Data/Supplier_Contract_Amendment_Data` elements (reference + status),
#   returned when `Response_Group/Include_Amendment_Data` is true and echoed back in the
#   response's `Response_Group`. Without that echo an absent amendment proves nothing, so the
#   answer is treated as a bad response, never as "deleted";
# - an amendment's status is a `Document_Status_Reference` (Workday's usual status reference)
#   whose `Document_Status_ID` or Descriptor reads Canceled for a canceled amendment.
CONTRACT_ID_TYPE = "Supplier_Contract_ID"
WID_TYPE = "WID"
WID_FORM = re.compile(r"[0-9a-fA-F]{32}")
AMENDMENT_ID_TYPE = "Supplier_Contract_Amendment_ID"
AMENDMENT_RESPONSE_GROUP = "Include_Amendment_Data"
AMENDMENT_DATA = "Supplier_Contract_Amendment_Data"
AMENDMENT_REFERENCE = "Supplier_Contract_Amendment_Reference"
AMENDMENT_STATUS = "Document_Status_Reference"
STATUS_ID_TYPE = "Document_Status_ID"
CANCELED_STATUSES = frozenset({"canceled", "cancelled"})
# - the project's origin_id is its Workday `Project_ID` (or its WID); Procore imports projects
#   from Workday. `Get_Projects` is an operation of the same Resource_Management service.
PROJECT_OPERATION = "Get_Projects"
PROJECT_ID_TYPE = "Project_ID"
#: Workday's validation message for a reference to nothing (published Workday error catalogs)
NOT_FOUND_MESSAGE = "not a valid id value"
#: Workday's authentication fault: faultcode Client.authenticationError (vendor KB articles)
AUTH_FAULT_CODE = "authenticationerror"
AUTH_FAULT_TEXT = "invalid username or password"
# ---------------------------------------------------------------------------------------------

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
BSVC = "urn:com.workday/bsvc"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)
SERVICE = "Resource_Management"
OPERATION = "Get_Supplier_Contracts"

_NS = {"env": SOAP_ENV, "wd": BSVC}
#: Workday's own words for the status ladder of `erp.base` (refusals use its defaults)
HINTS = HttpHints(
    words={
        HttpAnswer.NOT_FOUND: (
            "no Workday web service at {url} (HTTP 404): check ERP_BASE_URL, ERP_TENANT and "
            "ERP_API_VERSION"
        ),
        HttpAnswer.UNEXPECTED: "HTTP {status} from {url}",
    },
    ok=range(200, 300),
)
#: raised before the SOAP fault is read: a fault (sent with a 500) says more than its status
_BEFORE_FAULT = (HttpAnswer.REFUSED,)
#: a SOAP fault sent with these is the busy service's, not an answer to the request (a 500 is
#: how Workday sends every fault, so it is not one of them)
_BUSY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


def build(settings: ErpSettings, http: httpx.AsyncClient) -> ErpAdapter:
    return WorkdayAdapter(settings, http)


class WorkdayAdapter:
    info = INFO

    def __init__(self, settings: ErpSettings, http: httpx.AsyncClient) -> None:
        missing = [
            name
            for name, value in (
                ("ERP_BASE_URL", settings.base_url),
                ("ERP_TENANT", settings.tenant),
                ("ERP_USERNAME", settings.username),
                ("ERP_PASSWORD", settings.password),
            )
            if not value
        ]
        if missing:
            raise ErpMisconfigured(INFO.name, f"{', '.join(missing)} not set")
        assert settings.base_url and settings.tenant and settings.username and settings.password
        self._http = http
        self._timeout = settings.timeout
        self._version = version_of(settings.api_version)
        self._url = endpoint_url(settings.base_url, settings.tenant, self._version)
        self._credentials = Credentials(
            isu_username(settings.username, settings.tenant), settings.password
        )

    async def check(self, lookup: ErpLookup) -> ErpRecord:
        contract_id = lookup.commitment_origin_id
        if not contract_id:
            return ErpRecord(
                RecordState.NOT_SYNCED_BY_THIS_ERP,
                lookup.origin_id,
                "its commitment is not synced as a Workday Supplier Contract",
            )
        envelope = request_envelope(self._credentials, self._version, contract_id)
        response = await self._post(envelope)
        answer = read_answer(response)
        data = _contract_data(answer, contract_id) if answer is not None else None
        if answer is None or data is None:
            return await absent_record(
                INFO.name,
                lookup,
                self,
                lookup.origin_id,
                "Supplier Contract not found",
                commitment_known=False,
            )
        record = find_amendment(answer, data, lookup.origin_id)
        if record is not None:
            return record
        return await absent_record(
            INFO.name,
            lookup,
            self,
            lookup.origin_id,
            "amendment not on the Supplier Contract",
            commitment_known=True,
        )

    async def knows_commitment(self, origin_id: str) -> bool:
        """Read in `check` itself (the contract is what it asks for)."""
        return False

    async def knows_project(self, origin_id: str) -> bool:
        envelope = projects_envelope(self._credentials, self._version, origin_id)
        answer = read_answer(await self._post(envelope), PROJECT_OPERATION)
        if answer is None:
            return False
        return any(
            origin_id in {*_ids(project.find("wd:Project_Reference", _NS)).values()}
            or project.findtext("wd:Project_Data/wd:Project_ID", "", _NS) == origin_id
            for project in answer.iterfind("wd:Response_Data/wd:Project", _NS)
        )

    async def aclose(self) -> None:
        """The HTTP client belongs to the caller; there is no session to end."""

    async def _post(self, envelope: bytes) -> httpx.Response:
        with mapped_transport(INFO.name, self._timeout):
            return await self._http.post(
                self._url,
                content=envelope,
                headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
                timeout=self._timeout,
            )


def version_of(api_version: str) -> str:
    if not re.fullmatch(r"v?[0-9]+(\.[0-9]+)?", api_version):
        raise ErpMisconfigured(INFO.name, "ERP_API_VERSION must be a version such as v44.0")
    return api_version if api_version.startswith("v") else f"v{api_version}"


def endpoint_url(base_url: str, tenant: str, version: str) -> str:
    return f"{base_url.rstrip('/')}/ccx/service/{quote(tenant, safe='')}/{SERVICE}/{version}"


def isu_username(username: str, tenant: str) -> str:
    """Workday expects `user@tenant`; a name already ending in `@tenant` is kept as is."""
    return username if username.endswith(f"@{tenant}") else f"{username}@{tenant}"


def contract_id_type(contract_id: str) -> str:
    return WID_TYPE if WID_FORM.fullmatch(contract_id) else CONTRACT_ID_TYPE


# --- the request ------------------------------------------------------------------------------
# Tags carry literal prefixes declared on the envelope, so the wire form is stable without
# registering prefixes in ElementTree's process-wide table; text and attributes are escaped.


def _child(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def _request(credentials: Credentials, version: str, operation: str) -> ET.Element:
    """The envelope (returned) with its security header and an empty `<operation>_Request`."""
    envelope = ET.Element(
        "soapenv:Envelope", {"xmlns:soapenv": SOAP_ENV, "xmlns:bsvc": BSVC, "xmlns:wsse": WSSE}
    )
    _security_header(_child(envelope, "soapenv:Header"), credentials)
    body = _child(envelope, "soapenv:Body")
    _child(body, f"bsvc:{operation}_Request", **{"bsvc:version": version})
    return envelope


def projects_envelope(credentials: Credentials, version: str, project_id: str) -> bytes:
    envelope = _request(credentials, version, PROJECT_OPERATION)
    request = envelope[1][0]
    reference = _child(_child(request, "bsvc:Request_References"), "bsvc:Project_Reference")
    id_type = WID_TYPE if WID_FORM.fullmatch(project_id) else PROJECT_ID_TYPE
    _child(reference, "bsvc:ID", project_id, **{"bsvc:type": id_type})
    _child(_child(request, "bsvc:Response_Group"), "bsvc:Include_Reference", "true")
    wire: bytes = ET.tostring(envelope, encoding="utf-8", xml_declaration=True)
    return wire


def request_envelope(credentials: Credentials, version: str, contract_id: str) -> bytes:
    envelope = _request(credentials, version, OPERATION)
    request = envelope[1][0]
    references = _child(request, "bsvc:Request_References")
    reference = _child(references, "bsvc:Supplier_Contract_Reference")
    _child(reference, "bsvc:ID", contract_id, **{"bsvc:type": contract_id_type(contract_id)})
    group = _child(request, "bsvc:Response_Group")
    _child(group, "bsvc:Include_Reference", "true")
    _child(group, f"bsvc:{AMENDMENT_RESPONSE_GROUP}", "true")
    wire: bytes = ET.tostring(envelope, encoding="utf-8", xml_declaration=True)
    return wire


def _security_header(header: ET.Element, credentials: Credentials) -> None:
    security = _child(header, "wsse:Security", **{"soapenv:mustUnderstand": "1"})
    token = _child(security, "wsse:UsernameToken")
    _child(token, "wsse:Username", credentials.username)
    _child(token, "wsse:Password", credentials.password, Type=PASSWORD_TEXT)


# --- the response -----------------------------------------------------------------------------


def read_answer(response: httpx.Response, operation: str = OPERATION) -> ET.Element | None:
    """The `<operation>_Response` element, or None when the reference names nothing.

    Every other answer becomes an `ErpError`: refused credentials are a configuration error,
    rate limits, server faults and 5xx are "unreachable", anything unreadable is a bad response.
    """
    raise_for_status(INFO.name, response, HINTS, only=_BEFORE_FAULT)
    root = _parse(response.content)
    fault = root.find("env:Body/env:Fault", _NS) if root is not None else None
    if fault is not None:
        _raise_unless_not_found(fault, response.status_code)
        return None
    if AUTH_FAULT_TEXT in response.text.lower():
        raise ErpMisconfigured(INFO.name, AUTH_FAULT_TEXT)
    raise_for_status(INFO.name, response, HINTS)
    if root is None:
        raise ErpBadResponse(INFO.name, "the answer is not XML")
    answer = root.find(f"env:Body/wd:{operation}_Response", _NS)
    if answer is None:
        raise ErpBadResponse(INFO.name, f"no {operation}_Response in the SOAP body")
    return answer


def _parse(content: bytes) -> ET.Element | None:
    try:
        return ET.fromstring(content)
    except ET.ParseError:
        return None


def _raise_unless_not_found(fault: ET.Element, status: int) -> None:
    """Return quietly only for Workday's "no such Supplier Contract" validation fault."""
    code = (fault.findtext("faultcode") or "").strip()
    text = " ".join(_fault_messages(fault))
    lowered = code.lower()
    if AUTH_FAULT_CODE in lowered or AUTH_FAULT_TEXT in text.lower():
        raise ErpMisconfigured(INFO.name, f"credentials refused: {text}")
    if "validationerror" in lowered and NOT_FOUND_MESSAGE in text.lower():
        return
    if status in _BUSY_STATUSES:
        raise ErpUnreachable(INFO.name, f"HTTP {status}: {text}")
    if lowered.split(":")[-1].startswith("client"):
        raise ErpMisconfigured(INFO.name, f"request refused ({code}): {text}")
    raise ErpUnreachable(INFO.name, f"SOAP fault {code or 'without code'}: {text}")


def _fault_messages(fault: ET.Element) -> list[str]:
    messages = [(fault.findtext("faultstring") or "").strip()]
    for error in fault.iterfind("detail/wd:Validation_Fault/wd:Validation_Error", _NS):
        messages.append((error.findtext("wd:Message", "", _NS)).strip())
    return [m for m in messages if m]


def find_amendment(answer: ET.Element, data: ET.Element, origin_id: str) -> ErpRecord | None:
    """The amendment's record on the contract's `data`; None when it is not on the contract."""
    if not _amendments_included(answer):
        raise ErpBadResponse(
            INFO.name,
            f"the answer lists no amendments ({AMENDMENT_RESPONSE_GROUP} not honoured): "
            "check the Workday Web Services version",
        )
    for amendment in data.iterfind(f"wd:{AMENDMENT_DATA}", _NS):
        ids = _ids(amendment.find(f"wd:{AMENDMENT_REFERENCE}", _NS))
        if origin_id in ids.values():
            return _amendment_record(amendment, ids, origin_id)
    return None


def _contract_data(answer: ET.Element, contract_id: str) -> ET.Element | None:
    contracts = answer.findall("wd:Response_Data/wd:Supplier_Contract", _NS)
    for contract in contracts:
        data = contract.find("wd:Supplier_Contract_Data", _NS)
        ids = _ids(contract.find("wd:Supplier_Contract_Reference", _NS))
        own_id = data.findtext("wd:Supplier_Contract_ID", "", _NS) if data is not None else ""
        if data is not None and contract_id in {own_id, *ids.values()}:
            return data
    if contracts:
        raise ErpBadResponse(INFO.name, f"the answer does not hold Supplier Contract {contract_id}")
    return None


def _amendments_included(answer: ET.Element) -> bool:
    echoed = answer.findtext(f"wd:Response_Group/wd:{AMENDMENT_RESPONSE_GROUP}", "", _NS)
    return echoed.strip().lower() in ("true", "1")


def _ids(reference: ET.Element | None) -> dict[str, str]:
    """A Workday reference's `ID` children as {type: value}."""
    if reference is None:
        return {}
    return {
        element.get(f"{{{BSVC}}}type", ""): (element.text or "").strip()
        for element in reference.iterfind("wd:ID", _NS)
    }


def _amendment_record(amendment: ET.Element, ids: dict[str, str], origin_id: str) -> ErpRecord:
    status = _status_text(amendment.find(f"wd:{AMENDMENT_STATUS}", _NS))
    if status is None:
        raise ErpBadResponse(INFO.name, f"amendment {origin_id} carries no status")
    canceled = status.replace("_", " ").strip().lower() in CANCELED_STATUSES
    state = RecordState.CANCELED if canceled else RecordState.PRESENT
    return ErpRecord(state, ids.get(AMENDMENT_ID_TYPE) or origin_id, status)


def _status_text(reference: ET.Element | None) -> str | None:
    if reference is None:
        return None
    status = _ids(reference).get(STATUS_ID_TYPE) or reference.get(f"{{{BSVC}}}Descriptor")
    return status.replace("_", " ") if status else None
