"""Linked-account storage on SQLite and PostgreSQL alike: encryption at rest, the refresh claim,
conditional rotation and single-use OAuth states."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from storage import accounts
from storage.accounts import AccountTaken, LinkRequest, TokenCipher, UnreadableAccount
from storage.db import Database, upgrade_schema

TEAM, USER = "T1", "U1"
ACCESS, REFRESH = "access-token-plain-text-123", "refresh-token-plain-text-456"
LATER = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def cipher() -> TokenCipher:
    return TokenCipher(TokenCipher.new_key())


async def _save(
    db: Database, cipher: TokenCipher, access: str = ACCESS, slack_user: str = USER
) -> None:
    async with db.transaction() as s:
        await accounts.save(
            session=s,
            cipher=cipher,
            team_id=TEAM,
            slack_user_id=slack_user,
            procore_user_id=2**40,
            procore_user_name="Ana Silva",
            access_token=access,
            refresh_token=REFRESH,
            expires_at=LATER,
        )


async def _load(db: Database, cipher: TokenCipher) -> accounts.LinkedAccount:
    async with db.session() as s:
        account = await accounts.load(session=s, cipher=cipher, team_id=TEAM, slack_user_id=USER)
    assert account is not None
    return account


async def _raw_row(db: Database) -> dict[str, object]:
    async with db.engine.connect() as conn:
        row = (await conn.execute(text("SELECT * FROM procore_account"))).mappings().one()
    return dict(row)


async def test_tokens_are_encrypted_at_rest_and_read_back_in_clear(
    db: Database, cipher: TokenCipher
) -> None:
    await _save(db, cipher)

    raw = await _raw_row(db)
    account = await _load(db, cipher)

    assert ACCESS not in str(raw.values()) and REFRESH not in str(raw.values())
    assert (account.access_token, account.refresh_token) == (ACCESS, REFRESH)
    assert (account.procore_user_id, account.expires_at, account.version) == (2**40, LATER, 1)
    assert ACCESS not in repr(account)


async def test_another_key_cannot_read_the_tokens_but_a_rotated_key_list_can(
    db: Database, cipher: TokenCipher
) -> None:
    await _save(db, cipher)

    with pytest.raises(UnreadableAccount):
        await _load(db, TokenCipher(TokenCipher.new_key()))

    async with db.transaction() as s:
        await accounts.delete(session=s, team_id=TEAM, slack_user_id=USER)
    first = TokenCipher.new_key()
    await _save(db, TokenCipher(first))
    rotated = TokenCipher(f"{TokenCipher.new_key()},{first}")
    assert (await _load(db, rotated)).access_token == ACCESS


async def test_saving_again_replaces_the_account_and_bumps_its_version(
    db: Database, cipher: TokenCipher
) -> None:
    await _save(db, cipher)
    await _save(db, cipher, access="second-access")

    account = await _load(db, cipher)

    assert (account.access_token, account.version) == ("second-access", 2)


async def test_only_one_rotation_of_a_version_is_stored(db: Database, cipher: TokenCipher) -> None:
    await _save(db, cipher)
    account = await _load(db, cipher)

    async def rotate(n: int) -> bool:
        async with db.transaction() as s:
            return await accounts.rotate(
                session=s,
                cipher=cipher,
                account=account,
                access_token=f"a{n}",
                refresh_token=f"r{n}",
                expires_at=LATER,
            )

    won = await asyncio.gather(*(rotate(n) for n in range(5)))

    after = await _load(db, cipher)
    assert won.count(True) == 1
    winner = won.index(True)
    assert (after.access_token, after.refresh_token) == (f"a{winner}", f"r{winner}")
    assert after.version == account.version + 1


async def test_one_process_at_a_time_may_spend_the_refresh_token(
    db: Database, cipher: TokenCipher
) -> None:
    await _save(db, cipher)
    version = (await _load(db, cipher)).version

    async def claim(hold: timedelta) -> bool:
        async with db.transaction() as s:
            return await accounts.claim_refresh(
                session=s, team_id=TEAM, slack_user_id=USER, version=version, hold=hold
            )

    claims = await asyncio.gather(*(claim(timedelta(seconds=30)) for _ in range(5)))
    async with db.transaction() as s:
        await accounts.release_refresh(session=s, team_id=TEAM, slack_user_id=USER, version=version)
    after_release = await claim(timedelta(seconds=-1))  # held, but already lapsed
    after_lapse = await claim(timedelta(seconds=30))

    assert claims.count(True) == 1
    assert after_release and after_lapse


async def test_delete_at_a_stale_version_keeps_a_newer_link(
    db: Database, cipher: TokenCipher
) -> None:
    await _save(db, cipher)
    await _save(db, cipher, access="reconnected")

    async with db.transaction() as s:
        stale = await accounts.delete(session=s, team_id=TEAM, slack_user_id=USER, version=1)
        current = await accounts.delete(session=s, team_id=TEAM, slack_user_id=USER, version=2)

    assert (stale, current) == (False, True)


async def test_a_link_state_is_single_use_bound_and_short_lived(db: Database) -> None:
    async with db.transaction() as s:
        state = await accounts.new_link_state(
            session=s, team_id=TEAM, slack_user_id=USER, ttl=timedelta(minutes=10)
        )
        stale = await accounts.new_link_state(
            session=s, team_id=TEAM, slack_user_id="U2", ttl=timedelta(seconds=-1)
        )

    async def consume(value: str) -> LinkRequest | None:
        async with db.transaction() as s:
            return await accounts.consume_link_state(session=s, state=value)

    first = await consume(state)
    replayed = await consume(state)
    forged = await consume("not-a-state")
    expired = await consume(stale)

    assert first == LinkRequest(TEAM, USER)
    assert replayed is None and forged is None and expired is None
    async with db.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT state_hash FROM link_state"))).scalars().all()
    assert stored == []


async def test_concurrent_uses_of_one_state_let_exactly_one_through(db: Database) -> None:
    async with db.transaction() as s:
        state = await accounts.new_link_state(
            session=s, team_id=TEAM, slack_user_id=USER, ttl=timedelta(minutes=10)
        )

    async def consume() -> LinkRequest | None:
        async with db.transaction() as s:
            return await accounts.consume_link_state(session=s, state=state)

    results = await asyncio.gather(*(consume() for _ in range(5)))

    assert [r for r in results if r is not None] == [LinkRequest(TEAM, USER)]


async def test_states_are_stored_hashed(db: Database) -> None:
    async with db.transaction() as s:
        state = await accounts.new_link_state(
            session=s, team_id=TEAM, slack_user_id=USER, ttl=timedelta(minutes=10)
        )

    async with db.engine.connect() as conn:
        raw = (await conn.execute(text("SELECT * FROM link_state"))).mappings().one()

    assert state not in str(dict(raw).values())
    assert (raw["team_id"], raw["slack_user_id"]) == (TEAM, USER)


async def test_one_procore_account_is_linked_to_one_slack_user_per_workspace(
    db: Database, cipher: TokenCipher
) -> None:
    await _save(db, cipher)

    with pytest.raises(AccountTaken):
        await _save(db, cipher, slack_user="U2")

    async with db.session() as s:
        assert await accounts.holder_of(session=s, team_id=TEAM, procore_user_id=2**40) == USER
    assert (await _raw_row(db))["slack_user_id"] == USER


async def test_unreadable_count_names_rows_the_key_cannot_decrypt(
    db: Database, cipher: TokenCipher
) -> None:
    await _save(db, cipher)

    async with db.session() as s:
        assert await accounts.unreadable_count(session=s, cipher=cipher) == (0, 1)
        assert await accounts.unreadable_count(
            session=s, cipher=TokenCipher(TokenCipher.new_key())
        ) == (1, 1)


async def test_start_up_adds_the_one_slack_user_per_procore_account_rule_to_an_older_table(
    db: Database, cipher: TokenCipher
) -> None:
    async with db.engine.begin() as conn:  # as the previous release created the table
        await conn.execute(text("DROP INDEX uq_procore_account_procore_user"))
        # ... without migrations: revision 0001 brings it up to that release's schema
        await conn.execute(text("DELETE FROM alembic_version"))
    await _save(db, cipher)

    await upgrade_schema(db.engine, "0001")

    with pytest.raises(AccountTaken):
        await _save(db, cipher, slack_user="U2")
