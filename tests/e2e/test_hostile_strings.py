"""Hostile and oversized strings from vendors and users, end to end (issue 10, point 9): an ERP
reference that holds mrkdwn, a CSV cell that holds a formula, Procore numbers and names longer
than any VARCHAR, and a timestamp that is not a number. (The clicker's email, which the channel
never sees: tests/e2e/test_unlink.py.)"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from flows.history import sign_csv_link
from sandbox.erps.http_bridge.demo import HttpBridgeDemo
from storage import audit as stored_audit
from storage import links
from tests.conftest import database_params
from tests.e2e.rig import (
    TOWER_A,
    TOWER_CHANNEL,
    Rig,
    attachment_color,
    start_rig,
    stop_rig,
    text_of,
)

#: what an ERP user typed as a change order reference; raw, it would notify the whole channel
#: and show a link that goes somewhere else than it says
HOSTILE = "<!channel> <https://x.example|open>"
RAW_SIGNS = ("<!channel>", "<https://", "|open>")
ESCAPED = "&lt;!channel&gt; &lt;https://x.example|open&gt;"
LONG_NUMBER = "CCO-" + "7" * 70  # 74 characters
LONG_TITLE = "Change " * 50  # 350 characters
LONG_PROJECT = "Tower A — " + "east wing, " * 30  # about 340 characters
FORMULA = '=HYPERLINK("https://x.example","open")'


@pytest.fixture(params=database_params())
async def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def bridge_rig(db_kind: str, tmp_path: Path) -> AsyncIterator[Rig]:
    started = await start_rig(db_kind, tmp_path, erp="http_bridge")
    try:
        yield started
    finally:
        await stop_rig(started)


@pytest.fixture
async def rig(db_kind: str, tmp_path: Path) -> AsyncIterator[Rig]:
    started = await start_rig(db_kind, tmp_path)
    try:
        yield started
    finally:
        await stop_rig(started)


async def _click(rig: Rig, number: str, user: str = "U0ANA") -> str:
    await rig.link()
    card = await rig.card()
    await rig.click_unlink(card, number, user=user)
    reply = await rig.reply(card)
    await rig.settle()
    assert len(rig.replies(card)) == 1
    return f"{attachment_color(reply)}\n{text_of(reply)}"


async def test_a_hostile_erp_reference_is_shown_as_text_in_the_still_in_reply(
    bridge_rig: Rig,
) -> None:
    rig = bridge_rig
    bridge = rig.stack.erp
    assert isinstance(bridge, HttpBridgeDemo)
    keys = rig.stack.index.erp_keys[(TOWER_A, "001")]
    bridge.state.put(keys.origin_id, "present", reference=HOSTILE, status_text=HOSTILE)

    shown = await _click(rig, "001")

    assert shown.startswith("danger\n") and "is still in" in shown, shown
    assert not any(sign in shown for sign in RAW_SIGNS), shown
    assert ESCAPED in shown
    assert rig.procore_writes() == 0


async def test_long_procore_numbers_titles_and_names_are_stored_whole(rig: Rig) -> None:
    world = rig.stack.procore.world
    package = world.packages[rig.stack.index.packages[(TOWER_A, "002")]]
    package.number, package.title = LONG_NUMBER, LONG_TITLE
    world.projects[TOWER_A].name = LONG_PROJECT

    shown = await _click(rig, "002")

    assert shown.startswith("good\n"), shown
    assert f"Successfully unlinked CCO #{LONG_NUMBER}" in shown
    assert rig.procore_writes() == 1
    async with rig.runtime.db.session() as s:
        link = await links.get_channel_link(
            session=s, team_id=rig.stack.slack.team_id, channel_id=TOWER_CHANNEL
        )
        audit = await stored_audit.project_audit(
            session=s, company_id=rig.runtime.services.policy.company_id, project_id=TOWER_A
        )
    assert link is not None and link.project_name == LONG_PROJECT
    assert {e.cco_number for e in audit if e.cco_id} == {LONG_NUMBER}


async def test_audit_csv_cells_never_start_a_formula(rig: Rig) -> None:
    package = rig.stack.procore.world.packages[rig.stack.index.packages[(TOWER_A, "003")]]
    package.number = FORMULA
    shown = await _click(rig, "003")
    assert shown.startswith("good\n"), shown

    svc = rig.runtime.services
    expires = int(time.time()) + 600
    signature = sign_csv_link(svc.links.key, svc.policy.company_id, TOWER_A, expires)
    query = urlencode({"expires": expires, "signature": signature})
    answer = await rig.http.get(f"{rig.server.url}/audit/{TOWER_A}.csv?{query}")

    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.text)))[1:]
    numbers = {row[6] for row in rows if row[5]}  # the rows of the CCO's attempt
    assert numbers == {"'" + FORMULA}, numbers
    cells = [cell for row in rows for cell in row]
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells), cells


async def test_a_timestamp_that_is_not_a_number_gets_401(rig: Rig) -> None:
    body = urlencode({"command": "/cco", "text": "help", "user_id": "U0ANA"}).encode()
    secret = rig.stack.slack.signing_secret.encode()
    for stamp in ("soon", "1e9", ""):
        digest = hmac.new(secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
        answer = await rig.http.post(
            rig.events_url,
            content=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": f"v0={digest.hexdigest()}",
            },
        )
        assert answer.status_code == 401, (stamp, answer.status_code, answer.text)
        assert "Traceback" not in answer.text
