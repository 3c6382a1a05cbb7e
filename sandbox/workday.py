"""A stateful Workday tenant: Resource_Management `Get_Supplier_Contracts` over SOAP 1.1.

Tenants hold Integration System Users (ISUs) and Supplier Contracts with amendments. The SOAP
endpoint `POST /ccx/service/{tenant}/Resource_Management/{version}` checks the WS-Security
UsernameToken (`user@tenant`, PasswordText) and answers Workday's envelopes: the
`wd:Get_Supplier_Contracts_Response`, or a `SOAP-ENV:Fault` (HTTP 500) with `faultcode`,
`faultstring` and, for validation errors, `detail/wd:Validation_Fault`. `Get_Projects` answers
the projects a `Project_Reference` names (the same fault when it names none).

Assumptions beyond Workday's public material (the one list for this vendor): the amendment data
and project lookup described in `sandbox.workday_soap`, and "empty company" — an ISU reading a
tenant that holds nothing — where every reference names nothing (validation fault).

Control routes (JSON) under `/_sandbox/workday/`:
  GET    state
  POST   tenants/{tenant}/users                                   {"username", "password"}
  POST   tenants/{tenant}/contracts                               {"contract_id", "name"?, ...}
  DELETE tenants/{tenant}/contracts/{contract_id}
  POST   tenants/{tenant}/contracts/{contract_id}/amendments      {"amendment_id", "status"?}
  POST   tenants/{tenant}/contracts/{contract_id}/amendments/{amendment_id}/cancel
  DELETE tenants/{tenant}/contracts/{contract_id}/amendments/{amendment_id}
  POST   tenants/{tenant}/projects                                {"project_id", "name"?}
  POST   empty_company                                            {"empty": true|false}
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from sandbox.faults import Faults, Recorder, instrument
from sandbox.workday_soap import (
    PROJECTS_OPERATION,
    AuthFailed,
    RequestInvalid,
    auth_fault,
    contracts_response,
    operation_name,
    parse_envelope,
    projects_response,
    read_contracts_request,
    read_project_references,
    validation_fault,
)
from sandbox.workday_state import Amendment, SupplierContract, WorkdayState, demo_state

__all__ = [
    "Amendment",
    "SupplierContract",
    "WorkdaySandbox",
    "WorkdayState",
    "demo_state",
    "make_sandbox",
]

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
    _add_control_routes(app)
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


# --- control routes ---------------------------------------------------------------------------


def _add_control_routes(app: web.Application) -> None:
    root = "/_sandbox/workday"
    contract = root + "/tenants/{tenant}/contracts/{contract_id}"
    app.router.add_get(root + "/state", _state)
    app.router.add_post(root + "/tenants/{tenant}/users", _put_user)
    app.router.add_post(root + "/tenants/{tenant}/contracts", _add_contract)
    app.router.add_delete(contract, _delete_contract)
    app.router.add_post(contract + "/amendments", _add_amendment)
    app.router.add_post(contract + "/amendments/{amendment_id}/cancel", _cancel_amendment)
    app.router.add_delete(contract + "/amendments/{amendment_id}", _delete_amendment)
    app.router.add_post(root + "/tenants/{tenant}/projects", _add_project)
    app.router.add_post(root + "/empty_company", _empty_company)


async def _add_project(request: web.Request) -> web.Response:
    data = await request.json()
    tenant = request.match_info["tenant"]
    request.app[STATE].add_project(tenant, str(data["project_id"]), str(data.get("name", "")))
    return web.json_response({"ok": True}, status=201)


async def _empty_company(request: web.Request) -> web.Response:
    data = await request.json()
    request.app[STATE].empty_company = bool(data.get("empty", True))
    return web.json_response({"empty_company": request.app[STATE].empty_company})


def _missing(what: str) -> web.Response:
    return web.json_response({"error": f"{what} not found"}, status=404)


async def _state(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].as_dict())


async def _put_user(request: web.Request) -> web.Response:
    data = await request.json()
    tenant = request.match_info["tenant"]
    request.app[STATE].put_user(tenant, str(data["username"]), str(data["password"]))
    return web.json_response({"ok": True, "tenant": tenant, "username": data["username"]})


async def _add_contract(request: web.Request) -> web.Response:
    data = await request.json()
    contract = request.app[STATE].add_contract(
        request.match_info["tenant"],
        str(data["contract_id"]),
        name=str(data.get("name", "")),
        supplier=str(data.get("supplier", "")),
    )
    return web.json_response(contract.as_dict(), status=201)


async def _delete_contract(request: web.Request) -> web.Response:
    info = request.match_info
    if not request.app[STATE].delete_contract(info["tenant"], info["contract_id"]):
        return _missing("supplier contract")
    return web.json_response({"ok": True})


async def _add_amendment(request: web.Request) -> web.Response:
    data = await request.json()
    info = request.match_info
    try:
        amendment = request.app[STATE].add_amendment(
            info["tenant"],
            info["contract_id"],
            str(data["amendment_id"]),
            status=str(data.get("status", "Approved")),
            description=str(data.get("description", "")),
        )
    except KeyError:
        return _missing("supplier contract")
    return web.json_response(amendment.as_dict(), status=201)


async def _cancel_amendment(request: web.Request) -> web.Response:
    info = request.match_info
    state = request.app[STATE]
    if not state.cancel_amendment(info["tenant"], info["contract_id"], info["amendment_id"]):
        return _missing("amendment")
    return web.json_response({"ok": True, "status": "Canceled"})


async def _delete_amendment(request: web.Request) -> web.Response:
    info = request.match_info
    state = request.app[STATE]
    if not state.delete_amendment(info["tenant"], info["contract_id"], info["amendment_id"]):
        return _missing("amendment")
    return web.json_response({"ok": True})
