"""The index of linked projects' change order packages (issue 14): one row per package, filled
once by a paged read when a project is linked, kept fresh by Procore's deliveries and a periodic
reconciliation, read by the card instead of Procore. Callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import UtcDateTime, utcnow


def _ts(**kwargs: Any) -> Any:
    return Field(sa_column=sa.Column(UtcDateTime(), **kwargs))


def _big(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=nullable))


class IndexedProject(SQLModel, table=True):
    """A project whose packages are indexed (or being indexed: `filled_at` NULL until the
    paged read is stored)."""

    __tablename__ = "indexed_project"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False, unique=True))
    project_name: str = Field(default="", sa_type=sa.Text)
    is_erp_integrated: bool = False
    filled_at: datetime | None = _ts(nullable=True)
    reconciled_at: datetime | None = _ts(nullable=True)
    #: a replica reconciling the project holds it until then (so two don't both do it)
    reconcile_claimed_until: datetime | None = _ts(nullable=True)
    #: a replica making or removing the project's hooks holds them until then (so two replicas
    #: starting together do not both create one: every event would be delivered twice)
    hooks_claimed_until: datetime | None = _ts(nullable=True)


class IndexedPackage(SQLModel, table=True):
    """A change order package as Procore last showed it, with its commitment's words."""

    __tablename__ = "indexed_package"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "package_id", name="uq_indexed_package"),
        sa.Index("ix_indexed_package_synced", "project_id", "synced"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    package_id: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))
    number: str = Field(default="", sa_type=sa.Text)
    title: str = Field(default="", sa_type=sa.Text)
    status: str = Field(default="", sa_type=sa.Text)
    contract_id: int | None = _big(nullable=True)
    #: "WorkOrderContract" | "PurchaseOrderContract"; None: not a commitment the app can read
    #: (e.g. a prime contract's change order), never listed
    contract_type: str | None = Field(default=None, max_length=64)
    #: "SC-001 Drywall & framing": the commitment's number and title
    commitment: str | None = Field(default=None, sa_type=sa.Text)
    vendor: str | None = Field(default=None, sa_type=sa.Text)
    #: the grand total as a decimal string ("12500.00")
    amount: str = Field(default="0.00", sa_type=sa.Text)
    #: Procore's ISO 4217 code; None when it names none
    currency: str | None = Field(default=None, max_length=8)
    synced: bool = False
    origin_id: str | None = Field(default=None, sa_type=sa.Text)
    #: Procore's `updated_at` of the package: an older reading never overwrites a newer one
    updated_at: datetime | None = _ts(nullable=True)
    deleted: bool = False
    indexed_at: datetime = _ts(nullable=False, default=utcnow)


_COLUMNS = [c.name for c in IndexedPackage.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]
_KEY = ("project_id", "package_id")


async def get_project(*, session: AsyncSession, project_id: int) -> IndexedProject | None:
    query = select(IndexedProject).where(IndexedProject.project_id == project_id)
    return (await session.exec(query)).first()


async def save_project(
    *,
    session: AsyncSession,
    project_id: int,
    project_name: str,
    is_erp_integrated: bool,
    filled_at: datetime | None,
) -> None:
    """Insert or update the project's row; a fill counts as a reconciliation at `filled_at`."""
    values = {
        "project_id": project_id,
        "project_name": project_name,
        "is_erp_integrated": is_erp_integrated,
        "filled_at": filled_at,
        "reconciled_at": filled_at,
    }
    insert = _insert(session, IndexedProject).values(**values)
    latest = {k: insert.excluded[k] for k in values if k != "project_id"}
    await session.exec(insert.on_conflict_do_update(index_elements=["project_id"], set_=latest))


async def upsert_packages(*, session: AsyncSession, packages: Sequence[IndexedPackage]) -> None:
    """Insert or replace many rows at once (a fill): one INSERT ... ON CONFLICT compiled once
    and executed for every row (SQLAlchemy sends them as multi-row batches); a stored row whose
    Procore `updated_at` is not older than the one read is kept. 10,000 rows: ~0.15 s on
    SQLite, ~0.3 s on PostgreSQL (a statement with the rows as VALUES took 3.5 s to compile)."""
    if not packages:
        return
    now = utcnow()
    rows = [{name: getattr(p, name) for name in _COLUMNS} for p in packages]
    for row in rows:
        row["indexed_at"] = row["indexed_at"] or now
    insert = _insert(session, IndexedPackage)
    replace = {k: insert.excluded[k] for k in _COLUMNS if k not in _KEY}
    # a delivery applied while the fill read may have stored a newer state: keep it; a deleted
    # row (a tombstone) only gives way to a reading strictly newer than it (a restore)
    stored, read = col(IndexedPackage.updated_at), insert.excluded.updated_at
    later = sa.and_(read.is_not(None), sa.or_(stored.is_(None), stored < read))
    live = col(IndexedPackage.deleted).is_(False)
    newer = sa.or_(later, sa.and_(live, sa.or_(read.is_(None), stored.is_(None))))
    upsert = insert.on_conflict_do_update(index_elements=list(_KEY), set_=replace, where=newer)
    connection = await session.connection()
    await connection.execute(upsert, rows)


