"""Linking a Slack user's Procore account: the account flows and the OAuth callback route, against
the Procore stand-in on loopback and a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from aiohttp import web
from sqlalchemy import text

from bot.oauth_routes import CALLBACK_PATH, add_oauth_routes
from flows.accounts import (
    STATE_REFUSED,
    Connected,
    ConnectRefused,
    ProcoreAccounts,
    ReconnectNeeded,
    SlackPerson,
    disconnect,
    finish_connect,
    linked_permissions,
    start_connect,
    user_tokens,
)
from procore.manifest import ManifestReader, TokenRefused
from procore.oauth import GrantRefused, ProcoreOAuth
from procore.permissions import DEFAULT_KEYS, evaluate
from sandbox.faults import FaultRule
from sandbox.procore.app import ProcoreSandbox
from sandbox.procore.world import CompanyUser
from sandbox.runner import RunningServer, serve
from storage import accounts
from storage.accounts import TokenCipher
from storage.db import Database
from tests.adapters.conftest import PROCORE_CLIENT_ID, PROCORE_CLIENT_SECRET, PROCORE_COMPANY_ID
from tests.adapters.test_procore_oauth import Seeded, seed

TEAM, ANA = "T1", "U_ANA"
#: the Slack workspace's people (users.info): Ana's Slack email is her Procore email
SLACK_PEOPLE = {ANA: SlackPerson("Ana Silva", "ANA@acme.com")}


async def _slack_person(user_id: str) -> SlackPerson | None:
    return SLACK_PEOPLE.get(user_id)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture
def seeded(procore_server: ProcoreSandbox) -> Seeded:
    return seed(procore_server.world)


def _oauth(sandbox: ProcoreSandbox, http: httpx.AsyncClient, redirect_uri: str) -> ProcoreOAuth:
    return ProcoreOAuth(
        login_url=sandbox.url,
        client_id=PROCORE_CLIENT_ID,
        client_secret=PROCORE_CLIENT_SECRET,
        redirect_uri=redirect_uri,
        http=http,
    )


@pytest.fixture
async def app_server(
    db: Database, procore_server: ProcoreSandbox, http: httpx.AsyncClient
) -> AsyncIterator[tuple[ProcoreAccounts, RunningServer]]:
    """The accounts flows, with the callback route served on loopback as Procore's redirect."""
    reader = ManifestReader(api_url=procore_server.url, company_id=PROCORE_COMPANY_ID, http=http)
    cipher = TokenCipher(TokenCipher.new_key())
    oauth = _oauth(procore_server, http, "http://unset")
    acc = ProcoreAccounts(db, oauth, reader, cipher, _slack_person)
    app = web.Application()
    add_oauth_routes(app, acc)
    server = await serve(app)
    acc.oauth = _oauth(procore_server, http, server.url + CALLBACK_PATH)
    try:
        yield acc, server
    finally:
        await server.stop()


@pytest.fixture
def acc(app_server: tuple[ProcoreAccounts, RunningServer]) -> ProcoreAccounts:
    return app_server[0]


async def _sign_in(
    http: httpx.AsyncClient, sandbox: ProcoreSandbox, url: str, user: CompanyUser
) -> httpx.Response:
    """What the user's browser does: open the link, pick themself, approve, land on our page."""
    link = httpx.URL(url)
    page = await http.get(link)
    assert page.status_code == 200 and user.name in page.text
    form = {
        "client_id": link.params["client_id"],
        "redirect_uri": link.params["redirect_uri"],
        "state": link.params["state"],
        "user_id": str(user.id),
        "decision": "approve",
    }
    return await http.post(sandbox.url + "/oauth/authorize", data=form, follow_redirects=True)


async def _connect(acc: ProcoreAccounts, sandbox: ProcoreSandbox, user: CompanyUser) -> None:
    url = await start_connect(acc, TEAM, ANA)
    state = httpx.URL(url).params["state"]
    code = sandbox.world.authorize(
        PROCORE_CLIENT_ID, str(httpx.URL(url).params["redirect_uri"]), user.id
    )
    assert isinstance(await finish_connect(acc, state, code), Connected)


def _user_tokens_at_procore(sandbox: ProcoreSandbox, user: CompanyUser) -> list[str]:
    return [t.access_token for t in sandbox.world.tokens.values() if t.user_id == user.id]


# -- connecting ------------------------------------------------------------------------------------


