"""Many workspaces (issue 15): the app is installed by Slack's OAuth flow (Bolt's own machinery)
against the Slack stand-in — `/slack/install`, the consent screen, `/slack/oauth_redirect` with
its `state` checked, the code exchanged with `oauth.v2.access` — and then serves each
workspace, or each workspace of an org-wide Grid install, with that installation's own token.
Uninstalling one workspace removes its tokens and leaves the others working."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from sqlmodel import select

from sandbox.slack.installs import Grant
from sandbox.stack import start_stack
from storage import slack_installs as store
from storage.accounts import TokenCipher
from storage.models import utcnow
from storage.slack_installs import SlackInstall
from tests.conftest import database_params
from tests.e2e.rig import Rig, start_rig_on, stop_rig

HOME = "T0NORTHWD"  # the demo stack's own workspace (sandbox/demo.py)
BRAVO = "T0BRAVO"
ORG, EAST, WEST = "E0GRID", "T0GRIDE", "T0GRIDW"
KEY = TokenCipher.new_key()


async def start_many(db_kind: str, tmp_path: Path) -> Rig:
    stack = await start_stack()
    installs = stack.slack.installs
    assert stack.slack.team_id == HOME
    installs.add_team(BRAVO, "Bravo Builders")
    installs.add_org(ORG, "Grid Group")
    installs.add_team(EAST, "Grid East", enterprise_id=ORG)
    installs.add_team(WEST, "Grid West", enterprise_id=ORG)
    rig = await start_rig_on(
        stack,
        db_kind,
        tmp_path,
        slack_client_id=installs.client_id,
        slack_client_secret=installs.client_secret,
        token_encryption_key=KEY,
    )
    installs.redirect_urls = [f"{rig.server.url}/slack/oauth_redirect"]
    return rig


@pytest.fixture(params=database_params())
async def many(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    rig = await start_many(request.param, tmp_path)
    try:
        yield rig
    finally:
        await stop_rig(rig)


@pytest.fixture
async def many_sqlite(tmp_path: Path) -> AsyncIterator[Rig]:
    rig = await start_many("sqlite", tmp_path)
    try:
        yield rig
    finally:
        await stop_rig(rig)


def _link(page: str, pattern: str) -> str:
    found = re.search(rf'href="([^"]*{pattern}[^"]*)"', page)
    assert found is not None, page
    return html.unescape(found.group(1))


def approve_url(consent: str, where: str, user: str) -> str:
    """The consent form sent with *Allow in* `where`, signed in as `user`."""
    assert f'name="where" value="{where}"' in consent and f'value="{user}"' in consent, consent
    kept = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', consent)
    action = re.search(r'<form method="get" action="([^"]+)"', consent)
    assert action is not None, consent
    query = {k: html.unescape(v) for k, v in kept} | {"where": where, "user": user}
    return f"{action.group(1)}?{urlencode(query)}"


async def start_install(rig: Rig) -> tuple[str, str]:
    """A browser opens /slack/install: (the consent screen's URL, Bolt's state cookie)."""
    page = await rig.http.get(f"{rig.server.url}/slack/install")
    assert page.status_code == 200, page.text
    cookie = page.headers["set-cookie"].split(";")[0]
    return _link(page.text, "oauth/v2/authorize"), cookie


async def install(rig: Rig, where: str, user: str = "U0ANA") -> httpx.Response:
    """The installer approves on Slack's consent screen for `where` (a team or an org)."""
    authorize, cookie = await start_install(rig)
    consent = await rig.http.get(authorize)
    assert consent.status_code == 200, consent.text
    back = await rig.http.get(f"{rig.stack.slack.base_url}{approve_url(consent.text, where, user)}")
    assert back.status_code == 302, back.text
    return await rig.http.get(back.headers["location"], headers={"Cookie": cookie})


def bearer_of(rig: Rig, method: str) -> list[str]:
    """The tokens the app called `method` with, in order."""
    return [
        r.headers.get("Authorization", "").removeprefix("Bearer ")
        for r in rig.stack.slack.recorder.requests
        if r.path == f"/api/{method}"
    ]


def grant(rig: Rig, team: str) -> Grant:
    found = rig.stack.slack.installs.grant_of(team)
    assert found is not None
    return found


async def home_published_with(rig: Rig, team: str, user: str = "U0ANA") -> str:
    """Someone of `team` opens the app's Home; the token its views.publish carried."""
    before = len(bearer_of(rig, "views.publish"))
    delivery = await rig.sender.as_team(team).open_home(user)
    assert delivery.status == 200, delivery.body
    await rig.until(lambda: len(bearer_of(rig, "views.publish")) > before)
    return bearer_of(rig, "views.publish")[-1]


