"""Linking a Slack user to their own Procore account, end to end through the stand-ins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox import demo
from storage.accounts import TokenCipher
from tests.conftest import database_params
from tests.e2e.rig import TOWER_A, Rig, attachment_color, start_rig, stop_rig, text_of


async def linking_rig(kind: str, tmp_path: Path, **overrides: object) -> Rig:
    return await start_rig(kind, tmp_path, token_encryption_key=TokenCipher.new_key(), **overrides)


@pytest.fixture(params=database_params())
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    started = await linking_rig(request.param, tmp_path)
    try:
        yield started
    finally:
        await stop_rig(started)


async def connect(rig: Rig, slack_user: str, procore_user: str) -> str:
    """`/cco connect`, then sign in at the Procore stand-in; returns the callback page text."""
    await rig.command("connect", user=slack_user)
    await rig.until(
        lambda: any(
            "Connect Procore account" in text_of(m)
            for m in rig.stack.slack.ephemerals_for(slack_user)
        )
    )
    message = [
        m
        for m in rig.stack.slack.ephemerals_for(slack_user)
        if "Connect Procore account" in text_of(m)
    ][-1]
    url = next(e["url"] for b in message.blocks if b["type"] == "actions" for e in b["elements"])
    query = parse_qs(urlsplit(url).query)
    redirect_uri, state = query["redirect_uri"][0], query["state"][0]
    code = rig.stack.procore.world.authorize(
        demo.CLIENT_ID, redirect_uri, rig.stack.index.users[procore_user]
    )
    page = await rig.http.get(redirect_uri, params={"code": code, "state": state})
    return f"{page.status_code} {page.text}"


async def test_linked_rights_come_from_the_manifest_not_the_template(rig: Rig) -> None:
    page = await connect(rig, "U0ANA", "ana")
    assert page.startswith("200") and "Connected as Ana Alvarez" in page
    world, ana = rig.stack.procore.world, rig.stack.index.users["ana"]
    world.set_manifest_level(ana, TOWER_A, "commitments", 3)  # template still says Admin
    await rig.link()
    card = await rig.card()
    await rig.click_unlink(card, "002")
    red = await rig.reply(card)
    await rig.settle()
    assert attachment_color(red) == "danger"
    assert "Commitments" in text_of(red) and "you have Standard" in text_of(red)
    assert rig.procore_writes() == 0
    await rig.command("status")
    await rig.until(
        lambda: any(
            "linked Procore account" in text_of(m) for m in rig.stack.slack.ephemerals_for("U0ANA")
        )
    )


async def test_a_state_works_once(rig: Rig) -> None:
    await rig.command("connect", user="U0BEN")
    await rig.until(lambda: bool(rig.stack.slack.ephemerals_for("U0BEN")))
    message = rig.stack.slack.ephemerals_for("U0BEN")[-1]
    url = next(e["url"] for b in message.blocks if b["type"] == "actions" for e in b["elements"])
    query = parse_qs(urlsplit(url).query)
    redirect_uri, state = query["redirect_uri"][0], query["state"][0]
    world = rig.stack.procore.world
    first = world.authorize(demo.CLIENT_ID, redirect_uri, rig.stack.index.users["ben"])
    ok = await rig.http.get(redirect_uri, params={"code": first, "state": state})
    assert ok.status_code == 200
    again = world.authorize(demo.CLIENT_ID, redirect_uri, rig.stack.index.users["ben"])
    replayed = await rig.http.get(redirect_uri, params={"code": again, "state": state})
    forged = await rig.http.get(redirect_uri, params={"code": again, "state": "forged-state"})
    assert replayed.status_code == 400 and forged.status_code == 400
    assert "not valid any more" in replayed.text


async def test_disconnect_revokes_at_procore(rig: Rig) -> None:
    await connect(rig, "U0ANA", "ana")
    revoked_before = len(rig.stack.procore.world.grants.revoked)
    await rig.command("disconnect")
    await rig.until(
        lambda: any("Disconnected" in text_of(m) for m in rig.stack.slack.ephemerals_for("U0ANA"))
    )
    assert len(rig.stack.procore.world.grants.revoked) > revoked_before


async def test_linking_can_be_required(tmp_path: Path) -> None:
    rig = await linking_rig("sqlite", tmp_path, require_linked_account=True)
    try:
        await rig.link()
        card = await rig.card()
        await rig.click_unlink(card, "002")
        red = await rig.reply(card)
        assert "requires you to link your own Procore account" in text_of(red)
        assert rig.procore_writes() == 0
        await connect(rig, "U0ANA", "ana")
        await rig.click_unlink(card, "002")
        green = await rig.reply(card, 2)
        assert attachment_color(green) == "good"
        assert rig.procore_writes() == 1
    finally:
        await stop_rig(rig)
