"""Access tokens, authorization codes and refresh tokens of the Procore stand-in (no HTTP here).

App tokens come from the client-credentials grant (`ProcoreWorld.issue_token`); user tokens come
from the authorization-code grant and are renewed with single-use refresh tokens.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

#: Procore documents the authorization code as single-use with a 10-minute expiry
CODE_LIFETIME = 600.0


@dataclass
class IssuedToken:
    access_token: str
    client_id: str
    created_at: float
    expires_at: float
    #: the Procore user the token acts as (None for a client-credentials token)
    user_id: int | None = None
    refresh_token: str | None = None


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    user_id: int
    expires_at: float


@dataclass
class RefreshGrant:
    refresh_token: str
    client_id: str
    user_id: int
    access_token: str


class GrantRefused(Exception):
    """The code or refresh token is unknown, used, expired, revoked or not the client's."""


@dataclass
class UserGrants:
    """The authorization-code grant's state; `tokens` is shared with the world's app tokens."""

    tokens: dict[str, IssuedToken]
    clock: Callable[[], float]
    lifetime: Callable[[], int]
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshGrant] = field(default_factory=dict)
    #: every access or refresh token revoked (by `/oauth/revoke` or by a refresh), oldest first
    revoked: list[str] = field(default_factory=list)
    #: how many refresh-token grants succeeded
    refreshes: int = 0

    def authorize(self, client_id: str, redirect_uri: str, user_id: int) -> str:
        """What the login page does when `user_id` approves: a single-use code."""
        code = secrets.token_urlsafe(24)
        expires_at = self.clock() + CODE_LIFETIME
        self.codes[code] = AuthorizationCode(code, client_id, redirect_uri, user_id, expires_at)
        return code

    def redeem_code(self, client_id: str, code: str, redirect_uri: str) -> IssuedToken:
        grant = self.codes.pop(code, None)
        if grant is None or grant.client_id != client_id or grant.expires_at <= self.clock():
            raise GrantRefused("The authorization code is invalid")
        if grant.redirect_uri != redirect_uri:
            raise GrantRefused("The redirect uri does not match the one the code was issued for")
        return self._issue(client_id, grant.user_id)

    def redeem_refresh(self, client_id: str, refresh_token: str) -> IssuedToken:
        """A new access and refresh token; the presented refresh token is dead from now on."""
        grant = self.refresh_tokens.get(refresh_token)
        if grant is None or grant.client_id != client_id:
            raise GrantRefused("The refresh token is invalid")
        del self.refresh_tokens[refresh_token]
        self.revoked.append(refresh_token)
        self.refreshes += 1
        return self._issue(client_id, grant.user_id)

    def revoke(self, client_id: str, token: str) -> None:
        """Revoke an access token and its refresh token (or a refresh token and its access token).

        Tokens of other clients and unknown tokens are ignored, as RFC 7009 asks.
        """
        access = self.tokens.get(token)
        grant = self.refresh_tokens.get(token)
        if access is not None and access.client_id == client_id and access.user_id is not None:
            grant = self.refresh_tokens.get(access.refresh_token or "")
        elif grant is not None and grant.client_id == client_id:
            access = self.tokens.get(grant.access_token)
        else:
            return
        if access is not None:
            self.tokens.pop(access.access_token, None)
            self.revoked.append(access.access_token)
        if grant is not None:
            self.refresh_tokens.pop(grant.refresh_token, None)
            self.revoked.append(grant.refresh_token)

    def _issue(self, client_id: str, user_id: int) -> IssuedToken:
        now = self.clock()
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
        token = IssuedToken(access, client_id, now, now + self.lifetime(), user_id, refresh)
        self.tokens[access] = token
        self.refresh_tokens[refresh] = RefreshGrant(refresh, client_id, user_id, access)
        return token

    def state(self) -> dict[str, int]:
        return {
            "authorization_codes": len(self.codes),
            "refresh_tokens": len(self.refresh_tokens),
            "revoked_tokens": len(self.revoked),
            "refreshes": self.refreshes,
        }
