"""Faults injected through the stand-ins while a click is answered (in-process app, SQLite and
PostgreSQL): Slack, Procore and the ERP fail in the ways they do in production; every click still
ends with the right final answer, exactly once, and Procore is never written wrongly."""

from __future__ import annotations

import asyncio
import time

import pytest

from handlers.slack_io import INVITE_HINT
from sandbox.faults import FaultRule
from sandbox.slack.world import SlackMessage
from tests.e2e.rig import SYNC_WRITE, TOWER_A, Rig, attachment_color, text_of

THREAD_POST = r"/api/chat\.postMessage$"
PACKAGE_READ = r"/rest/v1\.0/change_order_packages/\d+$"
ERP_READ = r"/entity/"
#: longer than the app's outbound timeouts in these tests (conftest.FAST_APP: 0.8 s, Slack 1 s)
SLOW = 1.5
#: two sweeps and more (conftest.FAST_APP: every 0.3 s): anything still owed would be posted
QUIET = 0.6


async def _unlink_002(rig: Rig) -> tuple[SlackMessage, float]:
    """Link, post the card, click Unlink on CCO #002 (reversed in Acumatica, so it may go);
    return the card and the monotonic time of the click."""
    await rig.link()
    card = await rig.card()
    return card, time.monotonic()


async def _click(rig: Rig, card: SlackMessage) -> None:
    delivery = await rig.click_unlink(card, "002")
    assert delivery.status == 200, delivery.body


async def _final(rig: Rig, card: SlackMessage, clicked: float) -> tuple[SlackMessage, float]:
    """The one final thread reply (waiting past the sweeps to be sure no second one comes)."""
    reply = await rig.reply(card)
    took = time.monotonic() - clicked
    await rig.settle()
    await asyncio.sleep(QUIET)
    assert len(rig.replies(card)) == 1, [text_of(r) for r in rig.replies(card)]
    return reply, took


async def _past(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()) + 0.1)


def _applied(rig: Rig) -> list[str | None]:
    package_id = rig.stack.index.packages[(TOWER_A, "002")]
    return [u.origin_id for u in rig.stack.procore.world.sync_updates if u.item_id == package_id]


def _origin(rig: Rig) -> str | None:
    return rig.stack.procore.world.packages[rig.stack.index.packages[(TOWER_A, "002")]].origin_id


def _assert_green_once(rig: Rig, reply: SlackMessage) -> None:
    assert attachment_color(reply) == "good", text_of(reply)
    assert "Successfully unlinked CCO #002" in text_of(reply)
    assert _applied(rig) == [None]
    assert _origin(rig) is None
    assert len(rig.stack.procore.world.sync_updates) == 1


def _assert_red_unchanged(rig: Rig, reply: SlackMessage, system: str) -> None:
    shown = text_of(reply)
    assert attachment_color(reply) == "danger", shown
    assert f"{system} could not be reached — nothing was changed" in shown
    assert rig.procore_writes() == 0
    assert rig.stack.procore.world.sync_updates == []
    assert _origin(rig) is not None
    assert "Traceback" not in shown


# -- Slack: posting the reply --------------------------------------------------------------


async def test_slack_429_on_the_reply_waits_retry_after_then_posts_once(rig: Rig) -> None:
    card, _ = await _unlink_002(rig)
    rig.stack.slack.faults.add(
        FaultRule(
            path=THREAD_POST,
            method="POST",
            status=429,
            headers={"Retry-After": "1"},
            body={"ok": False, "error": "ratelimited"},
            times=1,
        )
    )
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    posts = rig.stack.slack.recorder.matching("POST", THREAD_POST)[-2:]
    print(f"\nslack 429: reply after {took:.2f} s, {len(rig.replies(card))} reply, 2 posts")
    _assert_green_once(rig, reply)
    assert posts[1].at - posts[0].at >= 0.9  # Retry-After honoured


async def test_slack_500s_on_the_reply_are_retried_until_it_lands_once(rig: Rig) -> None:
    card, _ = await _unlink_002(rig)
    before = rig.stack.slack.recorder.count("POST", THREAD_POST)
    rig.stack.slack.faults.add(
        FaultRule(
            path=THREAD_POST,
            method="POST",
            status=500,
            body={"ok": False, "error": "internal_error"},
            times=3,  # the client's own two retries fail too: the outbox has to try again
        )
    )
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    tries = rig.stack.slack.recorder.count("POST", THREAD_POST) - before
    print(f"\nslack 500 x3: reply after {took:.2f} s, {tries} posts, 1 reply")
    _assert_green_once(rig, reply)
    assert tries == 4


