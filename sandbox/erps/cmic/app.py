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

Tests and the playground change the state in process (`sandbox.erps.cmic.world`); the REST
formats live in `sandbox.erps.cmic.wire`.
"""

from __future__ import annotations

from aiohttp import web

from sandbox.erps.cmic.wire import (
    RESOURCE,
    QueryError,
    adf_error,
    basic_credentials,
    collection,
    collection_query,
    item,
    parse_fields,
    refused,
)
from sandbox.erps.cmic.world import CmicState
from sandbox.faults import Faults, Recorder, instrument

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


def _authorized(request: web.Request) -> bool:
    credentials = basic_credentials(request.headers.get("Authorization", ""))
    return credentials is not None and request.app[STATE].accepts(*credentials)


def _base(request: web.Request) -> str:
    return f"{request.url.origin()}{request.path.split(RESOURCE)[0]}"


async def read_collection(request: web.Request) -> web.Response:
    if not _authorized(request):
        return refused()
    try:
        clauses, fields, limit, offset = collection_query(request.query)
    except QueryError as error:
        return adf_error(400, "Bad Request", str(error))
    rows = request.app[STATE].select(clauses)
    page = [item(_base(request), row, fields) for row in rows[offset : offset + limit]]
    body = collection(page, total=len(rows), limit=limit, offset=offset, url=str(request.url))
    return web.json_response(body)


async def read_row(request: web.Request) -> web.Response:
    if not _authorized(request):
        return refused()
    row = request.app[STATE].visible(request.match_info["vuuid"])
    if row is None:
        return adf_error(404, "Not Found", "The requested resource does not exist.")
    try:
        fields = parse_fields(request.query)
    except QueryError as error:
        return adf_error(400, "Bad Request", str(error))
    return web.json_response(item(_base(request), row, fields))
