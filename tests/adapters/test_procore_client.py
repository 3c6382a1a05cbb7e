"""ProcoreClient against the Procore stand-in over loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import httpx
import pytest

from procore.client import PER_PAGE, ProcoreClient
from procore.errors import (
    ProcoreAuthError,
    ProcoreBadResponse,
    ProcoreForbidden,
    ProcoreNotFound,
    ProcoreRejected,
    ProcoreUnreachable,
)
from procore.models import Cco
from sandbox.faults import FaultRule
from sandbox.procore.app import ProcoreSandbox
from sandbox.procore.world import Project
from tests.adapters.conftest import (
    PROCORE_CLIENT_ID,
    PROCORE_CLIENT_SECRET,
    PROCORE_COMPANY_ID,
)

MakeClient = Callable[..., ProcoreClient]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.3, connect=2.0)) as client:
        yield client


@pytest.fixture
def make_client(procore_server: ProcoreSandbox, http: httpx.AsyncClient) -> MakeClient:
    def make(**overrides: object) -> ProcoreClient:
        settings: dict[str, object] = {
            "api_url": procore_server.url,
            "login_url": procore_server.url + "/",
            "client_id": PROCORE_CLIENT_ID,
            "client_secret": PROCORE_CLIENT_SECRET,
            "company_id": PROCORE_COMPANY_ID,
            "http": http,
        }
        return ProcoreClient(**(settings | overrides))  # type: ignore[arg-type]

    return make


@pytest.fixture
def client(make_client: MakeClient) -> ProcoreClient:
    return make_client()


@pytest.fixture
def project(procore_server: ProcoreSandbox) -> Project:
    return procore_server.world.add_project(PROCORE_COMPANY_ID, "Tower A", is_erp_integrated=True)


def _rest(sandbox: ProcoreSandbox, method: str = "GET") -> int:
    return sandbox.recorder.count(method, r"^/rest/")


def _tokens_fetched(sandbox: ProcoreSandbox) -> int:
    return sandbox.recorder.count("POST", r"^/oauth/token$")


# -- tokens -------------------------------------------------------------------------------------


async def test_one_token_serves_many_concurrent_calls(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    projects = await asyncio.gather(*(client.get_project(project.id) for _ in range(20)))

    assert {p.name for p in projects} == {"Tower A"}
    assert _tokens_fetched(procore_server) == 1
    rest = procore_server.recorder.matching("GET", r"^/rest/")
    assert len(rest) == 20
    assert len({r.headers["Authorization"] for r in rest}) == 1
    assert {r.headers["Procore-Company-Id"] for r in rest} == {str(PROCORE_COMPANY_ID)}
    token_form = procore_server.recorder.matching("POST", "/oauth/token")[0].body.decode()
    assert "grant_type=client_credentials" in token_form


async def test_token_is_renewed_before_it_expires(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    procore_server.world.token_lifetime = 1

    await client.get_project(project.id)
    await asyncio.sleep(0.95)
    await client.get_project(project.id)

    assert _tokens_fetched(procore_server) == 2
    assert _rest(procore_server) == 2  # no call was refused with 401 on the way


async def test_refused_token_is_renewed_once_and_the_call_retried(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    await client.get_project(project.id)
    procore_server.world.expire_all_tokens()

    again = await client.get_project(project.id)

    assert again.id == project.id
    assert _tokens_fetched(procore_server) == 2
    assert _rest(procore_server) == 3


async def test_second_401_after_renewal_is_an_auth_error(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    procore_server.faults.add(FaultRule(path=r"^/rest/", status=401, body={"error": "no"}))

    with pytest.raises(ProcoreAuthError):
        await client.get_project(project.id)

    assert _tokens_fetched(procore_server) == 2
    assert _rest(procore_server) == 2


async def test_refused_credentials_are_an_auth_error(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    procore_server.world.refuse_client(PROCORE_CLIENT_ID)

    with pytest.raises(ProcoreAuthError, match="Client authentication failed"):
        await client.get_project(project.id)
    assert _rest(procore_server) == 0


# -- reads ----------------------------------------------------------------------------------------


async def test_get_project(client: ProcoreClient, project: Project) -> None:
    got = await client.get_project(project.id)

    assert (got.id, got.company_id, got.name, got.is_erp_integrated) == (
        project.id,
        PROCORE_COMPANY_ID,
        "Tower A",
        True,
    )


async def test_list_ccos_reads_every_page(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    world = procore_server.world
    contract = world.add_commitment(project.id, "SC-001", "Drywall", vendor_name="Dry Co")
    made = [
        world.add_package(
            project.id,
            contract.id,
            f"{n:03d}",
            f"CCO {n}",
            grand_total=f"{n}.50",
            origin_id=f"CO{n:06d}" if n % 2 else None,
        )
        for n in range(1, 2 * PER_PAGE + 51)
    ]

    ccos = await client.list_ccos(project.id)

    assert [c.id for c in ccos] == [p.id for p in made]
    assert ccos[0].grand_total == Decimal("1.50") and ccos[0].synced
    assert not ccos[1].synced and ccos[1].contract_id == contract.id
    pages = procore_server.recorder.matching("GET", r"^/rest/v1.0/change_order_packages$")
    assert [r.query["page"] for r in pages] == ["1", "2", "3"]
    assert {r.query["per_page"] for r in pages} == {str(PER_PAGE)}


async def test_get_cco_carries_origin_and_line_origins(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    world = procore_server.world
    contract = world.add_commitment(project.id, "PO-7", "Steel", type="PurchaseOrderContract")
    package = world.add_package(project.id, contract.id, "004", "Drywall changes", origin_id="CO9")
    world.add_line_item(package.id, "Extra board", "100.00", origin_id="L-1")

    cco = await client.get_cco(project.id, package.id)

    assert (cco.number, cco.title, cco.origin_id) == ("004", "Drywall changes", "CO9")
    assert cco.line_item_origin_ids == ("L-1",)
    assert cco.updated_at is not None


async def test_get_commitment(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    contract = procore_server.world.add_commitment(
        project.id, "SC-002", "Framing", vendor_name="Frame Bros", origin_id="SC2-ERP"
    )

    got = await client.get_commitment(project.id, contract.id)

    assert (got.number, got.title, got.vendor_name, got.origin_id) == (
        "SC-002",
        "Framing",
        "Frame Bros",
        "SC2-ERP",
    )


async def test_get_commitment_reads_a_purchase_order_where_its_origin_id_is_documented(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    contract = procore_server.world.add_commitment(
        project.id,
        "PO-7",
        "Steel",
        vendor_name="Steel Co",
        origin_id="PO7-ERP",
        type="PurchaseOrderContract",
    )

    got = await client.get_commitment(project.id, contract.id)
    again = await client.get_commitment(project.id, contract.id, "PurchaseOrderContract")

    assert got == again
    assert (got.origin_id, got.vendor_name, got.type) == ("PO7-ERP", "Steel Co", contract.type)
    paths = [r.path for r in procore_server.recorder.requests if "contracts/" in r.path]
    assert paths == [
        f"/rest/v1.0/work_order_contracts/{contract.id}",
        f"/rest/v1.0/purchase_order_contracts/{contract.id}",
        f"/rest/v1.0/purchase_order_contracts/{contract.id}",
    ]


async def test_a_prime_contract_is_no_commitment(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    prime = procore_server.world.add_prime_contract(project.id, "PC-1", "Prime")

    with pytest.raises(ProcoreNotFound):
        await client.get_commitment(project.id, prime.id)


async def test_get_project_carries_its_origin_id(
    client: ProcoreClient, procore_server: ProcoreSandbox
) -> None:
    made = procore_server.world.add_project(
        PROCORE_COMPANY_ID, "Harbor", is_erp_integrated=True, origin_id="HARBOR"
    )

    got = await client.get_project(made.id)

    assert (got.origin_id, got.is_erp_integrated) == ("HARBOR", True)


async def test_missing_cco_is_not_found(client: ProcoreClient, project: Project) -> None:
    with pytest.raises(ProcoreNotFound, match="does not exist"):
        await client.get_cco(project.id, 424242)


async def test_company_the_app_is_not_installed_in_is_forbidden(
    make_client: MakeClient, procore_server: ProcoreSandbox
) -> None:
    other = procore_server.world.add_company("Other Co")
    project = procore_server.world.add_project(other.id, "Elsewhere")

    with pytest.raises(ProcoreForbidden, match="not connected"):
        await make_client(company_id=other.id).get_project(project.id)


async def test_422_is_rejected_with_procores_message(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    body = {"errors": {"base": ["Record is locked by the ERP integration"]}}
    procore_server.faults.add(FaultRule(path=r"^/rest/", status=422, body=body))

    with pytest.raises(ProcoreRejected, match="locked by the ERP"):
        await client.get_project(project.id)


# -- rate limits, overload, timeouts ---------------------------------------------------------


async def test_429_waits_until_the_reset_then_succeeds(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    reset = int(time.time()) + 1
    headers = {"X-Rate-Limit-Limit": "25", "X-Rate-Limit-Remaining": "0"}
    headers["X-Rate-Limit-Reset"] = str(reset)
    procore_server.faults.add(FaultRule(path=r"^/rest/", status=429, headers=headers, times=1))

    got = await client.get_project(project.id)

    assert got.id == project.id
    calls = procore_server.recorder.matching("GET", r"^/rest/")
    assert len(calls) == 2
    assert calls[1].at >= reset


async def test_429_beyond_the_allowed_wait_is_unreachable_with_retry_after(
    make_client: MakeClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    headers = {"X-Rate-Limit-Reset": str(int(time.time()) + 120)}
    procore_server.faults.add(FaultRule(path=r"^/rest/", status=429, headers=headers))

    started = time.monotonic()
    with pytest.raises(ProcoreUnreachable) as caught:
        await make_client(max_rate_limit_wait=5.0).get_project(project.id)

    assert caught.value.retry_after is not None and 115 < caught.value.retry_after <= 120
    assert time.monotonic() - started < 1.0
    assert _rest(procore_server) == 1


async def test_retry_after_wins_over_the_reset_header(
    make_client: MakeClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    headers = {"Retry-After": "30", "X-Rate-Limit-Reset": str(int(time.time()) + 1)}
    procore_server.faults.add(FaultRule(path=r"^/rest/", status=429, headers=headers))

    with pytest.raises(ProcoreUnreachable) as caught:
        await make_client(max_rate_limit_wait=10.0).get_project(project.id)

    assert caught.value.retry_after == 30


async def test_503_waits_retry_after_then_succeeds(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    procore_server.faults.add(
        FaultRule(path=r"^/rest/", status=503, headers={"Retry-After": "1"}, times=1)
    )

    await client.get_project(project.id)

    calls = procore_server.recorder.matching("GET", r"^/rest/")
    assert len(calls) == 2
    assert calls[1].at - calls[0].at >= 0.95


async def test_timeout_is_unreachable(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    procore_server.faults.add(FaultRule(path=r"^/rest/", delay=0.6))

    with pytest.raises(ProcoreUnreachable, match="in time"):
        await client.get_project(project.id)

    # A read is tried twice. The client gives up while its second request may still be in
    # transit on a loaded machine, so give the stand-in a moment to see it arrive.
    for _ in range(50):
        if _rest(procore_server) >= 2:
            break
        await asyncio.sleep(0.02)
    assert _rest(procore_server) == 2


async def test_server_error_is_unreachable(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    procore_server.faults.add(FaultRule(path=r"^/rest/", status=500))

    with pytest.raises(ProcoreUnreachable, match="500"):
        await client.get_project(project.id)


# -- answers the app cannot read ------------------------------------------------------------------


async def test_an_answer_that_is_not_json_is_a_bad_response_not_unreachable(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    procore_server.faults.add(FaultRule(path=r"^/rest/", status=200, body="<<not json"))

    with pytest.raises(ProcoreBadResponse, match="not JSON"):
        await client.get_project(project.id)

    assert _rest(procore_server) == 1  # an answer, however odd, is not a transport failure


async def test_an_answer_in_the_wrong_shape_is_a_bad_response(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    procore_server.faults.add(FaultRule(path=r"^/rest/", status=200, body={"unexpected": True}))

    with pytest.raises(ProcoreBadResponse, match="project in an unexpected shape"):
        await client.get_project(project.id)


async def test_a_list_answered_with_an_object_is_a_bad_response(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    procore_server.faults.add(FaultRule(path="change_order_packages", status=200, body={"a": 1}))

    with pytest.raises(ProcoreBadResponse, match="not a list"):
        await client.list_ccos(project.id)


async def test_a_sync_answer_that_is_no_object_is_a_bad_response(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    cco = _synced(procore_server, project)
    procore_server.faults.add(
        FaultRule(path="external_data/sync", method="PATCH", status=200, body="[]")
    )

    with pytest.raises(ProcoreBadResponse, match="not an object") as caught:
        await client.clear_sync_link(cco)

    # still "nothing learned" to the unlink flow, which re-reads the package before answering
    assert isinstance(caught.value, ProcoreUnreachable)


# -- clearing the sync link -----------------------------------------------------------------------


def _synced(sandbox: ProcoreSandbox, project: Project) -> Cco:
    world = sandbox.world
    contract = world.add_commitment(project.id, "SC-001", "Drywall")
    package = world.add_package(
        project.id, contract.id, "004", "Drywall changes", origin_id="CO000123", origin_data="x"
    )
    return Cco(
        id=package.id,
        project_id=project.id,
        contract_id=contract.id,
        number="004",
        title="Drywall changes",
        status="approved",
        grand_total=Decimal("0"),
        origin_id="CO000123",
    )


async def test_clear_sync_link_sends_the_one_update_and_clears_origin(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    cco = _synced(procore_server, project)

    await client.clear_sync_link(cco)

    package = procore_server.world.packages[cco.id]
    assert package.origin_id is None and package.origin_data is None
    [sent] = procore_server.recorder.matching("PATCH", "external_data/sync")
    assert sent.path == f"/rest/v1.0/companies/{PROCORE_COMPANY_ID}/external_data/sync"
    assert sent.json() == {
        "updates": [{"item_type": "change_order", "item_id": cco.id, "origin_id": None}]
    }
    assert sent.headers["Procore-Company-Id"] == str(PROCORE_COMPANY_ID)
    assert [(u.item_id, u.origin_id) for u in procore_server.world.sync_updates] == [(cco.id, None)]
    assert (await client.get_cco(project.id, cco.id)).synced is False


async def test_clear_sync_link_clears_the_package_and_its_line_items_in_one_call(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    cco = _synced(procore_server, project)
    world = procore_server.world
    lines = [world.add_line_item(cco.id, f"line {n}", "1.00", origin_id=f"L{n}") for n in (1, 2)]
    read = await client.get_cco(project.id, cco.id)
    assert read.line_item_ids == (lines[0].id, lines[1].id)

    await client.clear_sync_link(read)

    [sent] = procore_server.recorder.matching("PATCH", "external_data/sync")
    assert [(u["item_type"], u["item_id"], u["origin_id"]) for u in sent.json()["updates"]] == [
        ("change_order", cco.id, None),
        ("line_item", lines[0].id, None),
        ("line_item", lines[1].id, None),
    ]
    assert (await client.get_cco(project.id, cco.id)).unsync_confirmed


async def test_clear_sync_link_errors_answer_is_rejected(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    cco = _synced(procore_server, project)
    unknown = Cco(**{**cco.__dict__, "id": 987654})

    with pytest.raises(ProcoreRejected, match="987654 not found"):
        await client.clear_sync_link(unknown)

    assert procore_server.world.sync_updates == []
    assert procore_server.world.packages[cco.id].origin_id == "CO000123"


async def test_clear_sync_link_is_not_repeated_after_a_timeout(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    cco = _synced(procore_server, project)
    procore_server.faults.add(FaultRule(path="external_data/sync", method="PATCH", delay=0.6))

    with pytest.raises(ProcoreUnreachable):
        await client.clear_sync_link(cco)

    assert procore_server.recorder.count("PATCH", "external_data/sync") == 1


async def test_clear_sync_link_is_repeated_after_a_429(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    cco = _synced(procore_server, project)
    procore_server.faults.add(
        FaultRule(
            path="external_data/sync",
            method="PATCH",
            status=429,
            headers={"Retry-After": "0"},
            times=1,
        )
    )

    await client.clear_sync_link(cco)

    assert procore_server.recorder.count("PATCH", "external_data/sync") == 2
    assert procore_server.world.packages[cco.id].origin_id is None


# -- users and permissions ------------------------------------------------------------------------


async def test_find_company_user_matches_the_whole_email_case_insensitively(
    client: ProcoreClient, procore_server: ProcoreSandbox
) -> None:
    world = procore_server.world
    world.add_user(PROCORE_COMPANY_ID, "Ana Costa", "ana@acme.com.au")
    ana = world.add_user(PROCORE_COMPANY_ID, "Ana Silva", "Ana@Acme.com", can_push=True)
    world.add_user(PROCORE_COMPANY_ID, "Bob Ana", "banana@acme.com")

    found = await client.find_company_user("  ANA@acme.COM ")
    near = await client.find_company_user("ana@acme.co")

    assert found is not None
    assert (found.id, found.email, found.can_push_to_accounting) == (ana.id, "Ana@Acme.com", True)
    assert near is None  # the search answered three near matches; none is this email
    searches = procore_server.recorder.matching("GET", "/users$")
    assert [r.query["filters[search]"] for r in searches] == ["ana@acme.com", "ana@acme.co"]


async def test_read_permissions_reads_both_templates(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    world = procore_server.world
    company_tpl = world.add_template(
        PROCORE_COMPANY_ID, "Accountants", type="company_tools", levels={"erp_integrations": 3}
    )
    project_tpl = world.add_template(PROCORE_COMPANY_ID, "PM", levels={"commitments": 4})
    ana = world.add_user(
        PROCORE_COMPANY_ID, "Ana Silva", "ana@acme.com", company_template_id=company_tpl.id
    )
    world.add_membership(project.id, ana.id, project_tpl.id)
    user = await client.find_company_user("ana@acme.com")
    assert user is not None and user.company_permission_template_id == company_tpl.id
    procore_server.faults.latency = 0.2
    procore_server.recorder.clear()

    snapshot = await client.read_permissions(user, project.id)

    assert (snapshot.commitments_level, snapshot.erp_integrations_level) == (4, 3)
    [members] = procore_server.recorder.matching("GET", f"/projects/{project.id}/users$")
    assert members.query["filters[id]"] == str(ana.id)
    [company_read] = procore_server.recorder.matching(
        "GET", f"permission_templates/{company_tpl.id}$"
    )
    assert abs(company_read.at - members.at) < 0.15  # the two template reads ran side by side


async def test_user_off_the_project_or_missing_keys_reads_as_none(
    client: ProcoreClient, procore_server: ProcoreSandbox, project: Project
) -> None:
    world = procore_server.world
    company_tpl = world.add_template(PROCORE_COMPANY_ID, "Field", type="company_tools", levels={})
    ana = world.add_user(
        PROCORE_COMPANY_ID, "Ana Silva", "ana@acme.com", company_template_id=company_tpl.id
    )
    user = await client.find_company_user("ana@acme.com")
    assert user is not None

    snapshot = await client.read_permissions(user, project.id)

    assert (snapshot.commitments_level, snapshot.erp_integrations_level) == (0, 0)
    assert snapshot.user.id == ana.id and not snapshot.can_push_to_accounting
    assert procore_server.recorder.count("GET", r"permission_templates/\d+$") == 1
