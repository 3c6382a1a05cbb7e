"""`/_sandbox/procore/` control routes: the playground reads and changes the Procore world.

GET  /_sandbox/procore/state                                  everything, as JSON
POST /_sandbox/procore/template-level  {"template_id", "tool", "level"}
POST /_sandbox/procore/manifest-level  {"user_id", "project_id" (null: company), "tool", "level"}
POST /_sandbox/procore/can-push        {"user_id", "enabled"}
POST /_sandbox/procore/origin          {"package_id", "origin_id"}   (null clears it)
POST /_sandbox/procore/expire-tokens   {}
POST /_sandbox/procore/refuse-client   {"client_id"}
POST /_sandbox/procore/token-lifetime  {"seconds"}
POST /_sandbox/procore/rate-limit      {"limit", "window", "enforce"}
POST /_sandbox/procore/sync-ignored    {"enabled"}   (the sync answers but changes nothing)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.procore_world import ProcoreWorld

PREFIX = "/_sandbox/procore"
Change = Callable[[ProcoreWorld, dict[str, Any]], None]


def _template_level(world: ProcoreWorld, data: dict[str, Any]) -> None:
    world.set_level(int(data["template_id"]), str(data["tool"]), int(data["level"]))


def _manifest_level(world: ProcoreWorld, data: dict[str, Any]) -> None:
    project_id = data.get("project_id")
    world.set_manifest_level(
        int(data["user_id"]),
        None if project_id is None else int(project_id),
        str(data["tool"]),
        int(data["level"]),
    )


def _can_push(world: ProcoreWorld, data: dict[str, Any]) -> None:
    world.set_can_push(int(data["user_id"]), bool(data["enabled"]))


def _origin(world: ProcoreWorld, data: dict[str, Any]) -> None:
    origin = data.get("origin_id")
    world.set_origin(int(data["package_id"]), None if origin is None else str(origin))


def _expire_tokens(world: ProcoreWorld, data: dict[str, Any]) -> None:
    world.expire_all_tokens()


def _refuse_client(world: ProcoreWorld, data: dict[str, Any]) -> None:
    world.refuse_client(str(data["client_id"]))


def _token_lifetime(world: ProcoreWorld, data: dict[str, Any]) -> None:
    world.token_lifetime = int(data["seconds"])


def _rate_limit(world: ProcoreWorld, data: dict[str, Any]) -> None:
    limit = world.rate_limit
    limit.limit = int(data.get("limit", limit.limit))
    limit.window = float(data.get("window", limit.window))
    limit.enforce = bool(data.get("enforce", limit.enforce))


def _sync_ignored(world: ProcoreWorld, data: dict[str, Any]) -> None:
    world.sync_ignored = bool(data["enabled"])


CHANGES: dict[str, Change] = {
    "template-level": _template_level,
    "manifest-level": _manifest_level,
    "can-push": _can_push,
    "origin": _origin,
    "expire-tokens": _expire_tokens,
    "refuse-client": _refuse_client,
    "token-lifetime": _token_lifetime,
    "rate-limit": _rate_limit,
    "sync-ignored": _sync_ignored,
}


def _change_route(
    world: ProcoreWorld, change: Change
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        try:
            data = await request.json() if request.can_read_body else {}
            change(world, data if isinstance(data, dict) else {})
        except KeyError as exc:
            return web.json_response(
                {"ok": False, "error": f"unknown or missing {exc}"}, status=404
            )
        except (TypeError, ValueError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        return web.json_response({"ok": True})

    return handle


def add_control_routes(app: web.Application, world: ProcoreWorld) -> None:
    async def state(request: web.Request) -> web.Response:
        return web.json_response(world.state())

    app.router.add_get(f"{PREFIX}/state", state)
    for name, change in CHANGES.items():
        app.router.add_post(f"{PREFIX}/{name}", _change_route(world, change))
