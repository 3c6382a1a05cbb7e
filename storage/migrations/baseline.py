"""Revision 0001: the schema of release 82fc6ba, frozen here as plain SQLAlchemy tables so later
changes to the models never change what 0001 means.

That release (and every one before it) made its schema with `create_all` at start-up and then
brought tables an even older release had made up to date: missing nullable columns added, on
PostgreSQL VARCHAR(n) columns that became TEXT widened, missing indexes created. `bring_up` does
all of that against this frozen schema and is idempotent, so 0001 serves an empty database, a
database of 82fc6ba (nothing to do) and one of an older release alike.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

METADATA = sa.MetaData()


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer, primary_key=True)


def _s(name: str, length: int | None = None, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _text(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Text, nullable=False)


def _big(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.BigInteger, nullable=nullable)


def _ts(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _int(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer, nullable=nullable)


def _json(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.JSON, nullable=nullable)


sa.Table(
    "channel_link",
    METADATA,
    _id(),
    _s("team_id", 32),
    _s("channel_id", 32),
    _big("company_id"),
    _big("project_id"),
    _text("project_name"),
    _s("linked_by", 32),
    _ts("linked_at"),
    _s("locale", 16, nullable=True),
    sa.UniqueConstraint("team_id", "channel_id", name="uq_channel_link"),
)
sa.Table(
    "user_link",
    METADATA,
    _id(),
    _s("team_id", 32),
    _s("slack_user_id", 32),
    _big("procore_user_id"),
    _s("email", 320),
    _ts("checked_at"),
    sa.UniqueConstraint("team_id", "slack_user_id", name="uq_user_link"),
)
sa.Table(
    "card",
    METADATA,
    _id(),
    _s("team_id", 32),
    _s("channel_id", 32),
    _s("message_ts", 32),
    _big("company_id"),
    _big("project_id"),
    _text("project_name"),
    _text("query"),
    _int("page"),
    _int("pages"),
    _int("total"),
    _json("rows"),
    _json("listed", nullable=True),
    _s("created_by", 32),
    _ts("created_at"),
    _s("locale", 16, nullable=True),
    sa.UniqueConstraint("channel_id", "message_ts", name="uq_card_message"),
)
sa.Table(
    "unlink_attempt",
    METADATA,
    _id(),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    _s("team_id", 32),
    _s("channel_id", 32),
    _s("card_ts", 32),
    _big("company_id"),
    _big("project_id"),
    _big("cco_id"),
    _text("cco_number"),
    _s("slack_user_id", 32),
    _int("request_id", nullable=True),
    _s("requested_by", 32, nullable=True),
    _s("response_url", nullable=True),
    _big("procore_user_id", nullable=True),
    _s("state", 16),
    _s("outcome", 32, nullable=True),
    _s("detail", nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("lease_until"),
    _s("lease_token", 32, nullable=True),
    _ts("finished_at", nullable=True),
    _s("locale", 16, nullable=True),
    sa.Index(
        "uq_unlink_attempt_active",
        "company_id",
        "cco_id",
        unique=True,
        sqlite_where=sa.text("finished_at IS NULL"),
        postgresql_where=sa.text("finished_at IS NULL"),
    ),
    sa.Index("ix_unlink_attempt_project", "company_id", "project_id", "created_at"),
)
sa.Table(
    "audit_event",
    METADATA,
    _id(),
    _ts("at"),
    sa.Column("reference", sa.String(16), nullable=False, index=True),
    _s("event", 32),
    _s("team_id", 32),
    _s("slack_user_id", 32),
    _big("company_id"),
    _big("project_id"),
    _big("cco_id", nullable=True),
    _text("cco_number"),
    _s("outcome", 32, nullable=True),
    _json("detail"),
)
sa.Table(
    "outbox",
    METADATA,
    _id(),
    sa.Column("reference", sa.String(16), nullable=False, index=True),
    _s("kind", 16),
    _s("channel_id", 32),
    _s("thread_ts", 32, nullable=True),
    _s("response_url", nullable=True),
    _json("payload"),
    _ts("created_at"),
    _ts("delivered_at", nullable=True),
    _ts("claimed_until", nullable=True),
    _int("tries"),
    _s("last_error", nullable=True),
)
sa.Table(
    "procore_budget",
    METADATA,
    sa.Column("company_id", sa.BigInteger, primary_key=True, autoincrement=False),
    _int("limit"),
    _int("remaining"),
    sa.Column("reset_at", sa.Float, nullable=False),
)
sa.Table(
    "seen_delivery",
    METADATA,
    sa.Column("key", sa.String(255), primary_key=True),
    _ts("at"),
)
sa.Table(
    "unlink_request",
    METADATA,
    _id(),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    _s("team_id", 32),
    _s("channel_id", 32),
    _s("card_ts", 32),
    _s("message_ts", 32, nullable=True),
    _big("company_id"),
    _big("project_id"),
    _text("project_name"),
    _big("cco_id"),
    _text("cco_number"),
    _text("cco_title"),
    _big("contract_id", nullable=True),
    _s("contract_type", 64, nullable=True),
    _s("requester", 32),
    _s("reason", 1000),
    _s("status", 16),
    _s("decided_by", 32, nullable=True),
    _s("decision_reason", 1000, nullable=True),
    _s("attempt_reference", 16, nullable=True),
    _ts("created_at"),
    _ts("expires_at"),
    _ts("decided_at", nullable=True),
    _s("locale", 16, nullable=True),
    sa.Index(
        "uq_unlink_request_pending",
        "company_id",
        "cco_id",
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    ),
)
sa.Table(
    "slack_installation",
    METADATA,
    sa.Column("team_id", sa.String(32), primary_key=True),
    _s("state", 16),
    _ts("changed_at"),
)
sa.Table(
    "procore_account",
    METADATA,
    _id(),
    _s("team_id", 32),
    _s("slack_user_id", 32),
    _big("procore_user_id"),
    _s("procore_user_name", 255),
    _text("access_token"),
    _text("refresh_token"),
    _int("version"),
    _ts("expires_at"),
    _ts("refresh_claimed_until", nullable=True),
    _ts("connected_at"),
    _ts("updated_at"),
    sa.UniqueConstraint("team_id", "slack_user_id", name="uq_procore_account_user"),
    sa.Index("uq_procore_account_procore_user", "team_id", "procore_user_id", unique=True),
)
sa.Table(
    "link_state",
    METADATA,
    sa.Column("state_hash", sa.String(64), primary_key=True),
    _s("team_id", 32),
    _s("slack_user_id", 32),
    _ts("expires_at"),
)


def bring_up(conn: Connection) -> None:
    """Make the 0001 schema whatever the database holds of it (idempotent): missing tables,
    then missing nullable columns and TEXT widening, then missing indexes; finally check every
    table is there."""
    METADATA.create_all(conn, checkfirst=True)
    _upgrade_columns(conn)
    _create_missing_indexes(conn)
    missing = set(METADATA.tables) - set(sa.inspect(conn).get_table_names())
    if missing:
        raise RuntimeError(f"tables of revision 0001 missing after its upgrade: {sorted(missing)}")


def _upgrade_columns(conn: Connection) -> None:
    """Bring tables an older release created up to 0001 (`create_all` makes missing tables
    only): add missing nullable columns, and on PostgreSQL turn VARCHAR(n) columns 0001
    declares TEXT into TEXT (SQLite never enforces a VARCHAR length)."""
    inspector = sa.inspect(conn)
    for table in METADATA.sorted_tables:
        found = {c["name"]: c["type"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in found:
                _add_column(conn, table.name, column)
            elif (
                conn.dialect.name == "postgresql"
                and isinstance(column.type, sa.Text)
                and not isinstance(found[column.name], sa.Text)
            ):
                table_name, column_name = _q(conn, table.name), _q(conn, column.name)
                conn.execute(
                    sa.text(f"ALTER TABLE {table_name} ALTER COLUMN {column_name} TYPE TEXT")
                )


def _create_missing_indexes(conn: Connection) -> None:
    """`create_all` makes a table's indexes only with the table: add those an older release's
    tables lack (e.g. one Procore account per Slack user). A unique index the stored rows break
    stops the upgrade; nothing is deleted to make it fit."""
    inspector = sa.inspect(conn)
    for table in METADATA.sorted_tables:
        present = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in present:
                index.create(conn)


def _add_column(conn: Connection, table: str, column: sa.Column[Any]) -> None:
    if not column.nullable:
        raise RuntimeError(f"{table}.{column.name} is NOT NULL: add it with a default first")
    kind = column.type.compile(dialect=conn.dialect)
    if_absent = "IF NOT EXISTS " if conn.dialect.name == "postgresql" else ""
    conn.execute(
        sa.text(
            f"ALTER TABLE {_q(conn, table)} ADD COLUMN {if_absent}{_q(conn, column.name)} {kind}"
        )
    )


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)
