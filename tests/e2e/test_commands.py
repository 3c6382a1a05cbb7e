"""Slash command answers, request verification and bad input, through the real web app."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.e2e.rig import Rig, text_of


async def test_wrong_signature_is_refused_with_401(rig: Rig) -> None:
    body = urlencode({"command": "/cco", "text": "help", "team_id": "T0NORTHWD"}).encode()
    forged = rig.sender.sign(body, int(__import__("time").time()), secret="not-the-secret")
    response = await rig.http.post(
        rig.events_url,
        content=body,
        headers={**forged, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401


async def test_ten_minute_old_timestamp_is_refused_with_401(rig: Rig) -> None:
    body = urlencode({"command": "/cco", "text": "help", "team_id": "T0NORTHWD"}).encode()
    old = int(__import__("time").time()) - 600
    response = await rig.http.post(
        rig.events_url,
        content=body,
        headers={**rig.sender.sign(body, old), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unlnik", "Did you mean `/cco unlink`?"),
        ("sttaus", "Did you mean `/cco status`?"),
        ("%%%$$$", "is not a command"),
        ("link twelve", "is not a Procore project id"),
    ],
)
async def test_garbage_gets_usage_never_a_5xx(rig: Rig, text: str, expected: str) -> None:
    delivery = await rig.command(text)
    assert delivery.status == 200
    assert expected in delivery.body
    assert "/cco unlink [number or words]" in delivery.body


@pytest.mark.parametrize("digits", ["0" * 5000, "9" * 5000, "\u0660" * 5000])
async def test_link_with_thousands_of_digits_gets_usage_not_a_crash(rig: Rig, digits: str) -> None:
    """Python's int() refuses a string of more than 4300 digits (ValueError): the fuzz test once
    drew `/cco link 000…` and the asker got 'Something went wrong' instead of the usage answer."""
    delivery = await rig.command(f"link {digits}")
    assert delivery.status == 200
    assert "is not a Procore project id" in delivery.body
    await rig.settle()
    shown = [text_of(m) for m in rig.stack.slack.messages]
    assert not [t for t in shown if "Something went wrong" in t]


async def test_help_and_empty_text_show_usage(rig: Rig) -> None:
    for text in ("", "help"):
        delivery = await rig.command(text)
        assert delivery.status == 200
        assert (
            "/cco link &lt;procore project id&gt;" in delivery.body
            or "/cco link <" in delivery.body
        )


async def test_link_checks_that_the_project_exists(rig: Rig) -> None:
    delivery = await rig.command("link 999999")
    assert delivery.status == 200
    await rig.until(
        lambda: any("999999" in text_of(m) for m in rig.stack.slack.ephemerals_for("U0ANA"))
    )
    assert rig.stack.procore.recorder.count("GET", r"/rest/v1.0/projects/999999$") == 1
    await rig.link()
    linked = rig.stack.slack.channel_messages("C0TOWERA")[-1]
    assert "Tower A" in text_of(linked)


async def test_unlink_before_link_explains_what_to_do(rig: Rig) -> None:
    await rig.command("unlink")
    await rig.until(
        lambda: any("isn't linked" in text_of(m) for m in rig.stack.slack.ephemerals_for("U0ANA"))
    )


async def test_status_shows_each_check(rig: Rig) -> None:
    await rig.link()
    await rig.command("status", user="U0BEN")
    await rig.until(
        lambda: any(
            "Can Push to Accounting" in text_of(m) for m in rig.stack.slack.ephemerals_for("U0BEN")
        )
    )
    shown = text_of(rig.stack.slack.ephemerals_for("U0BEN")[-1])
    assert "✓ *Commitments*" in shown
    assert "✓ *ERP Integrations*" in shown
    assert "✗ *Can Push to Accounting*" in shown


async def test_malformed_interaction_payload_is_a_4xx_not_a_5xx(rig: Rig) -> None:
    body = b"payload=%7Bnot-json"
    response = await rig.http.post(
        rig.events_url,
        content=body,
        headers={
            **rig.sender.sign(body, int(__import__("time").time())),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert 400 <= response.status_code < 500


async def test_tampered_button_value_acts_on_nothing(rig: Rig) -> None:
    await rig.link()
    card = await rig.card()
    # Edit the stored card the way a tampering client would: point a button at another package.
    other = rig.stack.index.packages[(202, "001")]
    for block in card.blocks:
        if block.get("type") == "actions" and str(block.get("block_id")).startswith("act:"):
            block["elements"][0]["value"] = str(other)
            break
    await rig.sender.click("U0ANA", card.channel, card.ts, "cco_unlink", str(other))
    await rig.until(
        lambda: any("doesn't belong" in text_of(m) for m in rig.stack.slack.ephemerals_for("U0ANA"))
    )
    assert rig.procore_writes() == 0
    assert json.dumps(rig.stack.procore.world.sync_updates, default=str) == "[]"
