"""Request → approve / deny, the four-eyes rule, expiry and App Home, through signed HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.blocks.requests import (
    APPROVE_ACTION,
    DENY_ACTION,
    REASON_BLOCK,
    REASON_INPUT,
    REQUEST_ACTION,
)
from sandbox.slack.world import SlackMessage
from tests.conftest import database_params
from tests.e2e.rig import TOWER_A, Rig, attachment_color, start_rig, stop_rig, text_of


@pytest.fixture(params=database_params())
async def strict_rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    """Four-eyes rule on; requests expire after about a second; a fast sweep."""
    started = await start_rig(
        request.param,
        tmp_path,
        four_eyes=True,
        request_ttl_hours=1.5 / 3600,
        sweep_interval_seconds=0.3,
    )
    try:
        yield started
    finally:
        await stop_rig(started)


async def ask(rig: Rig, card: SlackMessage, number: str, user: str, reason: str) -> SlackMessage:
    """`user` clicks Request unlink on the card, fills the modal, and the request is posted."""
    package = rig.stack.index.packages[(TOWER_A, number)]
    before = len(rig.replies(card))
    await rig.sender.click(user, card.channel, card.ts, REQUEST_ACTION, str(package))
    await rig.until(lambda: bool(rig.stack.slack.views.modal_stack(user)))
    modal = rig.stack.slack.views.modal_stack(user)[-1]
    delivery = await rig.sender.submit_view(user, modal.id, {REASON_BLOCK: {REASON_INPUT: reason}})
    assert delivery.status == 200
    await rig.until(lambda: len(rig.replies(card)) > before)
    return rig.replies(card)[-1]


def request_id(message: SlackMessage) -> str:
    for block in message.blocks:
        if str(block.get("block_id", "")).startswith("request:"):
            return str(block["block_id"]).split(":")[1]
    raise AssertionError("the request message has no decision buttons")


def has_buttons(rig: Rig, message: SlackMessage) -> bool:
    current = rig.stack.slack.message(message.channel, message.ts)
    assert current is not None
    return any(b.get("type") == "actions" for b in current.blocks)


async def test_request_then_approval_writes_once_and_mentions_the_requester(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "002", "U0CHLOE", "Vendor credit must be re-entered")
    shown = text_of(request)
    assert "<@U0CHLOE> asks an approver to unlink *CCO #002" in shown
    assert "Vendor credit must be re-entered" in shown
    await rig.sender.click("U0ANA", card.channel, request.ts, APPROVE_ACTION, request_id(request))
    green = await rig.reply(card, 2)
    await rig.settle()
    assert attachment_color(green) == "good"
    assert "Successfully unlinked CCO #002" in text_of(green)
    assert "<@U0CHLOE> asked for this unlink and <@U0ANA> approved it" in text_of(green)
    assert rig.procore_writes() == 1
    await rig.until(lambda: not has_buttons(rig, request))
    assert "Approved by <@U0ANA>" in text_of(rig.stack.slack.message(card.channel, request.ts))  # type: ignore[arg-type]


async def test_approval_by_a_non_approver_is_refused_and_writes_nothing(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "002", "U0CHLOE", "")
    await rig.sender.click("U0BEN", card.channel, request.ts, APPROVE_ACTION, request_id(request))
    red = await rig.reply(card, 2)
    await rig.settle()
    assert attachment_color(red) == "danger"
    assert "You can't approve <@U0CHLOE>'s request" in text_of(red)
    assert "Can Push to Accounting" in text_of(red)
    assert rig.procore_writes() == 0
    assert has_buttons(rig, request)  # still open for a real approver


async def test_a_red_permission_reply_offers_request_unlink(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    await rig.click_unlink(card, "002", user="U0CHLOE")
    red = await rig.reply(card)
    assert "Request unlink" in text_of(red)
    package = rig.stack.index.packages[(TOWER_A, "002")]
    await rig.sender.click("U0CHLOE", card.channel, red.ts, REQUEST_ACTION, str(package))
    await rig.until(lambda: bool(rig.stack.slack.views.modal_stack("U0CHLOE")))


async def test_four_eyes_refuses_self_approval(strict_rig: Rig) -> None:
    rig = strict_rig
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "002", "U0ANA", "my own")
    await rig.sender.click("U0ANA", card.channel, request.ts, APPROVE_ACTION, request_id(request))
    await rig.until(
        lambda: any("four-eyes" in text_of(m) for m in rig.stack.slack.ephemerals_for("U0ANA"))
    )
    assert rig.procore_writes() == 0
    assert len(rig.replies(card)) == 1


async def test_deny_needs_a_reason_and_tells_the_requester(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "005", "U0CHLOE", "typo in amount")
    await rig.sender.click("U0ANA", card.channel, request.ts, DENY_ACTION, request_id(request))
    await rig.until(lambda: bool(rig.stack.slack.views.modal_stack("U0ANA")))
    modal = rig.stack.slack.views.modal_stack("U0ANA")[-1]
    empty = await rig.sender.submit_view("U0ANA", modal.id, {REASON_BLOCK: {REASON_INPUT: " "}})
    assert empty.json["response_action"] == "errors"
    await rig.sender.submit_view(
        "U0ANA", modal.id, {REASON_BLOCK: {REASON_INPUT: "Fix it in a new CCO instead"}}
    )
    denial = await rig.reply(card, 2)
    assert "<@U0ANA> denied <@U0CHLOE>'s request" in text_of(denial)
    assert "Fix it in a new CCO instead" in text_of(denial)
    await rig.until(lambda: not has_buttons(rig, request))
    assert rig.procore_writes() == 0


async def test_expired_requests_lose_their_buttons(strict_rig: Rig) -> None:
    rig = strict_rig
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "002", "U0CHLOE", "")
    rid = request_id(request)
    assert has_buttons(rig, request)
    await rig.until(lambda: not has_buttons(rig, request), limit=8)
    assert "Expired" in text_of(rig.stack.slack.message(card.channel, request.ts))  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="has no button"):
        await rig.sender.click("U0ANA", card.channel, request.ts, APPROVE_ACTION, rid)
    assert rig.procore_writes() == 0


async def test_two_approvers_at_once_make_one_write(rig: Rig) -> None:
    rig.stack.procore.world.set_can_push(rig.stack.index.users["ben"], True)  # a second approver
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "002", "U0CHLOE", "")
    rid = request_id(request)
    await asyncio.gather(
        rig.sender.click("U0ANA", card.channel, request.ts, APPROVE_ACTION, rid),
        rig.sender.click("U0BEN", card.channel, request.ts, APPROVE_ACTION, rid),
    )
    await rig.reply(card, 2)
    await rig.settle()
    assert rig.procore_writes() == 1
    greens = [m for m in rig.replies(card) if attachment_color(m) == "good"]
    assert len(greens) == 1


async def test_app_home_shows_approvers_what_waits_for_them(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    await ask(rig, card, "002", "U0CHLOE", "please")
    await rig.sender.open_home("U0ANA")
    await rig.until(lambda: rig.stack.slack.views.home("U0ANA") is not None)
    home = rig.stack.slack.views.home("U0ANA")
    assert home is not None
    shown = "\n".join(str(b) for b in home.definition["blocks"])
    assert "Requests you can approve" in shown and "CCO #002" in shown
    await rig.sender.open_home("U0CHLOE")
    await rig.until(lambda: rig.stack.slack.views.home("U0CHLOE") is not None)
    own = rig.stack.slack.views.home("U0CHLOE")
    assert own is not None
    own_text = "\n".join(str(b) for b in own.definition["blocks"])
    assert "Requests you can approve" not in own_text and "*pending*" in own_text


async def test_an_approver_unknown_to_procore_is_told_their_email_privately(rig: Rig) -> None:
    email = "dan@drywall-sub.example"
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "002", "U0CHLOE", "Vendor credit")
    await rig.sender.click("U0DAN", card.channel, request.ts, APPROVE_ACTION, request_id(request))
    red = await rig.reply(card, 2)
    await rig.settle()
    assert attachment_color(red) == "danger" and "Company Directory" in text_of(red)
    public = rig.stack.slack.channel_messages(card.channel) + rig.replies(card)
    assert not any(email in text_of(m) for m in public)
    await rig.until(
        lambda: any(email in text_of(m) for m in rig.stack.slack.ephemerals_for("U0DAN"))
    )
    assert rig.procore_writes() == 0
