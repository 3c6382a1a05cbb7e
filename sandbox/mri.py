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

Control routes (JSON) under `/_sandbox/mri/`:
  GET    state
  POST   users            {"client_id", "database", "user", "partner_key", "password"}
  POST   change_orders    {"contract_id", "change_order_id", "description"?, "status"?}
  DELETE contracts/{contract_id}/change_orders/{change_order_id}
  POST   contracts        {"contract_id", "job_id"?, "description"?}
  POST   jobs             {"job_id", "description"?}
  POST   empty_company    {"empty": true|false}
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict, dataclass, field
from typing import Any

from aiohttp import web

from sandbox.faults import Faults, Recorder, instrument

API_NAME = "MRI_S-PMJC_ContractChangeOrders"
CONTRACTS_API = "MRI_S-PMJC_Contracts"
JOBS_API = "MRI_S-PMJC_Jobs"
#: each API's filter parameters -> the row field they match
FILTERS: dict[str, dict[str, str]] = {
    API_NAME: {"CONTRACTID": "ContractID", "CHANGEORDERID": "ChangeOrderID"},
    CONTRACTS_API: {"CONTRACTID": "ContractID", "JOBID": "JobID"},
    JOBS_API: {"JOBID": "JobID"},
}


@dataclass(frozen=True)
class ApiUser:
    client_id: str
    database: str
    user: str
    partner_key: str
    password: str

    @property
    def basic_user(self) -> str:
        return f"{self.client_id}/{self.database}/{self.user}/{self.partner_key}"


@dataclass
class ContractChangeOrder:
    contract_id: str
    change_order_id: str
    description: str = ""
    status: str = "Approved"

    def row(self) -> dict[str, Any]:
        return {
            "ContractID": self.contract_id,
            "ChangeOrderID": self.change_order_id,
            "Description": self.description,
            "Status": self.status,
        }


@dataclass
class MriState:
    users: list[ApiUser] = field(default_factory=list)
    change_orders: list[ContractChangeOrder] = field(default_factory=list)
    #: contract id -> {"ContractID", "JobID", "Description", "Status"}
    contracts: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: job id -> {"JobID", "Description", "Status"}
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the database holds none of these rows (a wrong ERP_TENANT)
    empty_company: bool = False

    def add_contract(self, contract_id: str, *, job_id: str = "", description: str = "") -> None:
        self.contracts[contract_id] = {
            "ContractID": contract_id,
            "JobID": job_id,
            "Description": description,
            "Status": "Active",
        }

    def add_job(self, job_id: str, *, description: str = "") -> None:
        self.jobs[job_id] = {"JobID": job_id, "Description": description, "Status": "Active"}

    def add_user(self, user: ApiUser) -> None:
        self.users.append(user)

    def revoke_users(self) -> None:
        self.users.clear()

    def add_change_order(
        self,
        contract_id: str,
        change_order_id: str,
        *,
        description: str = "",
        status: str = "Approved",
    ) -> ContractChangeOrder:
        self.delete_change_order(contract_id, change_order_id)
        change_order = ContractChangeOrder(contract_id, change_order_id, description, status)
        self.change_orders.append(change_order)
        return change_order

    def delete_change_order(self, contract_id: str, change_order_id: str) -> bool:
        before = len(self.change_orders)
        self.change_orders = [
            co
            for co in self.change_orders
            if (co.contract_id, co.change_order_id) != (contract_id, change_order_id)
        ]
        return len(self.change_orders) < before

    def accepts(self, basic_user: str, password: str) -> bool:
        return any((u.basic_user, u.password) == (basic_user, password) for u in self.users)

    def rows(self, filters: dict[str, str], api: str = API_NAME) -> list[dict[str, Any]]:
        if self.empty_company:
            return []
        every = {
            API_NAME: [co.row() for co in self.change_orders],
            CONTRACTS_API: list(self.contracts.values()),
            JOBS_API: list(self.jobs.values()),
        }[api]
        return [row for row in every if all(row[k] == v for k, v in filters.items())]

    def as_dict(self) -> dict[str, Any]:
        return {
            "users": [u.basic_user for u in self.users],
            "change_orders": [asdict(co) for co in self.change_orders],
            "contracts": list(self.contracts.values()),
            "jobs": list(self.jobs.values()),
            "empty_company": self.empty_company,
        }


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
    _add_control_routes(app)
    return app


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


