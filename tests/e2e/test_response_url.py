"""A click's response_url lasts 30 minutes and 5 answers (issue 11, point 10): past that the
outbox stops using it and the answer reaches the clicker with a word on where it went."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from flows.outbox import MAX_TRIES
from sandbox.faults import FaultRule
from sandbox.slack.app import serve_slack
from sandbox.slack.world import SlackMessage, SlackWorkspace
from storage import outbox
from storage.models import OutboxMessage, utcnow
from tests.conftest import database_params
from tests.e2e.rig import SYNC_WRITE, Rig, attachment_color, start_rig, stop_rig, text_of

RESPONSE_URL_POST = r"^/response/"


@pytest.fixture(params=database_params())
async def fast_rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    """A quick sweep and a short outbox claim, so owed replies are retried within seconds."""
    started = await start_rig(
        request.param, tmp_path, sweep_interval_seconds=0.3, outbox_claim_seconds=1
    )
    try:
        yield started
    finally:
        await stop_rig(started)


async def card_without_the_bot(rig: Rig) -> SlackMessage:
    await rig.link()
    card = await rig.card()
    rig.stack.slack.channels[card.channel].members.discard(rig.stack.slack.bot_user_id)
    return card


def direct_messages(rig: Rig, user: str) -> list[SlackMessage]:
    channel = rig.stack.slack.dm_channel(user)
    return rig.stack.slack.channel_messages(channel.id)


async def hold_the_reply(rig: Rig) -> OutboxMessage:
    """Claim the owed reply as another replica would, once no try holds it: then no delivery is
    under way (one may have read the reply as it was, and be about to post it) while the test
    changes it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        async with rig.runtime.db.transaction() as s:
            (message,) = await outbox.undelivered(session=s, max_tries=MAX_TRIES)
            if await outbox.claim(session=s, message=message, until=utcnow() + timedelta(hours=1)):
                return message
        await asyncio.sleep(0.05)
    raise AssertionError("the owed reply stayed claimed")


async def test_a_response_url_slack_has_expired_sends_the_answer_to_the_clicker(
    fast_rig: Rig,
) -> None:
    rig = fast_rig
    card = await card_without_the_bot(rig)
    offset = [0.0]
    rig.stack.slack.clock = lambda: time.time() + offset[0]
    rig.stack.procore.faults.add(FaultRule(path=SYNC_WRITE, method="PATCH", delay=1.0, times=1))
    await rig.click_unlink(card, "002")
    offset[0] = 31 * 60  # the write takes its time; meanwhile the click's URL grows old
    await rig.until(lambda: bool(direct_messages(rig, "U0ANA")))
    await rig.settle()
    answer = direct_messages(rig, "U0ANA")[-1]
    assert attachment_color(answer) == "good"
    assert "Successfully unlinked CCO #002" in text_of(answer)
    assert f"not a member of <#{card.channel}>" in text_of(answer)
    assert "reply link has expired" in text_of(answer)
    assert not rig.replies(card)


async def test_the_outbox_stops_using_a_response_url_after_30_minutes(fast_rig: Rig) -> None:
    rig = fast_rig
    card = await card_without_the_bot(rig)
    rig.stack.slack.faults.add(FaultRule(path=RESPONSE_URL_POST, status=500, body="down"))
    before = rig.stack.slack.recorder.count("POST", RESPONSE_URL_POST)  # /cco link's answer
    await rig.click_unlink(card, "002")
    await rig.until(lambda: rig.stack.slack.recorder.count("POST", RESPONSE_URL_POST) > before)
    await rig.settle()
    held = await hold_the_reply(rig)  # no try is under way while the reply ages
    async with rig.runtime.db.transaction() as s:  # the reply has now been owed for 31 minutes
        await s.exec(update(OutboxMessage).values(created_at=utcnow() - timedelta(minutes=31)))  # type: ignore[call-overload]
    tried = rig.stack.slack.recorder.count("POST", RESPONSE_URL_POST)
    rig.stack.slack.faults.clear()
    async with rig.runtime.db.transaction() as s:  # let go: the next sweep tries it again
        await outbox.settle(session=s, message=held, delivered=False, retry_at=None, error=None)
    await rig.until(lambda: bool(direct_messages(rig, "U0ANA")))
    answer = direct_messages(rig, "U0ANA")[-1]
    assert "Successfully unlinked CCO #002" in text_of(answer)
    assert "reply link has expired" in text_of(answer)
    assert rig.stack.slack.recorder.count("POST", RESPONSE_URL_POST) == tried
    assert not rig.replies(card)


async def test_the_slack_stand_in_takes_five_posts_within_30_minutes() -> None:
    """What Slack documents for a response_url, as the stand-in enforces it."""
    ws = SlackWorkspace()
    ws.add_channel("C0ONE", "one", members={"U0ONE"})
    ws.add_user("U0ONE", "one", "One")
    server = await serve_slack(ws)
    offset = [0.0]
    ws.clock = lambda: time.time() + offset[0]
    try:
        async with httpx.AsyncClient() as http:
            used = ws.issue_response_url("C0ONE", "U0ONE")
            answers = [(await http.post(used, json={"text": f"{n}"})).status_code for n in range(6)]
            assert answers == [200] * 5 + [404]
            aged = ws.issue_response_url("C0ONE", "U0ONE")
            assert (await http.post(aged, json={"text": "fresh"})).status_code == 200
            offset[0] = 30 * 60 + 1
            late = await http.post(aged, json={"text": "late"})
            assert late.status_code == 404 and late.text == "expired_url"
    finally:
        await server.stop()