async def get_package(
    *, session: AsyncSession, project_id: int, package_id: int
) -> IndexedPackage | None:
    query = select(IndexedPackage).where(
        IndexedPackage.project_id == project_id, IndexedPackage.package_id == package_id
    )
    return (await session.exec(query)).first()


async def lock_package(
    *, session: AsyncSession, project_id: int, package_id: int
) -> IndexedPackage | None:
    """The row, locked until the transaction ends (PostgreSQL; SQLite's writer lock suffices),
    so two replicas refreshing one package decide its transition one after the other."""
    query = (
        select(IndexedPackage)
        .where(IndexedPackage.project_id == project_id, IndexedPackage.package_id == package_id)
        .with_for_update()
    )
    return (await session.exec(query)).first()


async def add_package_if_absent(*, session: AsyncSession, package: IndexedPackage) -> bool:
    """Insert a package's first row; False when another transaction stored it meanwhile (two
    replicas applying events of one new package: only one sees it new)."""
    values = {name: getattr(package, name) for name in _COLUMNS}
    values["indexed_at"] = values["indexed_at"] or utcnow()
    insert = _insert(session, IndexedPackage).values(**values)
    result: Any = await session.exec(insert.on_conflict_do_nothing(index_elements=list(_KEY)))
    return bool(result.rowcount)


async def project_packages(*, session: AsyncSession, project_id: int) -> Sequence[IndexedPackage]:
    """Every row of the project (before its fill: the ones deliveries stored meanwhile)."""
    query = select(IndexedPackage).where(IndexedPackage.project_id == project_id)
    return (await session.exec(query)).all()


def save_package(*, session: AsyncSession, package: IndexedPackage) -> None:
    """Write a row read (or made) in this transaction."""
    session.add(package)


async def known_commitment(
    *, session: AsyncSession, project_id: int, contract_id: int
) -> IndexedPackage | None:
    """Any row of the project on that contract with its commitment's words, if one is known."""
    query = (
        select(IndexedPackage)
        .where(
            IndexedPackage.project_id == project_id,
            IndexedPackage.contract_id == contract_id,
            col(IndexedPackage.contract_type).is_not(None),
        )
        .limit(1)
    )
    return (await session.exec(query)).first()


@dataclass(frozen=True, slots=True)
class ListedPackage:
    """A row as the card reads it: plain values, no ORM object (2,000 of them per card)."""

    package_id: int
    number: str
    title: str
    status: str
    contract_id: int | None
    contract_type: str | None
    commitment: str | None
    vendor: str | None
    amount: str
    currency: str | None
    updated_at: datetime | None


_LISTED = [getattr(IndexedPackage, f.name) for f in fields(ListedPackage)]


async def listed_packages(*, session: AsyncSession, project_id: int) -> list[ListedPackage]:
    """What a card may list: the project's synced, present packages on a commitment (read as
    plain rows on the Core connection: a third of the time of ORM objects)."""
    query = sa.select(*_LISTED).where(
        col(IndexedPackage.project_id) == project_id,
        col(IndexedPackage.synced).is_(True),
        col(IndexedPackage.deleted).is_(False),
        col(IndexedPackage.contract_type).is_not(None),
    )
    connection = await session.connection()
    return [ListedPackage(*row) for row in await connection.execute(query)]


async def mark_unsynced(
    *,
    session: AsyncSession,
    project_id: int,
    package_id: int,
    at: datetime,
    updated_at: datetime | None = None,
) -> bool:
    """Our own unlink succeeded: the row shows the package unsynced (no change left for the
    delivery that follows to find), as of `updated_at` (Procore's, read by the unlink's
    confirming re-read) when that is newer than the row's, so a reading taken before the
    unlink is older and cannot bring the synced state back. False when not indexed."""
    stored = col(IndexedPackage.updated_at)
    newest: Any = stored
    if updated_at is not None:
        later = sa.or_(stored.is_(None), stored < updated_at)
        newest = sa.case((later, sa.literal(updated_at, UtcDateTime())), else_=stored)
    stmt = (
        sa.update(IndexedPackage)
        .where(
            col(IndexedPackage.project_id) == project_id,
            col(IndexedPackage.package_id) == package_id,
        )
        .values(synced=False, origin_id=None, indexed_at=at, updated_at=newest)
    )
    result: Any = await session.exec(stmt)
    return bool(result.rowcount)


