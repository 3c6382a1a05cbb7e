"""Tenants: one Slack installation (a workspace, or a whole Enterprise Grid org installed
org-wide) ↔ one Procore company ↔ one ERP connection. The ERP settings (URL, user names,
passwords, client secrets) are stored as one Fernet-encrypted JSON text (`TokenCipher`, key
rotation as for Procore tokens); the plain settings are never stored. In single-company mode
there is no row: the environment settings are the one implicit tenant.

A tenant's `key` is its installation's id: the team id of a workspace install, the enterprise id
of an org-wide install. One Procore company serves at most one tenant (a unique index), so a
company id found on a row (or in a Procore webhook) names exactly one tenant. Callers own the
transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.accounts import TokenCipher
from storage.models import UtcDateTime, utcnow


def _ts(**kwargs: Any) -> Any:
    return Field(sa_column=sa.Column(UtcDateTime(), **kwargs))


class Tenant(SQLModel, table=True):
    __tablename__ = "tenant"
    __table_args__ = (
        sa.Index("uq_tenant_company", "procore_company_id", unique=True),
        sa.Index("ix_tenant_team", "team_id"),
        sa.Index("ix_tenant_enterprise", "enterprise_id"),
    )

    #: the team id of a workspace install, the enterprise id of an org-wide install
    key: str = Field(primary_key=True, max_length=32)
    #: None for an org-wide install (it serves every workspace of `enterprise_id`)
    team_id: str | None = Field(default=None, max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    procore_company_id: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    erp_system: str = Field(max_length=32)
    #: Fernet token of the ERP settings' JSON (see `TokenCipher`)
    erp_settings: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    set_up_by: str = Field(max_length=32)
    created_at: datetime = _ts(nullable=False, default=utcnow)
    updated_at: datetime = _ts(nullable=False, default=utcnow)


@dataclass(frozen=True)
class TenantSetup:
    """A tenant with its ERP settings decrypted (`erp` never reaches a log: repr hides it)."""

    key: str
    team_id: str | None
    enterprise_id: str | None
    procore_company_id: int
    erp_system: str
    erp: dict[str, str] = field(repr=False)
    set_up_by: str
    created_at: datetime | None = None
    updated_at: datetime | None = None


class CompanyTaken(Exception):
    """The Procore company already serves another tenant."""


def _setup(row: Tenant, cipher: TokenCipher) -> TenantSetup:
    settings = json.loads(cipher.decrypt(row.erp_settings))
    return TenantSetup(
        key=row.key,
        team_id=row.team_id,
        enterprise_id=row.enterprise_id,
        procore_company_id=row.procore_company_id,
        erp_system=row.erp_system,
        erp={str(k): str(v) for k, v in settings.items()},
        set_up_by=row.set_up_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def save_tenant(*, session: AsyncSession, cipher: TokenCipher, setup: TenantSetup) -> None:
    """Create or replace the tenant `setup.key`; `CompanyTaken` when its Procore company serves
    another tenant (checked here, and held by the unique index against a concurrent save)."""
    other = await tenant_of_company(session=session, company_id=setup.procore_company_id)
    if other is not None and other.key != setup.key:
        raise CompanyTaken(setup.procore_company_id)
    row = await session.get(Tenant, setup.key)
    if row is None:
        row = Tenant(
            key=setup.key,
            procore_company_id=0,
            erp_system="",
            erp_settings="",
            set_up_by=setup.set_up_by,
        )
    row.team_id, row.enterprise_id = setup.team_id, setup.enterprise_id
    row.procore_company_id = setup.procore_company_id
    row.erp_system = setup.erp_system
    row.erp_settings = cipher.encrypt(json.dumps(setup.erp, sort_keys=True))
    row.set_up_by = setup.set_up_by
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()


async def get_tenant(*, session: AsyncSession, key: str) -> Tenant | None:
    return await session.get(Tenant, key)


async def load_tenant(
    *, session: AsyncSession, cipher: TokenCipher, key: str
) -> TenantSetup | None:
    """The tenant with its ERP settings decrypted (`UnreadableAccount` when the key can't)."""
    row = await session.get(Tenant, key)
    return None if row is None else _setup(row, cipher)


def decrypted(row: Tenant, cipher: TokenCipher) -> TenantSetup:
    return _setup(row, cipher)


async def tenant_for(
    *, session: AsyncSession, team_id: str | None, enterprise_id: str | None
) -> Tenant | None:
    """The tenant serving a request of `team_id` (in `enterprise_id`): the workspace's own
    install first, else its org's org-wide install."""
    if team_id:
        found = (await session.exec(select(Tenant).where(Tenant.team_id == team_id))).first()
        if found is not None:
            return found
    if enterprise_id:
        org = select(Tenant).where(
            Tenant.enterprise_id == enterprise_id, col(Tenant.team_id).is_(None)
        )
        return (await session.exec(org)).first()
    return None


async def tenant_of_company(*, session: AsyncSession, company_id: int) -> Tenant | None:
    query = select(Tenant).where(Tenant.procore_company_id == company_id)
    return (await session.exec(query)).first()


async def all_tenants(*, session: AsyncSession) -> Sequence[Tenant]:
    return (await session.exec(select(Tenant).order_by(col(Tenant.key)))).all()


async def remove_tenant(*, session: AsyncSession, key: str) -> bool:
    """Forget the tenant's set-up (its history and audit stay); whether there was one."""
    result: Any = await session.exec(sa.delete(Tenant).where(col(Tenant.key) == key))
    return bool(result.rowcount)