async def test_slack_timeout_on_the_reply_is_retried_and_lands_once(rig: Rig) -> None:
    card, _ = await _unlink_002(rig)
    # Slack takes longer than the app waits, then drops the connection: nothing was posted.
    rig.stack.slack.faults.add(
        FaultRule(path=THREAD_POST, method="POST", status=0, delay=SLOW, times=1)
    )
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    print(f"\nslack timeout: reply after {took:.2f} s, 1 reply")
    _assert_green_once(rig, reply)


async def test_slack_slow_reply_that_lands_late_is_not_posted_twice(rig: Rig) -> None:
    card, _ = await _unlink_002(rig)
    # Slack takes longer than the app waits but does post the message in the end.
    rig.stack.slack.faults.add(FaultRule(path=THREAD_POST, method="POST", delay=SLOW, times=1))
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    await _past(clicked + SLOW)
    print(f"\nslack slow post: reply after {took:.2f} s, {len(rig.replies(card))} reply")
    assert len(rig.replies(card)) == 1
    _assert_green_once(rig, reply)


async def test_bot_not_in_channel_answers_through_response_url_with_invite_hint(
    rig: Rig,
) -> None:
    card, _ = await _unlink_002(rig)
    rig.stack.slack.channels[card.channel].members.discard(rig.stack.slack.bot_user_id)
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    refused = rig.stack.slack.recorder.matching("POST", THREAD_POST)[-1]
    print(f"\nnot_in_channel: answer via response_url after {took:.2f} s, 1 reply")
    _assert_green_once(rig, reply)
    assert "/invite @cco-bot" in text_of(reply) and INVITE_HINT.split(",")[0] in text_of(reply)
    assert b"thread_ts" in refused.body  # the thread was tried first
    assert rig.stack.slack.recorder.count("POST", r"^/response/") >= 1


# -- Procore ---------------------------------------------------------------------------------


async def test_procore_429_on_a_read_is_waited_out(rig: Rig) -> None:
    card, _ = await _unlink_002(rig)
    reset = str(int(time.time()) + 1)
    rig.stack.procore.faults.add(
        FaultRule(
            path=PACKAGE_READ,
            method="GET",
            status=429,
            headers={
                "X-Rate-Limit-Limit": "3600",
                "X-Rate-Limit-Remaining": "0",
                "X-Rate-Limit-Reset": reset,
            },
            body={"error": "rate limited"},
            times=1,
        )
    )
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    print(f"\nprocore 429 on read: green after {took:.2f} s, 1 write")
    _assert_green_once(rig, reply)
    assert rig.procore_writes() == 1


async def test_procore_503_with_retry_after_on_the_write_is_waited_out_and_written_once(
    rig: Rig,
) -> None:
    card, _ = await _unlink_002(rig)
    rig.stack.procore.faults.add(
        FaultRule(
            path=SYNC_WRITE,
            method="PATCH",
            status=503,
            headers={"Retry-After": "1"},
            body={"errors": "Service Unavailable"},
            times=1,
        )
    )
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    writes = rig.stack.procore.recorder.matching("PATCH", SYNC_WRITE)
    print(f"\nprocore 503 on write: green after {took:.2f} s, {len(writes)} PATCH, 1 applied")
    _assert_green_once(rig, reply)
    assert len(writes) == 2 and writes[1].at - writes[0].at >= 0.9


async def test_procore_token_expiry_is_renewed_without_a_second_write(rig: Rig) -> None:
    card, _ = await _unlink_002(rig)
    tokens_before = rig.stack.procore.recorder.count("POST", r"/oauth/token$")
    rig.stack.procore.world.expire_all_tokens()
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    renewed = rig.stack.procore.recorder.count("POST", r"/oauth/token$") - tokens_before
    print(f"\nprocore 401 (expired token): green after {took:.2f} s, {renewed} renewal(s)")
    _assert_green_once(rig, reply)
    assert renewed >= 1
    assert rig.procore_writes() == 1


async def test_procore_read_timeout_once_is_retried(rig: Rig) -> None:
    card, _ = await _unlink_002(rig)
    rig.stack.procore.faults.add(FaultRule(path=PACKAGE_READ, method="GET", delay=SLOW, times=1))
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    print(f"\nprocore read timeout (once): green after {took:.2f} s")
    _assert_green_once(rig, reply)


