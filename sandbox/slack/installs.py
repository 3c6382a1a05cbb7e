"""Slack's side of installing an app by OAuth v2: workspaces and an Enterprise Grid org the app
can be installed into, the consent screen's outcome (a temporary `code`), `oauth.v2.access`
(code exchange and, with token rotation, `grant_type=refresh_token`), and the tokens it issued.

Sources (Slack's docs):
- https://docs.slack.dev/authentication/installing-with-oauth — the installer is sent to
  `https://slack.com/oauth/v2/authorize?client_id&scope&state&redirect_uri`; on approval Slack
  redirects to the redirect URL with `code` and `state`; the app exchanges the code with
  `oauth.v2.access`; the `redirect_uri` given there must match the one sent to authorize.
- https://docs.slack.dev/reference/methods/oauth.v2.access — answer fields `ok`,
  `access_token`, `token_type: "bot"`, `scope`, `bot_user_id`, `app_id`, `team {id, name}`,
  `enterprise {id, name} | null`, `authed_user {id, scope, access_token, token_type}`,
  `is_enterprise_install`; client credentials by HTTP Basic auth (or as parameters); errors
  `invalid_code`, `bad_redirect_uri`, `invalid_client_id`, `bad_client_secret`,
  `invalid_refresh_token`, `invalid_grant_type`.
- https://docs.slack.dev/authentication/using-token-rotation — with rotation on, the answer
  adds `refresh_token` and `expires_in` (12 hours: 43200 s); `grant_type=refresh_token` with
  `refresh_token` gives a new access token and a new refresh token, the old refresh token is
  then revoked.
- https://docs.slack.dev/enterprise-grid/ (org-wide apps) — an org admin installs the app for
  the whole org: `is_enterprise_install: true`, `team: null`, `enterprise {id, name}`, one
  token serving every workspace of the org; events carry the org in `authorizations`.
- https://docs.slack.dev/reference/events/app_uninstalled, .../tokens_revoked — sent when the
  app is removed; its tokens stop working at once.

Assumptions (this stand-in's choices where the docs say nothing; the only place they are kept):
- A code is good once and for 10 minutes (the docs say codes are short-lived and single-use).
- The consent screen is this stand-in's own page: it lists the world's workspaces and orgs and
  asks which person approves (there is no Slack sign-in here).
- Users and channels are one directory for all workspaces of the world (ids are unique);
  each token acts for the team or org it was issued to.
- Token prefixes: bot tokens `xoxb-…`, rotating bot tokens `xoxe.xoxb-1-…`, refresh tokens
  `xoxe-1-…` (the prefixes Slack shows in its docs' examples).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: a rotating token's life (docs: "it expires every 12 hours")
TOKEN_SECONDS = 12 * 60 * 60
#: assumption (see the module docstring): how long a code is good
CODE_SECONDS = 10 * 60


@dataclass(frozen=True)
class Team:
    team_id: str
    name: str
    domain: str
    enterprise_id: str | None = None


@dataclass(frozen=True)
class Org:
    enterprise_id: str
    name: str


@dataclass
class Grant:
    """One installation: a workspace's, or (org-wide) an org's."""

    team_id: str | None
    enterprise_id: str | None
    is_enterprise_install: bool
    installer: str
    scopes: str
    token: str
    refresh_token: str | None = None
    expires_at: float | None = None


@dataclass
class PendingCode:
    grant: Grant
    redirect_uri: str | None
    issued_at: float


class OAuthError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class Installs:
    """The app's OAuth side in the stand-in's world."""

    clock: Callable[[], float]
    app_id: str
    bot_user_id: str
    client_id: str = field(
        default_factory=lambda: f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**12)}"
    )
    client_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    #: the manifest's `token_rotation_enabled`
    token_rotation: bool = False
    #: a rotating token's life (Slack: 12 hours; a test may shorten it to see a rotation)
    token_seconds: int = TOKEN_SECONDS
    #: the manifest's `oauth_config.redirect_urls` (the redirect when authorize names none)
    redirect_urls: list[str] = field(default_factory=list)
    teams: dict[str, Team] = field(default_factory=dict)
    orgs: dict[str, Org] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, PendingCode] = field(default_factory=dict)

    def add_team(self, team_id: str, name: str, enterprise_id: str | None = None) -> Team:
        team = Team(team_id, name, name.lower().replace(" ", "-"), enterprise_id)
        self.teams[team_id] = team
        return team

    def add_org(self, enterprise_id: str, name: str) -> Org:
        self.orgs[enterprise_id] = Org(enterprise_id, name)
        return self.orgs[enterprise_id]

    def approve(self, where: str, installer: str, scopes: str, redirect_uri: str | None) -> str:
        """The installer approved on the consent screen, for a workspace (team id) or, org-wide,
        an org (enterprise id): the `code` Slack puts in the redirect."""
        if where in self.orgs:
            grant = Grant(None, where, True, installer, scopes, "")
        elif where in self.teams:
            grant = Grant(where, self.teams[where].enterprise_id, False, installer, scopes, "")
        else:
            raise OAuthError("unknown_workspace")
        code = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
        self.codes[code] = PendingCode(grant, redirect_uri, self.clock())
        return code

    def live(self, token: str) -> Grant | None:
        """The installation a token belongs to while it works (not removed, not expired)."""
        grant = self.grants.get(token)
        if grant is None or grant.token != token:
            return None
        if grant.expires_at is not None and grant.expires_at <= self.clock():
            return None
        return grant

    def remove(self, grant: Grant) -> None:
        """The app was uninstalled (or its tokens revoked): every token of it stops working."""
        for token in [t for t, g in self.grants.items() if g is grant]:
            del self.grants[token]

    def grant_of(self, team_id: str) -> Grant | None:
        """The installation serving a workspace: its own, else its org's org-wide one."""
        for grant in self.grants.values():
            if grant.team_id == team_id and not grant.is_enterprise_install:
                return grant
        enterprise = self.teams[team_id].enterprise_id if team_id in self.teams else None
        for grant in self.grants.values():
            if grant.is_enterprise_install and enterprise and grant.enterprise_id == enterprise:
                return grant
        return None

    # -- oauth.v2.access -----------------------------------------------------------------------

    def access(self, client: tuple[str, str], params: dict[str, Any]) -> dict[str, Any]:
        client_id, secret = client
        if client_id != self.client_id:
            raise OAuthError("invalid_client_id")
        if secret != self.client_secret:
            raise OAuthError("bad_client_secret")
        grant_type = str(params.get("grant_type") or "authorization_code")
        if grant_type == "refresh_token":
            return self._refresh(str(params.get("refresh_token") or ""))
        if grant_type != "authorization_code":
            raise OAuthError("invalid_grant_type")
        return self._exchange(str(params.get("code") or ""), params.get("redirect_uri"))

    def _exchange(self, code: str, redirect_uri: Any) -> dict[str, Any]:
        pending = self.codes.pop(code, None)
        if pending is None or self.clock() - pending.issued_at > CODE_SECONDS:
            raise OAuthError("invalid_code")
        if pending.redirect_uri is not None and redirect_uri != pending.redirect_uri:
            raise OAuthError("bad_redirect_uri")
        grant = pending.grant
        for old in [g for g in self.grants.values() if _same_install(g, grant)]:
            self.remove(old)  # a reinstall replaces the installation's tokens
        self._issue(grant)
        return self._answer(grant)

    def _refresh(self, refresh_token: str) -> dict[str, Any]:
        grant = next((g for g in self.grants.values() if g.refresh_token == refresh_token), None)
        if grant is None or not refresh_token:
            raise OAuthError("invalid_refresh_token")
        self.grants.pop(grant.token, None)
        self._issue(grant)
        return self._answer(grant)

    def _issue(self, grant: Grant) -> None:
        if self.token_rotation:
            grant.token = f"xoxe.xoxb-1-{secrets.token_hex(20)}"
            grant.refresh_token = f"xoxe-1-{secrets.token_hex(24)}"
            grant.expires_at = self.clock() + self.token_seconds
        else:
            grant.token = f"xoxb-{secrets.randbelow(10**12)}-{secrets.token_hex(12)}"
        self.grants[grant.token] = grant

    def _answer(self, grant: Grant) -> dict[str, Any]:
        team = self.teams.get(grant.team_id or "")
        org = self.orgs.get(grant.enterprise_id or "")
        answer: dict[str, Any] = {
            "ok": True,
            "access_token": grant.token,
            "token_type": "bot",
            "app_id": self.app_id,
            "bot_user_id": self.bot_user_id,
            "scope": grant.scopes,
            "team": {"id": team.team_id, "name": team.name} if team else None,
            "enterprise": {"id": org.enterprise_id, "name": org.name} if org else None,
            "is_enterprise_install": grant.is_enterprise_install,
            "authed_user": {"id": grant.installer},
        }
        if grant.refresh_token is not None and grant.expires_at is not None:
            answer["refresh_token"] = grant.refresh_token
            answer["expires_in"] = int(grant.expires_at - self.clock())
        return answer


def _same_install(a: Grant, b: Grant) -> bool:
    return (a.team_id, a.enterprise_id, a.is_enterprise_install) == (
        b.team_id,
        b.enterprise_id,
        b.is_enterprise_install,
    )
