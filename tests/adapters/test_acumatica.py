"""Acumatica / MYOB Advanced adapter against the Acumatica sandbox, beyond the shared contract."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from erp.acumatica import INFOS, build
from erp.base import (
    ErpAdapter,
    ErpBadResponse,
    ErpLookup,
    ErpMisconfigured,
    ErpParentUnknown,
    ErpUnreachable,
    RecordState,
    open_check,
)
from erp.settings import ErpSettings
from sandbox.faults import FaultRule, RecordedRequest
from sandbox.runner import RunningServer
from tests.adapters.harness_acumatica import (
    CLIENT_SECRET,
    PASSWORD,
    AcumaticaHarness,
)

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "acumatica"
LIST_ROUTE = r"/ChangeOrder$"


@dataclass
class Rig:
    harness: AcumaticaHarness
    server: RunningServer
    http: httpx.AsyncClient

    @property
    def world(self) -> Any:
        return self.harness.world

    def adapter(self, **overrides: object) -> ErpAdapter:
        return build(self.harness.settings(self.server, timeout=1.0, **overrides), self.http)

    def lookup(self, ref_nbr: str) -> ErpLookup:
        return ErpLookup(origin_id=ref_nbr, cco_number="004", cco_title="Drywall changes")

    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.harness.recorder.requests]

    def reads(self) -> list[RecordedRequest]:
        return self.harness.recorder.matching("GET", LIST_ROUTE)


async def _rig(harness: AcumaticaHarness) -> AsyncIterator[Rig]:
    server = await harness.start()
    async with httpx.AsyncClient() as http:
        try:
            yield Rig(harness, server, http)
        finally:
            await server.stop()


@pytest.fixture
async def cookie_rig() -> AsyncIterator[Rig]:
    harness = AcumaticaHarness(
        "acumatica", oauth=False, instance_path="/AcumaticaERP", endpoint="Default/24.200.001"
    )
    async for rig in _rig(harness):
        yield rig


@pytest.fixture
async def oauth_rig() -> AsyncIterator[Rig]:
    harness = AcumaticaHarness(
        "myob_advanced", oauth=True, instance_path="", endpoint="Default/23.200.001"
    )
    async for rig in _rig(harness):
        yield rig


# --- cookie sessions: always logged out ----
async def test_check_logs_in_reads_and_logs_out(cookie_rig: Rig) -> None:
    order = cookie_rig.world.add_change_order()
    record = await cookie_rig.adapter().check(cookie_rig.lookup(order.ref_nbr))

    assert record.state is RecordState.PRESENT
    assert cookie_rig.calls() == [
        ("POST", "/AcumaticaERP/entity/auth/login"),
        ("GET", "/AcumaticaERP/entity/Default/24.200.001/ChangeOrder"),
        ("POST", "/AcumaticaERP/entity/auth/logout"),
    ]
    login, read, logout = cookie_rig.harness.recorder.requests
    assert login.json() == {"name": "cco-bot", "password": PASSWORD, "company": "Company"}
    session = _session_cookie(read)
    assert session and _session_cookie(logout) == session
    assert cookie_rig.world.session_count == 1
    assert cookie_rig.world.active_sessions == 0


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (FaultRule(path=LIST_ROUTE, status=500, body={"message": "boom"}), ErpUnreachable),
        (FaultRule(path=LIST_ROUTE, status=429), ErpUnreachable),
        (FaultRule(path=LIST_ROUTE, delay=2.0), ErpUnreachable),
        (FaultRule(path=LIST_ROUTE, status=0), ErpUnreachable),
        (FaultRule(path=LIST_ROUTE, status=200, body="<html>"), ErpBadResponse),
        (FaultRule(path=LIST_ROUTE, status=403, body={"message": "no"}), ErpMisconfigured),
    ],
)
async def test_logout_happens_even_when_the_read_fails(
    cookie_rig: Rig, fault: FaultRule, error: type[Exception]
) -> None:
    order = cookie_rig.world.add_change_order()
    cookie_rig.harness.faults.add(fault)

    with pytest.raises(error):
        await cookie_rig.adapter().check(cookie_rig.lookup(order.ref_nbr))

    assert cookie_rig.calls()[-1] == ("POST", "/AcumaticaERP/entity/auth/logout")
    assert cookie_rig.world.session_count == 1
    assert cookie_rig.world.active_sessions == 0


async def test_a_one_session_licence_serves_check_after_check(cookie_rig: Rig) -> None:
    cookie_rig.world.max_sessions = 1
    order = cookie_rig.world.add_change_order()
    adapter = cookie_rig.adapter()
    cookie_rig.harness.faults.add(FaultRule(path=LIST_ROUTE, status=503, times=1))

    with pytest.raises(ErpUnreachable):
        await adapter.check(cookie_rig.lookup(order.ref_nbr))
    for _ in range(3):
        assert (await adapter.check(cookie_rig.lookup(order.ref_nbr))).state is RecordState.PRESENT
    assert cookie_rig.world.session_count == 4


async def test_login_limit_is_unreachable_not_misconfigured(cookie_rig: Rig) -> None:
    cookie_rig.world.max_sessions = 0
    with pytest.raises(ErpUnreachable) as caught:
        await cookie_rig.adapter().check(cookie_rig.lookup("CO000101"))
    assert "limit" in caught.value.reason


async def test_concurrent_checks_never_share_a_session(cookie_rig: Rig) -> None:
    refs = [cookie_rig.world.add_change_order().ref_nbr for _ in range(5)]
    adapter = cookie_rig.adapter()

    records = await asyncio.gather(*(adapter.check(cookie_rig.lookup(ref)) for ref in refs))

    assert [r.reference for r in records] == refs
    sessions = [_session_cookie(read) for read in cookie_rig.reads()]
    assert len(set(sessions)) == 5 and all(sessions)
    logouts = cookie_rig.harness.recorder.matching("POST", r"/auth/logout$")
    assert {_session_cookie(r) for r in logouts} == set(sessions)
    assert len(logouts) == 5
    assert cookie_rig.world.active_sessions == 0


async def test_refused_login_names_the_settings_not_the_secret(cookie_rig: Rig) -> None:
    cookie_rig.world.refuse_logins()
    with pytest.raises(ErpMisconfigured) as caught:
        await cookie_rig.adapter().check(cookie_rig.lookup("CO000101"))
    assert "ERP_PASSWORD" in caught.value.reason
    assert PASSWORD not in str(caught.value)
    assert cookie_rig.harness.recorder.count("GET", LIST_ROUTE) == 0


async def test_unknown_endpoint_version_is_misconfigured(cookie_rig: Rig) -> None:
    with pytest.raises(ErpMisconfigured) as caught:
        await cookie_rig.adapter(endpoint="Default/99.999.001").check(cookie_rig.lookup("CO1"))
    assert "ERP_ENDPOINT" in caught.value.reason
    assert cookie_rig.world.active_sessions == 0


async def test_server_error_surfaces_the_http_error_message(cookie_rig: Rig) -> None:
    body = {"message": "Database maintenance in progress", "exceptionMessage": None}
    cookie_rig.harness.faults.add(FaultRule(path=LIST_ROUTE, status=500, body=body))
    with pytest.raises(ErpUnreachable) as caught:
        await cookie_rig.adapter().check(cookie_rig.lookup("CO000101"))
    assert "Database maintenance in progress" in caught.value.reason


# --- what the answer means ----
async def test_reversed_but_open_is_reversed(cookie_rig: Rig) -> None:
    order = cookie_rig.world.add_change_order(status="Open")
    cookie_rig.world.reverse(order.ref_nbr)
    assert cookie_rig.world.find(order.ref_nbr).status == "Open"

    record = await cookie_rig.adapter().check(cookie_rig.lookup(order.ref_nbr))

    assert record.state is RecordState.REVERSED
    assert record.reference == order.ref_nbr
    assert record.status_text == "Open, Reversed"


async def test_the_reversing_change_order_is_not_taken_for_the_original(cookie_rig: Rig) -> None:
    original = cookie_rig.world.add_change_order(status="Closed")
    reversing = cookie_rig.world.reverse(original.ref_nbr)
    adapter = cookie_rig.adapter()

    of_original = await adapter.check(cookie_rig.lookup(original.ref_nbr))
    of_reversing = await adapter.check(cookie_rig.lookup(reversing.ref_nbr))

    assert (of_original.state, of_original.reference) == (RecordState.REVERSED, original.ref_nbr)
    assert (of_reversing.state, of_reversing.reference) == (RecordState.PRESENT, reversing.ref_nbr)
    assert of_reversing.status_text == "On Hold, Reversing"


def _with_parents(lookup: ErpLookup) -> ErpLookup:
    return replace(
        lookup,
        commitment_origin_id="SC000501",
        commitment_number="SC-001",
        project_origin_id="TOWERA",
        project_name="Tower A",
    )


def _parent_reads(rig: Rig) -> list[tuple[str, str]]:
    return [
        (r.path.rsplit("/", 1)[-1], r.query["$filter"])
        for r in rig.harness.recorder.requests
        if r.method == "GET" and not r.path.endswith("/ChangeOrder")
    ]


async def test_a_deleted_change_order_is_deleted_when_its_subcontract_is_known(
    cookie_rig: Rig,
) -> None:
    cookie_rig.world.add_parent("Subcontract", "SC000501")
    order = cookie_rig.world.add_change_order()
    cookie_rig.world.delete(order.ref_nbr)
    record = await cookie_rig.adapter().check(_with_parents(cookie_rig.lookup(order.ref_nbr)))
    assert (record.state, record.reference) == (RecordState.DELETED, order.ref_nbr)
    assert _parent_reads(cookie_rig) == [("Subcontract", "SubcontractNbr eq 'SC000501'")]
    assert cookie_rig.world.session_count == 1  # one login for the change order and its parents


async def test_a_purchase_order_or_the_project_is_evidence_too(cookie_rig: Rig) -> None:
    lookup = _with_parents(cookie_rig.lookup("CO009999"))
    cookie_rig.world.add_parent("PurchaseOrder", "SC000501")
    assert (await cookie_rig.adapter().check(lookup)).state is RecordState.DELETED
    cookie_rig.world.parents["PurchaseOrder"].clear()
    cookie_rig.world.add_parent("Project", "TOWERA")
    assert (await cookie_rig.adapter().check(lookup)).state is RecordState.DELETED
    assert ("Project", "ProjectID eq 'TOWERA'") in _parent_reads(cookie_rig)


async def test_absent_with_unknown_parents_is_never_deleted(cookie_rig: Rig) -> None:
    lookup = _with_parents(cookie_rig.lookup("CO009999"))
    with pytest.raises(ErpParentUnknown) as caught:
        await cookie_rig.adapter().check(lookup)
    assert (caught.value.commitment, caught.value.project) == (
        "SC-001 (SC000501)",
        "Tower A (TOWERA)",
    )
    assert [entity for entity, _ in _parent_reads(cookie_rig)] == [
        "Subcontract",
        "PurchaseOrder",
        "Project",
    ]


async def test_absent_without_any_parent_key_is_never_deleted(cookie_rig: Rig) -> None:
    cookie_rig.world.add_parent("Project", "TOWERA")
    with pytest.raises(ErpParentUnknown):
        await cookie_rig.adapter().check(cookie_rig.lookup("CO009999"))
    assert _parent_reads(cookie_rig) == []


async def test_quote_in_the_key_is_escaped(cookie_rig: Rig) -> None:
    cookie_rig.world.add_change_order("CO'7")
    record = await cookie_rig.adapter().check(cookie_rig.lookup("CO'7"))
    assert record.state is RecordState.PRESENT
    assert cookie_rig.reads()[0].query["$filter"] == "RefNbr eq 'CO''7'"


@pytest.mark.parametrize(
    "body",
    [
        {"RefNbr": {"value": "CO000101"}},
        [{"RefNbr": "CO000101", "Status": "Open"}],
        [{"RefNbr": {"value": "CO000101"}, "Status": {"value": 3}}],
        ["CO000101"],
    ],
)
async def test_undocumented_shapes_are_bad_responses(cookie_rig: Rig, body: Any) -> None:
    cookie_rig.harness.faults.add(FaultRule(path=LIST_ROUTE, status=200, body=body))
    with pytest.raises(ErpBadResponse):
        await cookie_rig.adapter().check(cookie_rig.lookup("CO000101"))


async def test_records_other_than_the_one_asked_for_are_not_taken_as_deleted(
    cookie_rig: Rig,
) -> None:
    other = [{"RefNbr": {"value": "CO000999"}, "Status": {"value": "Open"}}]
    cookie_rig.harness.faults.add(FaultRule(path=LIST_ROUTE, status=200, body=other))
    with pytest.raises(ErpBadResponse):
        await cookie_rig.adapter().check(cookie_rig.lookup("CO000101"))


# --- OAuth ----
async def test_oauth_password_grant_and_bearer(oauth_rig: Rig) -> None:
    order = oauth_rig.world.add_change_order()
    adapter = oauth_rig.adapter()

    await adapter.check(oauth_rig.lookup(order.ref_nbr))
    await adapter.check(oauth_rig.lookup(order.ref_nbr))

    token_calls = oauth_rig.harness.recorder.matching("POST", r"^/identity/connect/token$")
    assert len(token_calls) == 1
    form = dict(httpx.QueryParams(token_calls[0].body.decode()))
    assert form == {
        "grant_type": "password",
        "client_id": "cco-bot@Company",
        "client_secret": CLIENT_SECRET,
        "username": "cco-bot",
        "password": PASSWORD,
        "scope": "api",
    }
    assert [r.path for r in oauth_rig.reads()] == ["/entity/Default/23.200.001/ChangeOrder"] * 2
    bearers = {r.headers["Authorization"] for r in oauth_rig.reads()}
    assert bearers == {f"Bearer {next(iter(oauth_rig.world.tokens))}"}
    assert oauth_rig.harness.recorder.count("POST", r"/entity/auth/") == 0
    assert oauth_rig.world.session_count == 0


async def test_oauth_token_is_renewed_once_when_refused(oauth_rig: Rig) -> None:
    order = oauth_rig.world.add_change_order()
    adapter = oauth_rig.adapter()
    await adapter.check(oauth_rig.lookup(order.ref_nbr))
    oauth_rig.world.revoke_tokens()

    record = await adapter.check(oauth_rig.lookup(order.ref_nbr))

    assert record.state is RecordState.PRESENT
    assert oauth_rig.harness.recorder.count("POST", r"/identity/connect/token$") == 2


async def test_oauth_wrong_client_secret_is_misconfigured(oauth_rig: Rig) -> None:
    wrong = "not-the-secret-123"
    with pytest.raises(ErpMisconfigured) as caught:
        await oauth_rig.adapter(client_secret=wrong).check(oauth_rig.lookup("CO000101"))
    assert "ERP_CLIENT_SECRET" in caught.value.reason
    assert "ERP_PASSWORD" not in caught.value.reason
    assert wrong not in str(caught.value) and CLIENT_SECRET not in str(caught.value)


async def test_oauth_wrong_user_password_points_at_the_user(oauth_rig: Rig) -> None:
    with pytest.raises(ErpMisconfigured) as caught:
        await oauth_rig.adapter(password="wrong-pass-9").check(oauth_rig.lookup("CO000101"))
    assert "ERP_PASSWORD" in caught.value.reason and "ERP_CLIENT_SECRET" not in caught.value.reason
    assert "wrong-pass-9" not in str(caught.value)


# --- settings and wording ----
@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"base_url": None}, "ERP_BASE_URL"),
        ({"base_url": "host/AcumaticaERP"}, "ERP_BASE_URL"),
        ({"base_url": "https://h/AcumaticaERP/entity/Default/24.200.001"}, "ERP_BASE_URL"),
        ({"password": None}, "ERP_PASSWORD"),
        ({"client_id": "only-the-id"}, "ERP_CLIENT_SECRET"),
        ({"endpoint": "24.200.001"}, "ERP_ENDPOINT"),
    ],
)
async def test_missing_or_malformed_settings_name_the_variable(
    overrides: dict[str, object], variable: str
) -> None:
    settings = ErpSettings(
        system="acumatica",
        base_url="https://erp.example.com/AcumaticaERP",
        username="u",
        password="p",
    )
    async with httpx.AsyncClient() as http:
        with pytest.raises(ErpMisconfigured) as caught:
            build(ErpSettings(**{**settings.__dict__, **overrides}), http)
    assert variable in caught.value.reason


def test_wording_per_system() -> None:
    acumatica, myob = INFOS["acumatica"], INFOS["myob_advanced"]
    assert acumatica.name == "Acumatica" and myob.name == "MYOB Advanced"
    assert acumatica.fix_template.format(reference="CO000101").startswith(
        "Reverse change order CO000101 in Acumatica"
    )
    assert myob.fix_template.format(reference="CO000101") == (
        "Delete change order CO000101 in MYOB Advanced"
    )
    note = myob.note_for(RecordState.REVERSED)
    assert note is not None and "delete" in note and "revers" in note
    assert acumatica.note_for(RecordState.REVERSED) is None
    for info in (acumatica, myob):
        assert info.allows_unlink(RecordState.REVERSED) and info.allows_unlink(RecordState.DELETED)
        assert not info.allows_unlink(RecordState.PRESENT)


# --- conformance with Acumatica's published endpoint documents ----
SPEC_FILES = {
    "24.200.001": "Default_24.200.001.openapi.json",
    "23.200.001": "Default_23.200.001.ChangeOrder-subset.swagger.json",
    "22.200.001": "Default_22.200.001.ChangeOrder-subset.swagger.json",
}


@pytest.mark.parametrize("version", sorted(SPEC_FILES))
async def test_the_read_matches_the_published_get_list_operation(
    cookie_rig: Rig, version: str
) -> None:
    path = SPECS / SPEC_FILES[version]
    if not path.exists():
        pytest.skip(f"{path} is not available")
    spec = json.loads(path.read_text())
    operation = spec["paths"]["/ChangeOrder"]["get"]
    assert operation["operationId"] == "ChangeOrder_GetList"
    allowed = {_parameter(spec, p)["name"] for p in operation["parameters"]}
    fields = _change_order_fields(spec)
    order = cookie_rig.world.add_change_order()

    await cookie_rig.adapter(endpoint=f"Default/{version}").check(cookie_rig.lookup(order.ref_nbr))

    (read,) = cookie_rig.reads()
    assert read.path == "/AcumaticaERP" + _base_path(spec) + "/ChangeOrder"
    assert set(read.query) <= allowed
    assert read.query["$filter"] == f"RefNbr eq '{order.ref_nbr}'"
    assert set(read.query["$select"].split(",")) <= fields
    assert {"RefNbr", "ReverseStatus", "Status"} <= set(read.query["$select"].split(","))


def _session_cookie(request: RecordedRequest) -> str | None:
    for part in request.headers.get("Cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == ".ASPXAUTH":
            return value
    return None


def _parameter(spec: dict[str, Any], parameter: dict[str, Any]) -> dict[str, Any]:
    ref = parameter.get("$ref")
    if ref is None:
        return parameter
    node: Any = spec
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return dict(node)


def _change_order_fields(spec: dict[str, Any]) -> set[str]:
    schemas = spec.get("definitions") or spec["components"]["schemas"]
    fields: set[str] = set()
    for part in schemas["ChangeOrder"]["allOf"]:
        fields |= set(part.get("properties", {}))
    return fields


def _base_path(spec: dict[str, Any]) -> str:
    if "basePath" in spec:
        return str(spec["basePath"])
    path = urlsplit(str(spec["servers"][0]["url"])).path
    return path[path.index("/entity/") :]


# --- a check opened before its lookup is known (the unlink flow's way in) ----
async def test_an_opened_check_logs_in_at_once_and_out_after_the_answer(cookie_rig: Rig) -> None:
    order = cookie_rig.world.add_change_order()
    adapter = cookie_rig.adapter()
    opened = open_check(adapter)
    await _until(lambda: cookie_rig.world.active_sessions == 1)  # before any lookup is given
    assert cookie_rig.calls() == [("POST", "/AcumaticaERP/entity/auth/login")]

    record = await opened.check(cookie_rig.lookup(order.ref_nbr))
    assert record.state is RecordState.PRESENT
    assert cookie_rig.world.active_sessions == 1  # the answer does not wait for the sign-out
    opened.close()
    await adapter.aclose()  # waits for the sign-out under way

    _login, read, logout = cookie_rig.harness.recorder.requests
    assert logout.path == "/AcumaticaERP/entity/auth/logout"
    assert _session_cookie(read) and _session_cookie(logout) == _session_cookie(read)
    assert cookie_rig.world.active_sessions == 0


async def test_an_opened_check_that_was_never_asked_still_logs_out(cookie_rig: Rig) -> None:
    adapter = cookie_rig.adapter()
    open_check(adapter).close()  # e.g. the package turned out not to be synced
    await adapter.aclose()
    assert cookie_rig.calls() == [
        ("POST", "/AcumaticaERP/entity/auth/login"),
        ("POST", "/AcumaticaERP/entity/auth/logout"),
    ]
    assert cookie_rig.world.active_sessions == 0


async def test_an_opened_check_raises_a_refused_login_when_asked(cookie_rig: Rig) -> None:
    cookie_rig.world.refuse_logins()
    adapter = cookie_rig.adapter()
    opened = open_check(adapter)
    with pytest.raises(ErpMisconfigured) as caught:
        await opened.check(cookie_rig.lookup("CO000101"))
    opened.close()
    await adapter.aclose()
    assert "ERP_PASSWORD" in caught.value.reason
    assert cookie_rig.calls() == [("POST", "/AcumaticaERP/entity/auth/login")]  # no read, no logout


async def test_opened_checks_reuse_the_token_until_it_expires(oauth_rig: Rig) -> None:
    order = oauth_rig.world.add_change_order()
    adapter = oauth_rig.adapter()
    for _ in range(2):
        opened = open_check(adapter)
        assert (await opened.check(oauth_rig.lookup(order.ref_nbr))).state is RecordState.PRESENT
        opened.close()
    assert oauth_rig.harness.recorder.count("POST", r"/identity/connect/token$") == 1

    # a token that expires within the renewal margin is renewed before the next check
    oauth_rig.world.token_lifetime = 30
    adapter = oauth_rig.adapter()
    for _ in range(2):
        await open_check(adapter).check(oauth_rig.lookup(order.ref_nbr))
    assert oauth_rig.harness.recorder.count("POST", r"/identity/connect/token$") == 3
    assert oauth_rig.harness.recorder.count("POST", r"/entity/auth/") == 0


async def test_an_opened_check_asks_for_a_new_token_after_a_401(oauth_rig: Rig) -> None:
    order = oauth_rig.world.add_change_order()
    adapter = oauth_rig.adapter()
    await open_check(adapter).check(oauth_rig.lookup(order.ref_nbr))
    oauth_rig.world.revoke_tokens()

    record = await open_check(adapter).check(oauth_rig.lookup(order.ref_nbr))

    assert record.state is RecordState.PRESENT
    assert oauth_rig.harness.recorder.count("POST", r"/identity/connect/token$") == 2


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")
