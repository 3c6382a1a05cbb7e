"""The Acumatica sandbox speaks the contract-based REST API the way the adapter and the playground
expect: sessions, query options, value wrappers, the reverse action and the control routes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from sandbox.erps.acumatica.app import make_sandbox
from sandbox.erps.acumatica.world import AcumaticaWorld, ChangeOrderError, CommitmentLine
from sandbox.runner import serve

ENTITY = "/AcumaticaERP/entity/Default/24.200.001/ChangeOrder"


@pytest.fixture
async def world() -> AcumaticaWorld:
    world = AcumaticaWorld()
    world.add_user("admin", "123", company="Company")
    world.add_oauth_client("app", "secret")
    world.add_change_order("CO000101", project_id="TOWER-A", status="Open")
    world.add_change_order(
        "CO000102",
        project_id="TOWER-B",
        status="Closed",
        commitments=[CommitmentLine("SC000007", "STEELWORKS", 480.0)],
    )
    world.add_change_order("CO000103", project_id="TOWER-A", status="On Hold")
    return world


@pytest.fixture
async def client(world: AcumaticaWorld) -> AsyncIterator[httpx.AsyncClient]:
    server = await serve(make_sandbox(world).app)
    async with httpx.AsyncClient(base_url=server.url) as http:
        try:
            yield http
        finally:
            await server.stop()


async def _login(client: httpx.AsyncClient) -> None:
    body = {"name": "admin", "password": "123", "company": "Company"}
    response = await client.post("/AcumaticaERP/entity/auth/login", json=body)
    assert response.status_code == 204
    assert ".ASPXAUTH" in response.cookies


def _refs(body: list[dict[str, dict[str, str]]]) -> list[str]:
    return [entry["RefNbr"]["value"] for entry in body]


async def test_without_a_session_the_endpoint_answers_401(client: httpx.AsyncClient) -> None:
    response = await client.get(ENTITY)
    assert response.status_code == 401
    assert "message" in response.json()


async def test_wrong_password_is_401_and_opens_no_session(
    client: httpx.AsyncClient, world: AcumaticaWorld
) -> None:
    body = {"name": "admin", "password": "wrong"}
    response = await client.post("/AcumaticaERP/entity/auth/login", json=body)
    assert response.status_code == 401 and response.json()["message"]
    assert world.active_sessions == 0


async def test_login_and_logout_track_sessions(
    client: httpx.AsyncClient, world: AcumaticaWorld
) -> None:
    await _login(client)
    assert world.active_sessions == 1
    assert (await client.post("/AcumaticaERP/entity/auth/logout")).status_code == 204
    assert world.active_sessions == 0
    assert (await client.get(ENTITY)).status_code == 401


async def test_filter_select_top_skip(client: httpx.AsyncClient) -> None:
    await _login(client)
    query = {"$filter": "ProjectID eq 'tower-a' and Status ne 'Closed'", "$select": "RefNbr"}
    body = (await client.get(ENTITY, params=query)).json()
    assert _refs(body) == ["CO000101", "CO000103"]
    assert set(body[0]) == {"id", "rowNumber", "note", "RefNbr", "custom", "_links"}

    either = {"$filter": "RefNbr eq 'CO000101' or RefNbr eq 'CO000102'"}
    assert _refs((await client.get(ENTITY, params=either)).json()) == ["CO000101", "CO000102"]
    paged = {"$top": "1", "$skip": "1"}
    assert _refs((await client.get(ENTITY, params=paged)).json()) == ["CO000102"]


async def test_values_are_wrapped_and_details_need_expand(client: httpx.AsyncClient) -> None:
    await _login(client)
    plain = (await client.get(ENTITY, params={"$filter": "RefNbr eq 'CO000102'"})).json()[0]
    assert plain["Status"] == {"value": "Closed"}
    assert plain["OriginalCORefNbr"] == {}
    assert "Commitments" not in plain
    assert plain["_links"]["self"].endswith(f"/ChangeOrder/{plain['id']}")

    expanded = (await client.get(f"{ENTITY}/CO000102", params={"$expand": "Commitments"})).json()
    (line,) = expanded["Commitments"]
    assert line["Vendor"] == {"value": "STEELWORKS"} and line["Amount"] == {"value": 480.0}


async def test_bad_query_options_are_500_http_errors(client: httpx.AsyncClient) -> None:
    await _login(client)
    for params in ({"$filter": "NoSuchField eq 'x'"}, {"$select": "Nope"}, {"$top": "x"}):
        response = await client.get(ENTITY, params=params)
        assert response.status_code == 500
        assert response.json()["exceptionMessage"]


async def test_unknown_endpoint_version_is_404(client: httpx.AsyncClient) -> None:
    await _login(client)
    response = await client.get("/AcumaticaERP/entity/Default/99.999.001/ChangeOrder")
    assert response.status_code == 404


async def test_reverse_action_and_delete(client: httpx.AsyncClient, world: AcumaticaWorld) -> None:
    await _login(client)
    body = {"entity": {"RefNbr": {"value": "CO000102"}}}
    response = await client.post(f"{ENTITY}/ReverseChangeOrder", json=body)
    assert response.status_code == 204

    reversing = (await client.get(response.headers["Location"])).json()
    assert reversing["ReverseStatus"] == {"value": "Reversing"}
    assert reversing["OriginalCORefNbr"] == {"value": "CO000102"}
    original = (await client.get(f"{ENTITY}/CO000102")).json()
    assert (original["Status"], original["ReverseStatus"]) == (
        {"value": "Closed"},
        {"value": "Reversed"},
    )
    again = await client.post(f"{ENTITY}/ReverseChangeOrder", json=body)
    assert again.status_code == 400

    assert (await client.delete(f"{ENTITY}/CO000101")).status_code == 204
    assert (await client.get(f"{ENTITY}/CO000101")).status_code == 404
    assert world.find("CO000101") is None


async def test_oauth_token_then_bearer(client: httpx.AsyncClient) -> None:
    form = {
        "grant_type": "password",
        "client_id": "app",
        "client_secret": "secret",
        "username": "admin",
        "password": "123",
        "scope": "api",
    }
    token = (await client.post("/AcumaticaERP/identity/connect/token", data=form)).json()
    assert token["token_type"] == "Bearer" and token["expires_in"] > 0
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert (await client.get(ENTITY, headers=headers)).status_code == 200

    bad_client = await client.post(
        "/AcumaticaERP/identity/connect/token", data=form | {"client_secret": "x"}
    )
    assert (bad_client.status_code, bad_client.json()) == (400, {"error": "invalid_client"})
    bad_user = await client.post(
        "/AcumaticaERP/identity/connect/token", data=form | {"password": "x"}
    )
    assert bad_user.json() == {"error": "invalid_grant"}


async def test_world_changes_show_in_its_snapshot(world: AcumaticaWorld) -> None:
    added = world.add_change_order(
        description="Paint", commitments=[CommitmentLine(po_nbr="SC1", vendor="V", amount=5)]
    )
    ref = added.ref_nbr
    reversing = world.reverse(ref)
    assert reversing.original_co_ref_nbr == ref
    world.delete(ref)
    with pytest.raises(ChangeOrderError, match="does not exist"):
        world.delete(ref)
    state = world.snapshot()
    assert ref not in [co["RefNbr"] for co in state["change_orders"]]
    assert state["active_sessions"] == 0


ROOT = "/AcumaticaERP/entity/Default/24.200.001"


async def test_parent_entities_are_listed_by_key_with_value_wrappers(
    client: httpx.AsyncClient, world: AcumaticaWorld
) -> None:
    world.add_parent("Subcontract", "SC000501", vendor="DRYWALLCO")
    world.add_parent("PurchaseOrder", "PO000777", vendor="STONE", project="TOWERA")
    world.add_parent("Project", "TOWERA", description="Tower A")
    await _login(client)

    subcontracts = await client.get(
        f"{ROOT}/Subcontract",
        params={"$filter": "SubcontractNbr eq 'sc000501'", "$select": "SubcontractNbr"},
    )
    orders = await client.get(f"{ROOT}/PurchaseOrder", params={"$filter": "OrderNbr eq 'PO1'"})
    project = await client.get(f"{ROOT}/Project/TOWERA")
    missing = await client.get(f"{ROOT}/Project/NOPE")

    assert [row["SubcontractNbr"] for row in subcontracts.json()] == [{"value": "SC000501"}]
    assert "VendorID" not in subcontracts.json()[0]
    assert orders.json() == []
    assert project.json()["Description"] == {"value": "Tower A"}
    assert missing.status_code == 404
    bad = await client.get(f"{ROOT}/Project", params={"$filter": "RefNbr eq 'X'"})
    assert bad.status_code == 500  # a field the entity does not have


async def test_an_empty_company_knows_no_change_order_and_no_parent(
    client: httpx.AsyncClient, world: AcumaticaWorld
) -> None:
    world.add_parent("Project", "TOWERA")
    world.empty_company = True
    await _login(client)

    assert (await client.get(ENTITY)).json() == []
    assert (await client.get(f"{ENTITY}/CO000101")).status_code == 404
    assert (await client.get(f"{ROOT}/Project")).json() == []
    world.empty_company = False
    assert len((await client.get(f"{ROOT}/Project")).json()) == 1
