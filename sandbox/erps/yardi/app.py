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

Tests and the playground change the state in process (`sandbox.erps.yardi.world`); the SOAP
formats live in `sandbox.erps.yardi.wire`.
"""

from __future__ import annotations

from aiohttp import web

from sandbox.erps.yardi.wire import (
    INVALID_LOGIN,
    LOGIN_FIELDS,
    NAMESPACE,
    OPERATIONS,
    SERVICE_FILE,
    ClientFault,
    client_fault,
    list_document,
    messages,
    read_call,
    result_response,
)
from sandbox.erps.yardi.world import YardiState
from sandbox.faults import Faults, Recorder, instrument

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
    return app


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
