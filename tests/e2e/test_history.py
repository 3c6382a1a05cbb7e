"""`/cco history`: latest attempts, one attempt by reference id, the approvers' audit CSV."""

from __future__ import annotations

import csv
import io
import re

from tests.e2e.rig import Rig, text_of


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
    assert "still in erp" in shown and "permission denied" in shown and "unlinked" in shown
    await rig.command(f"history {refs[0]}")
    one = await latest_ephemeral(rig, "U0ANA", f"*`{refs[0]}`*")
    assert "claimed" in one and "finished" in one and "still_in_erp" not in one.split("\n")[0]


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
