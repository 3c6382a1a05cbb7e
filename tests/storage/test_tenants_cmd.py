"""`cco-bot tenants list | show | remove`: what an operator sees, never a secret."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import _parser
from bot.settings import settings_from
from bot.tenants_cmd import run_tenants
from storage import tenants
from storage.accounts import TokenCipher
from storage.db import Database, make_engine, upgrade_schema
from storage.tenants import TenantSetup

SECRET = "hunter2-erp-password"


async def seed(url: str, key: str) -> None:
    db = Database(make_engine(url))
    await upgrade_schema(db.engine)
    setup = TenantSetup(
        key="T0ACME",
        team_id="T0ACME",
        enterprise_id=None,
        procore_company_id=4242,
        erp_system="acumatica",
        erp={"base_url": "https://erp.acme.example", "username": "svc", "password": SECRET},
        set_up_by="U0ADMIN",
    )
    async with db.transaction() as s:
        await tenants.save_tenant(session=s, cipher=TokenCipher(key), setup=setup)
    await db.dispose()


def test_list_show_and_remove_print_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, key = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", TokenCipher.new_key()
    settings = settings_from({"database_url": url, "token_encryption_key": key})
    asyncio.run(seed(url, key))

    def run(*argv: str) -> int:
        args = _parser().parse_args(["tenants", *argv])
        return asyncio.run(run_tenants(settings, args.action, args.key))

    assert run("list") == 0
    listed = capsys.readouterr().out
    assert "T0ACME" in listed and "4242" in listed and "acumatica" in listed
    assert run("show", "T0ACME") == 0
    shown = capsys.readouterr().out
    assert "erp password: set" in shown and "erp client secret: not set" in shown
    assert "erp base url: https://erp.acme.example" in shown and "erp username: set" in shown
    assert SECRET not in listed + shown
    assert run("show", "T0NONE") == 1
    assert run("remove") == 2
    assert run("remove", "T0ACME") == 0
    assert run("list") == 0
    assert "no workspace is set up" in capsys.readouterr().out
