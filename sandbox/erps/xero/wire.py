"""Xero's formats as the stand-in speaks them: the `/Date(ms+0000)/` date, the identity service's
token, connection and client-credential forms, the Accounting API's envelope, problem JSON,
rate-limit answer, plain-text 404 and XML rendering."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from aiohttp import web

API_ROOT = "/api.xro/2.0"
NOT_FOUND_TEXT = "The resource you're looking for cannot be found"
TOKEN_SECONDS = 1800
TOKEN_SCOPE = "accounting.transactions accounting.contacts accounting.settings"


def ms_date(moment: datetime) -> str:
    """Xero's JSON date: `/Date(1553558400000+0000)/`."""
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


def iso_now() -> str:
    """The identity service's plain ISO date-time (no `/Date()/` form there)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0")


def client_credentials(authorization: str, form: Mapping[str, str]) -> tuple[str, str]:
    """The client id and secret, by HTTP Basic or else from the form."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
            return client_id, secret
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
    return form.get("client_id", ""), form.get("client_secret", "")


def token_body(token: str) -> dict[str, Any]:
    return {
        "access_token": token,
        "expires_in": TOKEN_SECONDS,
        "token_type": "Bearer",
        "scope": TOKEN_SCOPE,
    }


def identity_error(error: str) -> web.Response:
    return web.json_response({"error": error}, status=400)


def connection(client_id: str, tenant_id: str, tenant_name: str, connected: str) -> dict[str, Any]:
    """One entry of `GET /Connections` (xero-identity.yaml)."""
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, client_id + tenant_id)),
        "tenantId": tenant_id,
        "tenantType": "ORGANISATION",
        "tenantName": tenant_name,
        "createdDateUtc": connected,
        "updatedDateUtc": connected,
    }


def problem(status: int, title: str, detail: str) -> web.Response:
    body: dict[str, Any] = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
        "Extensions": {},
    }
    return web.json_response(body, status=status)


def rate_limited(problem_name: str, wait: int) -> web.Response:
    headers = {"Retry-After": str(wait), "X-Rate-Limit-Problem": problem_name}
    return web.Response(status=429, headers=headers)


def not_found() -> web.Response:
    return web.Response(status=404, text=NOT_FOUND_TEXT, content_type="text/plain")


def envelope(name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The Accounting API's answer around a list of `name`."""
    return {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": "cco-bot sandbox",
        "DateTimeUTC": ms_date(datetime.now(UTC)).replace("+0000", ""),
        name: items,
    }


def tracking_category(tenant: str, options: list[tuple[str, str]]) -> dict[str, Any]:
    """The "Project" tracking category holding the projects as options."""
    return {
        "TrackingCategoryID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"project-category:{tenant}")),
        "Name": "Project",
        "Status": "ACTIVE",
        "Options": [
            {"TrackingOptionID": oid, "Name": name, "Status": "ACTIVE"} for oid, name in options
        ],
    }


def negotiated(accept: str, body: dict[str, Any]) -> web.Response:
    """JSON when asked for, else XML (Xero's default)."""
    if "application/json" in accept:
        return web.json_response(body)
    return web.Response(text=xml("Response", body), content_type="text/xml")


def xml(root: str, body: dict[str, Any]) -> str:
    """Xero's XML rendering: one element per field, list items named by the singular."""

    def add(parent: ElementTree.Element, name: str, value: Any) -> None:
        element = ElementTree.SubElement(parent, name)
        if isinstance(value, dict):
            for key, item in value.items():
                add(element, key, item)
        elif isinstance(value, list):
            for item in value:
                add(element, name.removesuffix("s"), item)
        elif value is not None:
            element.text = str(value).lower() if isinstance(value, bool) else str(value)

    top = ElementTree.Element(root)
    for key, value in body.items():
        add(top, key, value)
    return ElementTree.tostring(top, encoding="unicode")
