"""A stateful Yardi Voyager site: the Job Cost interface (`ItfJobCost`) over SOAP 1.1.

`POST /{site}/webservices/itfjobcost.asmx` (the file name case-insensitive, as IIS serves it)
with `SOAPAction: "http://tempuri.org/YSI.Interfaces.WebServices/ItfJobCost/GetChangeOrders_Login"`
answers like an ASP.NET web service: the operation's `...Response/...Result` holding either
`<ChangeOrders>` or Yardi's `<Messages><Message messageType="Error">` (HTTP 200 both); an unknown
SOAPAction or an unreadable envelope is a `soap:Client` fault (HTTP 500).

The Job Cost read operations and their element names are not public (see the marked block in
`erp/yardi.py`); this stand-in speaks the same assumed shape, and Yardi's public conventions
(login fields, namespaces, Messages) for everything else. Assumptions, in one place for this
vendor: the operations `GetChangeOrders_Login` (ContractCode, ChangeOrderCode),
`GetContracts_Login` (ContractCode -> `<Contracts><Contract><Code>`) and `GetJobs_Login`
(JobCode -> `<Jobs><Job><Code>`), Yardi's "No ... exist with the given search criteria" message
for an empty answer, and "empty company" — a database (`ERP_TENANT`) holding none of these
records — answering every read with that message.

Control routes (JSON) under `/_sandbox/yardi/`:
  GET    state
  POST   logins                                {"user_name", "password", "server_name",
                                                "database", "platform"?, "interface_entity",
                                                "interface_license"}
  POST   change_orders                         {"contract_code", "code", "description"?, "status"?}
  DELETE contracts/{contract_code}/change_orders/{code}
  POST   contracts                             {"contract_code"}
  POST   jobs                                  {"job_code", "description"?}
  POST   empty_company                         {"empty": true|false}
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from typing import Any

from aiohttp import web

from sandbox.faults import Faults, Recorder, instrument

NAMESPACE = "http://tempuri.org/YSI.Interfaces.WebServices/ItfJobCost"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
OPERATION = "GetChangeOrders_Login"
SERVICE_FILE = "itfjobcost.asmx"
LOGIN_FIELDS = (
    "UserName",
    "Password",
    "ServerName",
    "Database",
    "Platform",
    "InterfaceEntity",
    "InterfaceLicense",
)
INVALID_LOGIN = "Invalid User Name or Password, or Interface Entity not licensed for this database"
NOT_FOUND = "No change orders exist with the given search criteria."
CONTRACTS_OPERATION = "GetContracts_Login"
JOBS_OPERATION = "GetJobs_Login"
#: operation -> (the list element, the item element, the "none found" message)
OPERATIONS = {
    OPERATION: ("ChangeOrders", "ChangeOrder", NOT_FOUND),
    CONTRACTS_OPERATION: (
        "Contracts",
        "Contract",
        "No contracts exist with the given search criteria.",
    ),
    JOBS_OPERATION: ("Jobs", "Job", "No jobs exist with the given search criteria."),
}


@dataclass(frozen=True)
class Login:
    user_name: str
    password: str
    server_name: str
    database: str
    interface_entity: str
    interface_license: str
    platform: str = "SQL Server"

    def wire(self) -> tuple[str, ...]:
        return (
            self.user_name,
            self.password,
            self.server_name,
            self.database,
            self.platform,
            self.interface_entity,
            self.interface_license,
        )


@dataclass
class ChangeOrder:
    contract_code: str
    code: str
    description: str = ""
    status: str = "Approved"


@dataclass
class YardiState:
    logins: list[Login] = field(default_factory=list)
    #: contract code -> change order code -> change order
    contracts: dict[str, dict[str, ChangeOrder]] = field(default_factory=dict)
    #: job code -> description
    jobs: dict[str, str] = field(default_factory=dict)
    #: the database holds nothing (a wrong ERP_TENANT)
    empty_company: bool = False

    def add_login(self, login: Login) -> None:
        self.logins.append(login)

    def revoke_logins(self) -> None:
        self.logins.clear()

    def add_change_order(
        self, contract_code: str, code: str, *, description: str = "", status: str = "Approved"
    ) -> ChangeOrder:
        change_order = ChangeOrder(contract_code, code, description, status)
        self.contracts.setdefault(contract_code, {})[code] = change_order
        return change_order

    def delete_change_order(self, contract_code: str, code: str) -> bool:
        return self.contracts.get(contract_code, {}).pop(code, None) is not None

    def accepts(self, wire_login: tuple[str, ...]) -> bool:
        return any(login.wire() == wire_login for login in self.logins)

    def find(self, contract_code: str | None, code: str | None) -> list[ChangeOrder]:
        if self.empty_company:
            return []
        return [
            change_order
            for contract, change_orders in self.contracts.items()
            if contract_code in (None, contract)
            for change_order in change_orders.values()
            if code in (None, change_order.code)
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "logins": [
                {**asdict(login), "password": "***", "interface_license": "***"}
                for login in self.logins
            ],
            "change_orders": [
                asdict(co)
                for change_orders in self.contracts.values()
                for co in change_orders.values()
            ],
            "contracts": sorted(self.contracts),
            "jobs": self.jobs,
            "empty_company": self.empty_company,
        }

    def items(self, operation: str, call: dict[str, str]) -> list[dict[str, str]]:
        """The rows an operation answers (each a {element: text} of its item)."""
        if self.empty_company:
            return []
        if operation == CONTRACTS_OPERATION:
            wanted = call.get("ContractCode") or None
            return [{"Code": code} for code in self.contracts if wanted in (None, code)]
        if operation == JOBS_OPERATION:
            wanted = call.get("JobCode") or None
            return [
                {"Code": code, "Description": text}
                for code, text in self.jobs.items()
                if wanted in (None, code)
            ]
        found = self.find(call.get("ContractCode") or None, call.get("ChangeOrderCode") or None)
        return [
            {
                "Code": co.code,
                "ContractCode": co.contract_code,
                "Description": co.description,
                "Status": co.status,
            }
            for co in found
        ]


STATE = web.AppKey("yardi_state", YardiState)


def make_app(
    state: YardiState | None = None,
    recorder: Recorder | None = None,
    faults: Faults | None = None,
) -> web.Application:
    app = web.Application()
    app[STATE] = state if state is not None else YardiState()
    instrument(app, recorder if recorder is not None else Recorder(), faults or Faults())
    app.router.add_post("/{site}/webservices/{service}", job_cost_service)
    app.router.add_post("/webservices/{service}", job_cost_service)
    _add_control_routes(app)
    return app


# --- SOAP ---------------------------------------------------------------------------------------


class ClientFault(Exception):
    pass


def _xml(document: ET.Element, status: int = 200) -> web.Response:
    body = ET.tostring(document, encoding="utf-8", xml_declaration=True)
    return web.Response(body=body, status=status, content_type="text/xml", charset="utf-8")


def _envelope_with(payload: ET.Element) -> ET.Element:
    envelope = ET.Element(f"{{{SOAP_ENV}}}Envelope")
    ET.SubElement(envelope, f"{{{SOAP_ENV}}}Body").append(payload)
    return envelope


def client_fault(message: str) -> web.Response:
    fault = ET.Element(f"{{{SOAP_ENV}}}Fault")
    ET.SubElement(fault, "faultcode").text = "soap:Client"
    ET.SubElement(fault, "faultstring").text = message
    ET.SubElement(fault, "detail")
    return _xml(_envelope_with(fault), status=500)


def result_response(document: ET.Element, operation: str = OPERATION) -> web.Response:
    response = ET.Element(f"{{{NAMESPACE}}}{operation}Response")
    ET.SubElement(response, f"{{{NAMESPACE}}}{operation}Result").append(document)
    return _xml(_envelope_with(response))


def messages(text: str) -> ET.Element:
    document = ET.Element("Messages")
    ET.SubElement(document, "Message", {"messageType": "Error"}).text = text
    return document


def list_document(operation: str, rows: list[dict[str, str]]) -> ET.Element:
    list_tag, item_tag, _ = OPERATIONS[operation]
    document = ET.Element(list_tag)
    for row in rows:
        item = ET.SubElement(document, item_tag)
        for name, text in row.items():
            ET.SubElement(item, name).text = text
    return document


def read_call(body: bytes, operation: str = OPERATION) -> dict[str, str]:
    """The operation's child elements as {local name: text}; ClientFault when unreadable."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise ClientFault("Server was unable to read request.") from None
    call = root.find(f"{{{SOAP_ENV}}}Body/{{{NAMESPACE}}}{operation}")
    if call is None:
        raise ClientFault(f"Server did not find the {operation} element in the request body.")
    return {child.tag.rpartition("}")[2]: (child.text or "").strip() for child in call}


