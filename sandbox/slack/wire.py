"""Slack's formats as the stand-in speaks them: a Web API call's parameters (query, JSON body or
form, with the token as a bearer header or a `token` field), the `{"ok": false, "error"}`
refusal, and the plain-text answers of a response URL."""

from __future__ import annotations

import base64
from typing import Any

from aiohttp import web

Params = dict[str, Any]

# Not publicly documented; kept here in one place. Slack documents that a response_url takes at
# most 5 posts within 30 minutes, not how it refuses the sixth; apps report an HTTP 404 whose
# body names the reason, as Slack's incoming webhooks do for their errors (plain-text bodies).
RESPONSE_URL_OK = (200, "ok")
RESPONSE_URL_EXPIRED = (404, "expired_url")
RESPONSE_URL_BAD_JSON = (400, "invalid_payload")
RESPONSE_URL_NO_TEXT = (400, "no_text")
RESPONSE_URL_BAD_BLOCKS = (400, "invalid_blocks")


class ApiError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


async def read_params(request: web.Request) -> Params:
    """A Web API call's parameters: the query, then a JSON or form body over it."""
    params: Params = dict(request.query)
    if request.method != "POST" or not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError("invalid_json") from None
        if not isinstance(body, dict):
            raise ApiError("json_not_object")
        params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        params.update({key: str(value) for key, value in form.items()})
    return params


def call_token(authorization: str, params: Params) -> Any:
    """The token a call carries: `Authorization: Bearer`, else the `token` parameter."""
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return params.get("token")


def plain(answer: tuple[int, str]) -> web.Response:
    return web.Response(status=answer[0], text=answer[1], content_type="text/plain")


def client_credentials(authorization: str, params: Params) -> tuple[str, str]:
    """`oauth.v2.access`'s client id and secret: HTTP Basic auth (Slack's preference), else the
    `client_id` / `client_secret` parameters."""
    if authorization.lower().startswith("basic "):
        try:
            pair = base64.b64decode(authorization[6:].strip()).decode()
        except (ValueError, UnicodeDecodeError):
            return "", ""
        client_id, _, secret = pair.partition(":")
        return client_id, secret
    return str(params.get("client_id") or ""), str(params.get("client_secret") or "")
