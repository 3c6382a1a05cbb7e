"""A Procore user's own tokens: the authorization-code grant, refresh and revoke.

Procore's refresh tokens are single-use: every refresh call, even one whose answer was lost,
spends the token, so the caller must store the new pair before using it (see
`flows.accounts`). Errors are mapped here, once, to the `procore.errors` tree.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from procore.auth import LOGIN, raise_for_login, token_json, token_lifetime
from procore.errors import (
    ProcoreAuthError,
    ProcoreBadResponse,
    mapped_transport,
)

#: Procore's documented access-token lifetime, used if the answer omits `expires_in`


class GrantRefused(ProcoreAuthError):
    """Procore refused the code or refresh token (`invalid_grant`): used, expired or revoked.
    The user has to connect their account again."""


#: a user's sign-in refused, by OAuth `error` code (`procore.auth.raise_for_login`)
USER_REFUSALS: dict[str, tuple[type[ProcoreAuthError], str]] = {
    "invalid_grant": (GrantRefused, "Procore refused the sign-in: {reason}"),
}


@dataclass(frozen=True)
class UserTokens:
    access_token: str
    refresh_token: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"UserTokens(expires_at={self.expires_at.isoformat()})"


class ProcoreOAuth:
    def __init__(
        self,
        *,
        login_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        http: httpx.AsyncClient,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._login = login_url.rstrip("/")
        self._client = {"client_id": client_id, "client_secret": client_secret}
        self._redirect_uri = redirect_uri
        self._http = http
        self._clock = clock

    def authorize_url(self, state: str) -> str:
        """Where the user's browser goes to sign in to Procore and approve the app."""
        query = {
            "response_type": "code",
            "client_id": self._client["client_id"],
            "redirect_uri": self._redirect_uri,
            "state": state,
        }
        return f"{self._login}/oauth/authorize?{urlencode(query)}"

    async def exchange(self, code: str) -> UserTokens:
        form = {"grant_type": "authorization_code", "code": code}
        return await self._token(form | {"redirect_uri": self._redirect_uri})

    async def refresh(self, refresh_token: str) -> UserTokens:
        """A new pair; `refresh_token` is spent whatever happens (even if this raises)."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return await self._token(form | {"redirect_uri": self._redirect_uri})

    async def revoke(self, token: str) -> None:
        """Revoke an access token and its refresh token. Procore answers 200 even for a token
        it does not know, so only a refused client or an unreachable login raises."""
        response = await self._post("/oauth/revoke", {"token": token})
        if response.status_code >= 400:
            _raise_for(response, token_json(response))

    async def _token(self, form: dict[str, str]) -> UserTokens:
        sent_at = self._clock()
        response = await self._post("/oauth/token", form)
        body = token_json(response)
        if response.status_code != 200:
            _raise_for(response, body)
        access, refresh = body.get("access_token"), body.get("refresh_token")
        if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
            raise ProcoreBadResponse("Procore's login answered without an access and refresh token")
        expires_at = datetime.fromtimestamp(sent_at + token_lifetime(body.get("expires_in")), UTC)
        return UserTokens(access, refresh, expires_at)

    async def _post(self, path: str, form: dict[str, str]) -> httpx.Response:
        with mapped_transport(LOGIN):
            return await self._http.post(self._login + path, data=form | self._client)


def _raise_for(response: httpx.Response, body: dict[str, Any]) -> None:
    raise_for_login(response, body, USER_REFUSALS)
