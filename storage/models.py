"""Tables. An attempt is active while `finished_at` is NULL; a partial unique index lets only one
active attempt exist per CCO, so concurrent clicks (on any replica) cannot both unlink."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from storage.card_rows import CardRow, CardRowsJson
from storage.states import AttemptState, InstallationState, OutboxKind, RequestStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class StoredState(TypeDecorator[StrEnum]):
    """A state stored as its plain string (VARCHAR(16), as before the enums) and read back as
    the enum member, so comparisons are typed on both sides."""

    impl = String(16)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: StrEnum | str | None, dialect: Any) -> str | None:
        return None if value is None else str(self.enum(value))

    def process_result_value(self, value: str | None, dialect: Any) -> StrEnum | None:
        return None if value is None else self.enum(value)


def _state(enum: type[StrEnum], default: StrEnum) -> Any:
    return Field(default=default, sa_column=Column(StoredState(enum), nullable=False))


def _ts(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UtcDateTime(), **kwargs))


def _whole(default: str = "") -> Any:
    """A name, number or title from Procore or a user: TEXT, stored whole whatever its length
    (Procore documents no maximum; a 74-character CCO number must not break a click)."""
    return Field(default=default, sa_type=Text)


class ChannelLink(SQLModel, table=True):
    __tablename__ = "channel_link"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", name="uq_channel_link"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    company_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    project_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    project_name: str = _whole()
    linked_by: str = Field(max_length=32)
    linked_at: datetime = _ts(nullable=False, default=utcnow)
    #: what everyone in the channel reads (`/cco language`, one of `i18n.SUPPORTED`); None:
    #: each clicker's own language
    locale: str | None = Field(default=None, max_length=16)


class UserLink(SQLModel, table=True):
    __tablename__ = "user_link"
    __table_args__ = (UniqueConstraint("team_id", "slack_user_id", name="uq_user_link"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    slack_user_id: str = Field(max_length=32)
    procore_user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    email: str = Field(max_length=320)
    checked_at: datetime = _ts(nullable=False, default=utcnow)


class Card(SQLModel, table=True):
    """A posted `/cco unlink` card: which CCOs it lists, so rows can be re-rendered in place."""

    def lists(self, cco_id: int) -> bool:
        """Whether the card has shown this CCO (on any of its pages)."""
        if any(row.id == cco_id for row in self.rows):
            return True
        return cco_id in (self.listed or [])

    __tablename__ = "card"
    __table_args__ = (UniqueConstraint("channel_id", "message_ts", name="uq_card_message"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    message_ts: str = Field(max_length=32)
    company_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    project_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    project_name: str = _whole()
    query: str = _whole()
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: list[CardRow] = Field(
        default_factory=list, sa_column=Column(CardRowsJson, nullable=False)
    )
    #: every CCO id the card has shown, on any page: what its buttons (and a request made from
    #: its thread) may act on. None on cards an older release stored (then `rows` decide).
    listed: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_by: str = Field(max_length=32)
    created_at: datetime = _ts(nullable=False, default=utcnow)
    #: the language the card was posted in (its refreshes and page turns keep it); None on
    #: cards an older release stored (then DEFAULT_LOCALE)
    locale: str | None = Field(default=None, max_length=16)


class UnlinkAttempt(SQLModel, table=True):
    __tablename__ = "unlink_attempt"
    __table_args__ = (
        Index(
            "uq_unlink_attempt_active",
            "company_id",
            "cco_id",
            unique=True,
            sqlite_where=text("finished_at IS NULL"),
            postgresql_where=text("finished_at IS NULL"),
        ),
        Index("ix_unlink_attempt_project", "company_id", "project_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, unique=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    card_ts: str = Field(max_length=32)
    company_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    project_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    cco_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    cco_number: str = _whole()
    slack_user_id: str = Field(max_length=32)
    #: the request this attempt approves, if any
    request_id: int | None = None
    requested_by: str | None = Field(default=None, max_length=32)
    #: the click's response_url: where the reply goes when the bot cannot post in the channel
    response_url: str | None = None
    procore_user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    #: claimed -> unlinking -> unlinked | refused | failed
    state: AttemptState = _state(AttemptState, AttemptState.CLAIMED)
    outcome: str | None = Field(default=None, max_length=32)
    detail: str | None = None
    created_at: datetime = _ts(nullable=False, default=utcnow)
    updated_at: datetime = _ts(nullable=False, default=utcnow)
    lease_until: datetime = _ts(nullable=False, default=utcnow)
    #: the fencing token of the process holding the lease: renewing it, marking the Procore
    #: write and finishing the attempt all need it, so a holder whose lease was taken over by a
    #: recovering replica can do none of them (NULL on rows written before tokens existed)
    lease_token: str | None = Field(default=None, max_length=32)
    finished_at: datetime | None = _ts(nullable=True)
    #: the language of what the channel reads about this click (its thread reply, also when
    #: the outbox or a recovering replica posts it), decided at the claim; None on older rows
    locale: str | None = Field(default=None, max_length=16)


class AuditEvent(SQLModel, table=True):
    """Append-only: nothing updates or deletes these rows."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(nullable=False, default=utcnow)
    reference: str = Field(max_length=16, index=True)
    event: str = Field(max_length=32)
    team_id: str = Field(max_length=32)
    slack_user_id: str = Field(max_length=32)
    company_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    project_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    cco_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    cco_number: str = _whole()
    outcome: str | None = Field(default=None, max_length=32)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class OutboxMessage(SQLModel, table=True):
    """A Slack message owed to a user, written in the same transaction as the outcome."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, index=True)
    kind: OutboxKind = _state(OutboxKind, OutboxKind.THREAD_REPLY)
    channel_id: str = Field(max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
    response_url: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: the Procore company (so the tenant) the message is owed for; NULL on rows written
    #: before tenants existed and in single-company mode's alerts (one tenant: no doubt)
    company_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = _ts(nullable=False, default=utcnow)
    delivered_at: datetime | None = _ts(nullable=True)
    #: a replica delivering this message holds it until then (so no two replicas post it)
    claimed_until: datetime | None = _ts(nullable=True)
    tries: int = 0
    last_error: str | None = None


class ProcoreBudget(SQLModel, table=True):
    """The latest X-Rate-Limit-* figures any replica saw for a company (see storage.budget)."""

    __tablename__ = "procore_budget"

    company_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    limit: int = Field(sa_column=Column(Integer, nullable=False))
    remaining: int = Field(sa_column=Column(Integer, nullable=False))
    reset_at: float = Field(sa_column=Column(Float, nullable=False))


class SeenDelivery(SQLModel, table=True):
    """Keys of Slack deliveries already handled, so a retried or duplicated one does nothing."""

    __tablename__ = "seen_delivery"

    key: str = Field(primary_key=True, max_length=255)
    at: datetime = _ts(nullable=False, default=utcnow)


class UnlinkRequest(SQLModel, table=True):
    """Someone without the three permissions asks an approver to unlink a CCO."""

    __tablename__ = "unlink_request"
    __table_args__ = (
        Index(
            "uq_unlink_request_pending",
            "company_id",
            "cco_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, unique=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    card_ts: str = Field(max_length=32)
    #: the request message in the card's thread (its buttons go when the request closes)
    message_ts: str | None = Field(default=None, max_length=32)
    company_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    project_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    project_name: str = _whole()
    cco_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    cco_number: str = _whole()
    cco_title: str = _whole()
    #: the CCO's commitment as it was listed, so an approval needs no card row (cards page)
    contract_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    contract_type: str | None = Field(default=None, max_length=64)
    requester: str = Field(max_length=32)
    reason: str = Field(default="", max_length=1000)
    #: pending -> approved | denied | expired | moot (the CCO was no longer synced) | unposted
    #: (Slack refused the request message, so nobody could see it)
    status: RequestStatus = _state(RequestStatus, RequestStatus.PENDING)
    decided_by: str | None = Field(default=None, max_length=32)
    decision_reason: str | None = Field(default=None, max_length=1000)
    attempt_reference: str | None = Field(default=None, max_length=16)
    created_at: datetime = _ts(nullable=False, default=utcnow)
    expires_at: datetime = _ts(nullable=False, default=utcnow)
    decided_at: datetime | None = _ts(nullable=True)
    #: the language of the request message the channel reads (its redraws keep it), decided
    #: when it is opened; None on requests an older release stored (then DEFAULT_LOCALE)
    locale: str | None = Field(default=None, max_length=16)


class SlackInstallation(SQLModel, table=True):
    """Whether the app is still installed in a workspace: `app_uninstalled` / `tokens_revoked`
    mark it gone (the app then stops using its token); the audit and history stay."""

    __tablename__ = "slack_installation"

    team_id: str = Field(primary_key=True, max_length=32)
    state: InstallationState = _state(InstallationState, InstallationState.INSTALLED)
    changed_at: datetime = _ts(nullable=False, default=utcnow)
