"""`/cco history`: latest attempts, one attempt by reference id, the approvers' audit CSV."""

from __future__ import annotations

import csv
import io
import re

from handlers.blocks.requests import APPROVE_ACTION
from sandbox.faults import FaultRule
from tests.e2e.rig import TOWER_A, Rig, text_of
from tests.e2e.test_requests import ask, request_id


async def make_attempts(rig: Rig) -> list[str]:
    """Three attempts with three outcomes; returns their reference ids."""
    await rig.link()
    card = await rig.card()
    for number, user in (("001", "U0ANA"), ("002", "U0CHLOE"), ("002", "U0ANA")):
        before = len(rig.replies(card))
        await rig.click_unlink(card, number, user=user)
        await rig.reply(card, before + 1)
        await rig.settle()
    refs = [re.search(r"ref `(R-[0-9A-Z]{8})`", text_of(m)) for m in rig.replies(card)]
    return [m.group(1) for m in refs if m]


async def latest_ephemeral(rig: Rig, user: str, needle: str) -> str:
    await rig.until(lambda: any(needle in text_of(m) for m in rig.stack.slack.ephemerals_for(user)))
    return text_of([m for m in rig.stack.slack.ephemerals_for(user) if needle in text_of(m)][-1])


async def test_history_lists_every_attempt_and_finds_one_by_reference(rig: Rig) -> None:
    refs = await make_attempts(rig)
    assert len(refs) == 3
    await rig.command("history")
    shown = await latest_ephemeral(rig, "U0ANA", "Latest unlink attempts")
    for ref in refs:
        assert ref in shown
    assert "still in Acumatica" in shown and "missing Procore permissions" in shown
    assert "unlinked" in shown
    await rig.command(f"history {refs[0]}")
    one = await latest_ephemeral(rig, "U0ANA", f"Trail of `{refs[0]}`")
    assert f"Trail of `{refs[0]}`: CCO #001 — Added soffit framing, level 3" in one
    assert "<@U0ANA> clicked *Unlink* on CCO #001." in one
    record = rig.stack.index.erp_keys[(TOWER_A, "001")].reference
    assert f"Acumatica still has its change order {record}" in one


async def test_approvers_get_a_csv_with_every_attempt_others_do_not(rig: Rig) -> None:
    refs = await make_attempts(rig)
    await rig.command("history")
    await rig.until(
        lambda: any(
            "Download the full audit" in text_of(m) for m in rig.stack.slack.ephemerals_for("U0ANA")
        )
    )
    message = [m for m in rig.stack.slack.ephemerals_for("U0ANA") if "Download" in text_of(m)][-1]
    url = next(e["url"] for b in message.blocks if b["type"] == "actions" for e in b["elements"])
    response = await rig.http.get(url)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["reference"] for r in rows if r["event"] != "channel_linked"} == set(refs)
    assert {r["event"] for r in rows} >= {"claimed", "finished", "erp_checked", "channel_linked"}
    forged = re.sub(r"signature=[0-9a-f]+", "signature=" + "0" * 64, url)
    assert (await rig.http.get(forged)).status_code == 403
    await rig.command("history", user="U0CHLOE")
    shown = await latest_ephemeral(rig, "U0CHLOE", "Latest unlink attempts")
    assert "Download" not in shown


def sentences(trail: str) -> list[str]:
    return [line for line in trail.split("\n") if line.startswith("• ")]


async def test_a_number_or_words_narrow_the_list_and_say_so_when_nothing_matches(
    rig: Rig,
) -> None:
    refs = await make_attempts(rig)  # 001, 002, 002 (all on SC-001 Drywall & framing, Acme)
    card = rig.cards()[-1]
    await rig.click_unlink(card, "005")  # Conduit reroute, SC-003 Electrical rough-in, Volt
    await rig.reply(card, 4)
    await rig.settle()
    volt = re.search(r"ref `(R-[0-9A-Z]{8})`", text_of(rig.replies(card)[-1]))
    assert volt is not None
    for query in ("drywall", "acme", "SC-001"):
        await rig.command(f"history {query}")
        shown = await latest_ephemeral(rig, "U0ANA", f"matching `{query}`")
        assert all(ref in shown for ref in refs), query
        assert volt.group(1) not in shown, query
    await rig.command("history 1 5")
    shown = await latest_ephemeral(rig, "U0ANA", "matching `1 5`")
    assert refs[0] in shown and volt.group(1) in shown and refs[2] not in shown
    await rig.command("history 999")
    shown = await latest_ephemeral(rig, "U0ANA", "matching `999`")
    assert "None of the 4 attempts in this project match `999`" in shown
    assert "No unlink attempts yet" not in shown


