"""Every request and approval click gets an answer (issue 11, points 2, 3, 4 and 9): a request
from the red reply, a CCO unlinked meanwhile, a card paged since, a request post Slack refused,
a failing listener — through signed Slack HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from handlers.blocks.card import PAGE_ACTION
from handlers.blocks.requests import (
    APPROVE_ACTION,
    DENY_ACTION,
    REASON_BLOCK,
    REASON_INPUT,
    REQUEST_ACTION,
)
from sandbox.faults import FaultRule
from sandbox.slack.world import SlackMessage
from storage.models import AuditEvent
from tests.e2e.rig import SYNC_WRITE, TOWER_A, Rig, attachment_color, text_of
from tests.e2e.test_requests import ask, has_buttons, request_id

REQUEST_POST = r"/api/chat\.postMessage$"


async def red_reply_for(rig: Rig, card: SlackMessage, number: str, user: str) -> SlackMessage:
    """`user` (without the three permissions) clicks Unlink: the red reply with Request unlink."""
    await rig.click_unlink(card, number, user=user)
    red = await rig.reply(card, len(rig.replies(card)) + 1)
    await rig.settle()
    assert "Request unlink" in text_of(red)
    return red


async def click_request(rig: Rig, message: SlackMessage, number: str, user: str) -> None:
    package = rig.stack.index.packages[(TOWER_A, number)]
    delivery = await rig.sender.click(
        user, message.channel, message.ts, REQUEST_ACTION, str(package)
    )
    assert delivery.status == 200, delivery.body


def ephemeral_texts(rig: Rig, user: str) -> list[str]:
    return [text_of(m) for m in rig.stack.slack.ephemerals_for(user)]


async def said_to(rig: Rig, user: str, words: str) -> str:
    """Wait for an ephemeral answer to `user` that contains `words`; return it."""
    await rig.until(lambda: any(words in t for t in ephemeral_texts(rig, user)))
    return next(t for t in ephemeral_texts(rig, user) if words in t)


# -- point 4 and 9: Request unlink from the red reply -----------------------------------------


async def test_the_request_dialog_from_a_red_reply_names_the_cco_not_an_internal_id(
    rig: Rig,
) -> None:
    await rig.link()
    card = await rig.card()
    red = await red_reply_for(rig, card, "002", "U0CHLOE")
    await click_request(rig, red, "002", "U0CHLOE")
    await rig.until(lambda: bool(rig.stack.slack.views.modal_stack("U0CHLOE")))
    modal = rig.stack.slack.views.modal_stack("U0CHLOE")[-1]
    shown = "\n".join(str(b) for b in modal.definition["blocks"])
    package = rig.stack.index.packages[(TOWER_A, "002")]
    assert "CCO #002 “Drywall board upgrade”" in shown
    assert f"#{package}" not in shown


async def test_a_request_from_the_red_reply_lands_in_the_cards_thread(rig: Rig) -> None:
    """The red reply's button sits in an attachment: Slack's container then has no thread_ts."""
    await rig.link()
    card = await rig.card()
    red = await red_reply_for(rig, card, "002", "U0CHLOE")
    await click_request(rig, red, "002", "U0CHLOE")
    await rig.until(lambda: bool(rig.stack.slack.views.modal_stack("U0CHLOE")))
    modal = rig.stack.slack.views.modal_stack("U0CHLOE")[-1]
    values = {REASON_BLOCK: {REASON_INPUT: "credit re-entered"}}
    assert (await rig.sender.submit_view("U0CHLOE", modal.id, values)).status == 200
    request = await rig.reply(card, 2)
    assert "<@U0CHLOE> asks an approver to unlink *CCO #002" in text_of(request)
    assert has_buttons(rig, request)
    assert not any("no longer current" in t for t in ephemeral_texts(rig, "U0CHLOE"))


# -- point 2: a CCO that is no longer synced ----------------------------------------------------


async def test_a_request_for_an_unlinked_cco_is_refused_with_who_and_when(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    red = await red_reply_for(rig, card, "002", "U0CHLOE")
    await rig.click_unlink(card, "002", user="U0ANA")
    green = await rig.reply(card, 2)
    await rig.settle()
    assert attachment_color(green) == "good"
    await click_request(rig, red, "002", "U0CHLOE")
    refusal = await said_to(rig, "U0CHLOE", "already unlinked")
    async with rig.runtime.db.session() as s:
        unlinked = (await s.exec(select(AuditEvent).where(AuditEvent.outcome == "unlinked"))).one()
    assert "CCO #002 is no longer synced with Acumatica" in refusal and "by <@U0ANA>" in refusal
    assert f"ref `{unlinked.reference}`" in refusal
    await asyncio.sleep(0.3)
    assert not rig.stack.slack.views.modal_stack("U0CHLOE")
    assert len(rig.replies(card)) == 2  # no request was posted


async def test_approving_a_request_for_an_unlinked_cco_says_so_and_closes_it(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "002", "U0CHLOE", "please")
    await rig.click_unlink(card, "002", user="U0ANA")  # unlinked straight from the card
    await rig.reply(card, 2)
    await rig.settle()
    delivery = await rig.sender.click(
        "U0ANA", card.channel, request.ts, APPROVE_ACTION, request_id(request)
    )
    assert delivery.status == 200
    told = await said_to(rig, "U0ANA", "already unlinked")
    assert "CCO #002" in told and "closed" in told
    await rig.until(lambda: not has_buttons(rig, request))
    assert rig.procore_writes() == 1


async def test_an_approval_after_an_unlink_from_another_card_closes_the_request(
    rig: Rig,
) -> None:
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "002", "U0CHLOE", "please")
    other = await rig.card("002")  # a fresh card; CCO #002 is unlinked from there
    await rig.click_unlink(other, "002", user="U0ANA")
    await rig.reply(other)
    await rig.settle()
    await rig.sender.click("U0ANA", card.channel, request.ts, APPROVE_ACTION, request_id(request))
    answer = await rig.reply(card, 2)
    await rig.settle()
    assert attachment_color(answer) != "good" and "Successfully" not in text_of(answer)
    await rig.until(lambda: not has_buttons(rig, request))
    closed = rig.stack.slack.message(card.channel, request.ts)
    assert closed is not None and "already unlinked" in text_of(closed)
    assert rig.procore_writes() == 1


# -- point 3: requests do not depend on the card's page; nothing fails silently ----------------


async def test_an_approval_after_the_card_was_paged_unlinks(rig: Rig) -> None:
    package = rig.stack.procore.world.packages[rig.stack.index.packages[(TOWER_A, "002")]]
    for n in range(10):  # more synced CCOs than one page holds
        rig.stack.procore.world.add_package(
            TOWER_A, package.contract_id, f"1{n:02d}", f"Extra {n}", origin_id=f"EXTRA-{n}"
        )
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "002", "U0CHLOE", "")
    more = await rig.sender.click("U0ANA", card.channel, card.ts, f"{PAGE_ACTION}_next")
    assert more.status == 200
    await rig.until(lambda: "Extra" in text_of(rig.stack.slack.message(card.channel, card.ts)))  # type: ignore[arg-type]
    delivery = await rig.sender.click(
        "U0ANA", card.channel, request.ts, APPROVE_ACTION, request_id(request)
    )
    assert delivery.status == 200
    green = await rig.reply(card, 2)
    await rig.settle()
    assert attachment_color(green) == "good" and "Successfully unlinked CCO #002" in text_of(green)
    assert rig.procore_writes() == 1
    await rig.until(lambda: not has_buttons(rig, request))


async def test_a_request_slack_refused_is_withdrawn_and_the_next_one_posts(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    rig.stack.slack.faults.add(
        FaultRule(
            path=REQUEST_POST,
            method="POST",
            status=200,
            body={"ok": False, "error": "channel_not_found"},
            times=1,
        )
    )
    package = rig.stack.index.packages[(TOWER_A, "002")]
    await rig.sender.click("U0CHLOE", card.channel, card.ts, REQUEST_ACTION, str(package))
    await rig.until(lambda: bool(rig.stack.slack.views.modal_stack("U0CHLOE")))
    modal = rig.stack.slack.views.modal_stack("U0CHLOE")[-1]
    await rig.sender.submit_view("U0CHLOE", modal.id, {REASON_BLOCK: {REASON_INPUT: "first"}})
    told = await said_to(rig, "U0CHLOE", "nothing was requested")
    assert "channel_not_found" in told and "ref `Q-" in told
    assert not rig.replies(card)
    second = await ask(rig, card, "002", "U0CHLOE", "second try")
    assert "second try" in text_of(second) and has_buttons(rig, second)
    await rig.sender.open_home("U0CHLOE")
    await rig.until(lambda: rig.stack.slack.views.home("U0CHLOE") is not None)
    home = str(rig.stack.slack.views.home("U0CHLOE").definition["blocks"])  # type: ignore[union-attr]
    assert "withdrawn: Slack did not take it" in home and "unposted" not in home


async def test_the_losing_approver_of_two_is_told_it_is_in_progress(rig: Rig) -> None:
    rig.stack.procore.world.set_can_push(rig.stack.index.users["ben"], True)
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "002", "U0CHLOE", "")
    rid = request_id(request)
    rig.stack.procore.faults.add(FaultRule(path=SYNC_WRITE, method="PATCH", delay=1.0, times=1))
    await rig.sender.click("U0ANA", card.channel, request.ts, APPROVE_ACTION, rid)
    await rig.until(lambda: "checking" in text_of(rig.stack.slack.message(card.channel, card.ts)))  # type: ignore[arg-type]
    await rig.sender.click("U0BEN", card.channel, request.ts, APPROVE_ACTION, rid)
    told = await said_to(rig, "U0BEN", "already in progress")
    assert "ref `R-" in told
    await rig.reply(card, 2)
    await rig.settle()
    assert rig.procore_writes() == 1


async def test_a_failing_listener_answers_with_a_reference_that_is_audited(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "005", "U0CHLOE", "typo")
    await rig.sender.click("U0ANA", card.channel, request.ts, DENY_ACTION, request_id(request))
    await rig.until(lambda: bool(rig.stack.slack.views.modal_stack("U0ANA")))
    modal = rig.stack.slack.views.modal_stack("U0ANA")[-1]
    rig.stack.procore.faults.add(FaultRule(path=r"/rest/", status=403, body={"errors": "no"}))
    delivery = await rig.sender.submit_view(
        "U0ANA", modal.id, {REASON_BLOCK: {REASON_INPUT: "not needed"}}
    )
    assert delivery.status == 200
    told = await said_to(rig, "U0ANA", "nothing was changed")
    assert "Procore" in told and "ref `R-" in told
    reference = told.split("ref `")[1].split("`")[0]
    async with rig.runtime.db.session() as s:
        audited = (await s.exec(select(AuditEvent).where(AuditEvent.reference == reference))).all()
    assert audited, "the reference shown is in the audit"
    assert has_buttons(rig, request)  # nothing was decided


async def test_a_click_whose_dialog_slack_refuses_is_answered_not_dropped(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "005", "U0CHLOE", "typo")
    rig.stack.slack.faults.add(
        FaultRule(
            path=r"/api/views\.open$",
            status=200,
            body={"ok": False, "error": "expired_trigger_id"},
            times=1,
        )
    )
    delivery = await rig.sender.click(
        "U0ANA", card.channel, request.ts, DENY_ACTION, request_id(request)
    )
    assert delivery.status == 200
    told = await said_to(rig, "U0ANA", "Something went wrong on our side")
    reference = told.split("ref `")[1].split("`")[0]
    async with rig.runtime.db.session() as s:
        audited = (await s.exec(select(AuditEvent).where(AuditEvent.reference == reference))).all()
    assert audited and audited[0].slack_user_id == "U0ANA"
    assert has_buttons(rig, request)


async def test_an_edited_request_button_reaches_no_cco_the_card_did_not_list(rig: Rig) -> None:
    """A Request unlink value edited to another CCO of the same project (one this card, filtered
    to #001, never showed) reads nothing about it from Procore and opens no dialog."""
    await rig.link()
    card = await rig.card("001")
    listed, unlisted = (rig.stack.index.packages[(TOWER_A, n)] for n in ("001", "003"))
    delivery = await rig.sender.click(
        "U0CHLOE", card.channel, card.ts, REQUEST_ACTION, str(listed), edited_value=str(unlisted)
    )
    assert delivery.status == 200, delivery.body
    await said_to(rig, "U0CHLOE", "doesn't belong")
    reads = [r.path for r in rig.stack.procore.recorder.requests if r.path.endswith(f"/{unlisted}")]
    assert reads == []
    assert not rig.stack.slack.views.modal_stack("U0CHLOE")


async def test_an_approve_button_edited_past_any_request_id_gets_the_stale_answer(rig: Rig) -> None:
    """Approve with a value the button parser takes (up to a BIGINT) but no request's INTEGER key
    can hold: the stale-button answer, not an error, and the request is untouched."""
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "005", "U0CHLOE", "typo")
    delivery = await rig.sender.click(
        "U0ANA",
        card.channel,
        request.ts,
        APPROVE_ACTION,
        request_id(request),
        edited_value=str(2**63 - 1),
    )
    assert delivery.status == 200, delivery.body
    await said_to(rig, "U0ANA", "doesn't belong")
    await rig.settle()
    assert not any("went wrong" in t for t in ephemeral_texts(rig, "U0ANA"))
    assert has_buttons(rig, request)
    assert rig.procore_writes() == 0
