"""The ack path writes nothing before the ack, yet a duplicated slash command still acts once."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from sandbox.faults import FaultRule
from tests.e2e.rig import TOWER_CHANNEL, Rig


async def test_a_repeated_slash_command_posts_one_card(rig: Rig) -> None:
    await rig.link()
    ws = rig.stack.slack
    fields = {
        "team_id": ws.team_id,
        "channel_id": TOWER_CHANNEL,
        "user_id": "U0ANA",
        "command": "/cco",
        "text": "unlink",
        "api_app_id": ws.app_id,
        "response_url": ws.issue_response_url(TOWER_CHANNEL, "U0ANA"),
        "trigger_id": ws.issue_trigger("U0ANA"),
    }
    body = urlencode(fields).encode()
    first = await rig.sender.deliver(body, "application/x-www-form-urlencoded")
    again = await rig.sender.deliver(body, "application/x-www-form-urlencoded")

    assert (first.status, again.status) == (200, 200)
    await rig.until(lambda: len(rig.cards()) == 1)
    await asyncio.sleep(0.5)
    assert len(rig.cards()) == 1


async def test_help_is_answered_in_the_ack(rig: Rig) -> None:
    delivery = await rig.command("help")

    assert delivery.status == 200
    assert "/cco unlink" in delivery.body


async def test_events_the_app_is_still_answering_are_waited_for_on_shutdown(rig: Rig) -> None:
    """An event is acknowledged before its work is done (here the Home is published): that work
    counts as in flight, so a shutdown's drain waits for it instead of closing the database
    under it (which left an aiosqlite connection to finish after its event loop closed)."""
    rig.stack.slack.faults.add(FaultRule(path=r"/api/views\.publish$", delay=1.0, times=1))
    assert (await rig.sender.open_home("U0ANA")).status == 200
    await rig.until(lambda: rig.runtime.inflight.count == 1, limit=5)
    assert await rig.runtime.inflight.drain(5.0)
    assert rig.stack.slack.views.home("U0ANA") is not None