async def test_a_request_trail_reads_as_sentences_with_its_approval(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    request = await ask(rig, card, "002", "U0CHLOE", "Vendor credit must be re-entered")
    request_ref = re.search(r"Q-[0-9A-Z]{8}", text_of(request))
    assert request_ref is not None
    await rig.sender.click("U0ANA", card.channel, request.ts, APPROVE_ACTION, request_id(request))
    green = await rig.reply(card, 2)
    await rig.settle()
    attempt_ref = re.search(r"ref `(R-[0-9A-Z]{8})`", text_of(green))
    assert attempt_ref is not None
    for ref in (request_ref.group(0), attempt_ref.group(1)):
        await rig.command(f"history {ref}")
        trail = await latest_ephemeral(rig, "U0ANA", f"Trail of `{ref}`")
        lines = sentences(trail)
        expected = [
            "<@U0CHLOE> asked an approver to unlink CCO #002, saying “Vendor credit must be "
            "re-entered”",
            "<@U0ANA> clicked *Approve & unlink* on <@U0CHLOE>'s request for CCO #002.",
            "Acumatica said its change order",
            "Procore's sync link was cleared: CCO #002 is unlinked.",
            "<@U0ANA> approved the request",
        ]
        positions = [next(i for i, line in enumerate(lines) if e in line) for e in expected]
        assert positions == sorted(positions), (ref, lines)  # in time order
        for raw in ("erp_checked", "erp_reference:", "kind:", "claimed", "*`"):
            assert raw not in trail, (ref, raw)


async def test_the_reference_of_a_failed_listing_is_found_in_history(rig: Rig) -> None:
    # before the link, so the index's first fill fails too and the card is read live (an
    # indexed card makes no Procore call that could fail)
    rig.stack.procore.faults.add(FaultRule(path=r"/change_order_packages$", status=500))
    await rig.link()
    await rig.command("unlink drywall")
    failed = await latest_ephemeral(rig, "U0ANA", "nothing was changed")
    found = re.search(r"ref `(R-[0-9A-Z]{8})`", failed)
    assert found is not None
    rig.stack.procore.faults.clear()
    await rig.command(f"history {found.group(1)}")
    trail = await latest_ephemeral(rig, "U0ANA", f"Trail of `{found.group(1)}`")
    assert "<@U0ANA> used `/cco unlink drywall`; it failed because Procore did not answer" in trail


async def test_the_references_of_refusals_are_found_in_history(rig: Rig) -> None:
    harbor, harbor_channel = 202, "C0HARBORB"
    await rig.command(f"link {harbor}", user="U0DAN", channel=harbor_channel)
    refused = await latest_ephemeral(rig, "U0DAN", "can't link this channel")
    link_ref = re.search(r"ref `(R-[0-9A-Z]{8})`", refused)
    assert link_ref is not None
    await rig.command(f"history {link_ref.group(1)}", user="U0DAN", channel=harbor_channel)
    trail = await latest_ephemeral(rig, "U0DAN", f"Trail of `{link_ref.group(1)}`")
    assert (
        f"<@U0DAN> used `/cco link {harbor}`; the app refused: Ask someone in the Directory"
        in trail
    )
    await rig.link()  # Tower A: someone outside it asks for its history and is refused
    await rig.command("history", user="U0DAN")
    hidden = await latest_ephemeral(rig, "U0DAN", "shows you none of its CCOs")
    hidden_ref = re.search(r"ref `(R-[0-9A-Z]{8})`", hidden)
    assert hidden_ref is not None
    await rig.command(f"history {hidden_ref.group(1)}")  # Ana is in Tower A's Directory
    trail = await latest_ephemeral(rig, "U0ANA", f"Trail of `{hidden_ref.group(1)}`")
    assert "<@U0DAN> used `/cco history`; the app refused: Ask a Procore admin to add you" in trail
    assert hidden_ref.group(1) not in trail.split("Trail of")[1].split("\n", 1)[1]
