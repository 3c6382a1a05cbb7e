"""Yardi Voyager: is the CCO's change order still on its contract?

Procore exports a Commitment as a Yardi Voyager Contract and each CCO as a Change Order on it.
Voyager's integrations are licensed SOAP 1.1 "interfaces" (ASP.NET `.asmx` web services); this
adapter calls the Job Cost interface once per check and reads the change order's state. Every
wire detail Yardi does not publish is in the marked block below.

Settings — Voyager's interface credentials mapped onto the ERP_* variables:

- `ERP_BASE_URL`: the Voyager site's web root, e.g. `https://www.yardiasp14.com/21253acme`;
  the service is `{ERP_BASE_URL}/webservices/itfjobcost.asmx`.
- `ERP_USERNAME`, `ERP_PASSWORD`: the interface user (`UserName`, `Password`).
- `ERP_TENANT`: `ServerName/Database`, or `ServerName/Database/Platform`, e.g.
  `acme_live_sql/acme_live`; Platform defaults to `SQL Server`.
- `ERP_CLIENT_ID`: the `InterfaceEntity` named on Yardi's interface licence.
- `ERP_CLIENT_SECRET`: the `InterfaceLicense` key Yardi issued for that entity.

XML is built and read with the standard library's ElementTree; expat never resolves external
entities, and nothing here turns any protection off.

Session rule: none to keep: the seven login fields go in every interface call (`Login`), so
there is no login to reuse or end.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

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
    key="yardi_voyager",
    name="Yardi Voyager",
    record_noun="change order",
    fix_template="Delete change order {reference} in Yardi Voyager",
    gone_states=frozenset({RecordState.DELETED}),
    needs_commitment=True,
    settings_hint=(
        "ERP_BASE_URL (the Voyager site), ERP_TENANT (server/database) and ERP_CLIENT_ID "
        "(the interface entity)"
    ),
)

# --- Not publicly documented: Yardi Voyager's Job Cost interface ----------------------------
# Yardi publishes interface specifications only to licensed partners. What public material shows
# (open-source Voyager clients of ItfResidentData, ItfILSGuestCard, ItfCommonData, ...; Propexo's
# Yardi docs naming the Job Cost interface `ItfJobCost` and its `ImportContract` method):
# - each interface is `{site}/webservices/<itf>.asmx`, SOAP 1.1, namespace
#   `http://tempuri.org/YSI.Interfaces.WebServices/<Itf>`, SOAPAction `<namespace>/<Operation>`;
# - each operation's first elements are UserName, Password, ServerName, Database, Platform,
#   InterfaceEntity and InterfaceLicense;
# - the `<Operation>Result` element holds an XML document, or `<Messages>` whose
#   `<Message messageType="Error">` (or "FYI") carries the reason a call failed, with HTTP 200.
# Assumed here, and nowhere else (to be confirmed with a licensed Job Cost interface):
# - the read operation, its parameters, and the shape of its result;
# - origin_id is the change order's Voyager code; the commitment's origin_id its contract code;
# - a deleted change order is simply absent: an empty list, or Yardi's usual "No ... exist with
#   the given search criteria" message; absence counts as deleted only when the contract
#   (`GetContracts_Login` by ContractCode) or the project's job (`GetJobs_Login` by JobCode; the
#   project's origin_id is its Voyager job code) is found;
# - the wording of Voyager's login / licence errors (matched by fragment).
SERVICE_PATH = "webservices/itfjobcost.asmx"
NAMESPACE = "http://tempuri.org/YSI.Interfaces.WebServices/ItfJobCost"
OPERATION = "GetChangeOrders_Login"
CONTRACT_PARAM = "ContractCode"
CHANGE_ORDER_PARAM = "ChangeOrderCode"
RESULT_LIST = "ChangeOrders"
RESULT_ITEM = "ChangeOrder"
ITEM_CODE = "Code"
ITEM_CONTRACT = "ContractCode"
ITEM_STATUS = "Status"
NOT_FOUND_TEXT = "exist with the given search criteria"
#: the parent reads: operation -> (its key parameter, the list element, the item element)
CONTRACTS_READ = ("GetContracts_Login", "ContractCode", "Contracts", "Contract")
JOBS_READ = ("GetJobs_Login", "JobCode", "Jobs", "Job")
CREDENTIAL_ERROR_TEXTS = (
    "invalid user",
    "password",
    "interface entity",
    "license",
    "licence",
    "not configured",
    "no access",
)
DEFAULT_PLATFORM = "SQL Server"
# ---------------------------------------------------------------------------------------------

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_NS = {"soap": SOAP_ENV, "itf": NAMESPACE}
#: Voyager's own words for the status ladder of `erp.base` (refusals use its defaults)
HINTS = HttpHints(
    words={
        HttpAnswer.NOT_FOUND: "no Job Cost interface at {url} (HTTP 404): check ERP_BASE_URL",
        HttpAnswer.UNEXPECTED: "HTTP {status} without a SOAP answer",
    },
)
#: raised before the SOAP fault is read: a fault says more than the 500 it comes with
_BEFORE_FAULT = (HttpAnswer.REFUSED, HttpAnswer.NOT_FOUND)


@dataclass(frozen=True)
class Login:
    """The seven fields every Voyager interface call starts with, in Yardi's order."""

    user_name: str
    password: str
    server_name: str
    database: str
    platform: str
    interface_entity: str
    interface_license: str

    def fields(self) -> tuple[tuple[str, str], ...]:
        return (
            ("UserName", self.user_name),
            ("Password", self.password),
            ("ServerName", self.server_name),
            ("Database", self.database),
            ("Platform", self.platform),
            ("InterfaceEntity", self.interface_entity),
            ("InterfaceLicense", self.interface_license),
        )


