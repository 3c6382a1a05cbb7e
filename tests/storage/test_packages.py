"""The package index (storage.packages) on SQLite and PostgreSQL alike."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from storage import packages
from storage.db import Database, count_rows
from storage.packages import IndexedPackage

AT = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def package(
    package_id: int, *, synced: bool = True, at: datetime = AT, **kw: object
) -> IndexedPackage:
    values: dict[str, object] = {
        "project_id": 7,
        "package_id": package_id,
        "number": f"{package_id:03d}",
        "title": f"Change {package_id}",
        "status": "approved",
        "contract_id": 50,
        "contract_type": "WorkOrderContract",
        "commitment": "SC-001 Drywall",
        "vendor": "Acme",
        "amount": "100.00",
        "currency": "USD",
        "synced": synced,
        "origin_id": "ERP-1" if synced else None,
        "updated_at": at,
    }
    return IndexedPackage(**(values | kw))  # type: ignore[arg-type]


async def test_a_fill_of_ten_thousand_rows_is_quick_and_listed_rows_are_the_synced_commitment_ones(
    db: Database,
) -> None:
    rows = [package(i, synced=i % 5 == 0) for i in range(1, 10_001)]
    rows[4] = package(5, synced=True, contract_type=None)  # a prime contract's: never listed
    started = time.perf_counter()
    async with db.transaction() as s:
        await packages.upsert_packages(session=s, packages=rows)
        await packages.save_project(
            session=s, project_id=7, project_name="Tower", is_erp_integrated=True, filled_at=AT
        )
    took = time.perf_counter() - started
    async with db.session() as s:
        listed = await packages.listed_packages(session=s, project_id=7)
        count = await count_rows(session=s, model=IndexedPackage)
        project = await packages.get_project(session=s, project_id=7)
    assert count == 10_000
    assert len(listed) == 1_999 and all(r.package_id % 5 == 0 and r.contract_type for r in listed)
    assert project is not None and project.filled_at == AT and project.reconciled_at == AT
    assert took < 3, f"10,000 rows took {took:.1f} s to fill"


async def test_a_fill_keeps_a_row_a_delivery_stored_newer(db: Database) -> None:
    async with db.transaction() as s:
        await packages.upsert_packages(
            session=s, packages=[package(1, synced=False, at=AT + timedelta(seconds=5))]
        )
    async with db.transaction() as s:  # the fill read before that delivery
        await packages.upsert_packages(session=s, packages=[package(1, synced=True), package(2)])
    async with db.session() as s:
        first = await packages.get_package(session=s, project_id=7, package_id=1)
        second = await packages.get_package(session=s, project_id=7, package_id=2)
    assert first is not None and not first.synced
    assert second is not None and second.synced


async def test_our_unlink_marks_the_row_unsynced(db: Database) -> None:
    async with db.transaction() as s:
        await packages.upsert_packages(session=s, packages=[package(1)])
    async with db.transaction() as s:
        marked = await packages.mark_unsynced(session=s, project_id=7, package_id=1, at=AT)
        unknown = await packages.mark_unsynced(session=s, project_id=7, package_id=2, at=AT)
    async with db.session() as s:
        row = await packages.get_package(session=s, project_id=7, package_id=1)
    assert (marked, unknown) == (True, False)
    assert row is not None and not row.synced and row.origin_id is None


async def test_one_replica_at_a_time_reconciles_a_project(db: Database) -> None:
    async with db.transaction() as s:
        await packages.save_project(
            session=s, project_id=7, project_name="Tower", is_erp_integrated=True, filled_at=AT
        )
    async with db.transaction() as s:
        first = await packages.claim_reconcile(session=s, project_id=7, hold=timedelta(minutes=1))
    async with db.transaction() as s:
        second = await packages.claim_reconcile(session=s, project_id=7, hold=timedelta(minutes=1))
    assert first is not None and first.reconciled_at == AT
    assert second is None  # held
    later = datetime.now(UTC)
    async with db.transaction() as s:
        await packages.finish_reconcile(session=s, project_id=7, at=later)
        again = await packages.claim_reconcile(session=s, project_id=7, hold=timedelta(minutes=1))
    assert again is not None and again.reconciled_at == later


async def test_forgetting_a_project_drops_its_rows_only(db: Database) -> None:
    async with db.transaction() as s:
        await packages.upsert_packages(session=s, packages=[package(1), package(2, project_id=8)])
        await packages.save_project(
            session=s, project_id=7, project_name="Tower", is_erp_integrated=True, filled_at=AT
        )
    async with db.transaction() as s:
        await packages.forget_project(session=s, project_id=7)
    async with db.session() as s:
        assert await packages.get_project(session=s, project_id=7) is None
        assert await packages.get_package(session=s, project_id=7, package_id=1) is None
        assert await packages.get_package(session=s, project_id=8, package_id=2) is not None


async def test_only_one_transaction_adds_a_new_package(db: Database) -> None:
    async with db.transaction() as s:
        first = await packages.add_package_if_absent(session=s, package=package(1))
    async with db.transaction() as s:
        second = await packages.add_package_if_absent(session=s, package=package(1, synced=False))
        row = await packages.get_package(session=s, project_id=7, package_id=1)
    assert (first, second) == (True, False)
    assert row is not None and row.synced  # the second left the first's row alone


async def test_a_fill_never_brings_back_a_deleted_row_unless_its_reading_is_newer(
    db: Database,
) -> None:
    async with db.transaction() as s:  # deletions applied while the fill read: tombstones
        await packages.upsert_packages(
            session=s,
            packages=[
                package(1, deleted=True, at=AT + timedelta(seconds=5)),
                package(2, deleted=True, at=AT + timedelta(seconds=5)),
            ],
        )
    async with db.transaction() as s:  # the fill: 1 read before its deletion, 2 restored after
        await packages.upsert_packages(
            session=s,
            packages=[
                package(1),
                package(2, at=AT + timedelta(seconds=9)),
                package(3, updated_at=None),
            ],
        )
        await packages.upsert_packages(session=s, packages=[package(1, updated_at=None)])
    async with db.session() as s:
        states = await packages.package_states(session=s, project_id=7, package_ids=[1, 2, 3])
    assert (states[1].deleted, states[2].deleted, states[3].deleted) == (True, False, False)
