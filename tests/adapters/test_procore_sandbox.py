"""The Procore stand-in speaks Procore's wire format (raw HTTP, no client of ours)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from sandbox.procore.app import ProcoreSandbox
from tests.adapters.conftest import (
    PROCORE_CLIENT_ID,
    PROCORE_CLIENT_SECRET,
    PROCORE_COMPANY_ID,
)

FORM = {
    "grant_type": "client_credentials",
    "client_id": PROCORE_CLIENT_ID,
    "client_secret": PROCORE_CLIENT_SECRET,
}


@pytest.fixture
async def http(procore_server: ProcoreSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=procore_server.url, timeout=2.0) as client:
        yield client


async def _headers(http: httpx.AsyncClient) -> dict[str, str]:
    token = (await http.post("/oauth/token", data=FORM)).json()["access_token"]
    return {"Authorization": f"Bearer {token}", "Procore-Company-Id": str(PROCORE_COMPANY_ID)}


@pytest.mark.parametrize("encoding", ["form", "multipart", "json"])
async def test_token_endpoint_accepts_each_documented_body(
    http: httpx.AsyncClient, encoding: str
) -> None:
    if encoding == "form":
        response = await http.post("/oauth/token", data=FORM)
    elif encoding == "multipart":
        response = await http.post("/oauth/token", files={k: (None, v) for k, v in FORM.items()})
    else:
        response = await http.post("/oauth/token", json=FORM)

    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "bearer" and body["expires_in"] == 5400
    assert isinstance(body["created_at"], int) and "refresh_token" not in body


async def test_bad_client_is_invalid_client(http: httpx.AsyncClient) -> None:
    response = await http.post("/oauth/token", data=FORM | {"client_secret": "wrong"})

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_rest_needs_a_live_token_and_the_company_header(
    http: httpx.AsyncClient, procore_server: ProcoreSandbox
) -> None:
    project = procore_server.world.add_project(PROCORE_COMPANY_ID, "Tower A")
    path = f"/rest/v1.0/projects/{project.id}?company_id={PROCORE_COMPANY_ID}"
    headers = await _headers(http)

    no_token = await http.get(path, headers={"Procore-Company-Id": str(PROCORE_COMPANY_ID)})
    no_company = await http.get(path, headers={"Authorization": headers["Authorization"]})
    ok = await http.get(path, headers=headers)
    procore_server.world.expire_all_tokens()
    expired = await http.get(path, headers=headers)

    assert no_token.status_code == 401 and expired.status_code == 401
    assert no_company.status_code == 400
    assert "Missing Procore-Company-Id header!" in no_company.text
    assert ok.status_code == 200
    assert ok.json()["company"] == {"id": PROCORE_COMPANY_ID, "name": "Acme Builders"}
    for response in (no_token, no_company, ok, expired):
        for name in ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"):
            assert response.headers.get(name, "").isdigit(), (response.status_code, name)


async def test_enforced_rate_limit_answers_429_with_the_reset(
    http: httpx.AsyncClient, procore_server: ProcoreSandbox
) -> None:
    world = procore_server.world
    project = world.add_project(PROCORE_COMPANY_ID, "Tower A")
    world.rate_limit.limit, world.rate_limit.window, world.rate_limit.enforce = 2, 10.0, True
    headers = await _headers(http)
    path = f"/rest/v1.0/projects/{project.id}?company_id={PROCORE_COMPANY_ID}"

    answers = [await http.get(path, headers=headers) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["X-Rate-Limit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert answers[2].headers["X-Rate-Limit-Reset"] == answers[0].headers["X-Rate-Limit-Reset"]


async def test_packages_page_with_total_and_link_headers(
    http: httpx.AsyncClient, procore_server: ProcoreSandbox
) -> None:
    world = procore_server.world
    project = world.add_project(PROCORE_COMPANY_ID, "Tower A")
    contract = world.add_commitment(project.id, "SC-1", "Drywall")
    for n in range(5):
        world.add_package(project.id, contract.id, str(n), f"CCO {n}")
    headers = await _headers(http)
    query = {"project_id": project.id, "per_page": 2}

    first = await http.get("/rest/v1.0/change_order_packages", params=query, headers=headers)
    last = await http.get(
        "/rest/v1.0/change_order_packages", params=query | {"page": 3}, headers=headers
    )

    assert (first.headers["Total"], first.headers["Per-Page"]) == ("5", "2")
    assert set(first.links) == {"first", "next", "last"}
    assert httpx.URL(first.links["next"]["url"]).params["page"] == "2"
    assert set(last.links) == {"first", "prev", "last"}
    assert len(first.json()) == 2 and len(last.json()) == 1


async def test_sync_always_answers_200_with_entities_and_errors(
    http: httpx.AsyncClient, procore_server: ProcoreSandbox
) -> None:
    world = procore_server.world
    project = world.add_project(PROCORE_COMPANY_ID, "Tower A")
    contract = world.add_commitment(project.id, "SC-1", "Drywall")
    package = world.add_package(project.id, contract.id, "1", "CCO", origin_id="CO1")
    updates = [
        {"item_type": "change_order", "item_id": package.id, "origin_id": None},
        {"item_type": "change_order", "item_id": 99, "origin_id": None},
        {"item_type": "commitment", "item_id": package.id, "origin_id": None},
        {"item_type": "change_order", "item_id": str(package.id), "origin_id": None},
    ]

    response = await http.patch(
        f"/rest/v1.0/companies/{PROCORE_COMPANY_ID}/external_data/sync",
        json={"updates": updates},
        headers=await _headers(http),
    )

    body = response.json()
    assert response.status_code == 200
    assert [e["item_id"] for e in body["entities"]] == [package.id]
    assert [list(e["errors"]) for e in body["errors"]] == [["item_id"], ["item_type"], ["item_id"]]
    assert world.packages[package.id].origin_id is None
    assert len(world.sync_updates) == 1


async def test_sync_takes_a_bare_array_and_clears_line_items(
    http: httpx.AsyncClient, procore_server: ProcoreSandbox
) -> None:
    world = procore_server.world
    project = world.add_project(PROCORE_COMPANY_ID, "Tower A")
    contract = world.add_commitment(project.id, "SC-1", "Drywall")
    package = world.add_package(project.id, contract.id, "1", "CCO", origin_id="CO1")
    line = world.add_line_item(package.id, "Board", "10.00", origin_id="L1")
    updates = [
        {"item_type": "change_order", "item_id": package.id, "origin_id": None},
        {"item_type": "line_item", "item_id": line.id, "origin_id": None},
    ]

    response = await http.patch(
        f"/rest/v1.0/companies/{PROCORE_COMPANY_ID}/external_data/sync",
        json=updates,  # the guide's CCO examples send a bare array
        headers=await _headers(http),
    )

    assert response.json()["errors"] == []
    assert (world.packages[package.id].origin_id, line.origin_id) == (None, None)
    assert [u.item_id for u in world.line_item_updates] == [line.id]


async def test_sync_ignored_answers_as_applied_and_changes_nothing(
    http: httpx.AsyncClient, procore_server: ProcoreSandbox
) -> None:
    world = procore_server.world
    project = world.add_project(PROCORE_COMPANY_ID, "Tower A")
    contract = world.add_commitment(project.id, "SC-1", "Drywall")
    package = world.add_package(project.id, contract.id, "1", "CCO", origin_id="CO1")
    world.sync_ignored = True

    response = await http.patch(
        f"/rest/v1.0/companies/{PROCORE_COMPANY_ID}/external_data/sync",
        json={"updates": [{"item_type": "change_order", "item_id": package.id, "origin_id": None}]},
        headers=await _headers(http),
    )

    body = response.json()
    assert response.status_code == 200 and body["errors"] == []
    assert [e["item_id"] for e in body["entities"]] == [package.id]
    assert world.packages[package.id].origin_id == "CO1" and world.sync_updates == []


async def test_typed_commitment_endpoints_serve_only_their_type_with_origin_id(
    http: httpx.AsyncClient, procore_server: ProcoreSandbox
) -> None:
    world = procore_server.world
    project = world.add_project(PROCORE_COMPANY_ID, "Tower A")
    po = world.add_commitment(
        project.id, "PO-1", "Steel", origin_id="PO1", type="PurchaseOrderContract"
    )
    prime = world.add_prime_contract(project.id, "PC-1", "Prime")
    package = world.add_package(project.id, prime.id, "P1", "Owner change", origin_id="X")
    headers = await _headers(http)
    query = {"project_id": project.id}

    as_po = await http.get(
        f"/rest/v1.0/purchase_order_contracts/{po.id}", params=query, headers=headers
    )
    as_wo = await http.get(
        f"/rest/v1.0/work_order_contracts/{po.id}", params=query, headers=headers
    )
    generic = await http.get(f"/rest/v1.0/commitments/{po.id}", params=query, headers=headers)
    prime_read = await http.get(f"/rest/v1.0/commitments/{prime.id}", params=query, headers=headers)
    shown = await http.get(
        f"/rest/v1.0/change_order_packages/{package.id}", params=query, headers=headers
    )

    assert as_po.json()["origin_id"] == "PO1" and as_po.json()["vendor"]["company"] == "Vendor"
    assert as_wo.status_code == 404 and prime_read.status_code == 404
    assert "origin_id" not in generic.json()  # not in the public schema of /commitments/{id}
    assert shown.json()["type"] == "PrimeContractChangeOrder"


async def test_world_changes_show_in_its_state(procore_server: ProcoreSandbox) -> None:
    world = procore_server.world
    project = world.add_project(PROCORE_COMPANY_ID, "Tower A")
    contract = world.add_commitment(project.id, "SC-1", "Drywall")
    package = world.add_package(project.id, contract.id, "1", "CCO")
    template = world.add_template(PROCORE_COMPANY_ID, "PM")
    user = world.add_user(PROCORE_COMPANY_ID, "Ana Silva", "ana@acme.com")

    world.set_origin(package.id, "X")
    world.set_level(template.id, "commitments", 4)
    world.set_can_push(user.id, True)
    with pytest.raises(KeyError):
        world.set_can_push(1, True)
    state = world.state()

    assert state["change_order_packages"][0]["origin_id"] == "X"
    assert state["templates"][0]["user_access_levels"] == {"commitments": 4}
    assert state["users"][0]["erp_integrated_accountant"] is True
    assert procore_server.recorder.requests == []  # changing the world is not an HTTP request
