"""QuickBooks Online and NetSuite: "nothing to unlink", answered without any network call."""

from __future__ import annotations

import socket

import httpx
import pytest

from erp.base import ErpLookup, ErpRecord, RecordState
from erp.not_synced import INFOS, not_synced_message
from erp.registry import build_adapter, info_for
from erp.settings import ErpSettings

SYSTEMS = [("quickbooks_online", "QuickBooks Online"), ("netsuite", "NetSuite")]
LOOKUP = ErpLookup(origin_id="QBO-77", cco_number="004", cco_title="Drywall changes")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(("system", "name"), SYSTEMS)
async def test_answers_not_synced_without_touching_the_network(system: str, name: str) -> None:
    sent: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        sent.append(request)

    base_url = f"http://127.0.0.1:{closed_port()}"
    async with httpx.AsyncClient(event_hooks={"request": [record]}) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(base_url)  # the port really is closed: any call would fail
        sent.clear()

        adapter = build_adapter(ErpSettings(system=system, base_url=base_url), http)
        record_ = await adapter.check(LOOKUP)
        await adapter.aclose()

    assert sent == []
    assert record_.state is RecordState.NOT_SYNCED_BY_THIS_ERP
    assert record_.reference == "QBO-77"
    assert record_.status_text == f"CCOs aren't synced with {name}, so there is nothing to unlink."
    assert adapter.info.name == name


@pytest.mark.parametrize(("system", "name"), SYSTEMS)
async def test_needs_no_erp_settings_at_all(system: str, name: str) -> None:
    async with httpx.AsyncClient() as http:
        adapter = build_adapter(ErpSettings(system=system), http)
        record = await adapter.check(LOOKUP)
    assert record.state is RecordState.NOT_SYNCED_BY_THIS_ERP
    assert adapter.info == info_for(system) == INFOS[system]


@pytest.mark.parametrize(("system", "name"), SYSTEMS)
def test_message_wording(system: str, name: str) -> None:
    info = info_for(system)
    assert not_synced_message(info) == (
        f"CCOs aren't synced with {name}, so there is nothing to unlink."
    )
    assert not_synced_message(INFOS["quickbooks_online"]) == (
        "CCOs aren't synced with QuickBooks Online, so there is nothing to unlink."
    )


@pytest.mark.parametrize(("system", "name"), SYSTEMS)
def test_no_state_allows_an_unlink(system: str, name: str) -> None:
    info = info_for(system)
    assert info.syncs_ccos is False
    assert not any(info.allows_unlink(state) for state in RecordState)
    record = ErpRecord(RecordState.NOT_SYNCED_BY_THIS_ERP, "QBO-77")
    assert info.fix(record) == not_synced_message(info)
