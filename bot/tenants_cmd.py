"""`cco-bot tenants list | show KEY | remove KEY`: the operator's view of the workspaces set up
in many-workspace mode. Secrets are never printed: `show` says which ERP settings are set (the
ERP's URL alone is shown, it is no secret); `remove` forgets a set-up (its audit and history
stay) so the workspace's admin sets it up again from App Home."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bot.settings import Settings
from bot.tenant_services import ERP_FIELDS
from flows.tenants import remove_set_up
from storage import tenants
from storage.accounts import TokenCipher, UnreadableAccount
from storage.db import Database, make_engine, upgrade_schema
from storage.tenants import Tenant

#: who removed a set-up, in its audit row, when an operator did it here
OPERATOR = "cco-bot tenants"
#: the ERP setting shown as it is (everything else: set / not set)
SHOWN = frozenset({"base_url"})


async def run_tenants(settings: Settings, action: str, key: str | None) -> int:
    if action != "list" and not key:
        print(f"cco-bot: `cco-bot tenants {action}` needs the tenant's KEY", file=sys.stderr)
        return 2
    db = Database(make_engine(settings.database_url))
    try:
        await upgrade_schema(db.engine)
        if action == "list":
            return await _list(db)
        assert key is not None
        if action == "show":
            return await _show(db, settings, key)
        return await _remove(db, key)
    finally:
        await db.dispose()


async def _list(db: Database) -> int:
    async with db.session() as s:
        rows = await tenants.all_tenants(session=s)
    if not rows:
        print("no workspace is set up (single-company mode uses the environment's settings)")
        return 0
    print("KEY\tWORKSPACE\tENTERPRISE\tPROCORE COMPANY\tERP\tSET UP BY\tUPDATED")
    for row in rows:
        print("\t".join(_columns(row)))
    return 0


def _columns(row: Tenant) -> Sequence[str]:
    return (
        row.key,
        row.team_id or "-",
        row.enterprise_id or "-",
        str(row.procore_company_id),
        row.erp_system,
        row.set_up_by,
        row.updated_at.isoformat(timespec="seconds"),
    )


async def _show(db: Database, settings: Settings, key: str) -> int:
    async with db.session() as s:
        row = await tenants.get_tenant(session=s, key=key)
    if row is None:
        print(f"cco-bot: no tenant {key}", file=sys.stderr)
        return 1
    names = ("key", "workspace", "enterprise", "procore company", "erp", "set up by", "updated")
    for name, value in zip(names, _columns(row), strict=True):
        print(f"{name}: {value}")
    print(f"created: {row.created_at.isoformat(timespec='seconds')}")
    for line in _erp_lines(row, settings):
        print(line)
    return 0


def _erp_lines(row: Tenant, settings: Settings) -> list[str]:
    """Which ERP settings are set; the URL as it is; never a secret."""
    if not settings.token_encryption_key:
        return ["erp settings: stored encrypted (set TOKEN_ENCRYPTION_KEY to see which are set)"]
    try:
        given = tenants.decrypted(row, TokenCipher(settings.token_encryption_key)).erp
    except UnreadableAccount:
        return ["erp settings: TOKEN_ENCRYPTION_KEY does not decrypt them"]
    lines = []
    for name in ERP_FIELDS:
        value = given.get(name)
        shown = value if value and name in SHOWN else ("set" if value else "not set")
        lines.append(f"erp {name.replace('_', ' ')}: {shown}")
    return lines


async def _remove(db: Database, key: str) -> int:
    if not await remove_set_up(db, key, OPERATOR):
        print(f"cco-bot: no tenant {key}", file=sys.stderr)
        return 1
    print(f"removed the set-up of {key}: its admin sets it up again from App Home")
    return 0
