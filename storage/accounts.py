"""Linked Procore accounts (tokens encrypted at rest) and the OAuth `state` of pending links.

Procore's refresh tokens are single-use, so renewing one is guarded twice: `claim_refresh` lets
one process (on any replica) spend the refresh token, and `rotate` stores the new pair with an
UPDATE conditional on the row's `version`, so two refreshes can never both be written. Callers
own the transaction (`Database.transaction()`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import utcnow


def _ts(**kwargs: Any) -> Any:
    return Field(sa_column=sa.Column(sa.DateTime(timezone=True), **kwargs))


class ProcoreAccount(SQLModel, table=True):
    __tablename__ = "procore_account"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "slack_user_id", name="uq_procore_account_user"),
        # one Procore account is linked to at most one Slack user per workspace
        sa.Index("uq_procore_account_procore_user", "team_id", "procore_user_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    slack_user_id: str = Field(max_length=32)
    procore_user_id: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    procore_user_name: str = Field(default="", max_length=255)
    #: Fernet tokens (see `TokenCipher`); the plain tokens are never stored
    access_token: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    refresh_token: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    #: bumped by every save and rotation; conditional updates compare it
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    expires_at: datetime = _ts(nullable=False)
    #: a process spending the refresh token holds it until then
    refresh_claimed_until: datetime | None = _ts(nullable=True)
    connected_at: datetime = _ts(nullable=False, default=utcnow)
    updated_at: datetime = _ts(nullable=False, default=utcnow)


class LinkState(SQLModel, table=True):
    """A pending `/cco connect`: the OAuth `state` (stored hashed), whose it is, until when."""

    __tablename__ = "link_state"

    state_hash: str = Field(primary_key=True, max_length=64)
    team_id: str = Field(max_length=32)
    slack_user_id: str = Field(max_length=32)
    expires_at: datetime = _ts(nullable=False)


class UnreadableAccount(Exception):
    """The stored tokens cannot be decrypted with the configured key(s)."""


class AccountTaken(Exception):
    """The Procore account is already linked to another Slack user of the workspace."""


class TokenCipher:
    """Fernet encryption of tokens. `key` is one Fernet key, or several separated by commas
    (the first encrypts, all decrypt), so the key can be rotated without unlinking everyone."""

    def __init__(self, key: str) -> None:
        keys = [k.strip() for k in key.split(",") if k.strip()]
        if not keys:
            raise ValueError("no encryption key given")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise UnreadableAccount("stored Procore tokens cannot be decrypted") from None


@dataclass(frozen=True)
class LinkedAccount:
    """A stored account with its tokens decrypted."""

    team_id: str
    slack_user_id: str
    procore_user_id: int
    procore_user_name: str
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    version: int
    connected_at: datetime


@dataclass(frozen=True)
class LinkRequest:
    """Whose connect link a consumed `state` was."""

    team_id: str
    slack_user_id: str


def _aware(value: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; every stored timestamp is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _row(team_id: str, slack_user_id: str) -> Any:
    return sa.and_(
        col(ProcoreAccount.team_id) == team_id, col(ProcoreAccount.slack_user_id) == slack_user_id
    )


# -- accounts ------------------------------------------------------------------------------------


async def save(
    *,
    session: AsyncSession,
    cipher: TokenCipher,
    team_id: str,
    slack_user_id: str,
    procore_user_id: int,
    procore_user_name: str,
    access_token: str,
    refresh_token: str,
    expires_at: datetime,
) -> None:
    """Insert or replace the Slack user's account (replacing bumps `version`)."""
    now = utcnow()
    values = {
        "team_id": team_id,
        "slack_user_id": slack_user_id,
        "procore_user_id": procore_user_id,
        "procore_user_name": procore_user_name,
        "access_token": cipher.encrypt(access_token),
        "refresh_token": cipher.encrypt(refresh_token),
        "expires_at": expires_at,
        "version": 1,
        "refresh_claimed_until": None,
        "connected_at": now,
        "updated_at": now,
    }
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = (postgresql.insert if postgres else sqlite.insert)(ProcoreAccount).values(**values)
    replace: dict[str, Any] = {
        k: insert.excluded[k] for k in values if k not in ("team_id", "slack_user_id")
    }
    replace["version"] = col(ProcoreAccount.version) + 1
    upsert = insert.on_conflict_do_update(index_elements=["team_id", "slack_user_id"], set_=replace)
    try:
        await session.exec(upsert)
    except IntegrityError as exc:  # uq_procore_account_procore_user
        raise AccountTaken(
            f"Procore user {procore_user_id} is linked to another Slack user"
        ) from exc


async def holder_of(*, session: AsyncSession, team_id: str, procore_user_id: int) -> str | None:
    """The Slack user of the workspace the Procore account is linked to, if any."""
    query = select(ProcoreAccount.slack_user_id).where(
        col(ProcoreAccount.team_id) == team_id,
        col(ProcoreAccount.procore_user_id) == procore_user_id,
    )
    return (await session.exec(query)).first()


