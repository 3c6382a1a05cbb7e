"""Hostile input against the running app over signed HTTP: fuzzed `/cco` text and tampered
block_actions payloads (hypothesis), oversized and malformed bodies, and Events API retries.

Properties: the app never answers >= 500, never writes to Procore, never shows a stack trace (or
the generic crash answer) in Slack, and never starts an unlink of a CCO its card does not list.
The hypothesis tests drive the app, which runs in its own event loop on a background thread."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from handlers.blocks.card import PAGE_ACTION, UNLINK_ACTION
from handlers.blocks.requests import APPROVE_ACTION, DENY_ACTION, REQUEST_ACTION
from sandbox.slack.world import SlackMessage
from storage.models import UnlinkAttempt
from tests.conftest import database_params
from tests.e2e.rig import SYNC_WRITE, TOWER_A, TOWER_CHANNEL, Rig, start_rig, stop_rig, text_of
from tests.reliability.conftest import FAST_APP

T = TypeVar("T")
FORM = "application/x-www-form-urlencoded"
EXAMPLES = 50
#: what must never reach a Slack user, whatever they typed or forged
CRASH_SIGNS = ("Traceback", 'File "/', "Something went wrong on our side")


class AppThread:
    """An event loop on a background thread: the stand-ins and the app live there."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, work: Awaitable[T], timeout: float = 60) -> T:
        async def wrapped() -> T:
            return await work

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class Live:
    app: AppThread
    rig: Rig
    card: SlackMessage
    #: the only CCO on the card (CCO #001, still present in Acumatica: never unlinkable)
    listed_id: int
    #: package ids the card does not list: same project, other project, other company
    foreign_ids: list[int]

    def deliver(self, body: bytes, content_type: str = FORM) -> int:
        return self.app.run(self.rig.sender.deliver(body, content_type)).status

    def quiet(self) -> None:
        """Let the app finish what the deliveries started (acks come before the work)."""
        self.app.run(_quiet(self.rig))

    def crash_answers(self) -> list[str]:
        shown = [text_of(m) for m in self.rig.stack.slack.messages]
        return [t for t in shown if any(sign in t for sign in CRASH_SIGNS)]

    def attempted_ids(self) -> set[int]:
        async def read() -> set[int]:
            async with self.rig.runtime.db.session() as s:
                return {a.cco_id for a in (await s.exec(select(UnlinkAttempt))).all()}

        return self.app.run(read())


async def _quiet(rig: Rig) -> None:
    await asyncio.sleep(0.3)
    await rig.settle()


@pytest.fixture(params=database_params())
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Live]:
    app = AppThread()
    rig = app.run(start_rig(request.param, tmp_path, **FAST_APP))
    try:
        app.run(rig.link())
        card = app.run(rig.card("001"))
        index, world = rig.stack.index, rig.stack.procore.world
        other = world.add_company("Rival Builders")
        project = world.add_project(other.id, "Rival HQ", is_erp_integrated=True)
        contract = world.add_commitment(project.id, "SC-9", "Rival steel", origin_id="X-1")
        rival = world.add_package(project.id, contract.id, "009", "Rival CO", origin_id="X-9")
        listed = index.packages[(TOWER_A, "001")]
        foreign = [p for p in index.packages.values() if p != listed] + [rival.id]
        yield Live(app, rig, card, listed, foreign)
    finally:
        app.run(stop_rig(rig))
        app.close()


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no example database in the repository; failures print their example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- /cco command text -------------------------------------------------------------------------

VERBS = ["", "help ", "link ", "unlink ", "status ", "history ", "UNLINK ", "unlnk "]
#: what Slack can send: any character UTF-8 can carry (a lone surrogate cannot be in a payload)
SENDABLE = st.characters(codec="utf-8")
command_texts = st.one_of(
    st.text(SENDABLE, max_size=300),
    st.tuples(st.sampled_from(VERBS), st.text(SENDABLE, max_size=400)).map("".join),
    st.tuples(st.sampled_from(VERBS), st.sampled_from(["²", "٣", "1²", "①"])).map("".join),
    st.tuples(st.sampled_from(VERBS), st.sampled_from(["-1", "1e9", "00", "9" * 40, "0x10"])).map(
        "".join
    ),
    st.tuples(st.sampled_from(VERBS), SENDABLE, st.integers(1_000, 40_000)).map(
        lambda t: t[0] + t[1] * t[2]
    ),
)


