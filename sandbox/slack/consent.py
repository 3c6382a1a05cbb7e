"""The stand-in's consent screen (`https://slack.com/oauth/v2/authorize`): the installer picks
where to install the app (a workspace, or org-wide an Enterprise Grid org) and approves; Slack
then redirects to the app's redirect URL with `code` and `state` (denied: `error=access_denied`
and `state`). Docs: https://docs.slack.dev/authentication/installing-with-oauth. The page itself
is this stand-in's (an assumption, `installs.py`)."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from sandbox.slack.installs import Installs, OAuthError

AUTHORIZE_PATH = "/oauth/v2/authorize"
APPROVE_PATH = "/oauth/v2/authorize/approve"


def consent_html(installs: Installs, query: dict[str, str]) -> str:
    """The page: one "Allow" link per workspace and per org the app can be installed into."""
    if query.get("client_id") != installs.client_id:
        raise OAuthError("invalid_client_id")
    names = ("client_id", "scope", "state", "redirect_uri")
    keep: dict[str, str] = {k: query[k] for k in names if k in query}
    places = [(t.team_id, t.name) for t in installs.teams.values()]
    places += [(o.enterprise_id, f"{o.name} (whole organisation)") for o in installs.orgs.values()]
    links = "".join(
        f'<li><a href="{escape(_approve_url(keep, key))}">Allow in {escape(name)}</a></li>'
        for key, name in places
    )
    scopes = escape(query.get("scope", ""))
    return f"<html><body><h1>Install the app</h1><p>Asks for: {scopes}</p><ul>{links}</ul>"


def _approve_url(keep: dict[str, str], where: str) -> str:
    query: dict[str, str] = {**keep, "where": where}
    return f"{APPROVE_PATH}?{urlencode(query)}"


def approve_redirect(installs: Installs, query: dict[str, str]) -> str:
    """Where the browser goes once the installer approved (`user`: who approves)."""
    redirect = query.get("redirect_uri") or (installs.redirect_urls or [""])[0]
    if not redirect:
        raise OAuthError("bad_redirect_uri")
    if redirect not in installs.redirect_urls and installs.redirect_urls:
        raise OAuthError("bad_redirect_uri")
    answer: dict[str, Any] = {"state": query.get("state", "")}
    if query.get("deny"):
        answer["error"] = "access_denied"
    else:
        code = installs.approve(
            query.get("where", ""),
            query.get("user", ""),
            query.get("scope", ""),
            query.get("redirect_uri"),
        )
        answer["code"] = code
    return f"{redirect}?{urlencode(answer)}"
