"""A stateful MRI API services host: contract change orders over `api.asp`.

`GET /{root}/api.asp?$api=MRI_S-PMJC_ContractChangeOrders&$format=json&CONTRACTID=&CHANGEORDERID=`
(`root` e.g. `mriapiservices` or `MRIWeb/MriApiServices`; filter names case-insensitive) with
HTTP Basic `clientid/database/user/partnerkey:password` answers
`{"odata.metadata": ..., "value": [rows]}`. Wrong credentials are 401 (with
`WWW-Authenticate: Basic`), an unknown `$api` or a `$format` other than json is 400; errors carry
an OData v3 body `{"odata.error": {"code", "message": {"lang", "value"}}}`.

The API names, filters and row fields are not public (see the marked block in `erp/mri.py`);
this stand-in speaks the same assumed shape, and MRI's public conventions for everything else.
Assumptions, in one place for this vendor: the three job-cost APIs `API_NAME` (contract change
orders), `CONTRACTS_API` (contracts, filter CONTRACTID) and `JOBS_API` (jobs, filter JOBID) and
their row fields; and "empty company" — a database (`ERP_TENANT`) that holds none of these rows —
answers every API with an empty `value`.

Tests and the playground change the state in process (`sandbox.erps.mri.world`); the OData
formats live in `sandbox.erps.mri.wire`.
"""

from __future__ import annotations

from aiohttp import web

from sandbox.erps.mri.wire import (
    CHALLENGE,
    UNAUTHORIZED,
    basic_credentials,
    feed,
    metadata_url,
    odata_error,
)
from sandbox.erps.mri.world import FILTERS, MriState
from sandbox.faults import Faults, Recorder, instrument

STATE = web.AppKey("mri_state", MriState)


def make_app(
    state: MriState | None = None,
    recorder: Recorder | None = None,
    faults: Faults | None = None,
) -> web.Application:
    app = web.Application()
    app[STATE] = state if state is not None else MriState()
    instrument(app, recorder if recorder is not None else Recorder(), faults or Faults())
    app.router.add_get("/{root:.+}/api.asp", api_services)
    return app


async def api_services(request: web.Request) -> web.Response:
    credentials = basic_credentials(request.headers.get("Authorization", ""))
    if credentials is None or not request.app[STATE].accepts(*credentials):
        return odata_error(401, "Unauthorized", UNAUTHORIZED, **CHALLENGE)
    query = request.query
    api = query.get("$api", "")
    if api not in FILTERS:
        return odata_error(400, "BadRequest", f"API '{api}' was not found.")
    if query.get("$format", "json").lower() != "json":
        return odata_error(400, "BadRequest", "This sandbox answers $format=json only.")
    known = FILTERS[api]
    filters = {known[name.upper()]: value for name, value in query.items() if name.upper() in known}
    rows = request.app[STATE].rows(filters, api)
    metadata = metadata_url(str(request.url.origin()), request.match_info["root"], api)
    return web.json_response(feed(metadata, rows))