def test_fuzzed_command_text_is_answered_without_5xx_writes_or_stack_traces(live: Live) -> None:
    sender = live.rig.sender
    statuses: list[int] = []

    @FUZZ
    @given(text=command_texts)
    def example(text: str) -> None:
        delivery = live.app.run(sender.slash_command("U0ANA", TOWER_CHANNEL, text))
        statuses.append(delivery.status)
        assert 200 <= delivery.status < 500, (text[:80], delivery.status, delivery.body[:200])

    example()
    live.quiet()
    writes = live.rig.stack.procore.recorder.count("PATCH", SYNC_WRITE)
    crashes = live.crash_answers()
    print(
        f"\nfuzzed /cco text: {len(statuses)} commands, statuses {Counter(statuses)}, "
        f"{writes} Procore writes, {len(crashes)} crash answers"
    )
    assert writes == 0
    assert crashes == []


# -- block_actions payloads --------------------------------------------------------------------

MISSING = object()
junk_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=60),
    st.just(""),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
number_strings = st.sampled_from(
    ["-1", "1e9", "00", "0", "", " 1", "1 ", "+1", "٣", "１２", "9" * 19, "9" * 20, "9" * 600]
)


@st.composite
def tampered(draw: st.DrawFn, live: Live) -> dict[str, Any]:
    """A click on the card's one Unlink button, with some of its fields forged."""
    ws, card = live.rig.stack.slack, live.card
    foreign = st.sampled_from(live.foreign_ids).map(str)
    value = draw(st.one_of(foreign, number_strings, junk_scalars, st.just(str(live.listed_id))))
    others = [PAGE_ACTION, f"{PAGE_ACTION}_next", REQUEST_ACTION, APPROVE_ACTION, DENY_ACTION]
    action_id = draw(
        st.one_of(st.just(UNLINK_ACTION), st.sampled_from(others), st.text(max_size=30))
    )
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": "U0ANA", "username": "ana", "name": "ana", "team_id": ws.team_id},
        "api_app_id": ws.app_id,
        "token": ws.verification_token,
        "trigger_id": ws.issue_trigger("U0ANA"),
        "team": {"id": ws.team_id, "domain": ws.domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "container": {
            "type": "message",
            "message_ts": card.ts,
            "channel_id": card.channel,
            "is_ephemeral": False,
        },
        "channel": {"id": card.channel, "name": "tower-a"},
        "response_url": ws.issue_response_url(card.channel, "U0ANA", card.ts),
        "actions": [
            {
                "action_id": action_id,
                "block_id": f"cco:{live.listed_id}",
                "type": "button",
                "action_ts": ws.next_ts(),
                "value": value,
            }
        ],
        "state": {"values": {}},
        "message": ws.message_json(card),
    }
    forged_ids = st.one_of(
        st.sampled_from(["C0TOWERB", "C0NOPE", "T0RIVAL", "U0BEN", "", "1795809468.944919"]),
        st.text(max_size=20),
        junk_scalars,
    )
    structural = draw(st.integers(0, 9)) < 4  # most examples forge values, not JSON shapes
    for path in draw(st.sets(st.sampled_from(_FORGEABLE), max_size=2 if structural else 0)):
        *parents, leaf = path
        node = payload
        for key in parents:
            node = node[key] if isinstance(node.get(key), dict) else {}
        choice = draw(st.one_of(st.just(MISSING), forged_ids))
        if choice is MISSING:
            node.pop(leaf, None)
        else:
            node[leaf] = choice
    if structural and draw(st.booleans()):
        payload[draw(st.sampled_from(["actions", "container", "team", "user"]))] = draw(
            junk_scalars
        )
    return payload


_FORGEABLE: list[tuple[str, ...]] = [
    ("team", "id"),
    ("container", "channel_id"),
    ("container", "message_ts"),
    ("channel", "id"),
    ("user", "team_id"),
    ("user", "id"),
    ("response_url",),
    ("message",),
    ("type",),
]


