"""The app's Procore access token: client-credentials grant, cached, renewed before it expires.

The client-credentials grant returns no refresh token, so "renewing" means asking for a new
token. One lock makes the fetch single-flight: concurrent callers share one token request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from procore.errors import (
    ProcoreAuthError,
    ProcoreBadResponse,
    ProcoreUnreachable,
    mapped_transport,
)

#: Procore's documented access-token lifetime, used if the answer omits `expires_in`
DEFAULT_LIFETIME = 5400.0
#: renew this long before expiry (at most a tenth of the token's lifetime)
RENEW_MARGIN = 300.0
#: how errors name Procore's OAuth server (`procore.errors.mapped_transport`)
LOGIN = "Procore's login"


@dataclass(frozen=True)
class _Token:
    value: str
    renew_at: float


class TokenSource:
    def __init__(
        self,
        *,
        login_url: str,
        client_id: str,
        client_secret: str,
        http: httpx.AsyncClient,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = login_url.rstrip("/") + "/oauth/token"
        self._form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }
        self._http = http
        self._clock = clock
        self._token: _Token | None = None
        self._lock = asyncio.Lock()

    def _fresh(self) -> str | None:
        token = self._token
        return token.value if token is not None and self._clock() < token.renew_at else None

    async def token(self) -> str:
        """A live access token, fetched only when none is cached or it is about to expire."""
        value = self._fresh()
        if value is not None:
            return value
        async with self._lock:
            return self._fresh() or await self._fetch()

    async def renew(self, rejected: str) -> str:
        """Procore refused `rejected`: fetch a new token unless another caller already did."""
        async with self._lock:
            value = self._fresh()
            if value is not None and value != rejected:
                return value
            return await self._fetch()

    def forget(self) -> None:
        self._token = None

    async def _fetch(self) -> str:
        self._token = None
        with mapped_transport(LOGIN):
            response = await self._http.post(self._url, data=self._form)
        body = token_json(response)
        if response.status_code != 200:
            raise_for_login(response, body)
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise ProcoreBadResponse("Procore's login answered without an access token")
        lifetime = token_lifetime(body.get("expires_in"))
        margin = min(RENEW_MARGIN, lifetime / 10)
        self._token = _Token(value, self._clock() + lifetime - margin)
        return value


#: how a refused login reads when its OAuth `error` code has no entry of its own
APP_REFUSED: tuple[type[ProcoreAuthError], str] = (
    ProcoreAuthError,
    "Procore refused the app's credentials: {reason}",
)


def raise_for_login(
    response: httpx.Response,
    body: dict[str, Any],
    refusals: Mapping[str, tuple[type[ProcoreAuthError], str]] | None = None,
) -> None:
    """A login answer that is not 200: 429/5xx mean Procore's login is busy or down; anything
    else refuses, as the error `refusals` names for the OAuth `error` code, else `APP_REFUSED`."""
    status = response.status_code
    if status >= 500 or status == 429:
        raise ProcoreUnreachable(f"{LOGIN} answered {status}")
    error = body.get("error")
    reason = body.get("error_description") or error or f"HTTP {status}"
    refused, words = (refusals or {}).get(str(error), APP_REFUSED)
    raise refused(words.format(reason=reason))


def token_json(response: httpx.Response) -> dict[str, Any]:
    """An OAuth token endpoint's JSON object, or {} when the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def token_lifetime(value: Any) -> float:
    """`expires_in` as seconds; Procore's documented 90 minutes when it is missing or odd."""
    try:
        lifetime = float(value)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME
    return lifetime if lifetime > 0 else DEFAULT_LIFETIME
