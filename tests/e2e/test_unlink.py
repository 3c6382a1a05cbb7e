"""`/cco unlink` end to end: Slack-signed HTTP to the real web app, stand-ins on loopback."""

from __future__ import annotations

import asyncio
import time

import pytest

from sandbox import demo
from sandbox.faults import FaultRule
from tests.e2e.rig import TOWER_A, Rig, attachment_color, text_of


async def test_card_lists_synced_ccos_and_hides_unsynced(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    shown = text_of(card)
    for number in ("001", "002", "003", "005", "006"):
        assert f"CCO #{number}" in shown
        assert rig.row_has_button(card, number)
    assert "CCO #004" not in shown  # never synced
    assert "Acme Drywall" in shown and "SC-001 Drywall &amp; framing" in shown  # mrkdwn-escaped
    assert "$12,500.00" in shown and "-$1,500.00" in shown
    assert "5 synced with *Acumatica*" in shown
    button = card.blocks[4]["elements"][0]
    assert button["style"] == "danger"
    assert button["confirm"]["confirm"]["text"] == "Unlink"


async def test_success_writes_procore_once_and_replies_green_in_the_thread(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    delivery = await rig.click_unlink(card, "002")  # reversed in Acumatica
    assert delivery.status == 200
    reply = await rig.reply(card)
    await rig.settle()
    assert attachment_color(reply) == "good"
    shown = text_of(reply)
    assert "Successfully unlinked CCO #002" in shown
    assert "from Acumatica" in shown and "reversed" in shown
    assert rig.procore_writes() == 1
    write = rig.stack.procore.recorder.matching("PATCH", r"/external_data/sync$")[0]
    assert write.json() == {
        "updates": [
            {
                "item_type": "change_order",
                "item_id": rig.stack.index.packages[(TOWER_A, "002")],
                "origin_id": None,
            }
        ]
    }
    assert write.headers["Procore-Company-Id"] == str(demo.COMPANY_ID)
    package = rig.stack.procore.world.packages[rig.stack.index.packages[(TOWER_A, "002")]]
    assert package.origin_id is None
    assert "Unlinked by <@U0ANA>" in rig.row_text(card, "002")
    assert not rig.row_has_button(card, "002")
    assert len(rig.replies(card)) == 1


async def test_deleted_record_also_unlinks(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    await rig.click_unlink(card, "003")
    reply = await rig.reply(card)
    assert attachment_color(reply) == "good"
    assert "deleted" in text_of(reply)
    assert rig.procore_writes() == 1


async def test_still_in_erp_is_red_names_the_fix_and_writes_nothing(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    ref = rig.stack.index.erp_keys[(TOWER_A, "001")].reference
    await rig.click_unlink(card, "001")
    reply = await rig.reply(card)
    await rig.settle()
    shown = text_of(reply)
    assert attachment_color(reply) == "danger"
    assert "CCO #001 is still in Acumatica" in shown
    assert f"Reverse change order {ref} in Acumatica" in shown
    assert "then click Unlink again" in shown
    assert "ref `R-" in shown
    assert rig.procore_writes() == 0
    assert rig.row_has_button(card, "001")  # back to Unlink


@pytest.mark.parametrize(
    ("revoke", "expected"),
    [
        ("commitments", "Commitments"),
        ("erp_integrations", "ERP Integrations"),
        ("can_push", "Can Push to Accounting"),
    ],
)
async def test_each_missing_permission_is_named_and_nothing_is_written(
    rig: Rig, revoke: str, expected: str
) -> None:
    world, index = rig.stack.procore.world, rig.stack.index
    if revoke == "commitments":
        world.set_level(index.project_templates[(TOWER_A, "ana")], "commitments", 3)
    elif revoke == "erp_integrations":
        world.set_level(index.company_templates["ana"], "erp_integrations", 2)
    else:
        world.set_can_push(index.users["ana"], False)
    await rig.link()
    card = await rig.card()
    await rig.click_unlink(card, "002")
    reply = await rig.reply(card)
    await rig.settle()
    shown = text_of(reply)
    assert attachment_color(reply) == "danger"
    assert f"*{expected}*" in shown
    missing_line = next(line for line in shown.splitlines() if line.startswith("•"))
    assert expected in missing_line
    if revoke == "can_push":
        assert "Only Procore can enable it" in shown
    if revoke == "commitments":
        assert "and have Standard" in shown
    assert rig.procore_writes() == 0


async def test_unknown_email_is_red_and_names_the_email_to_the_clicker_only(rig: Rig) -> None:
    email = "dan@drywall-sub.example"
    await rig.link()
    card = await rig.card()
    await rig.click_unlink(card, "002", user="U0DAN")
    reply = await rig.reply(card)
    await rig.settle()
    assert attachment_color(reply) == "danger"
    assert "Company Directory with the email in your Slack profile" in text_of(reply)
    public = rig.stack.slack.channel_messages(card.channel) + rig.replies(card)
    assert not any(email in text_of(m) for m in public)  # the channel never sees it
    private = [text_of(m) for m in rig.stack.slack.ephemerals_for("U0DAN", card.channel)]
    assert any(email in text and "only you see this" in text for text in private), private
    assert rig.procore_writes() == 0


async def test_twenty_concurrent_clicks_make_one_procore_write(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    deliveries = await asyncio.gather(*(rig.click_unlink(card, "002") for _ in range(20)))
    assert {d.status for d in deliveries} == {200}
    await rig.reply(card)
    await rig.settle()
    assert rig.procore_writes() == 1
    greens = [r for r in rig.replies(card) if attachment_color(r) == "good"]
    assert len(greens) == 1
    busy = rig.stack.slack.ephemerals_for("U0ANA", card.channel)
    assert any("already in progress" in text_of(m) for m in busy)


async def test_procore_rate_limit_on_the_write_is_waited_out_then_succeeds_once(
    rig: Rig,
) -> None:
    await rig.link()
    card = await rig.card()
    reset_at = int(time.time()) + 2
    reset = str(reset_at)
    rig.stack.procore.faults.add(
        FaultRule(
            path=r"/external_data/sync$",
            method="PATCH",
            status=429,
            headers={
                "X-Rate-Limit-Limit": "25",
                "X-Rate-Limit-Remaining": "0",
                "X-Rate-Limit-Reset": reset,
            },
            body={"error": "rate limited"},
            times=1,
        )
    )
    started = time.monotonic()
    await rig.click_unlink(card, "002")
    reply = await rig.reply(card)
    assert attachment_color(reply) == "good"
    assert time.monotonic() - started >= 1.0
    writes = rig.stack.procore.recorder.matching("PATCH", r"/external_data/sync$")
    assert len(writes) == 2  # the refused one and the one that landed
    assert writes[1].at >= reset_at  # the retry waited for X-Rate-Limit-Reset
    assert len(rig.stack.procore.world.sync_updates) == 1


async def test_acumatica_down_is_red_and_writes_nothing(rig: Rig) -> None:
    rig.stack.erp.faults.add(FaultRule(path=r"/AcumaticaERP/", status=503))
    await rig.link()
    card = await rig.card()
    await rig.click_unlink(card, "002")
    reply = await rig.reply(card)
    await rig.settle()
    assert attachment_color(reply) == "danger"
    assert "Acumatica could not be reached — nothing was changed" in text_of(reply)
    assert rig.procore_writes() == 0


async def test_filter_by_number_and_by_words(rig: Rig) -> None:
    await rig.link()
    by_number = await rig.card("5")
    assert "CCO #005" in text_of(by_number) and "CCO #001" not in text_of(by_number)
    by_words = await rig.card("drywall board")
    assert "CCO #002" in text_of(by_words) and "CCO #001" not in text_of(by_words)