def build(settings: ErpSettings, http: httpx.AsyncClient) -> ErpAdapter:
    return YardiAdapter(settings, http)


def login_from(settings: ErpSettings) -> Login:
    """Voyager's login fields from the ERP_* settings (see the module docstring)."""
    required = (
        ("ERP_USERNAME", settings.username),
        ("ERP_PASSWORD", settings.password),
        ("ERP_TENANT", settings.tenant),
        ("ERP_CLIENT_ID", settings.client_id),
        ("ERP_CLIENT_SECRET", settings.client_secret),
    )
    missing = [name for name, value in required if not value]
    if missing:
        raise ErpMisconfigured(INFO.name, f"{', '.join(missing)} not set")
    parts = [part.strip() for part in (settings.tenant or "").split("/")]
    if len(parts) not in (2, 3) or not all(parts):
        raise ErpMisconfigured(
            INFO.name, "ERP_TENANT must be server/database or server/database/platform"
        )
    return Login(
        user_name=settings.username or "",
        password=settings.password or "",
        server_name=parts[0],
        database=parts[1],
        platform=parts[2] if len(parts) == 3 else DEFAULT_PLATFORM,
        interface_entity=settings.client_id or "",
        interface_license=settings.client_secret or "",
    )


def service_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/{SERVICE_PATH}"


class YardiAdapter:
    info = INFO

    def __init__(self, settings: ErpSettings, http: httpx.AsyncClient) -> None:
        if not settings.base_url:
            raise ErpMisconfigured(INFO.name, "ERP_BASE_URL not set")
        self._login = login_from(settings)
        self._url = service_url(settings.base_url)
        self._http = http
        self._timeout = settings.timeout

    async def check(self, lookup: ErpLookup) -> ErpRecord:
        envelope = request_envelope(self._login, lookup)
        response = await self._post(envelope)
        items = read_change_orders(response)
        if items:
            return find_change_order(items, lookup.origin_id)
        return await absent_record(
            INFO.name, lookup, self, lookup.origin_id, "change order not found"
        )

    async def knows_commitment(self, origin_id: str) -> bool:
        return await self._finds(CONTRACTS_READ, origin_id)

    async def knows_project(self, origin_id: str) -> bool:
        return await self._finds(JOBS_READ, origin_id)

    async def _finds(self, read: tuple[str, str, str, str], code: str) -> bool:
        operation, parameter, list_tag, item_tag = read
        envelope = call_envelope(self._login, operation, ((parameter, code),))
        response = await self._post(envelope, operation)
        items = read_items(response, operation, list_tag, item_tag)
        return any(_field(item, ITEM_CODE) == code for item in items)

    async def aclose(self) -> None:
        """The HTTP client belongs to the caller; there is no session to end."""

    async def _post(self, envelope: bytes, operation: str = OPERATION) -> httpx.Response:
        with mapped_transport(INFO.name, self._timeout):
            return await self._http.post(
                self._url,
                content=envelope,
                headers={
                    "Content-Type": "text/xml; charset=utf-8",
                    "SOAPAction": f'"{NAMESPACE}/{operation}"',
                },
                timeout=self._timeout,
            )


# --- the request ------------------------------------------------------------------------------