async def test_connecting_in_the_browser_stores_the_tokens_encrypted(
    acc: ProcoreAccounts, procore_server: ProcoreSandbox, http: httpx.AsyncClient, seeded: Seeded
) -> None:
    url = await start_connect(acc, TEAM, ANA)

    landed = await _sign_in(http, procore_server, url, seeded.ana)

    assert landed.status_code == 200
    assert "Connected as Ana Silva (Slack user Ana Silva) — you can close this tab." in landed.text
    assert landed.headers["Cache-Control"] == "no-store"
    [access] = _user_tokens_at_procore(procore_server, seeded.ana)
    [refresh] = procore_server.world.grants.refresh_tokens
    async with acc.db.engine.connect() as conn:
        raw = (await conn.execute(text("SELECT * FROM procore_account"))).mappings().one()
    async with acc.db.session() as s:
        stored = await accounts.load(session=s, cipher=acc.cipher, team_id=TEAM, slack_user_id=ANA)
    assert raw["procore_user_id"] == seeded.ana.id and raw["slack_user_id"] == ANA
    row_text = " ".join(str(v) for v in raw.values())
    assert access not in row_text and refresh not in row_text
    assert stored is not None
    assert (stored.access_token, stored.refresh_token) == (access, refresh)


async def test_a_forged_replayed_or_expired_state_is_refused(
    acc: ProcoreAccounts, procore_server: ProcoreSandbox, http: httpx.AsyncClient, seeded: Seeded
) -> None:
    world = procore_server.world
    redirect = str(httpx.URL(await start_connect(acc, TEAM, "U_OTHER")).params["redirect_uri"])
    url = await start_connect(acc, TEAM, ANA)
    await _sign_in(http, procore_server, url, seeded.ana)
    state = httpx.URL(url).params["state"]

    forged = await finish_connect(
        acc, "made-up-state", world.authorize(PROCORE_CLIENT_ID, redirect, seeded.ana.id)
    )
    replayed = await finish_connect(
        acc, state, world.authorize(PROCORE_CLIENT_ID, redirect, seeded.ana.id)
    )
    replayed_page = await http.get(redirect, params={"state": state, "code": "x"})
    acc.state_ttl = timedelta(0)
    stale = httpx.URL(await start_connect(acc, TEAM, "U_LATE")).params["state"]
    expired = await finish_connect(
        acc, stale, world.authorize(PROCORE_CLIENT_ID, redirect, seeded.ana.id)
    )

    assert forged == replayed == expired == ConnectRefused(STATE_REFUSED)
    assert replayed_page.status_code == 400 and "not valid any more" in replayed_page.text
    async with acc.db.engine.connect() as conn:
        linked = (await conn.execute(text("SELECT slack_user_id FROM procore_account"))).all()
    assert [row[0] for row in linked] == [ANA]
    assert procore_server.world.grants.codes, "refused states must not spend Procore codes"


async def test_declining_in_procore_spends_the_state(
    acc: ProcoreAccounts, procore_server: ProcoreSandbox, http: httpx.AsyncClient, seeded: Seeded
) -> None:
    link = httpx.URL(await start_connect(acc, TEAM, ANA))
    form = {k: link.params[k] for k in ("client_id", "redirect_uri", "state")}

    declined = await http.post(
        procore_server.url + "/oauth/authorize",
        data=form | {"decision": "deny"},
        follow_redirects=True,
    )
    code = procore_server.world.authorize(PROCORE_CLIENT_ID, form["redirect_uri"], seeded.ana.id)
    later = await finish_connect(acc, form["state"], code)

    assert declined.status_code == 400 and "did not authorize" in declined.text
    assert later == ConnectRefused(STATE_REFUSED)


async def test_a_user_outside_the_company_is_refused_and_their_tokens_revoked(
    acc: ProcoreAccounts, procore_server: ProcoreSandbox, seeded: Seeded
) -> None:
    world = procore_server.world
    stranger = world.add_user(world.add_company("Other Co").id, "Sam Stranger", "sam@other.com")
    link = httpx.URL(await start_connect(acc, TEAM, ANA))
    code = world.authorize(PROCORE_CLIENT_ID, str(link.params["redirect_uri"]), stranger.id)

    outcome = await finish_connect(acc, str(link.params["state"]), code)

    assert isinstance(outcome, ConnectRefused) and "not a user of the company" in outcome.reason
    assert _user_tokens_at_procore(procore_server, stranger) == []
    assert await user_tokens(acc, TEAM, ANA) is None


# -- refreshing ------------------------------------------------------------------------------------