def _metadata_url(request: web.Request, api_name: str) -> str:
    container = api_name.lower()
    api = f"{request.url.origin()}/{request.match_info['root']}/api.asp?$api={api_name}"
    return f"{api}&$metadata#MRI.{container}-container/{container}"


async def api_services(request: web.Request) -> web.Response:
    credentials = basic_credentials(request.headers.get("Authorization", ""))
    if credentials is None or not request.app[STATE].accepts(*credentials):
        return odata_error(
            401,
            "Unauthorized",
            "Authorization has been denied for this request.",
            **{"WWW-Authenticate": 'Basic realm="MRI API"'},
        )
    query = request.query
    api = query.get("$api", "")
    if api not in FILTERS:
        return odata_error(400, "BadRequest", f"API '{api}' was not found.")
    if query.get("$format", "json").lower() != "json":
        return odata_error(400, "BadRequest", "This sandbox answers $format=json only.")
    known = FILTERS[api]
    filters = {known[name.upper()]: value for name, value in query.items() if name.upper() in known}
    rows = request.app[STATE].rows(filters, api)
    return web.json_response({"odata.metadata": _metadata_url(request, api), "value": rows})


# --- control routes ---------------------------------------------------------------------------


def _add_control_routes(app: web.Application) -> None:
    root = "/_sandbox/mri"
    app.router.add_get(root + "/state", _state)
    app.router.add_post(root + "/users", _add_user)
    app.router.add_post(root + "/change_orders", _add_change_order)
    app.router.add_delete(
        root + "/contracts/{contract_id}/change_orders/{change_order_id}", _delete_change_order
    )
    app.router.add_post(root + "/contracts", _add_contract)
    app.router.add_post(root + "/jobs", _add_job)
    app.router.add_post(root + "/empty_company", _empty_company)


async def _add_contract(request: web.Request) -> web.Response:
    data = await request.json()
    request.app[STATE].add_contract(
        str(data["contract_id"]),
        job_id=str(data.get("job_id", "")),
        description=str(data.get("description", "")),
    )
    return web.json_response({"ok": True}, status=201)


async def _add_job(request: web.Request) -> web.Response:
    data = await request.json()
    request.app[STATE].add_job(str(data["job_id"]), description=str(data.get("description", "")))
    return web.json_response({"ok": True}, status=201)


async def _empty_company(request: web.Request) -> web.Response:
    data = await request.json()
    request.app[STATE].empty_company = bool(data.get("empty", True))
    return web.json_response({"empty_company": request.app[STATE].empty_company})


async def _state(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].as_dict())


async def _add_user(request: web.Request) -> web.Response:
    data = await request.json()
    user = ApiUser(
        client_id=str(data["client_id"]),
        database=str(data["database"]),
        user=str(data["user"]),
        partner_key=str(data["partner_key"]),
        password=str(data["password"]),
    )
    request.app[STATE].add_user(user)
    return web.json_response({"ok": True, "user": user.basic_user}, status=201)


async def _add_change_order(request: web.Request) -> web.Response:
    data = await request.json()
    change_order = request.app[STATE].add_change_order(
        str(data["contract_id"]),
        str(data["change_order_id"]),
        description=str(data.get("description", "")),
        status=str(data.get("status", "Approved")),
    )
    return web.json_response(asdict(change_order), status=201)


async def _delete_change_order(request: web.Request) -> web.Response:
    info = request.match_info
    if not request.app[STATE].delete_change_order(info["contract_id"], info["change_order_id"]):
        return web.json_response({"error": "contract change order not found"}, status=404)
    return web.json_response({"ok": True})
