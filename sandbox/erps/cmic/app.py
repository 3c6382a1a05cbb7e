"""A stateful CMiC REST host: subcontract headers and change orders at `scmast`.

`GET /{environment}/pm-rest-api/rest/1/scmast` (Oracle ADF BC REST; the environment is one path
segment, e.g. `/cmicprod`) with HTTP Basic authentication answers
`{"items": [rows], "count", "hasMore", "limit", "offset", "links"}`. Supported query forms:
`q=Attr = 'value' and Attr2 = 'value2'` (equality clauses joined by `and`; a quote inside a
literal is doubled), `fields=A,B`, `limit` (default 25; above 1000 is HTTP 400, as from CMiC
Patch 22) and `offset`. `GET .../scmast/{ScmstVUuid}` answers one row or 404. Each row carries
`links`. A bad query is 400 with an ADF error body (`title`, `status`, `o:errorDetails`); wrong
credentials are 401 with `WWW-Authenticate: Basic`.

A subcontract has its base row (change code `000`); each change order is a further row with
change code `001`, `002`, …. Deleting a change order removes its row; voiding keeps it with
`ScmstStatusCode` "V" (CMiC publishes no status codes; this mirrors the assumption in the marked
block of the adapter) — posted rows read "P".

Assumptions beyond CMiC's public pages (the one list for this vendor): the "V"/"P" status codes
above; the adapter's key formats (change order, subcontract, job; see its marked block); and
"empty company" — an API account whose company grants show it no rows — answers every query with
no rows and every row id with 404.

Tests and the playground change the state in process (`sandbox.erps.cmic.world`).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from aiohttp import web

from sandbox.erps.cmic.world import ATTRIBUTES, CmicState, ScmastRow
from sandbox.faults import Faults, Recorder, instrument

RESOURCE = "/pm-rest-api/rest/1/scmast"
DEFAULT_LIMIT = 25
MAX_LIMIT = 1000
STATE = web.AppKey("cmic_state", CmicState)


def make_app(
    state: CmicState | None = None,
    recorder: Recorder | None = None,
    faults: Faults | None = None,
) -> web.Application:
    app = web.Application()
    app[STATE] = state if state is not None else CmicState()
    instrument(app, recorder if recorder is not None else Recorder(), faults or Faults())
    app.router.add_get("/{env}" + RESOURCE, read_collection)
    app.router.add_get("/{env}" + RESOURCE + "/{vuuid}", read_row)
    return app


# --- the API ------------------------------------------------------------------------------------


class QueryError(ValueError):
    pass


def adf_error(status: int, title: str, detail: str) -> web.Response:
    body = {
        "type": f"http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.{status - 399}",
        "title": title,
        "status": str(status),
        "o:errorDetails": [{"detail": detail, "o:errorCode": "27024"}],
    }
    return web.json_response(
        body, status=status, content_type="application/vnd.oracle.adf.error+json"
    )


def _refused() -> web.Response:
    return web.Response(
        status=401,
        text="<html><body><h1>401 Unauthorized</h1></body></html>",
        content_type="text/html",
        headers={"WWW-Authenticate": 'Basic realm="CMiC REST"'},
    )


def _authorized(request: web.Request) -> bool:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, sep, password = decoded.partition(":")
    return bool(sep) and request.app[STATE].accepts(user, password)


_CLAUSE = re.compile(r"\s*([A-Za-z]\w*)\s*=\s*'((?:[^']|'')*)'\s*", re.S)
_AND = re.compile(r"and\b", re.I)


def parse_q(q: str) -> list[tuple[str, str]]:
    """`Attr = 'v' and Attr2 = 'w'` -> [(Attr, v), (Attr2, w)]."""
    clauses: list[tuple[str, str]] = []
    position = 0
    while True:
        clause = _CLAUSE.match(q, position)
        if clause is None:
            raise QueryError(f"cannot parse q near {q[position : position + 30]!r}")
        name, value = clause.group(1), clause.group(2).replace("''", "'")
        if name not in ATTRIBUTES:
            raise QueryError(f"attribute {name} is not defined on scmast")
        clauses.append((name, value))
        position = clause.end()
        if position == len(q):
            return clauses
        joiner = _AND.match(q, position)
        if joiner is None:
            raise QueryError(f"expected 'and' near {q[position : position + 30]!r}")
        position = joiner.end()


def _fields(request: web.Request) -> list[str] | None:
    raw = request.query.get("fields")
    if raw is None:
        return None
    names = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in names if name not in ATTRIBUTES]
    if unknown:
        raise QueryError(f"attribute {unknown[0]} is not defined on scmast")
    return names


def _int_param(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise QueryError(f"{name} must be a non-negative integer")
    return int(raw)


def _item(request: web.Request, row: ScmastRow, fields: list[str] | None) -> dict[str, Any]:
    attributes = row.attributes()
    item = {name: attributes[name] for name in (fields or attributes)}
    href = f"{request.url.origin()}{request.path.split(RESOURCE)[0]}{RESOURCE}/{row.vuuid}"
    item["links"] = [{"rel": "self", "href": href, "name": "scmast", "kind": "item"}]
    return item


async def read_collection(request: web.Request) -> web.Response:
    if not _authorized(request):
        return _refused()
    try:
        if "finder" in request.query:
            raise QueryError("this stand-in supports q, not row finders")
        q = request.query.get("q", "").strip()
        clauses = parse_q(q) if q else []
        fields = _fields(request)
        limit = _int_param(request, "limit", DEFAULT_LIMIT)
        offset = _int_param(request, "offset", 0)
        if limit > MAX_LIMIT:
            raise QueryError(f"limit must not exceed {MAX_LIMIT}")
    except QueryError as error:
        return adf_error(400, "Bad Request", str(error))
    rows = request.app[STATE].select(clauses)
    page = rows[offset : offset + limit]
    return web.json_response(
        {
            "items": [_item(request, row, fields) for row in page],
            "count": len(page),
            "hasMore": offset + limit < len(rows),
            "limit": limit,
            "offset": offset,
            "links": [
                {"rel": "self", "href": str(request.url), "name": "scmast", "kind": "collection"}
            ],
        }
    )


async def read_row(request: web.Request) -> web.Response:
    if not _authorized(request):
        return _refused()
    row = request.app[STATE].visible(request.match_info["vuuid"])
    if row is None:
        return adf_error(404, "Not Found", "The requested resource does not exist.")
    try:
        fields = _fields(request)
    except QueryError as error:
        return adf_error(400, "Bad Request", str(error))
    return web.json_response(_item(request, row, fields))
