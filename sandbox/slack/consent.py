"""The stand-in's consent screen (`https://slack.com/oauth/v2/authorize`): the installer picks
where to install the app (a workspace, or org-wide an Enterprise Grid org) and approves; Slack
then redirects to the app's redirect URL with `code` and `state` (denied: `error=access_denied`
and `state`). Docs: https://docs.slack.dev/authentication/installing-with-oauth. The page itself
is this stand-in's (an assumption, `installs.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import urlencode

from sandbox.slack.installs import Installs, OAuthError

AUTHORIZE_PATH = "/oauth/v2/authorize"
APPROVE_PATH = "/oauth/v2/authorize/approve"


def consent_html(
    installs: Installs, query: dict[str, str], people: Sequence[tuple[str, str]] = ()
) -> str:
    """The page: who is signed in (`people`: (user id, name); Slack knows it, this stand-in
    asks), the scopes asked for, one *Allow* button per workspace and per org the app can be
    installed into, and *Cancel*. A form that GETs APPROVE_PATH with the query kept."""
    if query.get("client_id") != installs.client_id:
        raise OAuthError("invalid_client_id")
    names = ("client_id", "scope", "state", "redirect_uri")
    kept = "".join(
        f'<input type="hidden" name="{k}" value="{escape(query[k])}">' for k in names if k in query
    )
    places = [(t.team_id, t.name) for t in installs.teams.values()]
    places += [(o.enterprise_id, f"{o.name} (whole organisation)") for o in installs.orgs.values()]
    allow = "".join(
        f'<li><button type="submit" name="where" value="{escape(key)}">'
        f"Allow in {escape(name)}</button></li>"
        for key, name in places
    )
    who = "".join(f'<option value="{escape(u)}">{escape(n)}</option>' for u, n in people)
    signed_in = (
        f'<p><label>Signed in to Slack as <select name="user">{who}</select></label></p>'
        if who
        else ""
    )
    scopes = escape(query.get("scope", ""))
    return (
        f"<html><head><title>Install the app</title><style>{_STYLE}</style></head><body>"
        f'<form method="get" action="{APPROVE_PATH}">{kept}<h1>Install the app</h1>'
        f"{signed_in}<p>It asks for: <code>{scopes}</code></p><ul>{allow}</ul>"
        '<p><button type="submit" name="deny" value="1" class="deny">Cancel</button></p>'
        "</form></body></html>"
    )


_STYLE = (
    "body{font:15px system-ui,sans-serif;margin:32px;color:#1d1c1d}"
    "ul{list-style:none;padding:0}li{margin:8px 0}"
    "button{font:inherit;padding:8px 16px;border-radius:6px;border:1px solid #bbb;"
    "background:#fff;cursor:pointer}button[name=where]{background:#007a5a;color:#fff;"
    "border-color:#007a5a;font-weight:700}code{word-break:break-all}"
)


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
