"""A stateful Workday tenant: Resource_Management `Get_Supplier_Contracts` over SOAP 1.1.

Tenants hold Integration System Users (ISUs) and Supplier Contracts with amendments. The SOAP
endpoint `POST /ccx/service/{tenant}/Resource_Management/{version}` checks the WS-Security
UsernameToken (`user@tenant`, PasswordText) and answers Workday's envelopes: the
`wd:Get_Supplier_Contracts_Response`, or a `SOAP-ENV:Fault` (HTTP 500) with `faultcode`,
`faultstring` and, for validation errors, `detail/wd:Validation_Fault`. `Get_Projects` answers
the projects a `Project_Reference` names (the same fault when it names none).

Assumptions beyond Workday's public material (the one list for this vendor): the amendment data
and project lookup described in `sandbox.erps.workday.wire`, and "empty company" — an ISU reading a
tenant that holds nothing — where every reference names nothing (validation fault).

Tests and the playground change the state in process (`sandbox.erps.workday.world`).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from sandbox.erps.workday.errors import AuthFailed, RequestInvalid
from sandbox.erps.workday.wire import (
    PROJECTS_OPERATION,
    auth_fault,
    contracts_response,
    operation_name,
    parse_envelope,
    projects_response,
    read_contracts_request,
    read_project_references,
    validation_fault,
)
from sandbox.erps.workday.world import WorkdayState, demo_state
from sandbox.faults import Faults, Recorder, instrument

STATE = web.AppKey("workday_state", WorkdayState)
SOAP_ROUTE = "/ccx/service/{tenant}/Resource_Management/{version:v[0-9]+(?:\\.[0-9]+)?}"
_XML = "text/xml"


@dataclass
class WorkdaySandbox:
    state: WorkdayState
    recorder: Recorder
    faults: Faults
    app: web.Application


def make_sandbox(state: WorkdayState | None = None) -> WorkdaySandbox:
    """A ready app (serve it with `sandbox.runner.serve`); the ERP's base URL is the server URL.
    Without `state`, the playground's `demo_state()`."""
    state = demo_state() if state is None else state
    recorder, faults = Recorder(), Faults()
    app = web.Application()
    app[STATE] = state
    instrument(app, recorder, faults)
    app.router.add_post(SOAP_ROUTE, soap_endpoint)
    return WorkdaySandbox(state, recorder, faults, app)


def _soap(text: bytes, status: int = 200) -> web.Response:
    return web.Response(body=text, status=status, content_type=_XML, charset="utf-8")


async def soap_endpoint(request: web.Request) -> web.Response:
    state = request.app[STATE]
    tenant = request.match_info["tenant"]
    try:
        call = parse_envelope(await request.read())
        state.authenticate(tenant, call.username, call.password, call.password_type)
        if call.operation is not None and operation_name(call.operation) == PROJECTS_OPERATION:
            projects = state.projects(tenant, read_project_references(call.operation))
            return _soap(projects_response(projects, request.match_info["version"]))
        wanted = read_contracts_request(call.operation)
        contracts = state.contracts(tenant, wanted.references)
    except AuthFailed:
        return _soap(auth_fault(), status=500)
    except RequestInvalid as invalid:
        return _soap(validation_fault(invalid.message, invalid.xpath), status=500)
    return _soap(contracts_response(wanted, contracts, request.match_info["version"]))