def _child(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def request_envelope(login: Login, lookup: ErpLookup) -> bytes:
    parameters: list[tuple[str, str]] = []
    if lookup.commitment_origin_id:
        parameters.append((CONTRACT_PARAM, lookup.commitment_origin_id))
    parameters.append((CHANGE_ORDER_PARAM, lookup.origin_id))
    return call_envelope(login, OPERATION, tuple(parameters))


def call_envelope(login: Login, operation: str, parameters: tuple[tuple[str, str], ...]) -> bytes:
    """One interface call: the seven login fields, then the operation's own parameters."""
    envelope = ET.Element("soap:Envelope", {"xmlns:soap": SOAP_ENV})
    body = _child(envelope, "soap:Body")
    call = ET.SubElement(body, operation, {"xmlns": NAMESPACE})
    for name, value in (*login.fields(), *parameters):
        _child(call, name, value)
    wire: bytes = ET.tostring(envelope, encoding="utf-8", xml_declaration=True)
    return wire


# --- the response -----------------------------------------------------------------------------


def read_change_orders(response: httpx.Response) -> list[ET.Element]:
    """The `ChangeOrder` elements of the answer ([] when Voyager says there are none)."""
    return read_items(response, OPERATION, RESULT_LIST, RESULT_ITEM)


def read_items(
    response: httpx.Response, operation: str, list_tag: str, item_tag: str
) -> list[ET.Element]:
    """The `item_tag` elements of an operation's answer ([] when Voyager says there are none).

    Refused credentials or licence are a configuration error; 408/429/5xx and server faults are
    "unreachable"; anything else that is not the expected document is a bad response.
    """
    raise_for_status(INFO.name, response, HINTS, only=_BEFORE_FAULT)
    root = _parse(response.content)
    fault = root.find("soap:Body/soap:Fault", _NS) if root is not None else None
    if fault is not None:
        _raise_fault(fault)
    raise_for_status(INFO.name, response, HINTS)
    if root is None:
        raise ErpBadResponse(INFO.name, f"HTTP {response.status_code} without a SOAP answer")
    return _items(_result_document(root, operation), list_tag, item_tag)


def _parse(content: bytes | str) -> ET.Element | None:
    try:
        return ET.fromstring(content)
    except ET.ParseError:
        return None


def _raise_fault(fault: ET.Element) -> None:
    code = (fault.findtext("faultcode") or "").strip()
    text = (fault.findtext("faultstring") or "").strip()
    if _is_credential_error(text) or code.lower().endswith("client"):
        raise ErpMisconfigured(INFO.name, f"request refused ({code}): {text}")
    raise ErpUnreachable(INFO.name, f"SOAP fault {code or 'without code'}: {text}")


def _is_credential_error(text: str) -> bool:
    lowered = text.lower()
    return any(fragment in lowered for fragment in CREDENTIAL_ERROR_TEXTS)


def _result_document(root: ET.Element, operation: str) -> ET.Element:
    """The document inside `<Operation>Result`: its child element, or its text parsed as XML."""
    result = root.find(f"soap:Body/itf:{operation}Response/itf:{operation}Result", _NS)
    if result is None:
        raise ErpBadResponse(INFO.name, f"no {operation}Result in the SOAP body")
    children = list(result)
    if children:
        return children[0]
    document = _parse((result.text or "").strip())
    if document is None:
        raise ErpBadResponse(INFO.name, f"{operation}Result holds no XML document")
    return document


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _items(document: ET.Element, list_tag: str, item_tag: str) -> list[ET.Element]:
    if _local(document.tag) == "Messages":
        return _read_messages(document)
    if _local(document.tag) != list_tag:
        raise ErpBadResponse(INFO.name, f"expected {list_tag}, got {_local(document.tag)}")
    return [item for item in document if _local(item.tag) == item_tag]


def _read_messages(messages: ET.Element) -> list[ET.Element]:
    errors = [
        (message.text or "").strip()
        for message in messages
        if (message.get("messageType") or "").lower() == "error"
    ]
    if not errors:
        return []
    text = "; ".join(errors)
    if NOT_FOUND_TEXT in text.lower():
        return []
    if _is_credential_error(text):
        raise ErpMisconfigured(INFO.name, text)
    raise ErpBadResponse(INFO.name, f"Voyager refused the request: {text}")


def _field(item: ET.Element, name: str) -> str:
    for child in item:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def find_change_order(items: list[ET.Element], origin_id: str) -> ErpRecord:
    for item in items:
        if _field(item, ITEM_CODE) == origin_id:
            contract = _field(item, ITEM_CONTRACT)
            status = _field(item, ITEM_STATUS) or None
            reference = f"{origin_id} (contract {contract})" if contract else origin_id
            return ErpRecord(RecordState.PRESENT, reference, status)
    raise ErpBadResponse(INFO.name, f"the answer does not hold change order {origin_id}")