async def job_cost_service(request: web.Request) -> web.Response:
    if request.match_info["service"].lower() != SERVICE_FILE:
        raise web.HTTPNotFound()
    action = request.headers.get("SOAPAction", "").strip('"')
    namespace, _, operation = action.rpartition("/")
    if namespace != NAMESPACE or operation not in OPERATIONS:
        return client_fault(
            f"Server did not recognize the value of HTTP Header SOAPAction: {action}."
        )
    try:
        call = read_call(await request.read(), operation)
    except ClientFault as fault:
        return client_fault(str(fault))
    state = request.app[STATE]
    if not state.accepts(tuple(call.get(name, "") for name in LOGIN_FIELDS)):
        return result_response(messages(INVALID_LOGIN), operation)
    rows = state.items(operation, call)
    if not rows:
        return result_response(messages(OPERATIONS[operation][2]), operation)
    return result_response(list_document(operation, rows), operation)


# --- control routes ---------------------------------------------------------------------------


def _add_control_routes(app: web.Application) -> None:
    root = "/_sandbox/yardi"
    app.router.add_get(root + "/state", _state)
    app.router.add_post(root + "/logins", _add_login)
    app.router.add_post(root + "/change_orders", _add_change_order)
    app.router.add_delete(
        root + "/contracts/{contract_code}/change_orders/{code}", _delete_change_order
    )
    app.router.add_post(root + "/contracts", _add_contract)
    app.router.add_post(root + "/jobs", _add_job)
    app.router.add_post(root + "/empty_company", _empty_company)


