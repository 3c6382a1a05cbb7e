"""A company's integration bridge as `docs/http-bridge.md` specifies it, records kept in memory.

`POST {prefix}/cco-record-state` with `Authorization: Bearer <token>` and the JSON body of the
contract answers `200 {"state", "reference", "status_text"}`; a record it does not hold is
`deleted`. A missing or wrong token is 401, a body that is not the contract's JSON is 400 (both
`{"error": ...}`). `prefix` is the path of the bridge's base URL ("" or e.g. "/procore").

Control routes (JSON) under `/_sandbox/http_bridge/`, kept for a person trying a bridge against
`cco-bot sandbox --erp http_bridge` from another process (docs/http-bridge.md):
  GET    state
  POST   records                {"origin_id", "state", "reference"?, "status_text"?}
  DELETE records/{origin_id}
  POST   token                  {"token"}

The contract's formats (request keys and their check, the error body) live in
`sandbox.erps.http_bridge.wire`.
"""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from sandbox.erps.http_bridge.wire import ROUTE, contract_violation, error
from sandbox.erps.http_bridge.world import BridgeState
from sandbox.faults import Faults, Recorder, instrument

STATE = web.AppKey("http_bridge_state", BridgeState)


def make_app(
    state: BridgeState | None = None,
    recorder: Recorder | None = None,
    faults: Faults | None = None,
    *,
    prefix: str = "",
) -> web.Application:
    app = web.Application()
    app[STATE] = state if state is not None else BridgeState()
    instrument(app, recorder if recorder is not None else Recorder(), faults or Faults())
    app.router.add_post(f"{prefix.rstrip('/')}/{ROUTE}", record_state)
    _add_control_routes(app)
    return app


async def record_state(request: web.Request) -> web.Response:
    state = request.app[STATE]
    if request.headers.get("Authorization") != f"Bearer {state.token}":
        return error(401, "missing or wrong bearer token")
    if request.content_type != "application/json":
        return error(400, "Content-Type must be application/json")
    try:
        body = await request.json()
    except ValueError:
        return error(400, "the body is not JSON")
    problem = contract_violation(body)
    if problem is not None:
        return error(400, problem)
    return web.json_response(state.answer_for(body["origin_id"]))


# --- control routes ---------------------------------------------------------------------------


def _add_control_routes(app: web.Application) -> None:
    root = "/_sandbox/http_bridge"
    app.router.add_get(root + "/state", _state)
    app.router.add_post(root + "/records", _put_record)
    app.router.add_delete(root + "/records/{origin_id}", _forget_record)
    app.router.add_post(root + "/token", _set_token)


async def _state(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].as_dict())


async def _put_record(request: web.Request) -> web.Response:
    data = await request.json()
    try:
        record = request.app[STATE].put(
            str(data["origin_id"]),
            str(data.get("state", "present")),
            reference=data.get("reference"),
            status_text=data.get("status_text"),
        )
    except ValueError as exc:
        return error(400, str(exc))
    return web.json_response(asdict(record), status=201)


async def _forget_record(request: web.Request) -> web.Response:
    if not request.app[STATE].forget(request.match_info["origin_id"]):
        return error(404, "record not found")
    return web.json_response({"ok": True})


async def _set_token(request: web.Request) -> web.Response:
    data = await request.json()
    request.app[STATE].token = str(data["token"])
    return web.json_response({"ok": True})
