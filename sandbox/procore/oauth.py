"""The stand-in's login host: `/oauth/authorize` (a login page), `/oauth/token`, `/oauth/revoke`.

The login page lists the world's active users of the companies where the app is installed; the
person at the browser picks themself and approves (or denies), as they would after signing in
to Procore. `ProcoreWorld.authorize` does the same from Python.
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import json
from typing import Any

from aiohttp import web
from yarl import URL

from sandbox.procore.grants import GrantRefused, IssuedToken
from sandbox.procore.world import OAuthClient, ProcoreWorld

# --- Not publicly documented: what this stand-in assumes, and what it is based on ---------------
#: Error bodies follow RFC 6749 (`{"error", "error_description"}`) as Procore's login answers
#: them; the invalid-client text is Doorkeeper's (the OAuth library behind Procore's login).
MSG_INVALID_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included, "
    "or unsupported authentication method."
)
#: A used, expired or revoked code or refresh token answers 401 `invalid_grant` (Procore's docs
#: name the message "The refresh token is invalid"; the status code is our assumption).
INVALID_GRANT_STATUS = 401
#: After a refresh the previous access token stays valid until it expires; only the previous
#: refresh token dies at once (Procore documents refresh tokens as single-use, nothing more).
# -------------------------------------------------------------------------------------------------

USER_GRANTS = frozenset({"authorization_code", "refresh_token"})


async def token_params(request: web.Request) -> dict[str, str]:
    """Read `/oauth/token` parameters from a JSON, form-urlencoded or multipart body."""
    params = {k: v for k, v in request.query.items()}
    body = await request.read()
    if request.content_type == "application/json":
        data = json.loads(body or b"{}")
        if isinstance(data, dict):
            params.update({str(k): str(v) for k, v in data.items() if v is not None})
    elif request.content_type == "multipart/form-data":
        head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                params[name] = payload.decode()
    else:
        params.update({k: str(v) for k, v in (await request.post()).items()})
    return params


def _oauth_error(status: int, error: str, description: str | None = None) -> web.Response:
    body = {"error": error} | ({"error_description": description} if description else {})
    return web.json_response(body, status=status)


def _token_json(world: ProcoreWorld, token: IssuedToken) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": token.access_token,
        "token_type": "bearer",
        "expires_in": world.token_lifetime,
        "created_at": int(token.created_at),
    }
    if token.refresh_token is not None:
        body["refresh_token"] = token.refresh_token
    return body


def _page(title: str, body: str, status: int = 200) -> web.Response:
    text = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(text=text, status=status, content_type="text/html")


class LoginHost:
    def __init__(self, world: ProcoreWorld) -> None:
        self.world = world

    async def token(self, request: web.Request) -> web.Response:
        try:
            params = await token_params(request)
        except ValueError:
            return _oauth_error(400, "invalid_request")
        grant = params.get("grant_type")
        if grant is None:
            return _oauth_error(400, "invalid_request")
        if grant != "client_credentials" and grant not in USER_GRANTS:
            return _oauth_error(400, "unsupported_grant_type")
        client_id = params.get("client_id", "")
        if self.world.authenticate_client(client_id, params.get("client_secret", "")) is None:
            return _oauth_error(401, "invalid_client", MSG_INVALID_CLIENT)
        if grant == "client_credentials":
            issued = self.world.issue_token(client_id, params["client_secret"])
            assert issued is not None
            return web.json_response(_token_json(self.world, issued))
        try:
            issued = self._user_grant(grant, client_id, params)
        except GrantRefused as refused:
            return _oauth_error(INVALID_GRANT_STATUS, "invalid_grant", str(refused))
        except KeyError as missing:
            return _oauth_error(400, "invalid_request", f"{missing.args[0]} is missing")
        return web.json_response(_token_json(self.world, issued))

    def _user_grant(self, grant: str, client_id: str, params: dict[str, str]) -> IssuedToken:
        grants = self.world.grants
        if grant == "authorization_code":
            return grants.redeem_code(client_id, params["code"], params.get("redirect_uri", ""))
        return grants.redeem_refresh(client_id, params["refresh_token"])

    async def revoke(self, request: web.Request) -> web.Response:
        """Always 200 (Procore: "returns 200 even for an invalid token")."""
        params = await token_params(request)
        client_id = params.get("client_id", "")
        if self.world.authenticate_client(client_id, params.get("client_secret", "")) is not None:
            self.world.grants.revoke(client_id, params.get("token", ""))
        return web.json_response({})

    def _client(self, params: Any) -> tuple[OAuthClient, str] | web.Response:
        client = self.world.clients.get(str(params.get("client_id", "")))
        if client is None or client.refused:
            return _page("Invalid client", "<p>The client identifier provided is invalid.</p>", 400)
        redirect_uri = str(params.get("redirect_uri", ""))
        if not redirect_uri or (client.redirect_uris and redirect_uri not in client.redirect_uris):
            return _page("Invalid redirect", "<p>The redirect uri is not registered.</p>", 400)
        return client, redirect_uri

    async def authorize_page(self, request: web.Request) -> web.Response:
        checked = self._client(request.query)
        if isinstance(checked, web.Response):
            return checked
        client, redirect_uri = checked
        state = request.query.get("state", "")
        if request.query.get("response_type") != "code":
            raise _redirect(redirect_uri, error="unsupported_response_type", state=state)
        fields = {"client_id": client.client_id, "redirect_uri": redirect_uri, "state": state}
        hidden = "".join(
            f"<input type='hidden' name='{k}' value='{html.escape(v, quote=True)}'>"
            for k, v in fields.items()
        )
        choices = "".join(
            f"<p><label><input type='radio' name='user_id' value='{u.id}'> "
            f"{html.escape(u.name)} &lt;{html.escape(u.email_address)}&gt;</label></p>"
            for u in self.world.users.values()
            if u.is_active and self.world.client_may_access(client.client_id, u.company_id)
        )
        form = (
            f"<form method='post' action='/oauth/authorize'>{hidden}{choices}"
            "<button name='decision' value='approve'>Sign in and authorize</button> "
            "<button name='decision' value='deny'>Deny</button></form>"
        )
        intro = f"<p>{html.escape(client.client_id)} asks to act as you in Procore.</p>"
        return _page("Sign in to Procore", intro + form)

    async def authorize_decision(self, request: web.Request) -> web.Response:
        form = await request.post()
        checked = self._client(form)
        if isinstance(checked, web.Response):
            return checked
        client, redirect_uri = checked
        state = str(form.get("state", ""))
        if form.get("decision") != "approve":
            raise _redirect(redirect_uri, error="access_denied", state=state)
        picked = str(form.get("user_id", ""))
        user = self.world.users.get(int(picked)) if picked.isdigit() else None
        if user is None or not user.is_active:
            return _page("Sign in to Procore", "<p>Pick who you are.</p>", 400)
        code = self.world.authorize(client.client_id, redirect_uri, user.id)
        raise _redirect(redirect_uri, code=code, state=state)


def _redirect(redirect_uri: str, **params: str) -> web.HTTPFound:
    query = {k: v for k, v in params.items() if v}
    return web.HTTPFound(str(URL(redirect_uri).update_query(query)))


def add_oauth_routes(app: web.Application, world: ProcoreWorld) -> None:
    host = LoginHost(world)
    app.router.add_get("/oauth/authorize", host.authorize_page)
    app.router.add_post("/oauth/authorize", host.authorize_decision)
    app.router.add_post("/oauth/token", host.token)
    app.router.add_post("/oauth/revoke", host.revoke)
