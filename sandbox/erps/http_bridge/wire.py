"""The HTTP bridge contract's formats (`docs/http-bridge.md`): the route name, the request keys
with the JSON types each allows, the check of a request body, and the `{"error"}` body.

The contract is ours, not a vendor's; it has a wire of its own all the same, kept here like every
other stand-in's."""

from __future__ import annotations

from aiohttp import web

ROUTE = "cco-record-state"
#: the request keys the contract lists, each with the JSON types it allows
REQUEST_KEYS: dict[str, tuple[type, ...]] = {
    "origin_id": (str,),
    "cco_number": (str,),
    "cco_title": (str,),
    "commitment_origin_id": (str, type(None)),
    "commitment_number": (str, type(None)),
    "line_item_origin_ids": (list,),
}


def error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def contract_violation(body: object) -> str | None:
    """Why `body` is not the contract's request, or None when it is."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    missing = [key for key in REQUEST_KEYS if key not in body]
    extra = [key for key in body if key not in REQUEST_KEYS]
    if missing or extra:
        return f"keys differ from the contract: missing {missing}, unexpected {extra}"
    for key, types in REQUEST_KEYS.items():
        if not isinstance(body[key], types):
            return f"{key} has the wrong type"
    if not all(isinstance(item, str) for item in body["line_item_origin_ids"]):
        return "line_item_origin_ids must hold strings"
    return None