async def unreadable_count(*, session: AsyncSession, cipher: TokenCipher) -> tuple[int, int]:
    """(accounts whose tokens `cipher` cannot decrypt, all accounts): a start-up check."""
    rows = (await session.exec(select(ProcoreAccount.access_token))).all()
    unreadable = 0
    for token in rows:
        try:
            cipher.decrypt(token)
        except UnreadableAccount:
            unreadable += 1
    return unreadable, len(rows)


async def load(
    *, session: AsyncSession, cipher: TokenCipher, team_id: str, slack_user_id: str
) -> LinkedAccount | None:
    """The account with its tokens decrypted (`UnreadableAccount` if the key does not fit)."""
    query = select(ProcoreAccount).where(_row(team_id, slack_user_id))
    row = (await session.exec(query)).first()
    if row is None:
        return None
    return LinkedAccount(
        team_id=row.team_id,
        slack_user_id=row.slack_user_id,
        procore_user_id=row.procore_user_id,
        procore_user_name=row.procore_user_name,
        access_token=cipher.decrypt(row.access_token),
        refresh_token=cipher.decrypt(row.refresh_token),
        expires_at=_aware(row.expires_at),
        version=row.version,
        connected_at=_aware(row.connected_at),
    )


async def delete(
    *, session: AsyncSession, team_id: str, slack_user_id: str, version: int | None = None
) -> bool:
    """Remove the account (only if still at `version`, when given). True if a row went."""
    where = _row(team_id, slack_user_id)
    if version is not None:
        where = sa.and_(where, col(ProcoreAccount.version) == version)
    result: Any = await session.exec(sa.delete(ProcoreAccount).where(where))
    return bool(result.rowcount)


async def claim_refresh(
    *, session: AsyncSession, team_id: str, slack_user_id: str, version: int, hold: timedelta
) -> bool:
    """Take the right to spend the refresh token of `version`; False if another process holds
    it or the account changed since it was read."""
    now = utcnow()
    free = sa.or_(
        col(ProcoreAccount.refresh_claimed_until).is_(None),
        col(ProcoreAccount.refresh_claimed_until) < now,
    )
    stmt = (
        sa.update(ProcoreAccount)
        .where(_row(team_id, slack_user_id), col(ProcoreAccount.version) == version, free)
        .values(refresh_claimed_until=now + hold)
    )
    result: Any = await session.exec(stmt)
    return bool(result.rowcount)


async def release_refresh(
    *, session: AsyncSession, team_id: str, slack_user_id: str, version: int
) -> None:
    stmt = (
        sa.update(ProcoreAccount)
        .where(_row(team_id, slack_user_id), col(ProcoreAccount.version) == version)
        .values(refresh_claimed_until=None)
    )
    await session.exec(stmt)


async def rotate(
    *,
    session: AsyncSession,
    cipher: TokenCipher,
    account: LinkedAccount,
    access_token: str,
    refresh_token: str,
    expires_at: datetime,
) -> bool:
    """Store the pair a refresh returned, unless the row moved on from `account.version`
    (then False: the caller re-reads)."""
    stmt = (
        sa.update(ProcoreAccount)
        .where(
            _row(account.team_id, account.slack_user_id),
            col(ProcoreAccount.version) == account.version,
        )
        .values(
            access_token=cipher.encrypt(access_token),
            refresh_token=cipher.encrypt(refresh_token),
            expires_at=expires_at,
            version=account.version + 1,
            refresh_claimed_until=None,
            updated_at=utcnow(),
        )
    )
    result: Any = await session.exec(stmt)
    return bool(result.rowcount)


# -- OAuth state -----------------------------------------------------------------------------------


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


async def new_link_state(
    *, session: AsyncSession, team_id: str, slack_user_id: str, ttl: timedelta
) -> str:
    """A random, single-use `state` for the Slack user's connect link (expired ones are purged)."""
    now = utcnow()
    await session.exec(sa.delete(LinkState).where(col(LinkState.expires_at) < now))
    state = secrets.token_urlsafe(32)
    session.add(
        LinkState(
            state_hash=_hash(state),
            team_id=team_id,
            slack_user_id=slack_user_id,
            expires_at=now + ttl,
        )
    )
    return state


async def consume_link_state(*, session: AsyncSession, state: str) -> LinkRequest | None:
    """Whose link `state` was, deleting it; None if forged, already used or expired.

    One DELETE ... RETURNING: of two concurrent uses, only the one that deleted the row wins."""
    taken = sa.delete(LinkState).where(col(LinkState.state_hash) == _hash(state))
    returning = taken.returning(
        col(LinkState.team_id), col(LinkState.slack_user_id), col(LinkState.expires_at)
    )
    row = (await session.exec(returning)).first()
    if row is None or _aware(row.expires_at) <= utcnow():
        return None
    return LinkRequest(row.team_id, row.slack_user_id)


async def peek_link_state(*, session: AsyncSession, state: str) -> LinkRequest | None:
    """Whose link `state` is, leaving it usable; None if forged, used or expired."""
    query = select(LinkState).where(col(LinkState.state_hash) == _hash(state))
    row = (await session.exec(query)).first()
    if row is None or _aware(row.expires_at) <= utcnow():
        return None
    return LinkRequest(row.team_id, row.slack_user_id)