async def test_procore_reads_timing_out_answer_unreachable_and_write_nothing(rig: Rig) -> None:
    card, _ = await _unlink_002(rig)
    rig.stack.procore.faults.add(FaultRule(path=PACKAGE_READ, method="GET", delay=SLOW))
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    print(f"\nprocore reads timing out: red after {took:.2f} s, 0 writes")
    _assert_red_unchanged(rig, reply, "Procore")


async def test_procore_answering_malformed_json_says_so_and_writes_nothing(rig: Rig) -> None:
    card, _ = await _unlink_002(rig)
    malformed = FaultRule(path=PACKAGE_READ, method="GET", status=200, body="{'id': 2,")
    rig.stack.procore.faults.add(malformed)
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    shown = text_of(reply)
    print(f"\nprocore malformed JSON: red after {took:.2f} s, 0 writes")
    assert attachment_color(reply) == "danger", shown
    assert "Procore answered with something the app couldn't read — nothing was changed" in shown
    assert "could not be reached" not in shown and "ref `R-" in shown
    assert rig.procore_writes() == 0 and rig.stack.procore.world.sync_updates == []
    assert _origin(rig) is not None


async def test_procore_answering_the_write_with_malformed_json_says_so(rig: Rig) -> None:
    """The write answered with something unreadable, twice, and the re-reads still show the link:
    the red reply says Procore answered unreadably (it was reached), as for a read."""
    card, _ = await _unlink_002(rig)
    malformed = FaultRule(path=SYNC_WRITE, method="PATCH", status=200, body="{'id': 2,")
    rig.stack.procore.faults.add(malformed)
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    shown = text_of(reply)
    print(f"\nprocore write malformed JSON: red after {took:.2f} s, {rig.procore_writes()} PATCH")
    assert attachment_color(reply) == "danger", shown
    assert "Procore answered with something the app couldn't read" in shown
    assert "could not be reached" not in shown and "ref `R-" in shown
    assert rig.procore_writes() == 2 and rig.stack.procore.world.sync_updates == []
    assert _origin(rig) is not None


async def test_procore_write_timeout_that_lands_late_answers_unlinked(rig: Rig) -> None:
    card, _ = await _unlink_002(rig)
    # Procore is slower than the app waits but applies the write in the end.
    rig.stack.procore.faults.add(FaultRule(path=SYNC_WRITE, method="PATCH", delay=SLOW, times=1))
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    await _past(clicked + SLOW)  # the slow write has landed by now
    received = rig.procore_writes()
    print(
        f"\nprocore write timeout (applied late): green after {took:.2f} s, "
        f"{received} PATCH, {len(_applied(rig))} applied"
    )
    assert attachment_color(reply) == "good", text_of(reply)
    assert _origin(rig) is None
    # Clearing the link again is the same change: no update ever set anything but null.
    assert set(_applied(rig)) == {None}
    assert len(rig.stack.procore.world.sync_updates) == len(_applied(rig))


async def test_procore_write_timeout_that_never_landed_is_repeated_once(rig: Rig) -> None:
    card, _ = await _unlink_002(rig)
    # Procore takes longer than the app waits, then drops the connection: nothing applied.
    rig.stack.procore.faults.add(
        FaultRule(path=SYNC_WRITE, method="PATCH", status=0, delay=SLOW, times=1)
    )
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    print(
        f"\nprocore write timeout (dropped): green after {took:.2f} s, "
        f"{rig.procore_writes()} PATCH, {len(_applied(rig))} applied"
    )
    _assert_green_once(rig, reply)
    assert rig.procore_writes() == 2


# -- ERP ---------------------------------------------------------------------------------------


async def test_erp_timeout_answers_unreachable_and_writes_nothing(rig: Rig) -> None:
    card, _ = await _unlink_002(rig)
    rig.stack.erp.faults.add(FaultRule(path=ERP_READ, delay=SLOW))
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    print(f"\nerp timeout: red after {took:.2f} s, 0 writes")
    _assert_red_unchanged(rig, reply, "Acumatica")


@pytest.mark.parametrize("status", [500, 503])
async def test_erp_5xx_answers_unreachable_and_writes_nothing(rig: Rig, status: int) -> None:
    card, _ = await _unlink_002(rig)
    rig.stack.erp.faults.add(FaultRule(path=ERP_READ, status=status, body={"message": "down"}))
    clicked = time.monotonic()
    await _click(rig, card)
    reply, took = await _final(rig, card, clicked)
    print(f"\nerp {status}: red after {took:.2f} s, 0 writes")
    _assert_red_unchanged(rig, reply, "Acumatica")