async def claim_reconcile(
    *, session: AsyncSession, project_id: int, hold: timedelta
) -> IndexedProject | None:
    """Take the project's reconciliation for `hold` (None when another replica holds it or the
    project is not indexed); the row returned carries the last `reconciled_at`."""
    now = utcnow()
    free = sa.or_(
        col(IndexedProject.reconcile_claimed_until).is_(None),
        col(IndexedProject.reconcile_claimed_until) < now,
    )
    stmt = (
        sa.update(IndexedProject)
        .where(col(IndexedProject.project_id) == project_id, free)
        .where(col(IndexedProject.filled_at).is_not(None))
        .values(reconcile_claimed_until=now + hold)
    )
    result: Any = await session.exec(stmt)
    if not result.rowcount:
        return None
    return await get_project(session=session, project_id=project_id)


async def finish_reconcile(*, session: AsyncSession, project_id: int, at: datetime) -> None:
    stmt = (
        sa.update(IndexedProject)
        .where(col(IndexedProject.project_id) == project_id)
        .values(reconciled_at=at, reconcile_claimed_until=None)
    )
    await session.exec(stmt)


async def claim_hooks(*, session: AsyncSession, project_id: int, hold: timedelta) -> bool:
    """Take the project's hooks for `hold` (its row is made when absent, not yet filled);
    False while another replica holds them."""
    values = {"project_id": project_id, "project_name": "", "is_erp_integrated": False}
    insert = _insert(session, IndexedProject).values(**values)
    await session.exec(insert.on_conflict_do_nothing(index_elements=["project_id"]))
    now = utcnow()
    until = col(IndexedProject.hooks_claimed_until)
    stmt = (
        sa.update(IndexedProject)
        .where(col(IndexedProject.project_id) == project_id)
        .where(sa.or_(until.is_(None), until < now))
        .values(hooks_claimed_until=now + hold)
    )
    result: Any = await session.exec(stmt)
    return bool(result.rowcount)


async def release_hooks(*, session: AsyncSession, project_id: int) -> None:
    stmt = (
        sa.update(IndexedProject)
        .where(col(IndexedProject.project_id) == project_id)
        .values(hooks_claimed_until=None)
    )
    await session.exec(stmt)


async def forget_project(*, session: AsyncSession, project_id: int) -> None:
    """Drop the project's index (its last channel was unlinked)."""
    await session.exec(
        sa.delete(IndexedPackage).where(col(IndexedPackage.project_id) == project_id)
    )
    await session.exec(
        sa.delete(IndexedProject).where(col(IndexedProject.project_id) == project_id)
    )


def _insert(session: AsyncSession, table: type[SQLModel]) -> Any:
    postgres = session.get_bind().dialect.name == "postgresql"
    return (postgresql.insert if postgres else sqlite.insert)(table)


@dataclass(frozen=True, slots=True)
class PackageNow:
    """A package's sync state as the index shows it now (for a card's rows)."""

    package_id: int
    synced: bool
    deleted: bool
    #: when it took this state: Procore's `updated_at`; for a deleted package (Procore's 404
    #: carries no time) or one without it, when the index learned of it
    changed_at: datetime
    #: when the index last read the package (any delivery or reconciliation)
    indexed_at: datetime


async def package_states(
    *, session: AsyncSession, project_id: int, package_ids: Sequence[int]
) -> dict[int, PackageNow]:
    """The index rows of these packages of the project, in one query; a package not indexed is
    absent from the answer."""
    if not package_ids:
        return {}
    columns = ("package_id", "synced", "deleted", "updated_at", "indexed_at")
    query = sa.select(*(getattr(IndexedPackage, name) for name in columns)).where(
        col(IndexedPackage.project_id) == project_id,
        col(IndexedPackage.package_id).in_(list(package_ids)),
    )
    connection = await session.connection()
    states: dict[int, PackageNow] = {}
    for package_id, synced, deleted, updated_at, indexed_at in await connection.execute(query):
        changed_at = indexed_at if deleted or updated_at is None else updated_at
        states[package_id] = PackageNow(
            package_id, bool(synced), bool(deleted), changed_at, indexed_at
        )
    return states
