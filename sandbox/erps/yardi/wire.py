"""Yardi Voyager's SOAP job-cost interface (ItfJobCost) as the stand-in speaks it: the namespace,
operations and login fields, reading a call and writing result documents and client faults."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from aiohttp import web

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
