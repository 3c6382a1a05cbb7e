"""Linking a Slack user to their own Procore account, end to end through the stand-ins."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from sandbox import demo
from storage.accounts import ProcoreAccount, TokenCipher
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


async def connect_link(rig: Rig, slack_user: str) -> str:
    """`/cco connect`: the URL of the Connect button Slack shows `slack_user`."""
    before = len(rig.stack.slack.ephemerals_for(slack_user))
    await rig.command("connect", user=slack_user)
    await rig.until(
        lambda: any(
            "Connect Procore account" in text_of(m)
            for m in rig.stack.slack.ephemerals_for(slack_user)[before:]
        )
    )
    message = rig.stack.slack.ephemerals_for(slack_user)[-1]
    return str(
        next(e["url"] for b in message.blocks if b["type"] == "actions" for e in b["elements"])
    )


async def procore_sign_in_url(rig: Rig, link: str, slack_name: str) -> str:
    """Open the connect link (the app's start page, which names whose link it is) and follow
    its button to Procore's sign-in."""
    page = await rig.http.get(link)
    assert page.status_code == 200 and f"Link Procore to {slack_name}" in page.text, page.text
    found = re.search(r"<a href='([^']+)'>Continue to Procore sign-in</a>", page.text)
    assert found, page.text
    return html.unescape(found.group(1))


async def sign_in(rig: Rig, sign_in_url: str, procore_user: str) -> str:
    """Approve the app at the Procore stand-in as `procore_user`; the callback page's text."""
    query = parse_qs(urlsplit(sign_in_url).query)
    redirect_uri, state = query["redirect_uri"][0], query["state"][0]
    code = rig.stack.procore.world.authorize(
        demo.CLIENT_ID, redirect_uri, rig.stack.index.users[procore_user]
    )
    page = await rig.http.get(redirect_uri, params={"code": code, "state": state})
    return f"{page.status_code} {page.text}"


async def connect(rig: Rig, slack_user: str, procore_user: str) -> str:
    """`/cco connect`, then sign in at the Procore stand-in; returns the callback page text."""
    name = rig.stack.slack.users[slack_user].real_name
    url = await procore_sign_in_url(rig, await connect_link(rig, slack_user), name)
    return await sign_in(rig, url, procore_user)


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
    assert "Commitments" in text_of(red) and "have Standard" in text_of(red)
    assert rig.procore_writes() == 0
    await rig.command("status")
    await rig.until(
        lambda: any(
            "linked Procore account" in text_of(m) for m in rig.stack.slack.ephemerals_for("U0ANA")
        )
    )


async def test_a_state_works_once(rig: Rig) -> None:
    url = await procore_sign_in_url(rig, await connect_link(rig, "U0BEN"), "Ben Okafor")
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


def _dm_texts(rig: Rig, slack_user: str) -> list[str]:
    channel = rig.stack.slack.dm_channel(slack_user).id
    return [text_of(m) for m in rig.stack.slack.channel_messages(channel)]


def _live_user_tokens(rig: Rig, procore_user: str) -> list[str]:
    user_id = rig.stack.index.users[procore_user]
    return [t.access_token for t in rig.stack.procore.world.tokens.values() if t.user_id == user_id]


async def _linked_accounts(rig: Rig) -> list[tuple[str, int]]:
    async with rig.runtime.db.session() as s:
        rows = await s.exec(select(ProcoreAccount))
        return sorted((a.slack_user_id, a.procore_user_id) for a in rows.all())


async def test_an_approver_completing_another_users_connect_links_nothing(rig: Rig) -> None:
    # Chloe (no unlink rights) forwards her connect link to Ana, an approver, who signs in.
    link = await connect_link(rig, "U0CHLOE")
    url = await procore_sign_in_url(rig, link, "Chloe Martin")  # the page Ana sees names Chloe
    revoked_before = len(rig.stack.procore.world.grants.revoked)

    page = await sign_in(rig, url, "ana")

    assert page.startswith("400") and "Not connected" in page
    assert "started in Slack by Chloe Martin" in page and "as Ana Alvarez" in page
    assert "revoked" in page
    await rig.until(lambda: any("Ana Alvarez" in t for t in _dm_texts(rig, "U0CHLOE")))
    [told] = _dm_texts(rig, "U0CHLOE")
    assert "*Ana Alvarez*" in told and "isn't your Slack email" in told
    assert "Nothing was linked" in told and "revoked" in told
    assert await _linked_accounts(rig) == []
    assert _live_user_tokens(rig, "ana") == []  # Ana's sign-in was revoked at Procore
    assert len(rig.stack.procore.world.grants.revoked) > revoked_before
    # Chloe still acts with her own rights: red, and Procore is not written.
    await rig.link()
    card = await rig.card()
    await rig.click_unlink(card, "002", user="U0CHLOE")
    red = await rig.reply(card)
    await rig.settle()
    assert attachment_color(red) == "danger" and "can't unlink CCO #002" in text_of(red)
    assert rig.procore_writes() == 0


async def test_one_procore_account_is_linked_to_one_slack_user(rig: Rig) -> None:
    assert (await connect(rig, "U0ANA", "ana")).startswith("200")
    # Ben's Slack profile now carries Ana's email (an edited profile, a reused address).
    rig.stack.slack.users["U0BEN"].email = "ANA@northwind.example"
    revoked_before = len(rig.stack.procore.world.grants.revoked)

    page = await connect(rig, "U0BEN", "ana")

    assert page.startswith("400") and "already linked to another Slack user" in page
    await rig.until(lambda: any("already linked" in t for t in _dm_texts(rig, "U0BEN")))
    assert "<@U0ANA>" in _dm_texts(rig, "U0BEN")[-1]
    ana = rig.stack.index.users["ana"]
    assert await _linked_accounts(rig) == [("U0ANA", ana)]
    assert len(_live_user_tokens(rig, "ana")) == 1  # Ana's own link still works
    assert len(rig.stack.procore.world.grants.revoked) > revoked_before


def _connect_url_in(rig: Rig, slack_user: str, before: int) -> str | None:
    for message in rig.stack.slack.ephemerals_for(slack_user)[before:]:
        for block in message.blocks:
            for element in block.get("elements", []) if block["type"] == "actions" else []:
                if element.get("url"):
                    return str(element["url"])
    return None


async def test_the_pages_speak_the_language_of_whose_link_it_is_else_the_browsers(
    rig: Rig,
) -> None:
    rig.stack.slack.users["U0CHLOE"].locale = "fr-CA"
    before = len(rig.stack.slack.ephemerals_for("U0CHLOE"))
    await rig.command("connect", user="U0CHLOE")
    await rig.until(lambda: _connect_url_in(rig, "U0CHLOE", before) is not None)
    link = _connect_url_in(rig, "U0CHLOE", before)
    assert link is not None
    start = await rig.http.get(link, headers={"Accept-Language": "de-DE"})
    assert start.status_code == 200 and "lang='fr-CA'" in start.text
    assert "Lier Procore à Chloe Martin" in start.text and "Link Procore" not in start.text
    found = re.search(r"<a href='([^']+)'>Continuer vers la connexion Procore</a>", start.text)
    assert found, start.text

    page = await sign_in(rig, html.unescape(found.group(1)), "ana")  # not Chloe's account
    assert page.startswith("400") and "Non connecté" in page
    assert "lancé dans Slack par Chloe Martin" in page and "Ana Alvarez" in page

    forged = {"state": "forged", "code": "x"}
    callback = link.split("/procore/oauth/start")[0] + "/procore/oauth/callback"
    german = await rig.http.get(
        callback, params=forged, headers={"Accept-Language": "de-CH, en;q=0.5"}
    )
    assert german.status_code == 400 and "Nicht verbunden" in german.text
    assert "lang='de-DE'" in german.text
    english = await rig.http.get(callback, params=forged)
    assert "Not connected" in english.text and "not valid any more" in english.text