def test_tampered_clicks_never_write_and_never_reach_an_unlisted_cco(live: Live) -> None:
    statuses: list[int] = []

    @FUZZ
    @given(data=st.data())
    def example(data: st.DataObject) -> None:
        payload = data.draw(tampered(live))
        if payload.get("response_url") is not None and not _loopback(payload["response_url"]):
            payload["response_url"] = "not a url"  # never send the app beyond loopback
        body = urlencode({"payload": json.dumps(payload)}).encode()
        status = live.deliver(body)
        statuses.append(status)
        assert 200 <= status < 500, (status, json.dumps(payload)[:300])

    example()
    live.quiet()
    writes = live.rig.stack.procore.recorder.count("PATCH", SYNC_WRITE)
    touched = live.attempted_ids()
    foreign_reads = [
        r.path
        for r in live.rig.stack.procore.recorder.requests
        if any(r.path.endswith(f"/{pid}") for pid in live.foreign_ids)
    ]
    crashes = live.crash_answers()
    print(
        f"\ntampered clicks: {len(statuses)} payloads, statuses {Counter(statuses)}, "
        f"{writes} Procore writes, attempts on {sorted(touched)}, "
        f"{len(foreign_reads)} reads of unlisted CCOs, {len(crashes)} crash answers"
    )
    assert writes == 0
    assert touched <= {live.listed_id}
    assert foreign_reads == []
    assert crashes == []


def _loopback(url: object) -> bool:
    return isinstance(url, str) and url.startswith(("http://127.0.0.1", "http://localhost"))


# -- bodies and retries ------------------------------------------------------------------------


MALFORMED: list[tuple[bytes, str]] = [
    (b"payload=%7Bnot-json", FORM),
    (b"payload=%5B1%2C2%5D", FORM),
    (b"payload=", FORM),
    (b"payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A7%7D", FORM),
    (b"{not json", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'{"type": "event_callback", "event": "app_home_opened"}', "application/json"),
    (b"\xff\xfe\x00garbage", FORM),
]


async def test_oversized_and_malformed_bodies_get_a_clear_4xx(rig: Rig) -> None:
    oversized = urlencode({"payload": "x" * (600 * 1024)}).encode()
    too_big = await rig.sender.deliver(oversized, FORM)
    answers = [await rig.sender.deliver(body, kind) for body, kind in MALFORMED]
    statuses = [a.status for a in answers]
    print(
        f"\noversized body ({len(oversized) // 1024} KiB): HTTP {too_big.status}; "
        f"malformed bodies: HTTP {statuses}"
    )
    assert too_big.status == 413
    assert all(400 <= status < 500 for status in statuses), statuses
    assert not any("Traceback" in a.body for a in answers)


async def test_events_api_retry_with_the_same_event_id_acts_once(rig: Rig) -> None:
    ws = rig.stack.slack
    envelope = {
        "token": ws.verification_token,
        "team_id": ws.team_id,
        "api_app_id": ws.app_id,
        "event": {
            "type": "app_home_opened",
            "user": "U0ANA",
            "channel": ws.dm_channel("U0ANA").id,
            "tab": "home",
            "event_ts": ws.next_ts(),
        },
        "type": "event_callback",
        "event_id": "Ev0RETRY0001",
        "event_time": int(ws.clock()),
        "authorizations": [{"team_id": ws.team_id, "user_id": ws.bot_user_id, "is_bot": True}],
    }
    body = json.dumps(envelope).encode()
    published = await _publishes(rig, lambda: rig.sender.deliver(body, "application/json"))
    assert published == 1
    statuses = []
    for retry in (1, 2):
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Retry-Num": str(retry),
            "X-Slack-Retry-Reason": "http_timeout",
            **rig.sender.sign(body, int(ws.clock())),
        }
        answer = await rig.http.post(rig.events_url, content=body, headers=headers)
        statuses.append(answer.status_code)
    await asyncio.sleep(0.5)
    total = ws.recorder.count("POST", r"/api/views\.publish$")
    print(f"\nevents API retries: 1 delivery + 2 retries -> {total} views.publish, {statuses}")
    assert statuses == [200, 200]
    assert total == 1


async def _publishes(rig: Rig, send: Callable[[], Awaitable[Any]]) -> int:
    before = rig.stack.slack.recorder.count("POST", r"/api/views\.publish$")
    delivery = await send()
    assert delivery.status == 200, delivery.body
    await rig.until(
        lambda: rig.stack.slack.recorder.count("POST", r"/api/views\.publish$") > before
    )
    return rig.stack.slack.recorder.count("POST", r"/api/views\.publish$") - before
