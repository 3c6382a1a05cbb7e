"""Slack installations (many-workspace mode): tokens encrypted at rest, org-wide installs found
from any of the organisation's workspaces, removal deletes the tokens, states used once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from storage import slack_installs as store
from storage.accounts import TokenCipher
from storage.db import Database
from storage.slack_installs import Installed, SlackInstall

CIPHER = TokenCipher(TokenCipher.new_key())


def workspace(team: str, token: str, enterprise: str | None = None) -> Installed:
    return Installed(
        team_id=team,
        enterprise_id=enterprise,
        is_enterprise_install=False,
        bot_token=token,
        bot_user_id="UBOT",
        installer_user_id="UINSTALLER",
        team_name="Tower & Co <b>",
    )


async def test_a_workspace_install_is_stored_encrypted_and_found(db: Database) -> None:
    async with db.transaction() as s:
        await store.save_install(session=s, cipher=CIPHER, install=workspace("T1", "xoxb-one"))
    async with db.session() as s:
        row = (await s.exec(select(SlackInstall))).one()
        found = await store.find_install(session=s, cipher=CIPHER, enterprise_id=None, team_id="T1")
        blind = await store.find_install(session=s, cipher=None, enterprise_id=None, team_id="T1")
        other = await store.find_install(session=s, cipher=CIPHER, enterprise_id=None, team_id="T2")
    assert "xoxb-one" not in row.bot_token and CIPHER.decrypt(row.bot_token) == "xoxb-one"
    assert found is not None and found.bot_token == "xoxb-one" and found.key == "T1"
    assert found.team_name == "Tower & Co <b>" and "xoxb" not in repr(found)
    assert blind is not None and blind.bot_token == "" and blind.installer_user_id == "UINSTALLER"
    assert other is None


async def test_an_org_wide_install_serves_every_workspace_of_the_org(db: Database) -> None:
    org = Installed(
        team_id=None, enterprise_id="E1", is_enterprise_install=True, bot_token="xoxb-org"
    )
    async with db.transaction() as s:
        await store.save_install(session=s, cipher=CIPHER, install=org)
        own_install = workspace("T9", "xoxb-own", "E1")
        await store.save_install(session=s, cipher=CIPHER, install=own_install)
    async with db.session() as s:
        a = await store.find_install(session=s, cipher=CIPHER, enterprise_id="E1", team_id="T5")
        b = await store.find_install(
            session=s, cipher=CIPHER, enterprise_id="E1", team_id="T6", is_enterprise_install=True
        )
        own = await store.find_install(session=s, cipher=CIPHER, enterprise_id="E1", team_id="T9")
        elsewhere = await store.find_install(
            session=s, cipher=CIPHER, enterprise_id="E2", team_id="T5"
        )
    assert a is not None and a.bot_token == "xoxb-org" and a.key == "E1"
    assert b is not None and b.bot_token == "xoxb-org"
    assert own is not None and own.bot_token == "xoxb-own"
    assert elsewhere is None


async def test_a_rotation_replaces_the_tokens_and_keeps_the_installer(db: Database) -> None:
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    async with db.transaction() as s:
        await store.save_install(session=s, cipher=CIPHER, install=workspace("T1", "xoxe.xoxb-1"))
    rotated = Installed(
        team_id="T1",
        enterprise_id=None,
        is_enterprise_install=False,
        bot_token="xoxe.xoxb-2",
        bot_refresh_token="xoxe-1-r2",
        bot_token_expires_at=expires,
    )
    async with db.transaction() as s:
        await store.save_install(session=s, cipher=CIPHER, install=rotated)
    async with db.session() as s:
        found = await store.find_install(session=s, cipher=CIPHER, enterprise_id=None, team_id="T1")
        row = (await s.exec(select(SlackInstall))).one()
    assert found is not None and found.bot_token == "xoxe.xoxb-2"
    assert found.bot_refresh_token == "xoxe-1-r2" and found.bot_token_expires_at == expires
    assert found.installer_user_id == "UINSTALLER"
    assert row.bot_refresh_token is not None and "xoxe-1-r2" not in row.bot_refresh_token


async def test_removing_one_install_leaves_the_others(db: Database) -> None:
    async with db.transaction() as s:
        await store.save_install(session=s, cipher=CIPHER, install=workspace("T1", "xoxb-1"))
        await store.save_install(session=s, cipher=CIPHER, install=workspace("T2", "xoxb-2"))
    async with db.transaction() as s:
        assert await store.delete_install(session=s, enterprise_id=None, team_id="T1")
        assert not await store.delete_install(session=s, enterprise_id=None, team_id="T1")
    async with db.session() as s:
        keys = [i.key for i in await store.all_installs(session=s)]
    assert keys == ["T2"]


async def test_an_install_state_is_good_once_and_not_after_it_expires(db: Database) -> None:
    now = datetime.now(UTC)
    async with db.transaction() as s:
        await store.new_oauth_state(session=s, state="good", expires_at=now + timedelta(minutes=5))
        await store.new_oauth_state(session=s, state="old", expires_at=now + timedelta(seconds=0.2))
    async with db.transaction() as s:
        assert await store.consume_oauth_state(session=s, state="good")
    async with db.transaction() as s:
        assert not await store.consume_oauth_state(session=s, state="good")
        assert not await store.consume_oauth_state(session=s, state="forged")
    await asyncio.sleep(0.25)
    async with db.transaction() as s:
        assert not await store.consume_oauth_state(session=s, state="old")