async def _add_contract(request: web.Request) -> web.Response:
    data = await request.json()
    request.app[STATE].contracts.setdefault(str(data["contract_code"]), {})
    return web.json_response({"ok": True}, status=201)


async def _add_job(request: web.Request) -> web.Response:
    data = await request.json()
    request.app[STATE].jobs[str(data["job_code"])] = str(data.get("description", ""))
    return web.json_response({"ok": True}, status=201)


async def _empty_company(request: web.Request) -> web.Response:
    data = await request.json()
    request.app[STATE].empty_company = bool(data.get("empty", True))
    return web.json_response({"empty_company": request.app[STATE].empty_company})


async def _state(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].as_dict())


async def _add_login(request: web.Request) -> web.Response:
    data = await request.json()
    login = Login(
        user_name=str(data["user_name"]),
        password=str(data["password"]),
        server_name=str(data["server_name"]),
        database=str(data["database"]),
        interface_entity=str(data["interface_entity"]),
        interface_license=str(data["interface_license"]),
        platform=str(data.get("platform", "SQL Server")),
    )
    request.app[STATE].add_login(login)
    return web.json_response({"ok": True}, status=201)


async def _add_change_order(request: web.Request) -> web.Response:
    data = await request.json()
    change_order = request.app[STATE].add_change_order(
        str(data["contract_code"]),
        str(data["code"]),
        description=str(data.get("description", "")),
        status=str(data.get("status", "Approved")),
    )
    return web.json_response(asdict(change_order), status=201)


async def _delete_change_order(request: web.Request) -> web.Response:
    info = request.match_info
    if not request.app[STATE].delete_change_order(info["contract_code"], info["code"]):
        return web.json_response({"error": "change order not found"}, status=404)
    return web.json_response({"ok": True})