async def test_a_refresh_is_persisted_and_the_old_refresh_token_is_dead(
    acc: ProcoreAccounts, procore_server: ProcoreSandbox, seeded: Seeded
) -> None:
    world = procore_server.world
    world.token_lifetime = 1  # inside the refresh margin from the start
    await _connect(acc, procore_server, seeded.ana)
    async with acc.db.session() as s:
        before = await accounts.load(session=s, cipher=acc.cipher, team_id=TEAM, slack_user_id=ANA)
    world.token_lifetime = 5400

    token = await user_tokens(acc, TEAM, ANA)
    again = await user_tokens(acc, TEAM, ANA)

    async with acc.db.session() as s:
        after = await accounts.load(session=s, cipher=acc.cipher, team_id=TEAM, slack_user_id=ANA)
    assert before is not None and after is not None
    assert token == again == after.access_token != before.access_token
    assert after.refresh_token in world.grants.refresh_tokens
    assert world.grants.refreshes == 1
    with pytest.raises(GrantRefused):
        await acc.oauth.refresh(before.refresh_token)
    assert (await acc.reader.me(after.access_token)).id == seeded.ana.id


async def test_concurrent_refreshes_make_one_procore_call_and_all_get_a_live_token(
    acc: ProcoreAccounts, procore_server: ProcoreSandbox, seeded: Seeded
) -> None:
    world = procore_server.world
    world.token_lifetime = 1
    await _connect(acc, procore_server, seeded.ana)
    world.token_lifetime = 5400
    procore_server.faults.add(FaultRule(path="^/oauth/token$", delay=0.3))

    tokens = await asyncio.gather(*(user_tokens(acc, TEAM, ANA) for _ in range(5)))

    assert world.grants.refreshes == 1
    assert len(set(tokens)) == 1 and tokens[0] is not None
    assert (await acc.reader.me(tokens[0])).id == seeded.ana.id


async def test_a_refused_refresh_token_removes_the_link(
    acc: ProcoreAccounts, procore_server: ProcoreSandbox, seeded: Seeded
) -> None:
    world = procore_server.world
    world.token_lifetime = 1
    await _connect(acc, procore_server, seeded.ana)
    [refresh] = world.grants.refresh_tokens
    world.grants.revoke(PROCORE_CLIENT_ID, refresh)  # e.g. the user removed the app in Procore

    with pytest.raises(ReconnectNeeded):
        await user_tokens(acc, TEAM, ANA)

    assert await user_tokens(acc, TEAM, ANA) is None


# -- disconnecting ---------------------------------------------------------------------------------


async def test_disconnect_revokes_at_procore_and_forgets_the_tokens(
    acc: ProcoreAccounts, procore_server: ProcoreSandbox, seeded: Seeded
) -> None:
    await _connect(acc, procore_server, seeded.ana)
    async with acc.db.session() as s:
        stored = await accounts.load(session=s, cipher=acc.cipher, team_id=TEAM, slack_user_id=ANA)
    assert stored is not None

    gone = await disconnect(acc, TEAM, ANA)
    again = await disconnect(acc, TEAM, ANA)

    assert (gone.was_connected, gone.revoked) == (True, True)
    assert again.was_connected is False
    assert {stored.access_token, stored.refresh_token} <= set(procore_server.world.grants.revoked)
    with pytest.raises(TokenRefused):
        await acc.reader.me(stored.access_token)
    with pytest.raises(GrantRefused):
        await acc.oauth.refresh(stored.refresh_token)
    async with acc.db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT COUNT(*) FROM procore_account"))).scalar_one()
    assert rows == 0


# -- rights ----------------------------------------------------------------------------------------


async def test_a_linked_users_rights_come_from_their_manifest(
    acc: ProcoreAccounts, procore_server: ProcoreSandbox, seeded: Seeded
) -> None:
    world = procore_server.world
    world.set_manifest_level(seeded.ana.id, seeded.project.id, "commitments", 3)
    await _connect(acc, procore_server, seeded.ana)

    snapshot = await linked_permissions(acc, TEAM, ANA, seeded.project.id)
    nobody = await linked_permissions(acc, TEAM, "U_NOT_LINKED", seeded.project.id)

    assert world.project_template(seeded.project.id, seeded.ana.id).user_access_levels == {
        "commitments": 4
    }
    assert snapshot is not None and nobody is None
    assert (snapshot.source, snapshot.commitments_level) == ("linked", 3)
    missing = [c for c in evaluate(snapshot, DEFAULT_KEYS, "Tower A") if not c.ok]
    assert [(c.name, c.actual) for c in missing] == [("Commitments", "Standard")]


async def test_tokens_this_key_cannot_decrypt_are_kept_not_deleted(
    acc: ProcoreAccounts, procore_server: ProcoreSandbox, seeded: Seeded
) -> None:
    """A replica with another TOKEN_ENCRYPTION_KEY asks for a reconnect but deletes nothing:
    the replica with the right key still reads the link."""
    await _connect(acc, procore_server, seeded.ana)
    right_key = acc.cipher
    acc.cipher = TokenCipher(TokenCipher.new_key())

    with pytest.raises(ReconnectNeeded):
        await user_tokens(acc, TEAM, ANA)

    acc.cipher = right_key
    assert await user_tokens(acc, TEAM, ANA) is not None
