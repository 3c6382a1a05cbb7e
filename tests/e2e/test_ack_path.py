"""The ack path writes nothing before the ack, yet a duplicated slash command still acts once."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

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
