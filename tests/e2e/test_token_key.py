"""A TOKEN_ENCRYPTION_KEY that is malformed, or does not decrypt the linked Procore accounts
already stored, stops `cco-bot serve` with one line and exit status 2, and deletes nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from storage import accounts
from storage.accounts import ProcoreAccount, TokenCipher
from storage.db import Database, make_engine
from tests.conftest import database_params, database_url, fresh_database

STORED_KEY = TokenCipher.new_key()
_APP_PREFIXES = ("SLACK_", "PROCORE_", "ERP_", "DATABASE_URL", "TOKEN_", "PUBLIC_URL", "REQUIRE_")
_VALID_APP = {
    "SLACK_SIGNING_SECRET": "signing-secret",
    "SLACK_BOT_TOKEN": "xoxb-1-2-3",
    "PROCORE_CLIENT_ID": "client",
    "PROCORE_CLIENT_SECRET": "secret",
    "PROCORE_COMPANY_ID": "1",
    "ERP_SYSTEM": "quickbooks_online",
    "PUBLIC_URL": "https://cco-bot.example.com",
}


@pytest.fixture(params=database_params())
async def linked(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database holding two linked Procore accounts encrypted with STORED_KEY; its URL."""
    url = database_url(request.param, tmp_path)
    db = await fresh_database(url)
    try:
        cipher = TokenCipher(STORED_KEY)
        for slack_user, procore_user in (("U0ANA", 11), ("U0BEN", 12)):
            async with db.transaction() as s:
                await accounts.save(
                    session=s,
                    cipher=cipher,
                    team_id="T1",
                    slack_user_id=slack_user,
                    procore_user_id=procore_user,
                    procore_user_name=slack_user,
                    access_token=f"access-{slack_user}",
                    refresh_token=f"refresh-{slack_user}",
                    expires_at=datetime(2030, 1, 1, tzinfo=UTC),
                )
    finally:
        await db.dispose()
    yield url


def _serve(tmp_path: Path, database: str, key: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_APP_PREFIXES)}
    env.update(_VALID_APP, DATABASE_URL=database, TOKEN_ENCRYPTION_KEY=key, PORT="0")
    return subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--port", "0"],
        cwd=tmp_path,  # no stray .env
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


async def _readable_accounts(url: str) -> list[str]:
    """The stored accounts the original key still decrypts."""
    db = Database(make_engine(url))
    try:
        async with db.session() as s:
            rows = (await s.exec(select(ProcoreAccount))).all()
            cipher = TokenCipher(STORED_KEY)
            return sorted(cipher.decrypt(r.access_token) for r in rows)
    finally:
        await db.dispose()


@pytest.mark.parametrize("key", ["not-a-fernet-key", "other"], ids=["malformed", "another-key"])
async def test_a_bad_token_key_stops_start_up_with_one_line_and_keeps_every_link(
    linked: str, tmp_path: Path, key: str
) -> None:
    bad = TokenCipher.new_key() if key == "other" else key

    done = await asyncio.to_thread(_serve, tmp_path, linked, bad)

    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("cco-bot: TOKEN_ENCRYPTION_KEY"), lines
    assert "Traceback" not in done.stderr and bad not in done.stderr
    assert await _readable_accounts(linked) == ["access-U0ANA", "access-U0BEN"]
