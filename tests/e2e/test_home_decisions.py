"""Deciding a request from the App Home: every Home that listed it is redrawn, and a click on a
Home that still shows the old buttons is answered (by DM: a Home has no channel)."""

from __future__ import annotations

import copy

from handlers.blocks.requests import APPROVE_ACTION
from sandbox.slack.world import SlackMessage
from tests.e2e.rig import Rig, text_of
from tests.e2e.test_requests import ask, request_id

APPROVERS = ("U0ANA", "U0BEN")


def home_has_approve(rig: Rig, user: str, rid: str) -> bool:
    home = rig.stack.slack.views.home(user)
    assert home is not None
    return f"'action_id': '{APPROVE_ACTION}'" in str(home.definition) and (
        f"'value': '{rid}'" in str(home.definition)
    )


def direct_messages(rig: Rig, user: str) -> list[SlackMessage]:
    return rig.stack.slack.channel_messages(rig.stack.slack.dm_channel(user).id)


async def open_homes(rig: Rig, rid: str) -> None:
    for user in (*APPROVERS, "U0CHLOE"):
        await rig.sender.open_home(user)
        await rig.until(lambda u=user: rig.stack.slack.views.home(u) is not None)
    for user in APPROVERS:
        assert home_has_approve(rig, user, rid)


async def test_approving_from_home_removes_the_buttons_from_every_home(rig: Rig) -> None:
    rig.stack.procore.world.set_can_push(rig.stack.index.users["ben"], True)
    await rig.link()
    card = await rig.card()
    rid = request_id(await ask(rig, card, "002", "U0CHLOE", "Vendor credit"))
    await open_homes(rig, rid)
    home = rig.stack.slack.views.home("U0ANA")
    assert home is not None
    delivery = await rig.sender.click_in_view("U0ANA", home.id, APPROVE_ACTION, rid)
    assert delivery.status == 200
    await rig.reply(card, 2)
    await rig.settle()
    assert rig.procore_writes() == 1
    await rig.until(lambda: not any(home_has_approve(rig, u, rid) for u in APPROVERS))
    chloe = rig.stack.slack.views.home("U0CHLOE")
    assert chloe is not None and "*approved*" in str(chloe.definition)


async def test_a_second_approve_on_an_old_home_names_the_decision_and_writes_nothing(
    rig: Rig,
) -> None:
    rig.stack.procore.world.set_can_push(rig.stack.index.users["ben"], True)
    await rig.link()
    card = await rig.card()
    rid = request_id(await ask(rig, card, "002", "U0CHLOE", "Vendor credit"))
    await open_homes(rig, rid)
    home = rig.stack.slack.views.home("U0ANA")
    assert home is not None
    old = copy.deepcopy(home.definition)
    await rig.sender.click_in_view("U0ANA", home.id, APPROVE_ACTION, rid)
    await rig.reply(card, 2)
    await rig.settle()
    assert rig.procore_writes() == 1
    before = len(direct_messages(rig, "U0ANA"))
    home.definition = old  # the approver's client still shows the Home as it was (a double click)
    delivery = await rig.sender.click_in_view("U0ANA", home.id, APPROVE_ACTION, rid)
    assert delivery.status == 200
    await rig.until(lambda: len(direct_messages(rig, "U0ANA")) > before)
    await rig.settle()
    said = text_of(direct_messages(rig, "U0ANA")[-1])
    assert "You already approved this request" in said and "nothing was done" in said
    assert rig.procore_writes() == 1


async def test_deny_on_home_for_a_request_the_app_no_longer_knows_is_answered_by_dm(
    rig: Rig,
) -> None:
    """A Home button for a request gone from the app's records (e.g. removed by the operator)
    gets the stale-button answer in the app's DM, not an error."""
    from handlers.blocks.requests import DENY_ACTION
    from storage.models import UnlinkRequest

    rig.stack.procore.world.set_can_push(rig.stack.index.users["ben"], True)
    await rig.link()
    card = await rig.card()
    rid = request_id(await ask(rig, card, "002", "U0CHLOE", "Vendor credit"))
    await open_homes(rig, rid)
    async with rig.runtime.db.transaction() as s:
        gone = await s.get(UnlinkRequest, int(rid))
        assert gone is not None
        await s.delete(gone)
    home = rig.stack.slack.views.home("U0ANA")
    assert home is not None
    delivery = await rig.sender.click_in_view("U0ANA", home.id, DENY_ACTION, rid)
    assert delivery.status == 200
    await rig.until(
        lambda: any("doesn't belong" in text_of(m) for m in direct_messages(rig, "U0ANA"))
    )
    assert not any("went wrong" in text_of(m) for m in direct_messages(rig, "U0ANA"))
