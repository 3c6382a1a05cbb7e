"""The Xero adapter against the Xero stand-in: the calls it makes, how it reads purchase orders,
and how it keeps to Xero's limits."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from erp.base import ErpLookup, ErpMisconfigured, ErpParentUnknown, ErpUnreachable, RecordState
from erp.registry import build_adapter
from erp.xero import INFO, XeroAdapter, token_url
from erp.xero_limits import XeroLimiter
from sandbox.faults import FaultRule, RecordedRequest
from sandbox.runner import RunningServer
from tests.adapters.harness_xero import CONNECTION, XeroHarness

SPECS = Path(__file__).resolve().parents[2] / ".." / "shared" / "specs" / "xero"


@dataclass
class Rig:
    harness: XeroHarness
    server: RunningServer
    http: httpx.AsyncClient

    def adapter(self, limiter: XeroLimiter | None = None, **overrides: object) -> XeroAdapter:
        return XeroAdapter(self.harness.settings(self.server, **overrides), self.http, limiter)

    def reads(self) -> list[RecordedRequest]:
        return self.harness.recorder.matching("GET", self.harness.read_route())

    def token_calls(self) -> list[RecordedRequest]:
        return self.harness.recorder.matching("POST", r"^/connect/token$")


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    harness = XeroHarness()
    server = await harness.start()
    async with httpx.AsyncClient() as http:
        yield Rig(harness, server, http)
    await server.stop()


async def test_registry_builds_the_xero_adapter(rig: Rig) -> None:
    adapter = build_adapter(rig.harness.settings(rig.server), rig.http)
    assert isinstance(adapter, XeroAdapter)
    assert adapter.info is INFO


async def test_present_lines_name_the_purchase_order(rig: Rig) -> None:
    order, lookup = rig.harness.add_commitment_with_cco()
    record = await rig.adapter().check(lookup)

    assert record.state is RecordState.PRESENT
    assert record.reference == order.number
    assert INFO.fix(record) == (
        f"Remove this CCO's lines from purchase order {order.number} in Xero (or delete the PO)"
    )


async def test_lines_removed_is_gone_while_the_po_stays(rig: Rig) -> None:
    order, lookup = rig.harness.add_commitment_with_cco()
    adapter = rig.adapter()
    rig.harness.state.remove_lines(order.purchase_order_id, [lookup.line_item_origin_ids[0]])
    assert (await adapter.check(lookup)).state is RecordState.PRESENT

    rig.harness.state.remove_lines(order.purchase_order_id, [lookup.line_item_origin_ids[1]])
    record = await adapter.check(lookup)
    assert record.state is RecordState.DELETED
    assert INFO.allows_unlink(record.state)
    assert len(rig.harness.state.by_id(order.purchase_order_id).lines) == 2  # type: ignore[union-attr]


async def test_po_deleted_is_gone_even_with_the_lines_on_it(rig: Rig) -> None:
    order, lookup = rig.harness.add_commitment_with_cco()
    rig.harness.state.delete_purchase_order(order.purchase_order_id)

    record = await rig.adapter().check(lookup)
    assert (record.state, record.reference) == (RecordState.DELETED, order.number)


async def test_an_unknown_po_is_gone_only_when_the_organisation_knows_the_project(
    rig: Rig,
) -> None:
    order, lookup = rig.harness.add_commitment_with_cco()
    rig.harness.state.delete_purchase_order(order.purchase_order_id, purge=True)
    lookup = replace(lookup, project_origin_id=str(uuid.uuid4()), project_name="Tower A")

    with pytest.raises(ErpParentUnknown):
        await rig.adapter().check(lookup)
    paths = [r.path for r in rig.harness.recorder.requests if r.method == "GET"]
    assert paths[-2:] == [
        f"/api.xro/2.0/PurchaseOrders/{order.purchase_order_id}",
        "/api.xro/2.0/TrackingCategories",
    ]
    known = replace(lookup, project_origin_id=rig.harness.state.add_project("Tower A").upper())
    assert (await rig.adapter().check(known)).state is RecordState.DELETED


async def test_without_line_ids_only_a_deleted_po_counts_as_gone(rig: Rig) -> None:
    order, lookup = rig.harness.add_commitment_with_cco()
    bare = ErpLookup(lookup.origin_id, "004", "t", commitment_origin_id=order.purchase_order_id)
    adapter = rig.adapter()
    assert (await adapter.check(bare)).state is RecordState.PRESENT
    rig.harness.state.delete_purchase_order(order.purchase_order_id)
    assert (await adapter.check(bare)).state is RecordState.DELETED


async def test_without_a_commitment_nothing_is_read(rig: Rig) -> None:
    record = await rig.adapter().check(ErpLookup("x", "004", "t"))
    assert record.state is RecordState.NOT_SYNCED_BY_THIS_ERP
    assert rig.reads() == []


async def test_a_404_that_is_not_xeros_is_a_configuration_error(rig: Rig) -> None:
    _, lookup = rig.harness.add_commitment_with_cco()
    rig.harness.faults.add(FaultRule(path=rig.harness.read_route(), status=404, body="nginx"))
    with pytest.raises(ErpMisconfigured, match="ERP_BASE_URL"):
        await rig.adapter().check(lookup)


async def test_client_credentials_token_is_fetched_once_and_reused(rig: Rig) -> None:
    adapter = rig.adapter()
    for _ in range(3):
        await adapter.check(rig.harness.seed(RecordState.PRESENT))

    [token_call] = rig.token_calls()
    assert dict(httpx.QueryParams(token_call.body.decode())) == {"grant_type": "client_credentials"}
    scheme, _, encoded = token_call.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    secret = f"{CONNECTION.client_id}:{CONNECTION.client_secret}"
    assert base64.b64decode(encoded).decode() == secret


async def test_an_expired_token_is_renewed_once(rig: Rig) -> None:
    adapter = rig.adapter()
    await adapter.check(rig.harness.seed(RecordState.PRESENT))
    rig.harness.state.expire_tokens()

    record = await adapter.check(rig.harness.seed(RecordState.PRESENT))
    assert record.state is RecordState.PRESENT
    assert len(rig.token_calls()) == 2


async def test_a_wrong_tenant_is_a_configuration_error(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    with pytest.raises(ErpMisconfigured, match="ERP_TENANT"):
        await rig.adapter(tenant="00000000-0000-0000-0000-000000000000").check(lookup)


@pytest.mark.parametrize("variable", ["base_url", "client_id", "client_secret", "tenant"])
async def test_missing_settings_stop_the_build(rig: Rig, variable: str) -> None:
    with pytest.raises(ErpMisconfigured, match=f"ERP_{variable.upper()}"):
        rig.adapter(**{variable: None})


# --- Xero's limits ------------------------------------------------------------------------------


async def test_twelve_checks_at_once_keep_to_five_in_flight(rig: Rig) -> None:
    lookups = [rig.harness.seed(RecordState.PRESENT) for _ in range(12)]
    rig.harness.faults.latency = 0.2
    adapter = rig.adapter()

    records = await asyncio.gather(*(adapter.check(lookup) for lookup in lookups))

    assert {record.state for record in records} == {RecordState.PRESENT}
    assert rig.harness.state.usage.max_in_flight[CONNECTION.tenant_id] == 5
    assert rig.harness.state.usage.rate_limited == []
    assert len(rig.reads()) == 12


async def test_the_sandbox_refuses_a_sixth_call_in_flight(rig: Rig) -> None:
    lookups = [rig.harness.seed(RecordState.PRESENT) for _ in range(12)]
    rig.harness.faults.latency = 0.5
    adapter = rig.adapter(XeroLimiter(concurrent=12))

    results = await asyncio.gather(
        *(adapter.check(lookup) for lookup in lookups), return_exceptions=True
    )

    refused = [r for r in results if isinstance(r, ErpUnreachable)]
    assert len(refused) == 7
    assert "5 calls at once" in refused[0].reason
    assert {p["problem"] for p in rig.harness.state.usage.rate_limited} == {"concurrent"}


async def test_the_rolling_minute_is_kept_client_side(rig: Rig) -> None:
    rig.harness.state.limits.per_minute, rig.harness.state.limits.window = 3, 1.0
    lookups = [rig.harness.seed(RecordState.PRESENT) for _ in range(7)]
    adapter = rig.adapter(XeroLimiter(per_minute=3, window=1.0, slack=0.1))

    started = time.monotonic()
    records = await asyncio.gather(*(adapter.check(lookup) for lookup in lookups))

    assert {record.state for record in records} == {RecordState.PRESENT}
    assert rig.harness.state.usage.rate_limited == []
    assert time.monotonic() - started >= 2.0


async def test_the_servers_remaining_count_stops_calls_before_a_429(rig: Rig) -> None:
    rig.harness.state.limits.per_minute, rig.harness.state.limits.window = 2, 30.0
    adapter = rig.adapter(XeroLimiter(max_wait=5.0))
    for _ in range(2):
        await adapter.check(rig.harness.seed(RecordState.PRESENT))

    with pytest.raises(ErpUnreachable, match=r"call limits; try again in \d+ s"):
        await adapter.check(rig.harness.seed(RecordState.PRESENT))
    assert len(rig.reads()) == 2


async def test_a_429_says_when_to_retry_and_is_honoured(rig: Rig) -> None:
    rig.harness.state.limits.per_minute, rig.harness.state.limits.window = 2, 30.0
    other_process = rig.adapter()
    for _ in range(2):
        await other_process.check(rig.harness.seed(RecordState.PRESENT))
    adapter = rig.adapter(XeroLimiter(max_wait=5.0))

    with pytest.raises(ErpUnreachable, match=r"60 calls a minute.*try again in 30 s"):
        await adapter.check(rig.harness.seed(RecordState.PRESENT))
    with pytest.raises(ErpUnreachable, match=r"try again in \d+ s"):
        await adapter.check(rig.harness.seed(RecordState.PRESENT))
    assert len(rig.reads()) == 3
    assert [p["problem"] for p in rig.harness.state.usage.rate_limited] == ["minute"]


async def test_limit_headers_are_read_and_a_used_up_minute_waits(rig: Rig) -> None:
    lookup = rig.harness.seed(RecordState.PRESENT)
    adapter = rig.adapter(XeroLimiter(max_wait=0.5))
    await adapter.check(lookup)
    assert adapter.limiter.last_seen is not None
    assert (adapter.limiter.last_seen.minute, adapter.limiter.last_seen.day) == (59, 4999)

    po = await _raw_purchase_order(rig, lookup)
    rig.harness.faults.add(
        FaultRule(
            path=rig.harness.read_route(),
            status=200,
            body=po,
            headers={"X-MinLimit-Remaining": "0", "X-DayLimit-Remaining": "4000"},
            times=1,
        )
    )
    await adapter.check(lookup)
    with pytest.raises(ErpUnreachable, match="call limits"):
        await adapter.check(lookup)
    assert len(rig.reads()) == 1  # the answer that said 0 left; nothing after it


async def _raw_purchase_order(rig: Rig, lookup: ErpLookup) -> object:
    response = await rig.http.get(
        f"{rig.server.url}/api.xro/2.0/PurchaseOrders/{lookup.commitment_origin_id}",
        headers=await _api_headers(rig),
    )
    rig.harness.recorder.clear()
    body: object = response.json()
    return body


async def _api_headers(rig: Rig, accept: str = "application/json") -> dict[str, str]:
    token = await rig.http.post(
        f"{rig.server.url}/connect/token",
        data={"grant_type": "client_credentials"},
        auth=(CONNECTION.client_id, CONNECTION.client_secret),
    )
    return {
        "Authorization": f"Bearer {token.json()['access_token']}",
        "xero-tenant-id": CONNECTION.tenant_id,
        "Accept": accept,
    }


# --- the stand-in's wire format -------------------------------------------------------------------


async def test_sandbox_answers_in_xeros_json_envelope(rig: Rig) -> None:
    order, _ = rig.harness.add_commitment_with_cco()
    url = f"{rig.server.url}/api.xro/2.0/PurchaseOrders/{order.purchase_order_id}"
    response = await rig.http.get(url, headers=await _api_headers(rig))

    body = response.json()
    assert (body["Status"], len(body["PurchaseOrders"])) == ("OK", 1)
    [po] = body["PurchaseOrders"]
    assert po["PurchaseOrderNumber"] == order.number
    assert re.fullmatch(r"/Date\(\d+\+0000\)/", po["Date"])
    assert re.fullmatch(r"/Date\(\d+\)/", body["DateTimeUTC"])
    assert len(po["LineItems"]) == 4
    for header in ("X-MinLimit-Remaining", "X-DayLimit-Remaining", "X-AppMinLimit-Remaining"):
        assert response.headers[header].isdigit()


async def test_sandbox_refuses_like_xero(rig: Rig) -> None:
    order, _ = rig.harness.add_commitment_with_cco()
    url = f"{rig.server.url}/api.xro/2.0/PurchaseOrders/{order.purchase_order_id}"
    headers = await _api_headers(rig, accept="")

    xml = await rig.http.get(url, headers=headers)
    assert xml.headers["Content-Type"].startswith("text/xml")
    assert f"<PurchaseOrderNumber>{order.number}</PurchaseOrderNumber>" in xml.text

    no_tenant = await rig.http.get(url, headers={"Authorization": headers["Authorization"]})
    assert no_tenant.status_code == 403
    assert json.loads(no_tenant.text)["Detail"] == "AuthenticationUnsuccessful"

    bad_client = await rig.http.post(
        f"{rig.server.url}/connect/token",
        data={"grant_type": "client_credentials"},
        auth=(CONNECTION.client_id, "nope"),
    )
    assert (bad_client.status_code, bad_client.json()) == (400, {"error": "invalid_client"})

    connections = await rig.http.get(
        f"{rig.server.url}/Connections", headers={"Authorization": headers["Authorization"]}
    )
    assert connections.json()[0]["tenantId"] == CONNECTION.tenant_id


async def test_sandbox_state_changes_purchase_orders(rig: Rig) -> None:
    state = rig.harness.state
    created = state.add_purchase_order([("Base", 100)])
    po_id = created.to_json()["PurchaseOrderID"]
    added = state.append_lines(po_id, [("CCO #001", 25)])
    line_id = added[0].to_json()["LineItemID"]
    lookup = ErpLookup("c", "001", "t", commitment_origin_id=po_id, line_item_origin_ids=(line_id,))
    adapter = rig.adapter()
    assert (await adapter.check(lookup)).state is RecordState.PRESENT

    assert state.remove_lines(po_id, [line_id]) == 1
    assert (await adapter.check(lookup)).state is RecordState.DELETED
    state.delete_purchase_order(po_id)
    assert state.as_dict()["purchase_orders"][0]["Status"] == "DELETED"


# --- the adapter's requests against Xero's OpenAPI ----------------------------------------------


def _load_spec(name: str) -> dict[str, Any]:
    path = SPECS / name
    if not path.exists():
        pytest.skip(f"{path} is not available")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    return spec


@pytest.fixture(scope="module")
def accounting_spec() -> dict[str, Any]:
    return _load_spec("xero_accounting.yaml")


def _resolved(spec: dict[str, Any], parameter: dict[str, Any]) -> dict[str, Any]:
    ref = parameter.get("$ref")
    if ref is None:
        return parameter
    target: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    resolved: dict[str, Any] = target
    return resolved


async def test_the_read_is_getpurchaseorder_as_the_openapi_defines_it(
    rig: Rig, accounting_spec: dict[str, Any]
) -> None:
    _, lookup = rig.harness.add_commitment_with_cco()
    await rig.adapter().check(lookup)
    [call] = rig.reads()

    server_path = httpx.URL(accounting_spec["servers"][0]["url"]).path
    template = "/PurchaseOrders/{PurchaseOrderID}"
    path_item = accounting_spec["paths"][template]
    operation = path_item[call.method.lower()]
    assert operation["operationId"] == "getPurchaseOrder"
    pattern = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(server_path + template))
    matched = re.fullmatch(pattern, call.path)
    assert matched, (call.path, pattern)

    parameters = [
        _resolved(accounting_spec, p)
        for p in path_item.get("parameters", []) + operation.get("parameters", [])
    ]
    headers = {name.lower(): value for name, value in call.headers.items()}
    for parameter in (p for p in parameters if p.get("required")):
        name, where = parameter["name"], parameter["in"]
        if where == "header":
            assert headers.get(name.lower()) == CONNECTION.tenant_id, name
        elif where == "path":
            value = matched.group(name)
            if parameter["schema"].get("format") == "uuid":
                uuid.UUID(value)
            assert value == lookup.commitment_origin_id
        elif where == "query":
            assert name in call.query, name

    assert "OAuth2" in {key for entry in operation["security"] for key in entry}
    assert headers["authorization"].startswith("Bearer ")
    assert "application/json" in operation["responses"]["200"]["content"]
    assert headers["accept"] == "application/json"


def test_the_token_url_is_the_one_xeros_oauth2_scheme_names(
    accounting_spec: dict[str, Any],
) -> None:
    scheme = accounting_spec["components"]["securitySchemes"]["OAuth2"]
    assert token_url("https://api.xero.com") == scheme["flows"]["authorizationCode"]["tokenUrl"]
    assert token_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/connect/token"


async def test_the_sandbox_purchase_order_uses_the_openapi_field_names(
    rig: Rig, accounting_spec: dict[str, Any]
) -> None:
    order, _ = rig.harness.add_commitment_with_cco()
    url = f"{rig.server.url}/api.xro/2.0/PurchaseOrders/{order.purchase_order_id}"
    [po] = (await rig.http.get(url, headers=await _api_headers(rig))).json()["PurchaseOrders"]

    schemas = accounting_spec["components"]["schemas"]
    example = accounting_spec["paths"]["/PurchaseOrders/{PurchaseOrderID}"]["get"]["responses"][
        "200"
    ]["content"]["application/json"]["example"]["PurchaseOrders"][0]
    known = set(schemas["PurchaseOrder"]["properties"]) | set(example)
    assert set(po) <= known, set(po) - known
    assert po["Status"] in schemas["PurchaseOrder"]["properties"]["Status"]["enum"]
    line_fields = set(schemas["LineItem"]["properties"])
    assert all(set(line) <= line_fields for line in po["LineItems"])
