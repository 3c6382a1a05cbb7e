"""ProcoreOAuth and ManifestReader against the Procore stand-in (login host and API) on loopback."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from procore.client import ProcoreClient
from procore.errors import ProcoreAuthError, ProcoreForbidden
from procore.manifest import ManifestReader, TokenRefused
from procore.oauth import GrantRefused, ProcoreOAuth
from procore.permissions import DEFAULT_KEYS, evaluate
from sandbox.procore.app import ProcoreSandbox
from sandbox.procore.world import CompanyUser, ProcoreWorld, Project
from tests.adapters.conftest import (
    PROCORE_CLIENT_ID,
    PROCORE_CLIENT_SECRET,
    PROCORE_COMPANY_ID,
)

REDIRECT_URI = "https://cco-bot.example.com/procore/oauth/callback"


@dataclass
class Seeded:
    project: Project
    ana: CompanyUser


def seed(world: ProcoreWorld) -> Seeded:
    """Ana: Admin on Commitments (project template), Standard on ERP Integrations (company
    template), Can Push to Accounting on."""
    project = world.add_project(PROCORE_COMPANY_ID, "Tower A", is_erp_integrated=True)
    project_admin = world.add_template(PROCORE_COMPANY_ID, "PM", levels={"commitments": 4})
    company = world.add_template(
        PROCORE_COMPANY_ID, "Accounting", type="company_tools", levels={"erp_integrations": 3}
    )
    ana = world.add_user(
        PROCORE_COMPANY_ID,
        "Ana Silva",
        "ana@acme.com",
        can_push=True,
        company_template_id=company.id,
    )
    world.add_membership(project.id, ana.id, project_admin.id)
    return Seeded(project, ana)


@pytest.fixture
def seeded(procore_world: ProcoreWorld) -> Seeded:
    return seed(procore_world)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=2.0) as client:
        yield client


@pytest.fixture
def oauth(procore_server: ProcoreSandbox, http: httpx.AsyncClient) -> ProcoreOAuth:
    return ProcoreOAuth(
        login_url=procore_server.url + "/",
        client_id=PROCORE_CLIENT_ID,
        client_secret=PROCORE_CLIENT_SECRET,
        redirect_uri=REDIRECT_URI,
        http=http,
    )


@pytest.fixture
def reader(procore_server: ProcoreSandbox, http: httpx.AsyncClient) -> ManifestReader:
    return ManifestReader(api_url=procore_server.url, company_id=PROCORE_COMPANY_ID, http=http)


def _code(sandbox: ProcoreSandbox, user: CompanyUser, redirect_uri: str = REDIRECT_URI) -> str:
    return sandbox.world.authorize(PROCORE_CLIENT_ID, redirect_uri, user.id)


# -- the authorization-code grant ------------------------------------------------------------------


async def test_login_page_sends_the_browser_back_with_a_code_and_the_state(
    procore_server: ProcoreSandbox,
    oauth: ProcoreOAuth,
    reader: ManifestReader,
    http: httpx.AsyncClient,
    seeded: Seeded,
) -> None:
    page = await http.get(oauth.authorize_url("state-123"))
    form = {
        "client_id": PROCORE_CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "state": "state-123",
        "user_id": str(seeded.ana.id),
        "decision": "approve",
    }
    approved = await http.post(procore_server.url + "/oauth/authorize", data=form)

    assert page.status_code == 200 and "Ana Silva" in page.text
    assert approved.status_code == 302
    back = httpx.URL(approved.headers["Location"])
    assert str(back.copy_with(query=None)) == REDIRECT_URI
    assert back.params["state"] == "state-123"
    tokens = await oauth.exchange(back.params["code"])
    assert (await reader.me(tokens.access_token)).id == seeded.ana.id


async def test_denying_on_the_login_page_sends_access_denied(
    procore_server: ProcoreSandbox, http: httpx.AsyncClient, seeded: Seeded
) -> None:
    form = {"client_id": PROCORE_CLIENT_ID, "redirect_uri": REDIRECT_URI, "state": "s1"}

    denied = await http.post(
        procore_server.url + "/oauth/authorize", data=form | {"decision": "deny"}
    )

    back = httpx.URL(denied.headers["Location"])
    assert denied.status_code == 302
    assert (back.params["error"], back.params["state"]) == ("access_denied", "s1")
    assert "code" not in back.params


async def test_a_code_works_once_for_its_redirect_uri_and_for_ten_minutes(
    procore_server: ProcoreSandbox, oauth: ProcoreOAuth, seeded: Seeded
) -> None:
    world = procore_server.world
    code = _code(procore_server, seeded.ana)
    elsewhere = _code(procore_server, seeded.ana, "https://evil.example.com/cb")
    stale = _code(procore_server, seeded.ana)

    tokens = await oauth.exchange(code)
    with pytest.raises(GrantRefused):
        await oauth.exchange(code)
    with pytest.raises(GrantRefused):
        await oauth.exchange(elsewhere)
    world.clock = lambda: time.time() + 601
    with pytest.raises(GrantRefused):
        await oauth.exchange(stale)

    assert tokens.access_token and tokens.refresh_token
    assert tokens.expires_at.timestamp() == pytest.approx(time.time() + 5400, abs=5)


async def test_refresh_gives_a_new_pair_and_the_old_refresh_token_dies(
    procore_server: ProcoreSandbox, oauth: ProcoreOAuth, reader: ManifestReader, seeded: Seeded
) -> None:
    first = await oauth.exchange(_code(procore_server, seeded.ana))

    second = await oauth.refresh(first.refresh_token)
    with pytest.raises(GrantRefused):
        await oauth.refresh(first.refresh_token)

    assert second.access_token != first.access_token
    assert second.refresh_token != first.refresh_token
    assert (await reader.me(second.access_token)).id == seeded.ana.id
    assert (await oauth.refresh(second.refresh_token)).access_token
    replayed = [
        r
        for r in procore_server.recorder.matching("POST", "^/oauth/token$")
        if b"refresh" in r.body
    ]
    assert len(replayed) == 3


async def test_revoke_kills_the_access_token_and_its_refresh_token(
    procore_server: ProcoreSandbox, oauth: ProcoreOAuth, reader: ManifestReader, seeded: Seeded
) -> None:
    tokens = await oauth.exchange(_code(procore_server, seeded.ana))

    await oauth.revoke(tokens.access_token)
    await oauth.revoke("never-issued")

    with pytest.raises(TokenRefused):
        await reader.me(tokens.access_token)
    with pytest.raises(GrantRefused):
        await oauth.refresh(tokens.refresh_token)
    sent = procore_server.recorder.matching("POST", "^/oauth/revoke$")
    assert [r.body.count(PROCORE_CLIENT_ID.encode()) for r in sent] == [1, 1]


async def test_a_wrong_client_secret_is_the_apps_fault_not_the_users(
    procore_server: ProcoreSandbox, http: httpx.AsyncClient, seeded: Seeded
) -> None:
    wrong = ProcoreOAuth(
        login_url=procore_server.url,
        client_id=PROCORE_CLIENT_ID,
        client_secret="wrong",
        redirect_uri=REDIRECT_URI,
        http=http,
    )

    with pytest.raises(ProcoreAuthError) as refused:
        await wrong.exchange(_code(procore_server, seeded.ana))

    assert not isinstance(refused.value, GrantRefused)


# -- the manifest ----------------------------------------------------------------------------------


async def test_a_linked_users_rights_come_from_their_manifest_not_the_template(
    procore_server: ProcoreSandbox,
    oauth: ProcoreOAuth,
    reader: ManifestReader,
    http: httpx.AsyncClient,
    seeded: Seeded,
) -> None:
    world = procore_server.world
    world.set_manifest_level(seeded.ana.id, seeded.project.id, "commitments", 3)
    tokens = await oauth.exchange(_code(procore_server, seeded.ana))
    app = ProcoreClient(
        api_url=procore_server.url,
        login_url=procore_server.url,
        client_id=PROCORE_CLIENT_ID,
        client_secret=PROCORE_CLIENT_SECRET,
        company_id=PROCORE_COMPANY_ID,
        http=http,
    )
    directory_user = await app.find_company_user("ana@acme.com")
    assert directory_user is not None
    procore_server.recorder.clear()

    linked = await reader.read_permissions_as_user(tokens.access_token, seeded.project.id)
    by_template = await app.read_permissions(directory_user, seeded.project.id)

    assert by_template.commitments_level == 4
    assert (linked.commitments_level, linked.erp_integrations_level) == (3, 3)
    assert linked.source == "linked" and linked.can_push_to_accounting
    assert linked.user.id == seeded.ana.id
    commitments = evaluate(linked, DEFAULT_KEYS, "Tower A")[0]
    assert not commitments.ok and commitments.actual == "Standard"
    as_user = [
        r
        for r in procore_server.recorder.requests
        if r.headers.get("Authorization") == f"Bearer {tokens.access_token}"
    ]
    assert sorted((r.path, tuple(sorted(r.query))) for r in as_user) == [
        ("/rest/v1.0/settings/permissions", ("company_id",)),
        ("/rest/v1.0/settings/permissions", ("project_id",)),
        (f"/rest/v1.1/companies/{PROCORE_COMPANY_ID}/me", ()),
    ]


async def test_manifest_tools_are_found_by_friendly_name_when_names_differ(
    procore_server: ProcoreSandbox, oauth: ProcoreOAuth, reader: ManifestReader, seeded: Seeded
) -> None:
    world = procore_server.world
    world.manifest_names.update({"commitments": "contracts", "erp_integrations": "erp"})
    world.set_manifest_level(seeded.ana.id, None, "erp_integrations", 2)
    tokens = await oauth.exchange(_code(procore_server, seeded.ana))

    snapshot = await reader.read_permissions_as_user(tokens.access_token, seeded.project.id)

    assert (snapshot.commitments_level, snapshot.erp_integrations_level) == (4, 2)


async def test_a_tool_missing_from_the_manifest_counts_as_none(
    procore_server: ProcoreSandbox, oauth: ProcoreOAuth, reader: ManifestReader, seeded: Seeded
) -> None:
    other = procore_server.world.add_project(PROCORE_COMPANY_ID, "Tower B")
    procore_server.world.set_can_push(seeded.ana.id, False)
    tokens = await oauth.exchange(_code(procore_server, seeded.ana))

    snapshot = await reader.read_permissions_as_user(tokens.access_token, other.id)

    assert snapshot.commitments_level == 0 and not snapshot.can_push_to_accounting


async def test_a_user_of_another_company_is_forbidden(
    procore_server: ProcoreSandbox, oauth: ProcoreOAuth, reader: ManifestReader
) -> None:
    world = procore_server.world
    other = world.add_company("Other Co")
    stranger = world.add_user(other.id, "Sam Stranger", "sam@other.com")
    tokens = await oauth.exchange(_code(procore_server, stranger))

    with pytest.raises(ProcoreForbidden):
        await reader.me(tokens.access_token)
