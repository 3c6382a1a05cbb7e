"""The app's Slack installations (many-workspace mode): one row per workspace install, or per
Enterprise Grid organisation for an org-wide install, holding its bot token encrypted
(`TokenCipher`), and the OAuth `state` of installs under way (stored hashed, single-use).

Removing an installation deletes its tokens only; the audit, attempts and requests of the
workspace stay (README, "Data retention"). Callers own the transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.accounts import TokenCipher
from storage.models import utcnow


def _ts(**kwargs: Any) -> Any:
    return Field(sa_column=sa.Column(sa.DateTime(timezone=True), **kwargs))


class SlackInstall(SQLModel, table=True):
    __tablename__ = "slack_install"

    #: the team id of a workspace install, the enterprise id of an org-wide install
    #: (`install_key`); Slack's ids are unique across both kinds (T… / E…)
    key: str = Field(primary_key=True, max_length=32)
    team_id: str | None = Field(default=None, max_length=32)
    team_name: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    enterprise_id: str | None = Field(default=None, max_length=32, index=True)
    enterprise_name: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    is_enterprise_install: bool = False
    app_id: str = Field(default="", max_length=32)
    bot_id: str = Field(default="", max_length=32)
    bot_user_id: str = Field(default="", max_length=32)
    bot_scopes: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    #: Fernet tokens (`TokenCipher`); the plain tokens are never stored
    bot_token: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    bot_refresh_token: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    #: when the bot token expires (token rotation on); None: it does not expire
    bot_token_expires_at: datetime | None = _ts(nullable=True)
    installer_user_id: str = Field(default="", max_length=32)
    installed_at: datetime = _ts(nullable=False, default=utcnow)
    updated_at: datetime = _ts(nullable=False, default=utcnow)


class SlackOAuthState(SQLModel, table=True):
    """An install under way: the `state` Bolt put in the authorize URL (hashed), until when."""

    __tablename__ = "slack_oauth_state"

    state_hash: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = _ts(nullable=False)


@dataclass(frozen=True)
class Installed:
    """One installation with its tokens in clear (never logged: tokens have no repr)."""

    team_id: str | None
    enterprise_id: str | None
    is_enterprise_install: bool
    bot_token: str = field(repr=False)
    bot_refresh_token: str | None = field(default=None, repr=False)
    bot_token_expires_at: datetime | None = None
    bot_id: str = ""
    bot_user_id: str = ""
    bot_scopes: str = ""
    app_id: str = ""
    installer_user_id: str = ""
    team_name: str = ""
    enterprise_name: str = ""
    installed_at: datetime | None = None

    @property
    def key(self) -> str:
        return install_key(self.enterprise_id, self.team_id, self.is_enterprise_install)


def install_key(enterprise_id: str | None, team_id: str | None, org_wide: bool | None) -> str:
    """The row of an installation: the organisation's for an org-wide install, else the team's."""
    if org_wide and enterprise_id:
        return enterprise_id
    return team_id or enterprise_id or ""


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without a zone; every stored timestamp is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _values(cipher: TokenCipher, install: Installed) -> dict[str, Any]:
    refresh = install.bot_refresh_token
    return {
        "key": install.key,
        "team_id": None if install.is_enterprise_install else install.team_id,
        "team_name": install.team_name,
        "enterprise_id": install.enterprise_id,
        "enterprise_name": install.enterprise_name,
        "is_enterprise_install": install.is_enterprise_install,
        "app_id": install.app_id,
        "bot_id": install.bot_id,
        "bot_user_id": install.bot_user_id,
        "bot_scopes": install.bot_scopes,
        "bot_token": cipher.encrypt(install.bot_token),
        "bot_refresh_token": cipher.encrypt(refresh) if refresh else None,
        "bot_token_expires_at": install.bot_token_expires_at,
        "installer_user_id": install.installer_user_id,
        "updated_at": utcnow(),
    }


async def save_install(*, session: AsyncSession, cipher: TokenCipher, install: Installed) -> None:
    """Insert or replace the installation (a reinstall or a token rotation replaces its tokens;
    the first `installed_at` stays). An empty installer (a rotation) keeps the stored one."""
    values = _values(cipher, install)
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = (postgresql.insert if postgres else sqlite.insert)(SlackInstall).values(
        **values, installed_at=utcnow()
    )
    replace: dict[str, Any] = {k: insert.excluded[k] for k in values if k != "key"}
    if not install.installer_user_id:
        del replace["installer_user_id"]
    await session.exec(insert.on_conflict_do_update(index_elements=["key"], set_=replace))


def _installed(row: SlackInstall, cipher: TokenCipher | None) -> Installed:
    def clear(token: str | None) -> str | None:
        return cipher.decrypt(token) if cipher is not None and token else None

    return Installed(
        team_id=row.team_id,
        enterprise_id=row.enterprise_id,
        is_enterprise_install=row.is_enterprise_install,
        bot_token=clear(row.bot_token) or "",
        bot_refresh_token=clear(row.bot_refresh_token),
        bot_token_expires_at=_aware(row.bot_token_expires_at),
        bot_id=row.bot_id,
        bot_user_id=row.bot_user_id,
        bot_scopes=row.bot_scopes,
        app_id=row.app_id,
        installer_user_id=row.installer_user_id,
        team_name=row.team_name,
        enterprise_name=row.enterprise_name,
        installed_at=_aware(row.installed_at),
    )


async def find_install(
    *,
    session: AsyncSession,
    cipher: TokenCipher | None,
    enterprise_id: str | None,
    team_id: str | None,
    is_enterprise_install: bool | None = False,
) -> Installed | None:
    """The installation serving a request from `team_id` (of `enterprise_id`): the workspace's
    own install, else its organisation's org-wide install. Without a `cipher` the tokens come
    back empty (for callers that only need to know who installed what)."""
    keys = [install_key(enterprise_id, team_id, is_enterprise_install)]
    if enterprise_id and enterprise_id not in keys:
        keys.append(enterprise_id)
    for key in keys:
        row = await session.get(SlackInstall, key)
        if row is not None and (key != enterprise_id or row.is_enterprise_install):
            return _installed(row, cipher)
    return None


async def delete_install(
    *,
    session: AsyncSession,
    enterprise_id: str | None,
    team_id: str | None,
    is_enterprise_install: bool | None = False,
) -> bool:
    """Delete the installation's row (its tokens); True if there was one."""
    key = install_key(enterprise_id, team_id, is_enterprise_install)
    deleted = await session.exec(sa.delete(SlackInstall).where(col(SlackInstall.key) == key))
    return bool(deleted.rowcount)


async def all_installs(*, session: AsyncSession) -> list[Installed]:
    """Every installation, tokens left out (operators' listings)."""
    rows = (await session.exec(select(SlackInstall).order_by(col(SlackInstall.key)))).all()
    return [_installed(row, None) for row in rows]


# -- OAuth state -----------------------------------------------------------------------------------


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


async def new_oauth_state(*, session: AsyncSession, state: str, expires_at: datetime) -> None:
    """Remember an install's `state` until `expires_at` (expired ones are purged)."""
    await session.exec(sa.delete(SlackOAuthState).where(col(SlackOAuthState.expires_at) < utcnow()))
    session.add(SlackOAuthState(state_hash=_hash(state), expires_at=expires_at))


async def consume_oauth_state(*, session: AsyncSession, state: str) -> bool:
    """True once for a `state` this app issued and that has not expired; it is deleted either
    way (one DELETE ... RETURNING: of two concurrent uses only one wins)."""
    taken = sa.delete(SlackOAuthState).where(col(SlackOAuthState.state_hash) == _hash(state))
    row = (await session.exec(taken.returning(col(SlackOAuthState.expires_at)))).first()
    expires_at = _aware(row[0]) if row is not None else None
    return expires_at is not None and expires_at > utcnow()