async def test_two_workspaces_install_and_each_is_served_with_its_own_token(many: Rig) -> None:
    rig = many
    for team in (HOME, BRAVO):
        done = await install(rig, team)
        assert done.status_code == 200, done.text
    exchanges = bearer_of(rig, "oauth.v2.access")  # client credentials, no token
    assert len(exchanges) == 2 and all(e.startswith("Basic ") for e in exchanges)
    async with rig.runtime.db.session() as s:
        rows = {row.key: row for row in (await s.exec(select(SlackInstall))).all()}
    assert set(rows) == {HOME, BRAVO}
    bravo_token = grant(rig, BRAVO).token
    assert bravo_token not in rows[BRAVO].bot_token  # encrypted at rest
    assert TokenCipher(KEY).decrypt(rows[BRAVO].bot_token) == bravo_token
    assert rows[BRAVO].installer_user_id == "U0ANA"

    assert await home_published_with(rig, BRAVO) == bravo_token
    assert await home_published_with(rig, HOME) == grant(rig, HOME).token


async def test_a_forged_or_expired_state_installs_nothing(many_sqlite: Rig) -> None:
    rig = many_sqlite
    _, cookie = await start_install(rig)
    code = rig.stack.slack.installs.approve(BRAVO, "U0ANA", "commands", None)
    forged = await rig.http.get(
        f"{rig.server.url}/slack/oauth_redirect",
        params={"code": code, "state": "forged"},
        headers={"Cookie": "slack-app-oauth-state=forged"},
    )
    async with rig.runtime.db.transaction() as s:
        await store.new_oauth_state(
            session=s, state="stale", expires_at=utcnow() - timedelta(seconds=1)
        )
    stale = await rig.http.get(
        f"{rig.server.url}/slack/oauth_redirect",
        params={"code": code, "state": "stale"},
        headers={"Cookie": "slack-app-oauth-state=stale"},
    )
    # Bolt's failure page for a state its store does not hold (or no longer: expired)
    assert forged.status_code == 401 and stale.status_code == 401
    assert cookie.startswith("slack-app-oauth-state=")
    assert bearer_of(rig, "oauth.v2.access") == []  # the code was never exchanged
    async with rig.runtime.db.session() as s:
        assert (await s.exec(select(SlackInstall))).all() == []


async def test_an_org_wide_install_serves_two_workspaces_of_the_org(many_sqlite: Rig) -> None:
    rig = many_sqlite
    done = await install(rig, ORG)
    assert done.status_code == 200, done.text
    org_token = grant(rig, EAST).token
    assert grant(rig, WEST).token == org_token and grant(rig, EAST).is_enterprise_install
    async with rig.runtime.db.session() as s:
        assert [row.key for row in (await s.exec(select(SlackInstall))).all()] == [ORG]
    assert await home_published_with(rig, EAST) == org_token
    assert await home_published_with(rig, WEST) == org_token


async def test_an_expiring_token_is_rotated_before_use(many_sqlite: Rig) -> None:
    rig = many_sqlite
    installs = rig.stack.slack.installs
    installs.token_rotation, installs.token_seconds = True, 3600  # within the 120 min margin
    done = await install(rig, BRAVO)
    assert done.status_code == 200, done.text
    first = grant(rig, BRAVO).token
    used = await home_published_with(rig, BRAVO)
    refreshes = [
        r
        for r in rig.stack.slack.recorder.requests
        if r.path == "/api/oauth.v2.access" and b"refresh_token" in r.body
    ]
    assert refreshes, "the token was not refreshed"
    assert used == grant(rig, BRAVO).token != first
    async with rig.runtime.db.session() as s:
        row = (await s.exec(select(SlackInstall))).one()
    assert TokenCipher(KEY).decrypt(row.bot_token) == used
    assert row.bot_refresh_token is not None
    assert TokenCipher(KEY).decrypt(row.bot_refresh_token) == grant(rig, BRAVO).refresh_token


async def test_uninstalling_one_workspace_removes_its_tokens_and_not_the_others(
    many_sqlite: Rig,
) -> None:
    rig = many_sqlite
    for team in (HOME, BRAVO):
        assert (await install(rig, team)).status_code == 200
    bravo_token = grant(rig, BRAVO).token
    deliveries = await rig.sender.as_team(BRAVO).uninstall_app()
    assert [d.status for d in deliveries] == [200, 200]
    await rig.settle()
    async with rig.runtime.db.session() as s:
        keys = [row.key for row in (await s.exec(select(SlackInstall))).all()]
    assert keys == [HOME]
    assert await home_published_with(rig, HOME) == grant(rig, HOME).token
    calls = len(rig.stack.slack.recorder.requests)
    await rig.sender.as_team(BRAVO).open_home("U0ANA")
    await rig.settle()
    assert all(
        r.headers.get("Authorization") != f"Bearer {bravo_token}"
        for r in rig.stack.slack.recorder.requests[calls:]
    )
    assert bearer_of(rig, "views.publish").count(bravo_token) == 0
