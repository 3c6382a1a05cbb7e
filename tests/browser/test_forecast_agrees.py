"""The side panel's "what the next click does" against what the click then does, case by case:
the world is set through the playground's API, the forecast read for the clicker, the Unlink
clicked through the Slack stand-in (signed, as Slack sends it), and the app's recorded outcome
compared with the forecast's."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bot.sandbox_cmd import Sandbox
from handlers.blocks.card import UNLINK_ACTION

TOWER_A, CHANNEL = 101, "C0TOWERA"
ANA, BEN, CHLOE, DAN, EVE = "U0ANA", "U0BEN", "U0CHLOE", "U0DAN", "U0EVE"


@dataclass(frozen=True)
class Case:
    name: str
    clicker: str
    number: str
    #: playground changes made before the click: (change, body)
    changes: tuple[tuple[str, dict[str, Any]], ...] = ()
    #: unlink the CCO in Procore behind the card's back (as someone outside Slack would)
    unsynced_elsewhere: bool = False
    #: the outcome both must name
    expected: str = ""


def outage(system: str, mode: str) -> tuple[str, dict[str, Any]]:
    return ("outage", {"system": system, "mode": mode})


def permission(who: str, name: str, on: bool) -> tuple[str, dict[str, Any]]:
    return ("permission", {"person": who, "project": TOWER_A, "permission": name, "on": on})


def empty_company() -> tuple[str, dict[str, Any]]:
    return ("erp-company", {"empty": True})


def not_integrated() -> tuple[str, dict[str, Any]]:
    return ("project", {"project": TOWER_A, "erp_integrated": False})


def erp_state(number: str, state: str) -> tuple[str, dict[str, Any]]:
    return ("erp-state", {"project": TOWER_A, "number": number, "state": state})


def case(
    name: str, clicker: str, number: str, expected: str, *changes: tuple[str, dict[str, Any]]
) -> Case:
    return Case(name, clicker, number, changes, expected=expected)


DOWN, LIMITED = "down", "rate_limited"
CASES = [
    case("record still in the ERP", ANA, "001", "still_in_erp"),
    case("reversed counts as gone", ANA, "002", "unlinked"),
    case("deleted counts as gone", ANA, "003", "unlinked"),
    case("record deleted in the panel", ANA, "001", "unlinked", erp_state("001", "deleted")),
    case("record put back", ANA, "003", "still_in_erp", erp_state("003", "present")),
    case("no Can Push", BEN, "002", "permission_denied"),
    case("two permissions missing", CHLOE, "002", "permission_denied"),
    case("a switch off", ANA, "002", "permission_denied", permission(ANA, "commitments", False)),
    case("a switch on", BEN, "002", "unlinked", permission(BEN, "can_push", True)),
    case("not in Procore", DAN, "002", "unknown_user"),
    case("no email in Slack", EVE, "002", "unknown_user"),
    case("no email, Procore down", EVE, "002", "unknown_user", outage("procore", DOWN)),
    case("Procore down", ANA, "002", "unreachable", outage("procore", DOWN)),
    case("Procore rate-limited", ANA, "002", "unreachable", outage("procore", LIMITED)),
    case("Procore slow", ANA, "002", "unlinked", outage("procore", "slow")),
    case("ERP down", ANA, "002", "unreachable", outage("erp", DOWN)),
    case("ERP rate-limited", ANA, "001", "unreachable", outage("erp", LIMITED)),
    case("ERP down, permission missing", BEN, "002", "permission_denied", outage("erp", DOWN)),
    case("project not ERP-integrated", ANA, "002", "not_erp_integrated", not_integrated()),
    case("empty ERP company, record deleted", ANA, "003", "erp_parent_unknown", empty_company()),
    case("empty ERP company, record there", ANA, "001", "erp_parent_unknown", empty_company()),
    case("empty ERP company, no rights", BEN, "003", "permission_denied", empty_company()),
    case("not integrated, no rights", BEN, "002", "permission_denied", not_integrated()),
    Case("unlinked outside Slack", ANA, "005", unsynced_elsewhere=True, expected="not_synced"),
    Case(
        "unlinked outside Slack, ERP down",
        ANA,
        "005",
        (outage("erp", DOWN),),
        unsynced_elsewhere=True,
        expected="not_synced",
    ),
]


async def api(http: httpx.AsyncClient, path: str, body: dict[str, Any] | None = None) -> Any:
    if body is None:
        return (await http.get(path, params={"channel": CHANNEL, "user": ANA})).json()
    return (await http.post(path, json=body)).json()


async def card_ts(http: httpx.AsyncClient) -> str:
    """Link the channel and post the card as Ana; the card's ts once it is in the channel."""
    await api(http, "api/command", {"channel": CHANNEL, "user": ANA, "text": "/cco link 101"})
    await shown(http, "linked this channel")
    await api(http, "api/command", {"channel": CHANNEL, "user": ANA, "text": "/cco unlink"})
    card = await shown(http, "ERP-synced CCOs — Tower A")
    return card.split('data-ts="', 1)[1].split('"', 1)[0]


async def shown(http: httpx.AsyncClient, needle: str) -> str:
    """The first message in the channel (as Ana sees it) containing `needle`, once it is there."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for message in (await api(http, "api/messages"))["messages"]:
            if needle in message["html"]:
                return str(message["html"])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no message with {needle!r}")


def outcomes(sandbox: Sandbox, cco_id: int, user: str) -> list[str | None]:
    with sqlite3.connect(sandbox.folder / "cco-bot.db") as db:
        rows = db.execute(
            "SELECT outcome FROM unlink_attempt WHERE cco_id = ? AND slack_user_id = ? "
            "ORDER BY created_at",
            (cco_id, user),
        ).fetchall()
    return [row[0] for row in rows]


async def real_outcome(sandbox: Sandbox, cco_id: int, user: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = outcomes(sandbox, cco_id, user)
        if found and found[-1] is not None:
            return found[-1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"the click on {cco_id} by {user} recorded no outcome")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_the_forecast_names_the_outcome_the_click_gets(sandbox: Sandbox, case: Case) -> None:
    package_id = sandbox.stack.index.packages[(TOWER_A, case.number)]
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=60) as http:
        ts = await card_ts(http)
        for change, body in case.changes:
            assert await api(http, f"api/world/{change}", body) == {"ok": True}
        if case.unsynced_elsewhere:
            sandbox.stack.procore.world.set_origin(package_id, None)
        panel = (
            await http.get("api/world", params={"channel": CHANNEL, "user": case.clicker})
        ).json()
        forecast = next(c for c in panel["ccos"] if c["number"] == case.number)["forecast"]
        click = {
            "user": case.clicker,
            "channel": CHANNEL,
            "ts": ts,
            "action_id": UNLINK_ACTION,
            "value": str(package_id),
        }
        assert (await api(http, "api/click", click))["ok"]
        outcome = await real_outcome(sandbox, package_id, case.clicker)
    assert (forecast["kind"], outcome) == (case.expected, case.expected), forecast["text"]
