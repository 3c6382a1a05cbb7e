"""MRI API services' formats as the stand-in speaks them: HTTP Basic credentials, the OData v3
error body, the `$metadata` URL and the `{"odata.metadata", "value"}` envelope."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aiohttp import web

UNAUTHORIZED = "Authorization has been denied for this request."
CHALLENGE = {"WWW-Authenticate": 'Basic realm="MRI API"'}


def odata_error(status: int, code: str, message: str, **headers: str) -> web.Response:
    body = {"odata.error": {"code": code, "message": {"lang": "en-US", "value": message}}}
    return web.json_response(body, status=status, headers=headers)


def basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def metadata_url(origin: str, root: str, api_name: str) -> str:
    container = api_name.lower()
    api = f"{origin}/{root}/api.asp?$api={api_name}"
    return f"{api}&$metadata#MRI.{container}-container/{container}"


def feed(metadata: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows in MRI's OData v3 JSON envelope."""
    return {"odata.metadata": metadata, "value": rows}
