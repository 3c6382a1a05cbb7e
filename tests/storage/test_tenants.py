"""Tenant storage: one row per installation, ERP secrets encrypted, one tenant per company."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storage import tenants
from storage.accounts import TokenCipher, UnreadableAccount
from storage.db import Database
from storage.tenants import CompanyTaken, TenantSetup

CIPHER_KEY = TokenCipher.new_key()
CIPHER = TokenCipher(CIPHER_KEY)


def setup(key: str, company: int, **kw: str | None) -> TenantSetup:
    return TenantSetup(
        key=key,
        team_id=kw.get("team_id", key),
        enterprise_id=kw.get("enterprise_id"),
        procore_company_id=company,
        erp_system="acumatica",
        erp={"base_url": "https://erp.example/AcumaticaERP", "password": "s3cret-pw"},
        set_up_by="U1",
    )


async def test_erp_settings_are_stored_encrypted_and_read_back(db: Database) -> None:
    async with db.transaction() as s:
        await tenants.save_tenant(session=s, cipher=CIPHER, setup=setup("T1", 11))
    async with db.session() as s:
        raw = (await s.exec(text("SELECT erp_settings FROM tenant"))).one()[0]  # type: ignore[call-overload]
        loaded = await tenants.load_tenant(session=s, cipher=CIPHER, key="T1")
    assert "s3cret-pw" not in raw and "erp.example" not in raw
    assert loaded is not None and loaded.erp["password"] == "s3cret-pw"
    assert "s3cret-pw" not in repr(loaded)
    new_key = TokenCipher.new_key()
    other, rotated = TokenCipher(new_key), TokenCipher(f"{new_key},{CIPHER_KEY}")
    async with db.session() as s:
        assert (await tenants.load_tenant(session=s, cipher=rotated, key="T1")) is not None
        with pytest.raises(UnreadableAccount):
            await tenants.load_tenant(session=s, cipher=other, key="T1")


async def test_a_workspace_install_wins_over_its_orgs_install(db: Database) -> None:
    async with db.transaction() as s:
        await tenants.save_tenant(
            session=s, cipher=CIPHER, setup=setup("E1", 21, team_id=None, enterprise_id="E1")
        )
        await tenants.save_tenant(
            session=s, cipher=CIPHER, setup=setup("T2", 22, team_id="T2", enterprise_id="E1")
        )
    async with db.session() as s:
        org = await tenants.tenant_for(session=s, team_id="T9", enterprise_id="E1")
        own = await tenants.tenant_for(session=s, team_id="T2", enterprise_id="E1")
        none = await tenants.tenant_for(session=s, team_id="T9", enterprise_id=None)
        by_company = await tenants.tenant_of_company(session=s, company_id=22)
    assert org is not None and org.key == "E1"
    assert own is not None and own.key == "T2"
    assert none is None
    assert by_company is not None and by_company.key == "T2"


async def test_one_company_serves_one_tenant_and_removal_forgets_it(db: Database) -> None:
    async with db.transaction() as s:
        await tenants.save_tenant(session=s, cipher=CIPHER, setup=setup("T1", 11))
    with pytest.raises(CompanyTaken):
        async with db.transaction() as s:
            await tenants.save_tenant(session=s, cipher=CIPHER, setup=setup("T2", 11))
    async with db.transaction() as s:
        await tenants.save_tenant(session=s, cipher=CIPHER, setup=setup("T1", 12))  # re-set up
        assert await tenants.remove_tenant(session=s, key="T1")
        assert not await tenants.remove_tenant(session=s, key="T1")
    async with db.session() as s:
        assert list(await tenants.all_tenants(session=s)) == []
